"""The share site and the kit as render_pages writes them: content, privacy, escaping, determinism."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from PIL import Image

from coffeerun import api
from coffeerun.markdown_text import plain_text
from coffeerun.plan import CampaignJob
from coffeerun.render import engine, media
from coffeerun.render.colors import contrast, palette
from coffeerun.render.pages import render_pages
from coffeerun.tokens import campaign_links

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 23)
SITE_URL = "https://advocates.vendor.example/"
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".xml", ".txt", ".vtt", ".md"}


# -- helpers ---------------------------------------------------------------------------------------

def copy_example(root: Path) -> Path:
    root.mkdir(parents=True)
    for name in ("campaigns", "content", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def render_project(root: Path, out: Path, states=("publish", "draft"), before=None) -> dict[str, CampaignJob]:
    """Render every publishable (and draft) campaign of a project; campaign id -> its job."""
    result = api.check(root, today=TODAY)
    assert not result.problems.errors, [str(p) for p in result.problems.errors]
    jobs = {}
    for info in result.campaigns:
        if info.state.kind not in states:
            continue
        links = campaign_links(b"test-secret", info.id, info.model.link_version, SITE_URL,
                               [a.id for a in info.model.advocates])
        job = CampaignJob(info, result.brand.model_dump(mode="json"), result.brand_logo, result.paths, links, TODAY,
                          out / links.share_token, out / links.kit_token)
        if before:
            before(job)
        render_pages(job)
        jobs[info.id] = job
    return jobs


class Page(HTMLParser):
    """Tags with their attributes, and the text, of one HTML file."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.texts).append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def find(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def pages_of(folder: Path) -> dict[str, Page]:
    return {p.relative_to(folder).as_posix(): Page(p.read_text(encoding="utf-8"))
            for p in sorted(folder.rglob("*.html"))}


def text_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in TEXT_SUFFIXES}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict[str, CampaignJob]:
    base = tmp_path_factory.mktemp("example")
    root = copy_example(base / "project")

    def assets(job: CampaignJob) -> None:  # what the assets step leaves before the pages render
        (job.downloads_dir / "slides").mkdir(parents=True)
        (job.downloads_dir / "deck.pptx").write_bytes(b"p" * 2048)
        (job.downloads_dir / "deck.pdf").write_bytes(b"d" * 1500)
        (job.downloads_dir / "slides" / "01-title.png").write_bytes(b"s" * 10)
        job.share_dir.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (1200, 630), "#123456").save(job.preview_image)

    return render_project(root, base / "out", before=assets)


@pytest.fixture(scope="module")
def northwind(example) -> CampaignJob:
    return example["northwind-treasury-close"]


# -- structure -------------------------------------------------------------------------------------

def test_every_audience_has_its_page(example):
    assert {"northwind-treasury-close", "kaede-getsuji-kessan"} <= set(example)
    for job in example.values():
        for audience in job.campaign.model.audiences:
            page = job.share_dir / audience.id / "index.html"
            assert page.is_file(), page
            assert audience.name in Page(page.read_text(encoding="utf-8")).text
        assert (job.share_dir / "index.html").is_file()
        assert (job.kit_dir / "index.html").is_file()


def test_share_site_pages_and_links(northwind):
    share = northwind.share_dir
    home = Page((share / "index.html").read_text(encoding="utf-8"))
    hrefs = {a["href"] for a in home.find("a")}
    for audience in northwind.campaign.model.audiences:
        assert f"./{audience.id}/" in hrefs
    assert {"./videos/", "./next-steps/"} <= hrefs
    videos = Page((share / "videos" / "index.html").read_text(encoding="utf-8")).text
    transcript = (northwind.project.root / "content/media/transcripts/northwind-priya-raman.md").read_text()
    assert plain_text(transcript.split("\n\n")[1])[:60] in videos
    nxt = Page((share / "next-steps" / "index.html").read_text(encoding="utf-8"))
    assert (share / "files" / "northwind-treasury-results.pdf").is_file()
    assert any(a.get("href") == "../files/northwind-treasury-results.pdf" for a in nxt.find("a"))
    booking = [a for a in nxt.find("a") if a.get("href") == "https://cal.tallybrook.example/owen-mercer"]
    assert booking and "noopener" in booking[0]["rel"] and "noreferrer" in booking[0]["rel"]


