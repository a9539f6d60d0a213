"""The content store is untrusted and optional; a build never hangs on a dead worker and never tears its output."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_speed import SECRET, TODAY, cli_build, speed_project, tree_digest

GENERATOR = REPO / "generator" / "coffeerun"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return speed_project(tmp_path_factory.mktemp("store") / "project")


@pytest.fixture(scope="module")
def reference(project, tmp_path_factory) -> dict[str, str]:
    """What a build without the store writes."""
    out = tmp_path_factory.mktemp("reference") / "site"
    cli_build(project, out, out.parent / "unused", "--no-cache")
    return tree_digest(out)


def build_env(cache: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "COFFEERUN_SECRET": SECRET, "COFFEERUN_CACHE_DIR": str(cache), **extra}


def build_command(project: Path, out: Path, *flags: str, today: str = TODAY) -> list[str]:
    return [sys.executable, "-m", "coffeerun", "build", "--project", str(project), "--out", str(out),
            "--today", today, "--drafts", *flags]


def spoil(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # garbage of the same length, written in place
        path.write_bytes(bytes((b * 7 + 13) % 256 for b in data) or b"\x80garbage")


def store_files(cache: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted(cache.rglob("*")):
        if path.is_file():
            found.setdefault(path.relative_to(cache).parts[0], []).append(path)
    return found


@pytest.mark.parametrize("how", ["garbage", "truncated"])
@pytest.mark.parametrize("part", ["records", "objects"])
def test_spoiled_store_entries_are_rendered_again_never_published(project, reference, tmp_path, part, how):
    cache = tmp_path / "cache"
    cli_build(project, tmp_path / "first", cache)
    namespaces = store_files(cache)
    assert {"validate", "digests", "sites", "assets", "media", "fonts", "builds", "objects"} <= set(namespaces)
    for name, files in namespaces.items():
        if (name == "objects") == (part == "objects"):
            for path in files:
                spoil(path, how)
    result = cli_build(project, tmp_path / "second", cache)
    assert "built 4, reused 0" in result.stderr
    assert tree_digest(tmp_path / "second") == reference
    again = cli_build(project, tmp_path / "third", cache)  # what the second build kept is whole again
    assert "built 0, reused 4" in again.stderr
    assert tree_digest(tmp_path / "third") == reference


def test_an_output_file_edited_in_place_is_repaired_by_the_next_build(project, reference, tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "site"
    cli_build(project, out, cache)
    page = next(out.glob("*/index.html"))
    with page.open("r+b") as handle:  # the same inode as the store's object: both are spoiled
        handle.write(b"<!-- edited -->")
    result = cli_build(project, out, cache)
    assert "built 1, reused 3" in result.stderr
    assert tree_digest(out) == reference


def test_a_cache_path_through_a_file_stops_the_build_before_it_writes(project, tmp_path, monkeypatch):
    import errno

    from coffeerun import api

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("COFFEERUN_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(NotADirectoryError) as raised:  # the command turns it into one line and exit 1 (test_hardening)
        api.build(project, tmp_path / "site", today=dt.date.fromisoformat(TODAY), jobs=1)
    assert raised.value.errno == errno.ENOTDIR and raised.value.filename == str(blocker / "cache")
    assert not (tmp_path / "site").exists()


def test_a_full_cache_disk_still_builds_with_one_warning(project, reference, tmp_path, monkeypatch):
    import errno

    from coffeerun import api, store

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("COFFEERUN_SECRET", SECRET)
    monkeypatch.setenv("COFFEERUN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(store, "write_atomic", full)
    result = api.build(project, tmp_path / "site", today=dt.date.fromisoformat(TODAY), drafts=True, jobs=1)
    assert not result.problems.errors
    assert tree_digest(tmp_path / "site") == reference
    assert [w for w in result.warnings if "cache" in w] == [w for w in result.warnings if "No space left" in w]
    assert len([w for w in result.warnings if "No space left" in w]) == 1


def test_no_pickle_or_compiled_code_anywhere(project, tmp_path):
    for path in GENERATOR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        forbidden = r"\b(import (c?pickle|marshal|shelve|dill)|from (c?pickle|marshal|shelve) import)"
        assert not re.search(forbidden, text), path
        assert "FileSystemBytecodeCache" not in text, path
    cache = tmp_path / "cache"
    cli_build(project, tmp_path / "site", cache)
    for name, files in store_files(cache).items():
        for path in files:
            if name == "pruned":  # the pruner's mark: an empty file whose time is the last pruning
                assert path.stat().st_size == 0
            elif name == "objects":
                assert re.fullmatch(r"[0-9a-f]{64}", path.name), path
            else:
                assert path.suffix == ".json" and path.read_bytes()[:1] == b"{", path


def test_thirty_nightly_builds_leave_the_store_no_larger_than_the_first(project, tmp_path):
    """The same project every night; on one of the nights a campaign expires and comes down."""
    nightly = tmp_path / "project"
    subprocess.run(["cp", "-r", str(project), str(nightly)], check=True)
    path = nightly / "campaigns" / "kaede-getsuji-kessan.yaml"
    path.write_text(re.sub(r"^expires: .*$", "expires: 2026-12-05", path.read_text(encoding="utf-8"), count=1,
                           flags=re.M), encoding="utf-8")
    time.sleep(2.1)  # a checkout made before the first build: its files are not "racy" (see digests.py)
    cache, out = tmp_path / "cache", tmp_path / "site"
    sizes, names = [], []
    for day in range(30):
        today = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=day)).isoformat()
        result = subprocess.run(build_command(nightly, out, "--no-assets", today=today), env=build_env(cache),
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert re.search(r"built 0, reused [34]", result.stderr) or day == 0, (day, result.stderr)
        files = [p for p in cache.rglob("*") if p.is_file()]
        sizes.append(sum(p.stat().st_size for p in files))
        names.append(sorted(p.relative_to(cache).as_posix() for p in files))
        if today == "2026-12-06":
            assert "kaede-getsuji-kessan (expired)" in result.stderr
    assert names[-1] == names[0]
    assert max(sizes) <= sizes[0] * 1.001, sizes


def test_a_killed_worker_ends_the_build_naming_its_campaign(project, tmp_path):
    out, temp = tmp_path / "site", tmp_path / "tmp"
    temp.mkdir()
    env = build_env(tmp_path / "cache", TMPDIR=str(temp))
    subprocess.run(build_command(project, out, "--no-cache", "--no-assets"), env=env, check=True,
                   capture_output=True)
    before = tree_digest(out)
    path = project / "campaigns" / "northwind-treasury-de.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("Bücher", "Konten"), encoding="utf-8")
    try:
        started = time.monotonic()
        process = subprocess.Popen(build_command(project, out, "--no-cache", "--jobs", "2"), env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        victim = None
        while victim is None and process.poll() is None and time.monotonic() - started < 120:
            for note in temp.glob("coffeerun-workers-*/*"):
                try:
                    if note.read_text(encoding="utf-8").startswith("rendering campaign"):
                        victim = int(note.name), note.read_text(encoding="utf-8")
                        break
                except OSError:
                    continue
            time.sleep(0.02)
        assert victim is not None, "no worker was seen rendering"
        os.kill(victim[0], signal.SIGKILL)
        killed = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        assert time.monotonic() - killed < 60
    finally:
        path.write_text(original, encoding="utf-8")
    assert process.returncode == 1, stderr
    campaign = victim[1].removeprefix("rendering campaign ")
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and f"campaign {campaign}" in lines[0] and "SIGKILL" in lines[0], stderr
    assert "Traceback" not in stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".coffeerun-") and "lock" not in p.name) \
        == []


def test_a_second_build_into_a_busy_output_stops_with_a_clear_message(project, reference, tmp_path, run_cli):
    from coffeerun import publish

    out = tmp_path / "site"
    cli_build(project, out, tmp_path / "cache", "--no-cache")
    with publish.exclusive(out):
        busy = run_cli("build", "--project", project, "--out", out, "--today", TODAY, "--drafts", "--no-cache",
                       env={"COFFEERUN_SECRET": SECRET})
    assert busy.exit_code == 1
    assert "another coffeerun build is writing" in busy.output and str(out) in busy.output
    assert tree_digest(out) == reference


def test_two_builds_at_once_into_one_output_publish_one_whole_root(project, reference, tmp_path):
    out = tmp_path / "site"
    env = build_env(tmp_path / "cache")
    first = subprocess.Popen(build_command(project, out, "--no-cache", "--jobs", "1"), env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while first.poll() is None and not list(tmp_path.glob(".coffeerun-staging-*")):
        time.sleep(0.01)
    second = subprocess.run(build_command(project, out, "--no-cache", "--jobs", "1"), env=env,
                            capture_output=True, text=True)
    assert first.wait(timeout=300) == 0
    assert second.returncode in (0, 1), second.stderr
    if second.returncode == 1:
        assert "another coffeerun build is writing" in second.stderr
    assert tree_digest(out) == reference


def test_published_files_are_readable_by_the_web_server_whatever_the_umask(project, tmp_path):
    out = tmp_path / "site"
    subprocess.run(build_command(project, out, "--no-assets"), env=build_env(tmp_path / "cache"), check=True,
                   capture_output=True, preexec_fn=lambda: os.umask(0o077))
    modes = {oct(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()}
    folders = {oct(p.stat().st_mode & 0o777) for p in [out, *out.rglob("*")] if p.is_dir()}
    assert modes == {"0o644"} and folders == {"0o755"}


def test_no_withheld_token_folder_survives_with_the_cache_on_another_file_system(project, tmp_path, run_cli):
    import json
    import shutil
    import tempfile

    shm = Path("/dev/shm")  # noqa: S108 - a second file system on purpose; the folder in it is mkdtemp's
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system (tmpfs) to put the cache on")
    cache = Path(tempfile.mkdtemp(dir=shm, prefix="coffeerun-cache-"))
    try:
        rows = json.loads(run_cli("links", "--project", project, "--today", TODAY, "--json",
                                  env={"COFFEERUN_SECRET": SECRET}).stdout)
        kit = next(r["kit_url"] for r in rows if r["id"] == "kaede-getsuji-kessan").rstrip("/").rsplit("/", 1)[-1]
        out = tmp_path / "out" / "site"
        for today in (TODAY, "2027-06-01"):  # published, then expired
            result = subprocess.run(build_command(project, out, "--no-assets", today=today), env=build_env(cache),
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
        assert not (out / kit).exists()
        for place in (out.parent, cache):
            assert not [p for p in place.rglob("*") if p.name == kit], place
        assert sorted(p.name for p in out.parent.iterdir()) == [".coffeerun-lock-site", ".coffeerun-twin-site", "site"]
        assert sorted(p.name for p in (out.parent / ".coffeerun-twin-site").iterdir()) == sorted(os.listdir(out))
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_the_pruner_keeps_what_builds_use_and_removes_the_rest(tmp_path):
    from coffeerun.store import KEEP_DAYS, Store, key

    root = tmp_path / "cache"
    writer = Store(root)
    old, fresh = key("assets", "old"), key("assets", "fresh")
    writer.put("assets", old, {}, {"data": b"an image nobody uses any more"})
    writer.put("assets", fresh, {}, {"data": b"an image of this build"})
    (root / "publish").mkdir()  # a folder an older coffeerun kept (its previous output)
    (root / "publish" / "tree").write_text("a token folder")
    writer.finish()
    later = time.time() + (KEEP_DAYS + 1) * 86_400
    os.utime(root / "assets" / old[:2] / f"{old}.json", (later - (KEEP_DAYS + 1) * 86_400,) * 2)
    build = Store(root)
    assert build.get("assets", fresh) is not None
    build.prune(now=later)
    assert Store(root).get("assets", old) is None and Store(root).get("assets", fresh) is not None
    assert not (root / "publish").exists()
    objects = [p for p in (root / "objects").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in objects] == [b"an image of this build"]


def test_the_next_day_build_validates_no_campaign_again(project, tmp_path, monkeypatch):
    """The nightly build: every campaign is known to the store, and the program report (which shows the day)
    is made from what validation kept of each campaign, so nothing is validated again."""
    from coffeerun import validate
    from coffeerun.build import BuildOptions, build

    monkeypatch.setenv("COFFEERUN_SECRET", SECRET)
    monkeypatch.setenv("COFFEERUN_CACHE_DIR", str(tmp_path / "cache"))
    out, day = tmp_path / "site", dt.date.fromisoformat(TODAY)
    assert not build(project, BuildOptions(out=out, today=day, drafts=True, jobs=1)).problems.errors

    def refuse(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(validate, "validate_project", refuse)  # validcache imports it where it calls it
    result = build(project, BuildOptions(out=out, today=day + dt.timedelta(days=1), drafts=True, jobs=1))
    assert not result.problems.errors and not result.built and result.reused
    report = next(p for p in out.glob("*/index.html") if "<title>Program report" in p.read_text(encoding="utf-8"))
    assert f"Built {(day + dt.timedelta(days=1)).isoformat()}" in report.read_text(encoding="utf-8")


def built_then_retitled(project: Path, tmp_path: Path, monkeypatch) -> tuple[Path, object]:
    """A copy of the project built in this process (one job, the cache in tmp_path), then the title of its
    campaign with a video without a poster of its own changed; the copy and the build options."""
    from coffeerun.build import BuildOptions, build
    from coffeerun.memo import MEMO

    MEMO.clear()  # what an earlier test made in this process is this process's, not in this store
    own = tmp_path / "project"
    subprocess.run(["cp", "-r", str(project), str(own)], check=True)
    monkeypatch.setenv("COFFEERUN_SECRET", SECRET)
    monkeypatch.setenv("COFFEERUN_CACHE_DIR", str(tmp_path / "cache"))
    options = BuildOptions(out=tmp_path / "site", today=dt.date.fromisoformat(TODAY), drafts=True, jobs=1)
    assert not build(own, options).problems.errors
    campaign = own / "campaigns" / "northwind-procurement-requests.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("title: Purchase requests at Northwind",
                                                                     "title: Purchase requests at Northwind Ltd"),
                        encoding="utf-8")
    return own, options


def test_a_changed_campaign_reuses_the_kept_mkdocs_yml_and_its_drawn_video_poster(project, tmp_path, monkeypatch):
    """A campaign's title changed: it is validated with what the store kept of mkdocs.yml (reading it through
    MkDocs again takes a tenth of a second), and its video's drawn poster, whose words did not change, comes
    from the store instead of being drawn and encoded again."""
    from coffeerun import validate
    from coffeerun.build import build
    from coffeerun.render.assets import poster

    own, options = built_then_retitled(project, tmp_path, monkeypatch)

    def refuse(*args, **kwargs):
        raise AssertionError("read again")

    monkeypatch.setattr(validate, "read_project_config", refuse)
    monkeypatch.setattr(poster, "draw_png", type("NoDrawing", (), {"render": staticmethod(refuse)}))
    result = build(own, options)
    assert not result.problems.errors and result.built == ["northwind-procurement-requests"]


def test_a_changed_campaign_takes_its_deck_fonts_cut_down_from_the_store(project, tmp_path, monkeypatch):
    """Cutting a font down to a campaign's characters (half a second for a CJK collection) is done once: the
    decks of a changed campaign, in a new process, read the cut font from the store, and their bytes are those
    of a build without the store."""
    from coffeerun.build import build
    from coffeerun.memo import MEMO
    from coffeerun.render.assets import deck_pdf

    own, options = built_then_retitled(project, tmp_path, monkeypatch)
    assert list((tmp_path / "cache" / "fonts").rglob("*.json"))
    MEMO.clear()  # as a new process starts

    def refuse(*args, **kwargs):
        raise AssertionError("cut down again")

    monkeypatch.setattr(deck_pdf, "_make_subset", refuse)
    result = build(own, options)
    assert not result.problems.errors and result.built == ["northwind-procurement-requests"]
    monkeypatch.undo()
    monkeypatch.setenv("COFFEERUN_SECRET", SECRET)
    MEMO.clear()
    plain = replace(options, out=tmp_path / "plain", use_cache=False)
    assert not build(own, plain).problems.errors
    pdfs = sorted(p.relative_to(tmp_path / "plain") for p in (tmp_path / "plain").rglob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        assert (tmp_path / "site" / pdf).read_bytes() == (tmp_path / "plain" / pdf).read_bytes(), pdf


def test_a_kept_mkdocs_yml_with_a_markdown_extension_is_read_again(project, tmp_path):
    """MkDocs checks a Markdown extension by importing it from wherever Python finds it, which no store key
    covers: an extension gone since the record was kept is the error `check` reports, not a crash."""
    own, ext = tmp_path / "project", tmp_path / "ext"
    subprocess.run(["cp", "-r", str(project), str(own)], check=True)
    ext.mkdir()
    (ext / "kept_ext.py").write_text("from markdown.extensions import Extension\n\n\nclass KeptExtension(Extension):\n"
                                     "    def extendMarkdown(self, md):\n        pass\n\n\n"
                                     "def makeExtension(**kwargs):\n    return KeptExtension(**kwargs)\n")
    config = own / "mkdocs.yml"
    config.write_text(re.sub(r"^markdown_extensions: .*$", "markdown_extensions: [kept_ext]",
                             config.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = subprocess.run(build_command(own, out, "--no-assets"), capture_output=True, text=True,
                           env=build_env(cache, PYTHONPATH=str(ext)))
    assert first.returncode == 0, first.stderr
    campaign = own / "campaigns" / "northwind-procurement-requests.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("title: Purchase requests at Northwind",
                                                                     "title: Purchase requests at Northwind Ltd"),
                        encoding="utf-8")
    env = {k: v for k, v in build_env(cache).items() if k != "PYTHONPATH"}
    second = subprocess.run(build_command(own, out, "--no-assets"), capture_output=True, text=True, env=env)
    assert second.returncode == 1, second.stderr
    assert "mkdocs.yml:" in second.stderr and "kept_ext" in second.stderr and "internal error" not in second.stderr


def test_a_drawn_poster_kept_in_the_store_names_its_speaker_for_a_withdrawal(project, tmp_path, monkeypatch):
    """A drawn poster shows the advocate's name as pixels only: its record names them (`shows`), so a
    withdrawal's purge finds it by its own bytes, also where no site record names its picture any more."""
    import json

    from coffeerun import purge
    from coffeerun.build import BuildOptions, build
    from coffeerun.memo import MEMO

    MEMO.clear()  # a poster drawn by an earlier test in this process is this process's, not in this store
    monkeypatch.setenv("COFFEERUN_SECRET", SECRET)
    monkeypatch.setenv("COFFEERUN_CACHE_DIR", str(tmp_path / "cache"))
    options = BuildOptions(out=tmp_path / "site", today=dt.date.fromisoformat(TODAY), drafts=True, jobs=1)
    assert not build(project, options).problems.errors
    shown = [json.loads(p.read_bytes()) for p in (tmp_path / "cache" / "media").rglob("*.json")]
    shown = [r for r in shown if "shows" in r["meta"]]
    assert shown and all(r["meta"]["shows"][0][0] == "helen-cho" for r in shown)
    record = json.dumps(shown[0]).encode()
    assert purge._names(record, purge.Needles(person=("helen-cho", shown[0]["meta"]["shows"][0][1], "")))
    assert not purge._names(record, purge.Needles(person=("kenji", "Kenji", "")))


