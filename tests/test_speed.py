"""The fast path gives the bytes of the slow one: workers, caches, reuse, shared theme, the engine. No timings."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.conftest import REPO

TODAY = "2026-11-23"
SECRET = "speed-test-secret"  # noqa: S105 - a test key


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def speed_project(root: Path) -> Path:
    """The example project plus a German copy of a live campaign: three languages, four sites to build."""
    for name in ("campaigns", "content", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    text = (root / "campaigns" / "northwind-treasury-close.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^language: en.*$", "language: de", text, count=1, flags=re.M)
    text = re.sub(r"^title: .*$", "title: Wie Northwinds Treasury die Bücher in drei Tagen schließt", text,
                  count=1, flags=re.M)
    (root / "campaigns" / "northwind-treasury-de.yaml").write_text(text, encoding="utf-8")
    return root


def cli_build(project: Path, out: Path, cache: Path, *flags: str) -> subprocess.CompletedProcess:
    """`coffeerun build` in its own process, as CI runs it."""
    env = {**os.environ, "COFFEERUN_SECRET": SECRET, "COFFEERUN_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "coffeerun", "build", "--project", str(project), "--out", str(out),
               "--today", TODAY, "--drafts", *flags]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def api_build(project: Path, out: Path, cache: Path, monkeypatch, **options):
    from coffeerun.build import BuildOptions, build

    monkeypatch.setenv("COFFEERUN_SECRET", SECRET)
    monkeypatch.setenv("COFFEERUN_CACHE_DIR", str(cache))
    result = build(project, BuildOptions(out=out, today=dt.date.fromisoformat(TODAY), drafts=True, **options))
    assert not result.problems.errors, [p.format() for p in result.problems.errors]
    return result


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The project built with every optimisation off: one process, no cache."""
    base = tmp_path_factory.mktemp("reference")
    project = speed_project(base / "project")
    out = base / "site"
    cli_build(project, out, base / "unused-cache", "--jobs", "1", "--no-cache")
    assert not (base / "unused-cache").exists()
    return project, out


def test_fast_path_is_byte_identical_to_one_process_without_cache(reference, tmp_path):
    project, slow = reference
    expected = tree_digest(slow)
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = cli_build(project, out, cache)  # every worker, empty cache
    assert "built 4, reused 0" in first.stderr
    assert tree_digest(out) == expected
    again = cli_build(project, out, cache)  # nothing changed: nothing done
    assert "built 0, reused 4" in again.stderr
    assert tree_digest(out) == expected
    other = cli_build(project, tmp_path / "other", cache)  # a fresh output from the cache alone
    assert "built 0, reused 4" in other.stderr
    assert tree_digest(tmp_path / "other") == expected


def test_a_changed_campaign_is_the_only_one_rendered_and_matches_a_clean_build(reference, tmp_path):
    project, _ = reference
    changed = tmp_path / "project"
    shutil.copytree(project, changed)
    cache, out = tmp_path / "cache", tmp_path / "site"
    cli_build(changed, out, cache, "--no-assets")
    cli_build(changed, out, cache, "--no-assets")  # the output now has a previous tree beside it
    path = changed / "campaigns" / "kaede-getsuji-kessan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("4営業日", "3営業日"), encoding="utf-8")
    result = cli_build(changed, out, cache, "--no-assets")
    assert "built 1, reused 3" in result.stderr
    clean = tmp_path / "clean"
    cli_build(changed, clean, tmp_path / "no-cache", "--no-assets", "--jobs", "1", "--no-cache")
    assert tree_digest(out) == tree_digest(clean)


def _halves_seen(monkeypatch, folder: Path) -> None:
    """Note, per process, whether it made a campaign's decks alone or its other assets alone (the workers fork from
    this process, patched)."""
    from coffeerun.render.assets import campaign

    folder.mkdir()
    decks, assets = campaign.build_decks, campaign.build_assets

    def build_decks(job):
        (folder / f"decks-{os.getpid()}").write_text(job.id, encoding="utf-8")
        return decks(job)

    def build_assets(job, decks=True):
        if not decks:
            (folder / f"rest-{os.getpid()}").write_text(job.id, encoding="utf-8")
        return assets(job, decks)

    monkeypatch.setattr(campaign, "build_decks", build_decks)
    monkeypatch.setattr(campaign, "build_assets", build_assets)