def test_audience_page_shows_its_own_first_and_only_its_content(northwind):
    it = Page((northwind.share_dir / "it" / "index.html").read_text(encoding="utf-8")).text
    assert "Already approved by InfoSec" in it  # quote for [it]
    assert "$1.2M stopped" not in it  # quote for [procurement] only
    assert "Our branches still mail petty cash" in it  # quote without audiences: every page
    assert "Live webinar: a three-day close" not in it  # resource for [finance]
    people = it.split("Colleagues you can ask", 1)[1]
    assert people.index("Marcus Okafor") < people.index("Priya Raman")  # IT's own advocate first


def test_advocate_photos_are_reencoded_squares_without_metadata(northwind):
    photo = northwind.share_dir / "img" / "p-priya-raman.webp"
    with Image.open(photo) as image:
        assert image.size == (256, 256) and image.format == "WEBP"
        assert not image.info.get("exif") and not image.info.get("icc_profile")


def test_no_authored_svg_is_published(example):
    for job in example.values():
        for folder in (job.share_dir, job.kit_dir):
            assert not list(folder.rglob("*.svg"))
            assert (folder / "img" / "logo-account.png").is_file()


# -- privacy ---------------------------------------------------------------------------------------

def test_every_page_has_the_private_meta_tags(example):
    for job in example.values():
        for folder in (job.share_dir, job.kit_dir):
            for name, page in pages_of(folder).items():
                metas = {(m.get("name"), m.get("content")) for m in page.find("meta")}
                assert ("robots", "noindex, nofollow") in metas, name
                assert ("referrer", "no-referrer") in metas, name


LOADING = {"img": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "video": ("src", "poster"),
           "audio": ("src",), "source": ("src", "srcset"), "track": ("src",), "embed": ("src",),
           "object": ("data",), "input": ("src",)}


def test_nothing_loads_from_another_host_before_a_click(example):
    for job in example.values():
        for folder in (job.share_dir, job.kit_dir):
            for name, page in pages_of(folder).items():
                assert not page.find("iframe"), f"{name}: an iframe before any click"
                for tag, attrs in page.tags:
                    for attr in LOADING.get(tag, ()):
                        value = attrs.get(attr, "").strip().lower()
                        assert not re.match(r"^(https?:)?//", value), f"{name}: <{tag} {attr}={value}>"
                    if tag == "link":
                        value = attrs.get("href", "").strip().lower()
                        assert not re.match(r"^(https?:)?//", value), f"{name}: <link href={value}>"
                    if tag in ("a",) and re.match(r"^https?://", attrs.get("href", "")) and attrs.get("target"):
                        assert "noreferrer" in attrs.get("rel", ""), f"{name}: {attrs}"
            for name, text in text_files(folder).items():
                if name.endswith(".css"):
                    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", text), name
                assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, name


def test_no_sitemap_and_no_search_index(example):
    for job in example.values():
        for folder in (job.share_dir, job.kit_dir):
            assert not list(folder.rglob("sitemap.xml*"))
            assert not list(folder.rglob("search_index.json"))


def test_share_site_carries_no_talk_track_messages_or_kit_token(example):
    for job in example.values():
        c = job.campaign.model
        secret = [job.links.kit_token]
        track = c.talk_track
        for text in [track.opener, track.ask, *(p.say for p in track.points), *(o.answer for o in track.objections)]:
            if text:
                secret.append(plain_text(text)[:40])
        secret += [o.question for o in track.objections]
        for m in track.messages:
            secret += [line.strip() for line in m.body.splitlines() if len(line.strip()) > 25
                       and "{" not in line][:2]
        files = text_files(job.share_dir)
        every_name = "\n".join(p.as_posix() for p in job.share_dir.rglob("*"))
        assert job.links.kit_token not in every_name
        for name, text in files.items():
            visible = Page(text).text if name.endswith(".html") else text
            for needle in secret:
                assert needle not in visible and needle not in text, f"{name} shows kit text {needle!r}"


