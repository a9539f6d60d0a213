"""Slide-ready assets: deck.pptx, deck.pdf, slide PNGs, quote cards and the preview image."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from coffeerun import api
from coffeerun.plan import CampaignJob
from coffeerun.project import ProjectPaths
from coffeerun.render.assets import build_assets
from coffeerun.render.assets.fonts import clusters, coverage
from coffeerun.tokens import campaign_links
from tests.conftest import REPO, TODAY

SITE_URL = "https://advocates.vendor.example/"
EPOCH = 1767225600  # 2026-01-01 00:00 UTC
LONG_QUOTE = (
    "Before we switched, month-end meant nine business days, two lost weekends and forty-one bank "
    "reconciliations living in spreadsheets that only three people could fix. Now the statements land "
    "overnight, most lines are matched before I finish my coffee, and my team spends its time on the "
    "exceptions that actually need judgement. The close takes three days, auditors log in and find the "
    "evidence themselves, and for the first time in years nobody on my team dreads the last week of the "
    "month, which I did not think I would ever say out loud in a room full of controllers, honestly, "
    "but here we are."
)
JAPANESE_QUOTE = ("以前は月次決算に8営業日かかり、締めの週は毎晩遅くまで残業していました。今は4営業日で締まり、"
                  "経理部のメンバーが分析や予算の相談に時間を使えるようになりました。")
EMOJI_QUOTE = "We ship twice as fast now 🚀🎉 and the whole team is happier 👩‍💻👍🏽"
HUGE_QUOTE = " ".join([LONG_QUOTE] * 4)

CAMPAIGN = f"""
title: How Acme's finance team closes the books in three days, without the weekend
account: acme
status: live
starts: 2026-11-01
expires: 2027-06-30
owner: {{name: Dana Whitfield, email: dana@vendor.example}}
audiences:
  - {{id: finance, name: Finance & Treasury}}
  - {{id: it, name: IT & Security}}
advocates:
  - id: ana-silva
    name: Ana Silva
    title: VP, Treasury Operations
    department: finance
    photo: content/media/ana.jpg
    consent: {{granted: 2026-10-01, expires: 2027-10-01}}
  - id: ben-okafor
    name: Ben Okafor
    title: Director, Information Security
    department: it
    consent: {{granted: 2026-10-01, expires: 2027-10-01}}
quotes:
  - by: ana-silva
    text: "{LONG_QUOTE}"
    highlight: 9 days → 3
    audiences: [finance]
  - by: ben-okafor
    text: Life changing.
    audiences: [it]
  - by: ana-silva
    text: "{JAPANESE_QUOTE}"
    highlight: 8営業日 → 4営業日
  - by: ben-okafor
    text: "{EMOJI_QUOTE}"
    highlight: Twice as fast 🚀
  - by: ana-silva
    text: "{HUGE_QUOTE}"
metrics:
  - {{value: 3 days, label: "to close the books, down from 9", by: ana-silva}}
  - {{value: "99.9%", label: of bank lines matched automatically every night}}
talk_track:
  opener: I want to show you what **changed** for us.
  points:
    - say: POINT-EVERYWHERE we close in three days.
    - say: POINT-FINANCE the auditors find the evidence themselves.
      audiences: [finance]
    - say: POINT-IT single sign-on and an audit log from day one.
      audiences: [it]
  objections:
    - question: We already have a tool for this.
      answer: OBJECTION-ANSWER we had one too.
  ask: ASK-TEXT would 20 minutes with Jordan help?
contacts:
  - name: Jordan Lee
    role: Account Executive
    email: jordan@vendor.example
    booking: https://cal.vendor.example/jordan
"""

LOGO = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 64" width="240" height="64">
<rect x="4" y="4" width="56" height="56" rx="12" fill="#5B21B6"/><circle cx="32" cy="32" r="14" fill="#F59E0B"/>
<rect x="72" y="20" width="150" height="24" rx="6" fill="#5B21B6"/></svg>"""