@pytest.fixture
def deadline():
    """A build that waits forever fails the test instead of hanging the run (the halves wait for each other)."""
    def stop(*_args):
        raise TimeoutError("the build did not end within 5 minutes")

    before = signal.signal(signal.SIGALRM, stop)
    signal.alarm(300)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, before)


@pytest.mark.parametrize(("old", "new"), [("Bücher", "Konten"), ('"78%"', '"81%"')],
                         ids=["title: every slide deck's first slide", "a metric: its slide only"])
def test_a_lone_changed_campaign_is_rendered_by_two_workers_at_once_and_matches_a_clean_build(
        reference, tmp_path, monkeypatch, deadline, old, new):
    project, _ = reference
    changed = tmp_path / "project"
    shutil.copytree(project, changed)
    cache, out = tmp_path / "cache", tmp_path / "site"
    cli_build(changed, out, cache, "--jobs", "2")
    path = changed / "campaigns" / "northwind-treasury-de.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    _halves_seen(monkeypatch, tmp_path / "seen")
    result = api_build(changed, out, cache, monkeypatch, jobs=2)
    assert result.built == ["northwind-treasury-de"]
    seen = sorted(p.name.split("-")[0] for p in (tmp_path / "seen").iterdir())
    assert seen == ["decks", "rest"]
    assert len({p.name.split("-")[1] for p in (tmp_path / "seen").iterdir()}) == 2  # in two processes
    clean = tmp_path / "clean"
    whole = cli_build(changed, clean, tmp_path / "no-cache", "--jobs", "1", "--no-cache")
    assert tree_digest(out) == tree_digest(clean)
    assert sorted(result.warnings) == sorted(line.removeprefix("warning: ") for line in whole.stderr.splitlines()
                                             if line.startswith("warning: "))


def test_a_lone_campaign_whose_decks_fail_ends_the_build_without_waiting_or_writing(reference, tmp_path, monkeypatch,
                                                                                     deadline):
    from coffeerun.render.assets import campaign

    project, _ = reference
    changed = tmp_path / "project"
    shutil.copytree(project, changed)
    cache, out = tmp_path / "cache", tmp_path / "site"
    cli_build(changed, out, cache, "--jobs", "2")
    before = tree_digest(out)
    path = changed / "campaigns" / "northwind-treasury-de.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Bücher", "Konten"), encoding="utf-8")

    def broken(job):
        raise RuntimeError("no decks today")

    monkeypatch.setattr(campaign, "build_decks", broken)
    with pytest.raises(RuntimeError, match="no decks today"):
        api_build(changed, out, cache, monkeypatch, jobs=2)
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".coffeerun-staging")] == []


def test_build_result_counts_rendered_and_reused_sites(tmp_path, monkeypatch):
    project = speed_project(tmp_path / "project")
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = api_build(project, out, cache, monkeypatch, assets=False, jobs=1)
    assert sorted(first.built) == ["kaede-getsuji-kessan", "northwind-procurement-requests",
                                   "northwind-treasury-close", "northwind-treasury-de"]
    assert first.reused == []
    second = api_build(project, out, cache, monkeypatch, assets=False, jobs=1)
    assert second.built == [] and len(second.reused) == 4 and second.unchanged
    path = project / "campaigns" / "northwind-treasury-de.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Bücher", "Konten"), encoding="utf-8")
    third = api_build(project, out, cache, monkeypatch, assets=False, jobs=1)
    assert third.built == ["northwind-treasury-de"] and len(third.reused) == 3
    # A file replaced in the output by hand is not trusted: the next build makes that campaign again.
    page = next(p for p in out.glob("*/index.html") if "Konten" in p.read_text(encoding="utf-8"))
    page.unlink()
    page.write_text("edited by hand", encoding="utf-8")
    fourth = api_build(project, out, cache, monkeypatch, assets=False, jobs=1)
    assert not fourth.unchanged and "Konten" in page.read_text(encoding="utf-8")


def test_no_cache_neither_reads_nor_writes_the_cache(reference, tmp_path):
    project, slow = reference
    cache = tmp_path / "cache"
    cli_build(project, tmp_path / "cached", cache)
    records = list(cache.glob("*/*/*.json"))
    assert {p.parts[-3] for p in records} >= {"validate", "sites", "assets", "builds"}
    for record in records:
        record.write_bytes(b"not a record")  # a store that would slow down a build that read it
    before = sorted((p.relative_to(cache).as_posix(), p.stat().st_mtime_ns) for p in cache.rglob("*"))
    cli_build(project, tmp_path / "fresh", cache, "--no-cache")
    assert tree_digest(tmp_path / "fresh") == tree_digest(slow)
    after = sorted((p.relative_to(cache).as_posix(), p.stat().st_mtime_ns) for p in cache.rglob("*"))
    assert after == before