def test_kit_has_links_messages_and_what_is_published(northwind):
    kit = Page((northwind.kit_dir / "index.html").read_text(encoding="utf-8"))
    text = kit.text
    assert northwind.links.share_url in text
    for audience in northwind.campaign.model.audiences:
        assert northwind.links.audience_url(audience.id) in text
    assert "{share_link}" not in text and "{account}" not in text and "{advocate}" not in text
    assert "[colleague's name]" in text
    copy = [b for b in kit.find("button") if "data-cr-copy" in b]
    assert "link-share" in [b["data-cr-copy"] for b in copy]
    source = (northwind.kit_dir / "index.html").read_text(encoding="utf-8")
    label = re.search(r'data-cr-copy="link-share".*?</button>', source, re.S).group(0)
    assert "Copy link" in label and '<span class="cr-sr-only">: Share link for everyone</span>' in label
    # Consent dates of every advocate, the owner as contact, the downloads with names and sizes.
    assert "October 14, 2026" in text and "October 14, 2027" in text
    assert "renata.alves@tallybrook.example" in text
    assert "Slide deck (PowerPoint, editable)" in text and "2 KB" in text and "Slide 1: Title" in text
    assert (northwind.kit_dir / "downloads" / "deck.pptx").is_file()  # the assets step's files stay


def test_mailto_links_are_properly_encoded(northwind):
    kit = Page((northwind.kit_dir / "index.html").read_text(encoding="utf-8"))
    mailtos = [a["href"] for a in kit.find("a") if a.get("href", "").startswith("mailto:?subject=How")]
    assert mailtos
    query = urlsplit(mailtos[0]).query
    assert " " not in query and "\n" not in query and "+" not in query
    fields = {k: unquote(v) for k, v in (pair.split("=", 1) for pair in query.split("&"))}
    assert fields["subject"] == "How Treasury got month-end down to 3 days (worth 20 minutes?)"
    assert northwind.links.attributed_url("priya-raman") in fields["body"] and "\r\n\r\n" in fields["body"]
    assert fields["body"].endswith("Priya Raman")


def test_share_home_names_its_preview_image(northwind):
    home = Page((northwind.share_dir / "index.html").read_text(encoding="utf-8"))
    og = {m.get("property"): m.get("content") for m in home.find("meta") if m.get("property")}
    assert og["og:image"] == northwind.links.share_url + "preview.png"
    assert (northwind.share_dir / "preview.png").is_file()