def make_project(root: Path, campaign: str = CAMPAIGN) -> Path:
    shutil.copytree(REPO / "theme", root / "theme")
    account = root / "content" / "accounts" / "acme"
    account.mkdir(parents=True)
    (account / "account.yaml").write_text("name: Acme Corp\nlogo: logo.svg\n"
                                          'colors: {primary: "#5B21B6", accent: "#F59E0B"}\n')
    (account / "logo.svg").write_text(LOGO)
    media = root / "content" / "media"
    media.mkdir(parents=True)
    photo = Image.linear_gradient("L").resize((320, 400)).convert("RGB")
    photo.save(media / "ana.jpg", quality=80)
    (root / "campaigns").mkdir()
    (root / "campaigns" / "acme-close.yaml").write_text(campaign, encoding="utf-8")
    return root


def make_job(project: Path, out: Path, cache: Path | None, campaign_id: str = "acme-close") -> CampaignJob:
    valid = api.check(project, today=TODAY)
    assert not valid.problems.errors, [p.format() for p in valid.problems.errors]
    info = next(c for c in valid.campaigns if c.id == campaign_id)
    links = campaign_links(b"test-secret", info.id, info.model.link_version, SITE_URL)
    return CampaignJob(campaign=info, brand=valid.brand, brand_logo=valid.brand_logo, project=ProjectPaths(project),
                       links=links, today=TODAY, share_dir=out / "share", kit_dir=out / "kit", cache_dir=cache,
                       source_date_epoch=EPOCH)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("assets")
    project = make_project(root / "project")
    job = make_job(project, root / "out", root / "cache")
    return job, build_assets(job)


def slide_pngs(job: CampaignJob) -> list[Path]:
    return sorted((job.downloads_dir / "slides").glob("*.png"))


def deck(job: CampaignJob):
    from pptx import Presentation

    return Presentation(str(job.downloads_dir / "deck.pptx"))


