"""Each advocate's own kit and attributed share link: only their own content, their own link, said on
every page reached from it; link previews on every page; `links` lists them; the leak check knows them."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

import pytest
from PIL import Image

from coffeerun.leaks import Scan, find_leaks, scan
from coffeerun.plan import CampaignJob
from coffeerun.tokens import campaign_links
from tests.test_pages import Page, copy_example, pages_of, render_project

CONSENT = {"priya-raman": ("2026-10-03", "2027-10-03"), "daniel-reyes": ("2026-10-17", "2027-10-17")}


def _distinct_consent(root: Path) -> None:
    """Give two advocates consent dates no other advocate has, to tell their kits apart by them."""
    path = root / "campaigns" / "northwind-treasury-close.yaml"
    text = path.read_text(encoding="utf-8")
    for advocate_id, (granted, expires) in CONSENT.items():
        start = text.index(f"- id: {advocate_id}")
        block = text[start:]
        block = re.sub(r"granted: \S+", f"granted: {granted}", block, count=1)
        block = re.sub(r"expires: \S+", f"expires: {expires}", block, count=1)
        text = text[:start] + block
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict[str, CampaignJob]:
    base = tmp_path_factory.mktemp("kits")
    root = copy_example(base / "project")
    _distinct_consent(root)

    def assets(job: CampaignJob) -> None:
        for folder in ("", "finance/"):
            (job.downloads_dir / folder).mkdir(parents=True, exist_ok=True)
            (job.downloads_dir / f"{folder}deck.pptx").write_bytes(b"p" * 2048)
            (job.downloads_dir / f"{folder}deck.pdf").write_bytes(b"d" * 1500)
        job.share_dir.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (1200, 630), "#123456").save(job.preview_image)

    return render_project(root, base / "out", before=assets)


@pytest.fixture(scope="module")
def northwind(example) -> CampaignJob:
    return example["northwind-treasury-close"]


def kit_page(job: CampaignJob, advocate_id: str) -> Page:
    return Page((job.advocate_dir(advocate_id) / "index.html").read_text(encoding="utf-8"))


def test_two_advocates_kits_never_show_each_others_consent_or_content(northwind):
    model = northwind.campaign.model
    quotes = {a.id: [q.text[:50] for q in model.quotes if q.by == a.id] for a in model.advocates}
    dates = {"priya-raman": ("October 3, 2026", "October 3, 2027"),
             "daniel-reyes": ("October 17, 2026", "October 17, 2027")}
    for me, other in (("priya-raman", "daniel-reyes"), ("daniel-reyes", "priya-raman")):
        page = kit_page(northwind, me)
        about = page.text[page.text.index("What is published about you"):]
        assert all(d in about for d in dates[me])
        assert not any(d in page.text for d in dates[other]), f"{me}'s kit shows {other}'s consent"
        assert all(q in about for q in quotes[me])
        assert not any(q in about for q in quotes[other])
        photos = {p.name for p in (northwind.advocate_dir(me) / "img").glob("p-*")}
        assert photos <= {f"p-{me}.webp"}, photos  # no other advocate's photo in the kit
    owner = Page((northwind.kit_dir / "index.html").read_text(encoding="utf-8")).text
    assert all(d in owner for pair in dates.values() for d in pair)  # the owner's view has everyone


def test_each_message_holds_its_advocates_attributed_link(northwind):
    for adv in northwind.campaign.model.advocates:
        source = (northwind.advocate_dir(adv.id) / "index.html").read_text(encoding="utf-8")
        page = Page(source)
        own = northwind.links.attributed_url(adv.id)
        bodies = list(source.split('class="cr-message__body"')[1:])
        assert bodies and all(own in body.split("</div>")[0] for body in bodies), adv.id
        others = [a.id for a in northwind.campaign.model.advocates if a.id != adv.id]
        assert not any(f"/from/{o}/" in source for o in others)
        assert northwind.links.share_url + '"' not in source  # never the anonymous link alone
        assert f"{adv.name}" in page.text


def test_an_advocates_kit_puts_their_own_teams_points_and_deck_first(northwind):
    model = northwind.campaign.model
    adv = next(a for a in model.advocates if a.department in {x.id for x in model.audiences}
               and any(p.audiences and a.department in p.audiences for p in model.talk_track.points))
    team = next(x.name for x in model.audiences if x.id == adv.department)
    source = (northwind.advocate_dir(adv.id) / "index.html").read_text(encoding="utf-8")
    groups = [chunk.split("</h4>")[0] for chunk in source.split('class="cr-talk__group">')[1:]]
    assert groups[0].startswith(team.replace("&", "&amp;")), groups
    assert (northwind.advocate_dir(adv.id) / "downloads" / "finance" / "deck.pdf").is_file()


def test_attributed_pages_name_the_advocate_and_every_link_stays_inside(northwind):
    model = northwind.campaign.model
    for adv in model.advocates:
        folder = northwind.share_dir / "from" / adv.id
        pages = pages_of(folder)
        assert "index.html" in pages and {f"{a.id}/index.html" for a in model.audiences} <= set(pages)
        for name, page in pages.items():
            if name == "404.html":
                continue
            banner = page.text.split("Shared with you by", 1)
            assert len(banner) == 2 and banner[1].lstrip().startswith(adv.name), (adv.id, name)
            for a in page.find("a"):
                href = a.get("href", "")
                if not href or "://" in href or href.startswith(("#", "mailto:")) or "download" in a:
                    continue
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name), href))
                assert not target.startswith(".."), (adv.id, name, href)  # the reader stays on the link
    # Who shared it is written into each page: no script keeps it (no cookie, nothing stored).
    scripts = list(northwind.share_dir.parent.rglob("*.js"))
    assert scripts and not any(w in p.read_text(encoding="utf-8") for p in scripts
                               for w in ("document.cookie", "localStorage", "sessionStorage", "indexedDB"))
    assert not (northwind.share_dir / "index.html").read_text(encoding="utf-8").count("Shared with you by")


def test_link_previews_on_every_page_and_an_attributed_one_names_the_advocate(example):
    for job in example.values():
        names = {a.id: a.name for a in job.campaign.model.advocates}
        for folder in [job.share_dir, job.kit_dir]:
            for name, page in pages_of(folder).items():
                if name.endswith("404.html"):
                    continue
                og = {m.get("property"): m.get("content") for m in page.find("meta") if m.get("property")}
                assert og.get("og:title") and og.get("og:description"), (job.campaign.id, name)
                if folder == job.share_dir:
                    assert og.get("og:image") == job.links.share_url + "preview.png", name
                if name.startswith("from/"):
                    assert names[name.split("/")[1]] in og["og:title"], name
    kaede = example["kaede-getsuji-kessan"]
    home = pages_of(kaede.share_dir / "from" / "sho-tanaka")["index.html"]
    og = {m.get("property"): m.get("content") for m in home.find("meta") if m.get("property")}
    assert "さんからの共有" in og["og:title"]  # in the campaign's language


def test_owner_kit_lists_every_advocates_kit_link_state_and_a_ready_email(northwind):
    page = Page((northwind.kit_dir / "index.html").read_text(encoding="utf-8"))
    for adv in northwind.campaign.model.advocates:
        assert northwind.links.advocate_kit_url(adv.id) in page.text
        assert northwind.links.attributed_url(adv.id) in page.text
    assert page.text.count("Published") >= len(northwind.campaign.model.advocates)
    sends = [a["href"] for a in page.find("a") if a.get("href", "").startswith("mailto:?subject=Your%20kit")]
    assert len(sends) == len(northwind.campaign.model.advocates)


def test_links_json_lists_every_advocates_kit_and_attributed_link(example_project, run_cli):
    result = run_cli("links", "--json", "--today", "2026-11-23", "--project", example_project)
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    northwind = rows["northwind-treasury-close"]
    assert set(northwind["advocates"]) >= {"priya-raman", "daniel-reyes"}
    kits = set()
    for advocate_id, adv in northwind["advocates"].items():
        assert set(adv) == {"name", "kit_url", "share_url", "state"}
        assert adv["share_url"] == northwind["share_url"] + f"from/{advocate_id}/"
        assert adv["state"] == "published" and adv["kit_url"] != northwind["kit_url"]
        kits.add(adv["kit_url"])
    assert len(kits) == len(northwind["advocates"])
    assert {a["state"] for a in rows["alderbrook-clinic-close"]["advocates"].values()} == {"withheld"}
    text = run_cli("links", "--today", "2026-11-23", "--project", example_project).stdout
    assert northwind["advocates"]["priya-raman"]["kit_url"] in text


def test_advocate_kit_tokens_are_their_own_and_follow_link_version():
    a = campaign_links(b"s" * 32, "c", 1, "https://x.example/", ["ana", "ben"])
    b = campaign_links(b"s" * 32, "c", 2, "https://x.example/", ["ana", "ben"])
    tokens = set(a.sites().values())
    assert len(tokens) == 4 and not tokens & set(b.sites().values())
    assert a.advocate_kit_token("ana") == campaign_links(b"s" * 32, "c", 1, "", ["ana"]).advocate_kit_token("ana")
    assert a.allowed_tokens("share") == {a.share_token}
    assert a.allowed_tokens("kit:ana") == {a.share_token, a.advocate_kit_token("ana")}
    assert a.allowed_tokens("kit") == tokens


def test_the_leak_check_knows_each_advocates_kit(northwind):
    from coffeerun.plan import BuildPlan

    staging = northwind.share_dir.parent
    plan = BuildPlan(out=staging, jobs=[northwind])

    def outcomes() -> dict[str, Scan]:  # per token folder, as the build notes them when it renders
        return {folder.name: scan(folder) for folder in northwind.site_dirs().values()}

    assert find_leaks(staging, plan, outcomes()) == []
    priya, daniel = (northwind.advocate_dir(a) for a in ("priya-raman", "daniel-reyes"))
    stray = priya / "stray.txt"
    stray.write_text(northwind.links.advocate_kit_token("daniel-reyes"), encoding="utf-8")
    try:
        leaks = find_leaks(staging, plan, outcomes())
        assert len(leaks) == 1 and leaks[0].startswith(priya.name[:6]), leaks
    finally:
        stray.unlink()
    assert daniel.is_dir()


def test_the_leak_scan_finds_every_run_of_token_letters_the_pattern_finds(tmp_path):
    """The scan finds runs of 32 or more token letters with string searches: exactly what
    `[a-z2-7]{32,}` finds, at a page's start and end, next to other letters and digits, overlapping."""
    import random
    import re

    from coffeerun.leaks import _runs, scan

    pattern = re.compile(rb"[a-z2-7]{32,}")
    rng = random.Random(7)  # noqa: S311 - test data, not a secret
    letters, other = b"abcdefghijklmnopqrstuvwxyz234567", b"ABZ0189./<> \n\xc3\xa9"
    for _ in range(400):
        data = b"".join(bytes(rng.choice(letters if rng.random() < 0.8 else other)
                              for _ in range(rng.choice((1, 5, 31, 32, 33, 64)))) for _ in range(rng.randint(0, 12)))
        assert _runs(data) == pattern.findall(data)
    token = "a" * 10 + "234567" + "b" * 16
    (tmp_path / "index.html").write_text(f'<a href="/{token}/">x</a>{token}z', encoding="utf-8")
    assert token in scan(tmp_path).candidates