def test_a_project_layout_without_the_sharer_slot_gives_the_same_share_sites(project, reference, tmp_path):
    """Share pages are rendered once and written per advocate by replacing stand-ins; a project's own
    _layout.html (from before the slot) is rendered per advocate instead, with the same bytes."""
    own = tmp_path / "project"
    subprocess.run(["cp", "-r", str(project), str(own)], check=True)
    layout = own / "theme" / "pages" / "_layout.html"
    sharer = (own / "theme" / "pages" / "share" / "_sharer.html").read_text(encoding="utf-8")
    inline = "\n{%- if sharer %}" + sharer.split("-#}", 1)[1].replace("{%- import", "\n{%- import", 1) \
        + "\n{%- endif %}\n{% block page %}"
    text = layout.read_text(encoding="utf-8")
    start = text.index("\n{#- who shared the page")
    text = text[:start] + inline + text[text.index("{% block page %}") + len("{% block page %}"):]
    assert "sharer_slot" not in text and "cr-sharer__who" in text
    layout.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    cli_build(own, out, tmp_path / "unused", "--no-cache")
    built = tree_digest(out)
    attributed = [name for name in built if "/from/" in name and name.endswith("index.html")]
    assert attributed and all(built[name] == reference[name] for name in attributed)
    assert built == reference