def slide_texts(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def notes_of(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


# --- files and sizes -----------------------------------------------------------------------------

def test_every_image_has_its_size_and_name(built):
    job, result = built
    names = [p.name for p in slide_pngs(job)]
    assert names == ["01-title.png", "02-quote-1.png", "03-quote-2.png", "04-quote-3.png", "05-quote-4.png",
                     "06-quote-5.png", "07-metric-1.png", "08-metric-2.png", "09-closing.png"]
    for path in slide_pngs(job):
        assert Image.open(path).size == (1920, 1080), path
    cards = sorted((job.downloads_dir / "cards").glob("*.png"))
    assert [p.name for p in cards] == [f"quote-{n}.png" for n in range(1, 6)]
    for path in cards:
        assert Image.open(path).size == (1080, 1080), path
    assert Image.open(job.preview_image).size == (1200, 630)
    assert set(result.paths) == {*slide_pngs(job), *cards, job.preview_image,
                                 job.downloads_dir / "deck.pptx", job.downloads_dir / "deck.pdf"}
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in result.paths)  # readable by the web server


def test_png_encoder_round_trips_every_mode_and_width():
    import random

    from coffeerun.render.assets.png import encode

    noise = random.Random(7)
    images = [Image.new("RGB", (w, h), "#123456") for w in (1, 2, 85, 1920) for h in (1, 2, 65, 300)]
    striped = Image.new("RGB", (300, 200), "white")
    for y in range(0, 200, 7):
        striped.paste(Image.frombytes("RGB", (300, 1), bytes(noise.randrange(256) for _ in range(900))), (0, y))
    images += [striped, striped.convert("RGBA"), striped.convert("L"), striped.convert("P")]
    for image in images:
        data = encode(image)
        back = Image.open(io.BytesIO(data))
        back.load()
        assert back.size == image.size and back.mode in ("RGB", "RGBA", "L")
        assert back.convert("RGBA").tobytes() == image.convert("RGBA").tobytes(), image
        assert encode(image) == data


def test_pngs_carry_no_metadata_chunks(built):
    job, _ = built
    for path in [*slide_pngs(job), job.preview_image]:
        data = path.read_bytes()
        for chunk in (b"tIME", b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
            assert chunk not in data, (path, chunk)


# --- the deck ------------------------------------------------------------------------------------

def test_deck_is_16_9_with_one_slide_per_png_and_every_quote_as_text(built):
    job, result = built
    presentation = deck(job)
    assert (presentation.slide_width, presentation.slide_height) == (12192000, 6858000)
    slides = list(presentation.slides)
    assert len(slides) == len(slide_pngs(job))
    texts = [slide_texts(s) for s in slides]
    model = job.campaign.model
    for n, quote in enumerate(model.quotes, 1):
        frame = result.frames[f"slides/{n + 1:02d}-quote-{n}.png"]
        shown = frame.texts["quote"]
        if shown.truncated:
            assert shown.text.endswith("…") and shown.text[:-1].strip() in texts[n]
            assert quote.text in notes_of(slides[n])  # the full text, for the presenter
        else:
            assert quote.text in texts[n]
    assert model.title in texts[0]
    assert "Jordan Lee" in texts[-1] and "Account Executive" in texts[-1]
    for metric in model.metrics:
        assert any(metric.value in t and metric.label in t for t in texts)


def test_deck_text_is_editable_text_in_arial(built):
    job, _ = built
    slide = list(deck(job).slides)[3]  # the Japanese quote
    xml = slide.shapes._spTree.xml
    assert 'typeface="Arial"' in xml and JAPANESE_QUOTE in xml
    boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]
    assert len(boxes) >= 4  # name, role, mark, quote, highlight: each its own text box
    pictures = [s for s in slide.shapes if s.shape_type == 13]  # the photo and the two logos
    assert len(pictures) == 3 and all(p._element.nvPicPr.cNvPr.get("descr") for p in pictures)


def test_speaker_notes_carry_the_talk_track(built):
    job, _ = built
    notes = [notes_of(s) for s in deck(job).slides]
    assert all(n.strip() for n in notes), "every slide has notes"
    assert "changed" in notes[0] and "**" not in notes[0]  # the opener, as plain text
    finance, it = notes[1], notes[2]
    assert "POINT-EVERYWHERE" in finance and "POINT-FINANCE" in finance and "POINT-IT" not in finance
    assert "POINT-EVERYWHERE" in it and "POINT-IT" in it and "POINT-FINANCE" not in it
    assert all(p in notes[3] for p in ("POINT-EVERYWHERE", "POINT-FINANCE", "POINT-IT"))  # every audience
    assert "We already have a tool for this." in notes[-1] and "OBJECTION-ANSWER" in notes[-1]
    assert "ASK-TEXT" in notes[-1] and job.links.share_url in notes[-1]


def test_a_quote_too_long_for_the_slide_ends_in_an_ellipsis_and_is_whole_in_the_notes(built):
    job, result = built
    huge = result.frames["slides/06-quote-5.png"].texts["quote"]
    assert huge.truncated and huge.text.endswith("…") and huge.size == huge.style.sizes[1]
    assert not huge.text[:-1].endswith((" ", ",", "."))  # a clean cut
    assert HUGE_QUOTE in notes_of(list(deck(job).slides)[5])
    two_words = result.frames["slides/03-quote-2.png"].texts["quote"]
    assert not two_words.truncated and two_words.size == two_words.style.sizes[0]
    long = result.frames["slides/02-quote-1.png"].texts["quote"]
    assert len(LONG_QUOTE) >= 590 and not long.truncated and long.size < long.style.sizes[0]


def test_pdf_has_one_16_9_page_per_slide_and_fixed_dates(built):
    job, _ = built
    data = (job.downloads_dir / "deck.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == len(slide_pngs(job))
    assert b"/MediaBox [0 0 960 540]" in data
    assert b"/CreationDate (D:20260101000000Z)" in data and b"/ID" not in data
    try:
        from pypdf import PdfReader
    except ImportError:
        return
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == len(slide_pngs(job))


def test_qr_code_on_the_closing_slide_opens_the_share_link(built):
    import zxingcpp

    job, _ = built
    closing = Image.open(slide_pngs(job)[-1])
    codes = zxingcpp.read_barcodes(closing)
    assert [c.text for c in codes] == [job.links.share_url]


# --- text that fits, with real glyphs --------------------------------------------------------------

def _base_characters(text: str) -> list[str]:
    """The characters a font must have: not joiners, variation selectors, skin tones or marks."""
    out = []
    for cluster in clusters(text):
        for ch in cluster:
            cp = ord(ch)
            if ch.isspace() or cp in (0x200D, 0x20E3) or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF:
                continue
            if unicodedata.category(ch).startswith("M"):
                continue
            out.append(ch)
    return out


@pytest.mark.parametrize("name", ["slides/02-quote-1.png", "slides/04-quote-3.png", "slides/05-quote-4.png",
                                  "slides/06-quote-5.png", "cards/quote-1.png", "cards/quote-3.png",
                                  "cards/quote-4.png", "slides/01-title.png", "slides/09-closing.png",
                                  "preview.png"])
def test_text_stays_in_the_safe_area_and_every_glyph_is_in_its_font(built, name):
    _, result = built
    frame = result.frames[name]
    x0, y0, x1, y1 = frame.safe
    for element, layout in frame.texts.items():
        ink = layout.ink
        assert ink is not None, element
        assert x0 <= ink[0] and ink[2] <= x1 and y0 <= ink[1] and ink[3] <= y1, (name, element, ink, frame.safe)
        bx, by, bw, bh = layout.box
        assert len(layout.lines) * layout.line_pitch <= bh + 0.5, (name, element)
        for line in layout.lines:
            assert line.width <= bw + 0.5, (name, element, line.text)
            for run in line.runs:
                missing = [c for c in _base_characters(run.text) if ord(c) not in coverage(run.face)]
                assert not missing, (name, element, run.face.family, missing)


def test_japanese_and_emoji_runs_use_fonts_that_have_them(built):
    _, result = built
    japanese = result.frames["slides/04-quote-3.png"].texts["quote"]
    families = {run.face.family for line in japanese.lines for run in line.runs}
    assert any("CJK" in f for f in families), families
    emoji = result.frames["slides/05-quote-4.png"].texts["quote"]
    runs = [run for line in emoji.lines for run in line.runs if "🚀" in run.text or "👩" in run.text]
    assert runs and all(run.face.family != "Liberation Sans" for run in runs)
    drawn = "".join(line.text for line in emoji.lines).replace(" ", "")
    assert "👩\u200d💻" in drawn and "👍🏽" in drawn  # sequences kept whole


def test_characters_no_font_has_are_left_out_with_a_warning(tmp_path):
    unknown = "\U0010FFFD"  # a private-use code point no font draws
    project = make_project(tmp_path / "p", CAMPAIGN.replace("Life changing.", f"Life {unknown} changing."))
    result = build_assets(make_job(project, tmp_path / "out", None))
    assert any("U+10FFFD" in w for w in result.warnings), result.warnings
    layout = result.frames["slides/03-quote-2.png"].texts["quote"]
    assert unknown not in "".join(line.text for line in layout.lines)


# --- cache and determinism -----------------------------------------------------------------------

def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_unchanged_campaign_renders_nothing_the_second_time(built, tmp_path):
    job, first = built
    again = make_job(job.project.root, tmp_path / "again", job.cache_dir)
    second = build_assets(again)
    assert second.rendered == []
    assert sorted(second.reused) == sorted(first.rendered)
    assert tree(again.kit_dir) == tree(job.kit_dir)
    assert tree(again.share_dir) == tree(job.share_dir)


def test_a_changed_quote_renders_only_what_shows_it(built, tmp_path):
    job, _ = built
    project = make_project(tmp_path / "p", CAMPAIGN.replace("Life changing.", "Life changing, truly."))
    shutil.copytree(job.cache_dir, tmp_path / "cache")
    result = build_assets(make_job(project, tmp_path / "out", tmp_path / "cache"))
    assert sorted(result.rendered) == ["cards/quote-2.png", "deck.pdf", "deck.pptx", "slides/03-quote-2.png"]


def test_a_campaign_sharing_the_quotes_reuses_their_slides_and_cards(built, tmp_path):
    job, _ = built
    title = "How Acme's finance team closes the books in three days, without the weekend"
    project = make_project(tmp_path / "p", CAMPAIGN.replace(title, "Acme closes the books in three days"))
    shutil.copytree(job.cache_dir, tmp_path / "cache")
    shared = make_job(project, tmp_path / "shared", tmp_path / "cache")
    result = build_assets(shared)
    assert sorted(result.rendered) == ["deck.pdf", "deck.pptx", "preview.png", "slides/01-title.png"]
    fresh = make_job(project, tmp_path / "fresh", None)
    build_assets(fresh)  # the deck from cached slides is the deck drawn from scratch
    assert tree(fresh.kit_dir) == tree(shared.kit_dir)


def test_two_builds_are_byte_identical_without_the_cache(built, tmp_path):
    job, _ = built
    other = make_job(job.project.root, tmp_path / "other", None)
    result = build_assets(other)
    assert len(result.rendered) == len(result.paths)
    assert tree(other.kit_dir) == tree(job.kit_dir)
    assert tree(other.share_dir) == tree(job.share_dir)


def test_deck_dates_come_from_the_file_timestamp(built):
    job, _ = built
    with zipfile.ZipFile(job.downloads_dir / "deck.pptx") as archive:
        infos = archive.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core
    properties = deck(job).core_properties
    assert properties.created == dt.datetime(2026, 1, 1) and properties.modified == dt.datetime(2026, 1, 1)


# --- the real example project, and LibreOffice ---------------------------------------------------------

def test_example_campaigns_render_and_fit(example_project, tmp_path):
    for campaign_id in ("northwind-treasury-close", "kaede-getsuji-kessan"):
        job = make_job(example_project, tmp_path / campaign_id, None, campaign_id)
        result = build_assets(job)
        assert not result.warnings, result.warnings
        if job.campaign.model.language == "ja":  # an East Asian font named for the Japanese text
            xml = list(deck(job).slides)[1].shapes._spTree.xml
            assert '<a:ea typeface="Yu Gothic"' in xml and 'lang="ja-JP"' in xml
        for name, frame in result.frames.items():
            x0, y0, x1, y1 = frame.safe
            for element, layout in frame.texts.items():
                ink = layout.ink
                assert ink and x0 <= ink[0] and ink[2] <= x1 and y0 <= ink[1] and ink[3] <= y1, (name, element)
                assert not layout.truncated or element == "quote", (name, element, layout.text)


def test_layouts_fitted_for_an_earlier_campaign_equal_fresh_ones(example_project, tmp_path):
    from coffeerun.render.assets import layout

    ids = ("kaede-getsuji-kessan", "northwind-treasury-close")
    warm = {}
    for campaign_id in ids:  # fitted once, then every text of the campaign comes from the memo
        build_assets(make_job(example_project, tmp_path / "first" / campaign_id, None, campaign_id))
        fitted = len(layout._FITTED)
        warm[campaign_id] = build_assets(make_job(example_project, tmp_path / "warm" / campaign_id, None, campaign_id))
        assert len(layout._FITTED) == fitted > 0
    for campaign_id in ids:
        layout._FITTED.clear()
        fresh = build_assets(make_job(example_project, tmp_path / "fresh" / campaign_id, None, campaign_id))
        assert fresh.frames.keys() == warm[campaign_id].frames.keys()
        for name, frame in fresh.frames.items():
            assert frame.texts == warm[campaign_id].frames[name].texts, name
        assert tree(tmp_path / "fresh" / campaign_id) == tree(tmp_path / "warm" / campaign_id)


def test_libreoffice_opens_the_deck(built, tmp_path):
    job, _ = built
    office = shutil.which("libreoffice") or shutil.which("soffice")
    assert office, "LibreOffice is needed for this test (Debian: libreoffice-impress)"
    shutil.copy(job.downloads_dir / "deck.pptx", tmp_path / "deck.pptx")
    profile = (tmp_path / "profile").as_uri()
    run = subprocess.run([office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                          "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")],
                         capture_output=True, text=True, timeout=300)
    converted = tmp_path / "deck.pdf"
    assert run.returncode == 0 and converted.is_file(), run.stdout + run.stderr
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", converted.read_bytes()))
    assert pages == len(slide_pngs(job))