def test_theme_files_are_published_once_and_every_page_links_them(reference):
    _, out = reference
    shared = list((out / "_theme").iterdir())
    assert len(shared) == 1 and re.fullmatch(r"[0-9a-f]{16}", shared[0].name)
    assert list(shared[0].glob("assets/stylesheets/main.*.min.css"))
    assert (shared[0] / "assets" / "coffeerun" / "site.css").is_file()
    from coffeerun.render.report import report_token

    report = report_token(SECRET.encode())  # the program report: one page of its own, no MkDocs theme
    tokens = [p for p in out.iterdir() if p.is_dir() and len(p.name) == 32 and p.name != report]
    assert tokens and not any(next(t.rglob("*.min.css"), None) for t in tokens)
    assert not any((t / "assets").exists() for t in tokens)
    for token in tokens:
        for page in token.rglob("index.html"):
            html = page.read_text(encoding="utf-8")
            hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
            scripts = re.findall(r'<script src="([^"]+)"', html)
            assert any("_theme/" in h and "main." in h for h in hrefs), page
            for ref in hrefs + scripts:
                target = urljoin(page.relative_to(out).as_posix(), ref)
                assert (out / target).is_file(), f"{page.relative_to(out)} links {ref}"


def test_engine_pages_are_what_plain_mkdocs_build_writes(tmp_path, monkeypatch):
    """Several sites in one process (three languages, shared compiled templates), each compared with
    `mkdocs build` of its generated project in a process of its own (every page built by MkDocs: that
    pattern copies are the same bytes is test_pages' to show)."""
    from coffeerun import api
    from coffeerun.plan import CampaignJob
    from coffeerun.render import engine, kit_site, pages
    from coffeerun.render.pages import render_pages
    from coffeerun.tokens import campaign_links

    monkeypatch.setattr(pages, "pattern_copies", lambda advocates, copyable: None)
    monkeypatch.setattr(kit_site, "kit_pattern", lambda kits: None)

    project = speed_project(tmp_path / "project")
    checked = api.check(project, dt.date.fromisoformat(TODAY))
    out, kept = tmp_path / "out", tmp_path / "projects"
    engine.keep_projects(kept)
    sites = 0
    try:
        for info in checked.campaigns:
            if info.state.kind in ("publish", "draft"):
                links = campaign_links(b"s", info.id, info.model.link_version, "https://a.example/",
                                       [a.id for a in info.model.advocates])
                sites += len(links.sites())  # the share site, the owner's kit, each advocate's kit
                render_pages(CampaignJob(info, checked.brand.model_dump(mode="json"), checked.brand_logo,
                                         checked.paths, links,
                                         dt.date.fromisoformat(TODAY), out / links.share_token,
                                         out / links.kit_token))
    finally:
        engine.keep_projects(None)
    generated = sorted(p for p in kept.iterdir() if p.is_dir())
    assert len(generated) == sites
    for folder in generated:
        plain = tmp_path / "plain" / folder.name
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(folder / "mkdocs.yml"), "-d",
                        str(plain)], check=True, capture_output=True)
        written = tree_digest(plain)
        assert "index.html" in written and "404.html" in written
        ours = tree_digest(out / folder.name)
        assert {name: ours.get(name) for name in written} == written, folder.name


def test_a_leak_is_caught_also_when_the_site_comes_from_the_cache(tmp_path, monkeypatch, run_cli):
    import json

    project = speed_project(tmp_path / "project")
    rows = json.loads(run_cli("links", "--project", project, "--today", TODAY, "--json",
                              env={"COFFEERUN_SECRET": SECRET}).stdout)
    kit = next(r["kit_url"] for r in rows if r["id"] == "kaede-getsuji-kessan")
    path = project / "campaigns" / "northwind-treasury-de.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^(  - by: .*\n    text: )(.*)$", lambda m: f"{m.group(1)}See {kit} {m.group(2)}",
                           text, count=1, flags=re.M), encoding="utf-8")
    for _ in range(2):  # rendered, then reused from the cache
        with pytest.raises(RuntimeError, match="private link leak"):
            api_build(project, tmp_path / "site", tmp_path / "cache", monkeypatch, assets=False, jobs=1)
    assert not (tmp_path / "site").exists()