def test_the_leak_scan_reads_every_text_file_of_a_site_by_its_suffix(tmp_path):
    """Text files at any depth are read, by the suffix Path gives them (none for `notes.` or `.nojekyll`); pictures
    and decks are not."""
    from coffeerun.leaks import named_tokens, scan

    tokens = {name: (name.strip(".").replace(".", "") * 32)[:32] for name in ("a.html", "b.vtt", "notes.", ".nojekyll",
                                                                               "c.json", "d.png", "e.pptx")}
    for depth, (name, token) in enumerate(tokens.items()):
        folder = tmp_path / "site" / "/".join(["sub"] * depth)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"x {token} y", encoding="utf-8")
    read = {tokens[n] for n in ("a.html", "b.vtt", "notes.", ".nojekyll", "c.json")}
    assert set(scan(tmp_path / "site").candidates) == read
    assert named_tokens(tmp_path / "site", set(tokens.values())) == read


def test_the_leak_scan_fails_closed_on_a_file_or_folder_it_cannot_read(tmp_path, monkeypatch):
    """A text file that cannot be looked at, or a folder that cannot be listed, ends the check with the error
    (the build stops): never taken as naming nothing. (Simulated: the tests may run as root.)"""
    import os

    from coffeerun import leaks

    (tmp_path / "site" / "sub").mkdir(parents=True)
    (tmp_path / "site" / "sub" / "a.html").write_text("x", encoding="utf-8")
    real_stat, real_scandir = os.stat, os.scandir

    def stat(path, *args, **kwargs):
        if str(path).endswith("a.html"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(leaks.os, "stat", stat)
    with pytest.raises(PermissionError):
        leaks.scan(tmp_path / "site")
    monkeypatch.setattr(leaks.os, "stat", real_stat)

    def scandir(path="."):
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(PermissionError):
        leaks.scan(tmp_path / "site")