def test_a_changed_environment_value_that_mkdocs_yml_reads_is_not_nothing_changed(project, tmp_path):
    """`site_url: !ENV [SITE_URL, …]`: the same files with another SITE_URL build other links, never the
    last build's output as it is."""
    own = tmp_path / "project"
    subprocess.run(["cp", "-r", str(project), str(own)], check=True)
    config = own / "mkdocs.yml"
    config.write_text(re.sub(r"^site_url: \S+", 'site_url: !ENV [SITE_URL, "https://default.example/"]',
                             config.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "site"
    for host in ("one", "one", "two"):
        done = subprocess.run(build_command(own, out, "--no-assets"), capture_output=True, text=True,
                              env=build_env(cache, SITE_URL=f"https://{host}.example/"))
        assert done.returncode == 0, done.stderr
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*.html")]
    assert any("https://two.example/" in text for text in texts)
    assert not any("https://one.example/" in text for text in texts)


def test_program_settings_read_from_the_environment_are_not_taken_from_an_earlier_validation(project, tmp_path):
    """`require_approval: !ENV …`: the validated campaigns kept in the store are not reused once the
    environment value changes (kaede-getsuji-kessan's advocates have never approved)."""
    own = tmp_path / "project"
    subprocess.run(["cp", "-r", str(project), str(own)], check=True)
    config = own / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "extra:\n  coffeerun:\n    require_approval: "
                      "!ENV [REQUIRE_APPROVAL, false]\n", encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "site"
    for value in ("false", "true"):
        done = subprocess.run(build_command(own, out, "--no-assets"), capture_output=True, text=True,
                              env=build_env(cache, REQUIRE_APPROVAL=value))
        assert done.returncode == 0, done.stderr
    assert "kaede-getsuji-kessan (withheld)" in done.stderr, done.stderr


@pytest.mark.parametrize(("template", "old", "new"), [
    ("share/home.html", "{% block page %}",
     '{% block page %}{% if sharer %}<p class="own-note">Sent by {{ sharer.name }}</p>{% endif %}'),
    ("_layout.html", '<div class="cr-page">',
     '{% if root == "./" %}<p class="own-top"></p>{% endif %}<div class="cr-page">'),
])
def test_project_templates_that_read_the_sharer_or_root_give_the_same_share_sites(project, tmp_path, template, old,
                                                                                  new):
    """A project's own share template may test `sharer` or `root`, not only show them: its pages are then
    rendered per advocate, as they would be without the stand-ins."""
    own = tmp_path / "project"
    subprocess.run(["cp", "-r", str(project), str(own)], check=True)
    path = own / "theme" / "pages" / template
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "site"
    cli_build(own, out, tmp_path / "unused", "--no-cache")
    homes = sorted(p for p in out.glob("*/index.html") if "cr-hero" in p.read_text(encoding="utf-8"))
    attributed = sorted(out.glob("*/from/*/index.html"))
    assert homes and attributed
    if template == "share/home.html":
        assert all("own-note" not in p.read_text(encoding="utf-8") for p in homes)
        notes = [re.search(r'class="own-note">Sent by ([^<]+)<', p.read_text(encoding="utf-8")) for p in attributed]
        assert all(notes)  # one note per advocate, naming them
        assert len({(p.parent.parent, n[1]) for p, n in zip(attributed, notes, strict=True)}) == len(attributed)
    else:
        assert all('class="own-top"' in p.read_text(encoding="utf-8") for p in homes)
        assert all('class="own-top"' not in p.read_text(encoding="utf-8") for p in attributed)


def test_the_twin_walked_in_parts_is_taken_only_when_it_is_as_recorded(tmp_path):
    """The workers walk the twin in parts while the build validates; the parts together must give the stamp
    the last build recorded, else the build starts from an empty folder."""
    from coffeerun import publish

    out = tmp_path / "site"
    twin = tmp_path / ".coffeerun-twin-site"
    for name in ("abc", "def", "ghi"):
        (twin / name).mkdir(parents=True)
        (twin / name / "index.html").write_text(f"<p>{name}</p>")
    (twin / "robots.txt").write_text("User-agent: *\n")
    rows = publish.folder_rows(twin)
    stamp = publish.stamp_of(twin, rows)
    parts = [publish.twin_part(out, k, 3) for k in range(3)]
    assert sorted(name for part in parts for name in part) == sorted(rows)  # each entry in one part
    assert publish.twin_rows(out, stamp, parts) == rows == publish.twin_rows(out, stamp)
    assert publish.twin_rows(out, stamp, [*parts[:2], None]) == {}  # a part that could not be read
    assert publish.twin_rows(out, stamp, parts[:2]) == {}  # a part missing
    (twin / "def" / "index.html").write_text("<p>xyz</p>")  # the same size, edited
    assert publish.twin_rows(out, stamp, [publish.twin_part(out, k, 2) for k in range(2)]) == {}
    assert publish.twin_rows(out, stamp) == {}


def test_the_next_day_build_loads_neither_the_models_nor_the_renderers(project, tmp_path):
    """What keeps the nightly build under a second: every campaign and the brand are known to the store, so
    the build process imports neither the campaign models (pydantic builds their schemas on import) nor MkDocs."""
    cache, out = tmp_path / "cache", tmp_path / "site"
    env = build_env(cache)
    first = subprocess.run(build_command(project, out, "--no-assets"), env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    probe = ("import atexit, runpy, sys\n"  # coffeerun ends the process itself, after the exit handlers
             "atexit.register(lambda: print(sorted(m for m in ('coffeerun.models', 'coffeerun.validate', "
             "'mkdocs.commands.build') if m in sys.modules), flush=True))\n"
             "sys.argv = ['coffeerun', *sys.argv[1:]]\n"
             "runpy.run_module('coffeerun', run_name='__main__')\n")
    next_day = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=1)).isoformat()
    result = subprocess.run([sys.executable, "-c", probe, *build_command(project, out, "--no-assets",
                                                                         today=next_day)[3:]],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "built 0, reused" in result.stderr + result.stdout


def test_a_twin_that_cannot_be_made_is_not_left_half_made(tmp_path, monkeypatch):
    """A full disk while linking the twin: there is no twin (the next build starts afresh), and keep_twin says
    so instead of raising, so the build goes on to record what it published and to purge what it must."""
    from coffeerun import publish

    out = tmp_path / "site"
    (out / "abc").mkdir(parents=True)
    (out / "abc" / "index.html").write_text("<p>a page</p>")
    rows = publish.folder_rows(out)

    def full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "_link_entry", full)
    assert publish.keep_twin(None, out, rows) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    monkeypatch.undo()
    assert publish.keep_twin(None, out, rows) is True
    assert publish.twin_rows(out, publish.stamp_of(out, rows)) == rows


def test_a_file_kept_twice_is_read_once_and_untrusted_stamps_change_nothing(tmp_path, monkeypatch):
    import json

    from coffeerun import store as store_module
    from coffeerun.store import Store, key

    root, staged = tmp_path / "cache", tmp_path / "staged.png"
    staged.write_bytes(b"a slide, kept as an image and as a file of its site")
    reads = []
    real = store_module.hash_file
    monkeypatch.setattr(store_module, "hash_file", lambda path: reads.append(path) or real(path))
    writer = Store(root)
    writer.put("assets", key("assets", "slide"), {}, {"data": staged})
    writer.put("sites", key("sites", "site"), {}, {"kit/slide.png": staged})  # the same file: not read again
    assert reads == [staged]
    other = tmp_path / "other.png"
    other.write_bytes(staged.read_bytes())  # the same bytes in another file (another inode): read
    writer.put("sites", key("sites", "other"), {}, {"kit/slide.png": other})
    assert reads == [staged, other]
    writer.finish()
    stamps = json.loads((root / "verified.json").read_bytes())
    info = os.stat(other)
    planted = {"0" * 64: [info.st_size, info.st_mtime_ns, info.st_ino], "1" * 64: [[1], "x", None],
               **{d: [s[0], s[1], "inode"] for d, s in stamps.items()}}
    (root / "verified.json").write_text(json.dumps(planted))  # a stamp naming other.png under a wrong digest
    reads.clear()
    again = Store(root)
    again.put("sites", key("sites", "again"), {}, {"kit/slide.png": other})
    assert reads[0] == other  # hashed: no object of that digest is this very file (then the object is checked)
    entry = Store(root).get("sites", key("sites", "again"))
    assert entry is not None and entry.read("kit/slide.png") == staged.read_bytes()