def test_language_drives_theme_and_our_strings(example):
    kaede = example["kaede-getsuji-kessan"]
    home = (kaede.share_dir / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja"' in home and "次のステップ" in home and "社内限定" in home
    assert engine.theme_language("ja") == "ja"
    assert engine.theme_language("de-CH") == "de"
    assert engine.theme_language("pt-BR") == "pt-BR"
    assert engine.theme_language("zh-Hant-TW") == "zh-Hant"
    assert engine.theme_language("tlh") == "en"


# -- escaping --------------------------------------------------------------------------------------

TEXT = '<script>alert("t")</script><b>b</b> &amp; <img src=x onerror=alert(2)> {{ config }} {% raw %}r{% endraw %}'
MD = '<script>alert("m")</script> *em* <img src=x onerror=alert(3)> {{ config.site_name }} {% raw %} &amp;'
MSG = '<script>alert("s")</script><b>b</b> &amp; <img src=x onerror=alert(4)>'  # braces: only placeholders


def hostile_project(root: Path) -> Path:
    """A project whose every text field carries markup and template syntax."""
    copy_example(root)
    for old in (root / "campaigns").glob("*.yaml"):
        old.unlink()
    (root / "content/accounts/evil").mkdir(parents=True)
    (root / "content/accounts/evil/account.yaml").write_text(yaml.safe_dump(
        {"name": "Evil " + TEXT, "colors": {"primary": "#F5A623"}}), encoding="utf-8")
    person = {"title": TEXT, "department": TEXT, "consent": {"granted": "2026-10-01", "expires": "2027-10-01"}}
    campaign = {
        "title": "T " + TEXT, "account": "evil", "status": "live", "expires": "2027-01-31",
        "owner": {"name": TEXT, "email": "owner@vendor.example"},
        "audiences": [{"id": "ops", "name": TEXT, "pitch": MD}, {"id": "it", "name": "IT"}],
        "advocates": [{"id": "a-one", "name": TEXT, **person},
                      {"id": "a-two", "name": "Second Person", **person, "department": "ops"}],
        "quotes": [{"by": "a-one", "text": TEXT, "highlight": TEXT}],
        "metrics": [{"value": TEXT, "label": TEXT, "by": "a-two"}],
        "videos": [{"by": "a-one", "title": TEXT, "url": "https://vimeo.com/76979871", "transcript": TEXT},
                   {"by": "a-two", "title": "File", "url": "https://media.example.com/v.mp4",
                    "transcript": "content/media/transcripts/northwind-priya-raman.md"}],
        "talk_track": {"opener": MD, "points": [{"say": MD}], "objections": [{"question": TEXT, "answer": MD}],
                       "ask": MD, "messages": [{"channel": "email", "subject": MSG + " {account}",
                                                "body": MSG + "\n\n{share_link} {advocate} {colleague}"}]},
        "resources": [{"title": TEXT, "url": "https://vendor.example/x", "kind": "guide", "description": MD}],
        "contacts": [{"name": TEXT, "role": TEXT, "email": "c@vendor.example"}],
    }
    (root / "campaigns/hostile.yaml").write_text(yaml.safe_dump(campaign, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> CampaignJob:
    base = tmp_path_factory.mktemp("hostile")
    return render_project(hostile_project(base / "project"), base / "out")["hostile"]


def test_markup_and_template_syntax_in_text_are_shown_as_written(hostile):
    for folder in (hostile.share_dir, hostile.kit_dir):
        for name, page in pages_of(folder).items():
            for tag, attrs in page.tags:
                assert not any(a.startswith("on") for a in attrs), f"{name}: <{tag} {attrs}>"
                assert tag != "b" and not (tag == "img" and attrs.get("src") == "x"), f"{name}: <{tag}>"
                assert not attrs.get("href", "").lower().startswith("javascript:"), name
            assert not any("alert" in s for s in page.scripts), f"{name}: a script runs campaign text"
            if name == "404.html":
                continue
            text = page.text
            assert '<script>alert("t")</script><b>b</b> &amp; <img src=x onerror=alert(2)>' in text, name
            assert "{{ config }}" in text and "{% raw %}r{% endraw %}" in text, name
            assert "site_url" not in text and "'theme'" not in text, f"{name}: a template was evaluated"
    home = (hostile.share_dir / "index.html").read_text(encoding="utf-8")
    assert "<title>T &lt;script&gt;" in home
    assert ('content="T &lt;script&gt;alert(&#34;t&#34;)' in home
            or 'content="T &lt;script&gt;alert(&quot;t&quot;)' in home)
    kit = Page((hostile.kit_dir / "index.html").read_text(encoding="utf-8")).text
    assert '<script>alert("m")</script> em <img src=x onerror=alert(3)> {{ config.site_name }} {% raw %} &amp;' in kit
    assert MSG + " Evil " + TEXT in kit  # the subject, {account} filled with the account's name as written
    audience = Page((hostile.share_dir / "ops" / "index.html").read_text(encoding="utf-8")).text
    assert '<script>alert("m")</script> em <img src=x onerror=alert(3)>' in audience


def test_direct_video_file_and_placeholder_poster(hostile):
    page = Page((hostile.share_dir / "videos" / "index.html").read_text(encoding="utf-8"))
    facades = page.find("button")
    kinds = {b.get("data-cr-video"): b.get("data-cr-src") for b in facades if b.get("data-cr-video")}
    assert kinds == {"iframe": "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1",
                     "file": "https://media.example.com/v.mp4"}
    assert not page.find("video") and not page.find("iframe")


# -- determinism -----------------------------------------------------------------------------------

def test_two_renders_are_byte_identical(tmp_path):
    root = copy_example(tmp_path / "project")
    first = render_project(root, tmp_path / "one")
    second = render_project(root, tmp_path / "two")
    for campaign_id, job in first.items():
        other = second[campaign_id]
        for a, b in ((job.share_dir, other.share_dir), (job.kit_dir, other.kit_dir)):
            left, right = tree(a), tree(b)
            assert left.keys() == right.keys()
            different = [name for name in left if left[name] != right[name]]
            assert not different, different
            assert not any(str(tmp_path).encode() in data for data in left.values())


# -- units -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("color", ["#0B3D91", "#F5A623", "#ffff00", "#777777", "#000", "#fff", "#A4161A", "#7BD389"])
def test_palette_text_colors_reach_wcag_aa(color):
    for accent in (None, "#F2C14E", "#111111", "#FFFFFF"):
        for name, fg, bg in palette(color, accent).pairs():
            assert contrast(fg, bg) >= 4.5, (color, accent, name, fg, bg)


def test_avatar_colors_reach_wcag_aa_with_white():
    for color in media.AVATAR_COLORS:
        assert contrast("#ffffff", color) >= 4.5


@pytest.mark.parametrize(("url", "src"), [
    ("https://www.youtube.com/watch?v=aqz-KE-bpKQ", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"),
    ("https://youtu.be/aqz-KE-bpKQ?t=90", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1&start=90"),
    ("https://www.youtube.com/shorts/aqz-KE-bpKQ", "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1"),
    ("https://vimeo.com/76979871/abc123", "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1&h=abc123"),
    ("https://www.loom.com/share/0281766fa2d04bb788eaf19e65135184",
     "https://www.loom.com/embed/0281766fa2d04bb788eaf19e65135184?autoplay=1"),
    ("https://tallybrook.wistia.com/medias/k7x2p9q4ze", "https://fast.wistia.net/embed/iframe/k7x2p9q4ze?autoPlay=true"),
    ("https://share.vidyard.com/watch/Xy12AbC3dEf", "https://play.vidyard.com/Xy12AbC3dEf?autoplay=1"),
    ("https://play.vidyard.com/Xy12AbC3dEf.html", "https://play.vidyard.com/Xy12AbC3dEf?autoplay=1"),
])
def test_video_embeds_use_privacy_enhanced_players(url, src):
    found = media.embed(url)
    assert (found.kind, found.src) == ("iframe", src)


def test_video_without_an_id_is_a_plain_link():
    found = media.embed("https://www.youtube.com/@tallybrook")
    assert found.kind == "link" and found.src == ""


def test_page_folders_never_take_an_audience_id():
    from coffeerun.render.share import _slugs

    assert _slugs({"videos", "videos-2", "it"}, "videos", "next-steps") == ["videos-3", "next-steps"]


def test_i18n_reads_a_region_tag_by_its_base_language():
    from coffeerun import i18n

    assert i18n.messages("de-AT")["nav_next"] == "Nächste Schritte"
    assert i18n.messages("sw")["nav_next"] == "Next steps"  # outside a campaign (check refuses sw)
    assert html.escape(i18n.format_date(dt.date(2027, 3, 1), "ja")) == "2027年3月1日"


def test_minimal_campaign(tmp_path):
    """No logos, no photos, no metrics, quotes or contacts; a .txt transcript; two files of one name."""
    root = tmp_path / "project"
    (root / "theme").mkdir(parents=True)
    (root / "theme/brand.yaml").write_text("name: Vendor\nproduct: Product\ncolors: {primary: '#222222'}\n")
    (root / "content/accounts/acme").mkdir(parents=True)
    (root / "content/accounts/acme/account.yaml").write_text("name: Acme\ncolors: {primary: '#ffcc00'}\n")
    (root / "content/media").mkdir()
    (root / "content/media/notes.txt").write_text("First line.\nSecond line.\n\nNext paragraph.", encoding="utf-8")
    (root / "content/media/a").mkdir()
    (root / "content/media/a/guide.pdf").write_bytes(b"%PDF-1.4 a")
    (root / "content/media/b").mkdir()
    (root / "content/media/b/guide.pdf").write_bytes(b"%PDF-1.4 bb")
    (root / "campaigns").mkdir()
    campaign = {
        "title": "Minimal", "account": "acme", "status": "live", "expires": "2027-01-31", "language": "de-CH",
        "owner": {"name": "Olga", "email": "olga@vendor.example"},
        "audiences": [{"id": "ops", "name": "Video team"}, {"id": "planning", "name": "Planning"}],
        "advocates": [{"id": "ann", "name": "Ann Lee", "title": "Lead", "department": "Somewhere else",
                       "consent": {"granted": "2026-01-01", "expires": "2027-12-31"}}],
        "videos": [{"by": "ann", "title": "Clip", "url": "https://youtu.be/aqz-KE-bpKQ",
                    "transcript": "content/media/notes.txt"}],
        "resources": [{"title": "A", "file": "content/media/a/guide.pdf", "kind": "doc"},
                      {"title": "B", "file": "content/media/b/guide.pdf", "kind": "doc"}],
    }
    (root / "campaigns/minimal.yaml").write_text(yaml.safe_dump(campaign), encoding="utf-8")
    job = render_project(root, tmp_path / "out")["minimal"]
    share = job.share_dir
    assert "Video team" in Page((share / "ops/index.html").read_text(encoding="utf-8")).text
    all_videos = Page((share / "videos/index.html").read_text(encoding="utf-8")).text
    assert "First line. Second line." in all_videos and "Next paragraph." in all_videos
    assert (share / "next-steps/index.html").is_file()
    assert (share / "files/guide.pdf").read_bytes() != (share / "files/guide-2.pdf").read_bytes()
    home = (share / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de-CH"' in home and "Nächste Schritte" in home
    assert "Acme" in Page(home).text and not (share / "img/logo-account.png").exists()
    assert "Ann Lee" in Page(home).text and "Somewhere else" in Page(home).text
    kit = Page((job.kit_dir / "index.html").read_text(encoding="utf-8")).text
    assert "nicht Teil dieser Vorschau" in kit  # no downloads/ without the assets step


def test_a_warming_worker_compiles_every_page_template_and_leaves_a_broken_one_to_the_render(tmp_path):
    """Workers compile the page templates while the build validates; a project template that does not compile
    is not their error to raise (the render reports it, with its line)."""
    from coffeerun.project import ProjectPaths, defaults_dir
    from coffeerun.render.pages import compile_templates, template_env

    own = tmp_path / "project" / "theme" / "pages" / "share"
    own.mkdir(parents=True)
    (own / "broken.html").write_text("{% if %}", encoding="utf-8")
    paths = ProjectPaths(tmp_path / "project")
    compile_templates(paths)
    stock = defaults_dir() / "theme" / "pages"
    names = sorted(p.relative_to(stock).as_posix() for p in stock.rglob("*.html"))
    compiled = {name for _loader, name in template_env(paths).cache}
    assert names and set(names) <= compiled  # in the environment the worker renders with, before any page
    with pytest.raises(Exception, match="Expected an expression"):
        template_env(paths).get_template("share/broken.html")


def _pattern_results(monkeypatch) -> list[bool]:
    """Whether each share site rendered from now on took its attributed pages from pattern copies."""
    from coffeerun.render import variants

    results: list[bool] = []
    write = variants.Copies.write

    def recorded(self, site, stand_ins):
        results.append(write(self, site, stand_ins))
        return results[-1]

    monkeypatch.setattr(variants.Copies, "write", recorded)
    return results


def test_attributed_pages_copied_from_a_pattern_are_those_mkdocs_builds_byte_for_byte(tmp_path, monkeypatch):
    """Each advocate's copy of a share page is its pattern page with the sharer filled in; the pages are
    the same bytes as when MkDocs builds every one of them, and no pattern is left in the site."""
    from coffeerun.render import pages

    root = copy_example(tmp_path / "project")
    results = _pattern_results(monkeypatch)
    copied = render_project(root, tmp_path / "copied")
    assert results and all(results)
    monkeypatch.setattr(pages, "pattern_copies", lambda advocates, copyable: None)
    built = render_project(root, tmp_path / "built")
    for campaign_id, job in copied.items():
        left, right = tree(job.share_dir), tree(built[campaign_id].share_dir)
        assert left.keys() == right.keys()
        assert [name for name in left if left[name] != right[name]] == []
        assert not any("cr-pattern" in name or b"cr-pattern" in data for name, data in left.items())


def test_pages_given_their_html_directly_are_what_python_markdown_makes_of_them(tmp_path, monkeypatch):
    """MkDocs makes a Markdown instance per page; our pages (one HTML block under our PassThrough extension) get
    their content without one. Every file of every site of the example (English and Japanese, share sites and
    kits, with their lines of spaces) is the same bytes as when Python-Markdown renders each page."""
    root = copy_example(tmp_path / "project")
    given = render_project(root, tmp_path / "given")
    used = []
    whole_page = engine._whole_page
    monkeypatch.setattr(engine, "_whole_page", lambda *args: used.append(whole_page(*args)) and None)
    rendered = render_project(root, tmp_path / "rendered")
    assert len(used) > 20 and all(used)  # every page could have been given, and was rendered by Python-Markdown
    for campaign_id, job in given.items():
        for site, folder in job.site_dirs().items():
            left, right = tree(folder), tree(rendered[campaign_id].site_dirs()[site])
            assert left.keys() == right.keys()
            assert [name for name in left if left[name] != right[name]] == [], (campaign_id, site)


@pytest.mark.parametrize("markdown", [
    "<div>a</div>", "\n\n<div class=x>\n  \n\t<p>b</p>\n   \n</div>\n", "<div>\r\nline\rline\x02\x03</div>",
    "<span>inline</span>", "text first", "   <div>indented</div>", "<div\nclass=x>a</div>", "<!-- c --><div></div>",
    "<DIV>upper</DIV>", "<hr/>", "   ", "\x02\x03", "<div>a</div>\n\n<p>b</p>\n\nc *d*",
])
def test_a_page_given_directly_is_what_python_markdown_makes_of_it(markdown):
    """_whole_page mirrors Python-Markdown under our PassThrough extension alone: whitespace normalised, the
    block put back (in <p> unless it starts with a block-level tag); stripped."""
    import importlib.util

    import markdown as python_markdown

    spec = importlib.util.spec_from_file_location(str(engine.HOOKS), engine.HOOKS)  # named as MkDocs names hooks
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    extension = hooks.PassThrough()
    expected = python_markdown.Markdown(extensions=[extension]).convert(markdown)
    assert engine._whole_page(markdown, {"markdown_extensions": [extension], "mdx_configs": {}}) == expected
    assert engine._whole_page(markdown, {"markdown_extensions": ["toc"], "mdx_configs": {}}) is None


def test_a_theme_that_shows_a_page_address_gets_every_attributed_page_built_by_mkdocs(tmp_path, monkeypatch):
    """A project's own Material override may print the page's address: its attributed pages are then all
    built by MkDocs (no pattern copies: only the bundled overrides are copied), each with its own address;
    if copies were tried anyway, the page built as it is would differ from its copy and end the attempt."""
    from coffeerun.render import pages

    root = copy_example(tmp_path / "project")
    main = root / "theme" / "overrides" / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace(
        "{% block extrahead %}", '{% block extrahead %}\n  <meta name="x-address" content="{{ page.url }}">', 1),
        encoding="utf-8")
    for forced, out in ((False, "out"), (True, "forced")):
        if forced:
            monkeypatch.setattr(pages, "page_facts", lambda job: (True, True))
        results = _pattern_results(monkeypatch)
        jobs = render_project(root, tmp_path / out, states=("publish",))
        assert (results and not any(results)) if forced else results == []
        for job in jobs.values():
            found = sorted(job.share_dir.glob("from/*/**/index.html"))
            assert found
            for page in found:
                text = page.read_text(encoding="utf-8")
                address = page.parent.relative_to(job.share_dir).as_posix() + "/"
                assert f'<meta name="x-address" content="{address}">' in text
                assert "cr-pattern" not in text
            assert not any("cr-pattern" in p.name for p in job.share_dir.rglob("*"))


def test_a_theme_edited_between_two_builds_of_one_process_is_seen_by_the_second(tmp_path, monkeypatch):
    """`serve` builds again and again in its own process into one output: the second build after a theme edit that
    prints each page's address gives every attributed page its own address (what a build finds once about the
    page templates is found again for new inputs)."""
    from coffeerun.build import BuildOptions, build

    root = copy_example(tmp_path / "project")
    monkeypatch.setenv("COFFEERUN_CACHE_DIR", str(tmp_path / "cache"))
    options = BuildOptions(out=tmp_path / "site", today=TODAY, jobs=1, assets=False)
    assert not build(root, options).problems.errors
    main = root / "theme" / "overrides" / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace(
        "{% block extrahead %}", '{% block extrahead %}\n  <meta name="x-address" content="{{ page.url }}">', 1),
        encoding="utf-8")
    assert not build(root, options).problems.errors
    found = sorted((tmp_path / "site").glob("*/from/*/**/index.html"))
    assert found
    for page in found:
        address = page.parent.relative_to(page.parents[len(page.relative_to(tmp_path / "site").parts) - 2]).as_posix()
        assert f'<meta name="x-address" content="{address}/">' in page.read_text(encoding="utf-8")


def _kit_tree(job: CampaignJob) -> dict[str, bytes]:
    found = {f"owner/{k}": v for k, v in tree(job.kit_dir).items()}
    for advocate, _token in job.links.advocate_tokens:
        if job.advocate_dir(advocate).is_dir():
            found.update({f"{advocate}/{k}": v for k, v in tree(job.advocate_dir(advocate)).items()})
    return found


def test_kits_copied_from_a_pattern_page_are_those_mkdocs_builds_byte_for_byte(tmp_path, monkeypatch):
    """A campaign's kits are copies of one pattern kit page, each with its own title, texts, body and 404 page;
    they are the same bytes as when MkDocs builds every kit, and no stand-in is left."""
    from coffeerun.render import kit_site

    root = copy_example(tmp_path / "project")
    used: list[bool] = []
    copies = kit_site._copies
    monkeypatch.setattr(kit_site, "_copies", lambda *args: used.append(copies(*args)) or used[-1])
    copied = render_project(root, tmp_path / "copied")
    assert used and all(used)
    monkeypatch.setattr(kit_site, "kit_pattern", lambda kits: None)
    built = render_project(root, tmp_path / "built")
    for campaign_id, job in copied.items():
        left, right = _kit_tree(job), _kit_tree(built[campaign_id])
        assert left.keys() == right.keys()
        assert [name for name in left if left[name] != right[name]] == []
        assert not any(b"crbody" in data or b"cr-pattern" in data for data in left.values())


def test_a_theme_that_shows_the_site_address_gets_every_kit_built_by_mkdocs(tmp_path, monkeypatch):
    """If a theme printing the site's own link were taken for copies, the advocate's kit built as it is
    differs from its copy: every kit is then built by MkDocs and names only its own link."""
    from coffeerun.render import kit_site

    root = copy_example(tmp_path / "project")
    main = root / "theme" / "overrides" / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace(
        "{% block extrahead %}", '{% block extrahead %}\n  <meta name="x-site" content="{{ config.site_url }}">', 1),
        encoding="utf-8")
    monkeypatch.setattr(kit_site, "page_facts", lambda job: (True, True))
    used: list[bool] = []
    copies = kit_site._copies
    monkeypatch.setattr(kit_site, "_copies", lambda *args: used.append(copies(*args)) or used[-1])
    jobs = render_project(root, tmp_path / "out", states=("publish",))
    assert used and not any(used)
    for job in jobs.values():
        kits = [(job.kit_dir, job.links.kit_url)] + [(job.advocate_dir(a), job.links.advocate_kit_url(a))
                                                     for a, _token in job.links.advocate_tokens]
        for folder, url in kits:
            assert f'<meta name="x-site" content="{url}">' in (folder / "index.html").read_text(encoding="utf-8")
            assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["404.html", "index.html",
                                                                               "palette.css"]
