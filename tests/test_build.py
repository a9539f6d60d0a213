"""The publish root: layout, private links, determinism, and a build that fails leaving no trace."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SECRET = {"COFFEERUN_SECRET": "test-secret-one"}
TODAY = "2026-11-23"


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def build(run_cli, project: Path, out: Path, *extra: str, env=SECRET):
    result = run_cli("build", "--project", project, "--out", out, "--today", TODAY, "--jobs", "1", *extra,
                     env=env)
    return result


def links(run_cli, project: Path, env=SECRET) -> dict[str, dict]:
    result = run_cli("links", "--project", project, "--today", TODAY, "--json", env=env)
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The example project built once (pages and assets) for the read-only tests below."""
    from click.testing import CliRunner

    from coffeerun.cli import cli
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("built")
    project = root / "project"
    for name in ("campaigns", "content", "theme"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    out = root / "site"
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--project", str(project), "--out", str(out), "--today", TODAY],
                           env=SECRET, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(cli, ["links", "--project", str(project), "--today", TODAY, "--json"],
                                    env=SECRET).stdout)
    return project, out, {row["id"]: row for row in rows}


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def site_tokens(row: dict) -> set[str]:
    """Every top-level folder of a campaign: its share site, the owner's kit, each advocate's kit."""
    return {token_of(row["share_url"]), token_of(row["kit_url"]),
            *(token_of(a["kit_url"]) for a in row["advocates"].values())}


def report_token(project: Path) -> str:
    """The program report's folder: a token directory of its own."""
    from coffeerun.render.report import report_url

    return token_of(report_url(project, SECRET["COFFEERUN_SECRET"].encode()))


def test_publish_root_has_neutral_pages_robots_headers_and_one_directory_per_token(built):
    project, out, rows = built
    published = [r for r in rows.values() if r["published"]]
    assert published and all(not r["published"] for r in rows.values() if r["status"] != "live")
    expected = {t for r in published for t in site_tokens(r)}
    expected.add(report_token(project))
    directories = {p.name for p in out.iterdir() if p.is_dir()}
    assert expected <= directories
    assert not {d for d in directories - expected if not d.startswith(("_", "."))} - {"assets", "theme"}
    assert (out / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"
    headers = (out / "_headers").read_text()
    assert "X-Robots-Tag: noindex" in headers and "Referrer-Policy: no-referrer" in headers
    for page in ("index.html", "404.html"):
        text = (out / page).read_text()
        assert '<meta name="robots" content="noindex, nofollow">' in text
        for row in rows.values():
            assert row["id"] not in text and token_of(row["share_url"]) not in text


def test_nothing_outside_token_directories_names_a_token_campaign_or_account(built):
    project, out, rows = built
    accounts = {json.dumps(r["account"]) for r in rows.values()}
    names = {r["id"] for r in rows.values()} | {a.strip('"') for a in accounts}
    tokens = {t for r in rows.values() for t in site_tokens(r)}
    for path in out.rglob("*"):
        if path.is_file() and path.relative_to(out).parts[0] not in tokens | {report_token(project)}:
            data = path.read_bytes()
            for word in names | tokens:
                assert word.encode() not in data, f"{path.relative_to(out)} names {word}"


def test_tokens_are_long_url_safe_and_distinct(built):
    _project, _out, rows = built
    seen = set()
    for row in rows.values():
        for url in (row["share_url"], row["kit_url"], *(a["kit_url"] for a in row["advocates"].values())):
            token = token_of(url)
            assert re.fullmatch(r"[a-z2-7]{32}", token)  # 160 bits
            assert token not in seen
            seen.add(token)


def test_links_json_has_the_specified_keys_and_audience_urls(built):
    _project, _out, rows = built
    for row in rows.values():
        assert set(row) >= {"id", "account", "status", "expires", "published", "share_url", "kit_url",
                            "audience_urls"}
        for audience, url in row["audience_urls"].items():
            assert url == row["share_url"] + audience + "/"


def test_every_audience_page_of_a_published_campaign_exists(built):
    _project, out, rows = built
    for row in rows.values():
        if row["published"]:
            for audience in row["audience_urls"]:
                assert (out / token_of(row["share_url"]) / audience / "index.html").is_file()


def test_share_sites_name_no_kit_token_and_no_other_campaigns_links(built):
    _project, out, rows = built
    published = [r for r in rows.values() if r["published"]]
    for row in published:
        share = out / token_of(row["share_url"])
        kit = out / token_of(row["kit_url"])
        others = [token_of(o[k]) for o in published if o is not row for k in ("share_url", "kit_url")]
        for site, forbidden in ((share, [*others, token_of(row["kit_url"])]), (kit, others)):
            for path in site.rglob("*"):
                if path.is_file() and path.suffix in (".html", ".js", ".json", ".css", ".txt"):
                    text = path.read_text(errors="replace")
                    for token in forbidden:
                        assert token not in text, f"{path.relative_to(out)} names {token}"


def test_kit_has_downloads_and_the_share_link(built):
    _project, out, rows = built
    for row in (r for r in rows.values() if r["published"]):
        kit = out / token_of(row["kit_url"])
        assert (kit / "downloads" / "deck.pptx").is_file()
        assert (kit / "downloads" / "deck.pdf").is_file()
        assert row["share_url"] in (kit / "index.html").read_text()


def test_two_builds_of_the_same_input_are_byte_identical(example_project, tmp_path, run_cli):
    first, second = tmp_path / "one", tmp_path / "two"
    assert build(run_cli, example_project, first, "--no-cache").exit_code == 0
    assert build(run_cli, example_project, second, "--no-cache").exit_code == 0
    assert tree_digest(first) == tree_digest(second)


def test_a_new_secret_changes_every_token(example_project, run_cli):
    one = links(run_cli, example_project, {"COFFEERUN_SECRET": "first"})
    two = links(run_cli, example_project, {"COFFEERUN_SECRET": "second"})
    for campaign_id in one:
        assert token_of(one[campaign_id]["share_url"]) != token_of(two[campaign_id]["share_url"])
        assert token_of(one[campaign_id]["kit_url"]) != token_of(two[campaign_id]["kit_url"])


def test_bumping_link_version_changes_that_campaigns_links_only(example_project, run_cli):
    before = links(run_cli, example_project)
    path = example_project / "campaigns" / "kaede-getsuji-kessan.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^link_version: \d+.*$", "", text, flags=re.M) + "\nlink_version: 7\n"
    path.write_text(text, encoding="utf-8")
    after = links(run_cli, example_project)
    assert after["kaede-getsuji-kessan"]["share_url"] != before["kaede-getsuji-kessan"]["share_url"]
    assert after["northwind-treasury-close"] == before["northwind-treasury-close"]


def test_expired_consent_withholds_the_campaign_with_a_warning_and_exit_0(example_project, tmp_path, run_cli):
    path = example_project / "campaigns" / "northwind-treasury-close.yaml"
    text = path.read_text(encoding="utf-8").replace("expires: 2027-10-14", "expires: 2026-11-01", 1)
    path.write_text(text, encoding="utf-8")
    rows = links(run_cli, example_project)
    result = build(run_cli, example_project, tmp_path / "site", "--no-assets")
    assert result.exit_code == 0, result.output
    assert "withheld" in result.output and "consent expired on 2026-11-01" in result.output
    assert not (tmp_path / "site" / token_of(rows["northwind-treasury-close"]["share_url"])).exists()
    assert (tmp_path / "site" / token_of(rows["kaede-getsuji-kessan"]["share_url"])).is_dir()


def test_an_expired_campaign_comes_down_on_a_later_today(example_project, tmp_path, run_cli):
    rows = links(run_cli, example_project)
    result = run_cli("build", "--project", example_project, "--out", tmp_path / "site", "--today",
                     "2027-04-15", "--no-assets", env=SECRET)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "site" / token_of(rows["kaede-getsuji-kessan"]["share_url"])).exists()
    assert (tmp_path / "site" / token_of(rows["northwind-treasury-close"]["share_url"])).is_dir()


def test_bad_input_leaves_the_previous_output_untouched(example_project, tmp_path, run_cli):
    out = tmp_path / "site"
    assert build(run_cli, example_project, out, "--no-assets").exit_code == 0
    before = tree_digest(out)
    (example_project / "campaigns" / "northwind-treasury-close.yaml").write_text("title: [oops\n")
    result = build(run_cli, example_project, out, "--no-assets")
    assert result.exit_code == 1
    assert "campaigns/northwind-treasury-close.yaml:" in result.output
    assert tree_digest(out) == before


def test_publish_refuses_without_a_secret_and_with_a_past_today(example_project, tmp_path, run_cli):
    no_secret = run_cli("build", "--project", example_project, "--out", tmp_path / "a", "--publish",
                        env={"COFFEERUN_SECRET": ""})
    assert no_secret.exit_code == 2 and "COFFEERUN_SECRET" in no_secret.output
    past = run_cli("build", "--project", example_project, "--out", tmp_path / "b", "--publish", "--today",
                   "2020-01-01", env={"COFFEERUN_SECRET": "a-publish-secret-of-32-characters-or-more"})
    assert past.exit_code == 2 and "before today" in past.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_shards_are_disjoint_and_combine_into_the_full_build(example_project, tmp_path, run_cli):
    full = tmp_path / "full"
    assert build(run_cli, example_project, full, "--no-assets").exit_code == 0
    combined = tmp_path / "combined"
    combined.mkdir()
    seen: set[str] = set()
    for k in (1, 2, 3):
        part = tmp_path / f"shard{k}"
        assert build(run_cli, example_project, part, "--no-assets", "--shard", f"{k}/3").exit_code == 0
        token_dirs = {p.name for p in part.iterdir() if p.is_dir() and len(p.name) == 32}
        assert not token_dirs & seen
        seen |= token_dirs
        shutil.copytree(part, combined, dirs_exist_ok=True)
    assert tree_digest(combined) == tree_digest(full)


def test_a_killed_build_leaves_the_previous_output_intact(example_project, tmp_path):
    out = tmp_path / "site"
    command = [sys.executable, "-m", "coffeerun", "build", "--project", str(example_project), "--out", str(out),
               "--today", TODAY, "--no-cache"]
    env = {**os.environ, **SECRET}
    subprocess.run(command, env=env, check=True, capture_output=True)
    before = tree_digest(out)
    (example_project / "campaigns" / "kaede-getsuji-kessan.yaml").open("a").write("\n# changed\n")
    for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert tree_digest(out) == before, f"output changed after a kill at {delay}s"


def test_files_carry_the_campaigns_start_date_so_the_next_day_gives_the_same_bytes(example_project, tmp_path,
                                                                                   run_cli):
    import zipfile

    rows = links(run_cli, example_project)
    first, second = tmp_path / "day1", tmp_path / "day2"
    assert build(run_cli, example_project, first, "--no-cache").exit_code == 0
    result = run_cli("build", "--project", example_project, "--out", second, "--today", "2026-11-24", "--jobs", "1",
                     "--no-cache", env=SECRET)
    assert result.exit_code == 0, result.output
    from coffeerun.render.report import report_token

    report = report_token(SECRET["COFFEERUN_SECRET"].encode()) + "/"  # the program report is of its day
    assert {k: v for k, v in tree_digest(first).items() if not k.startswith(report)} == \
        {k: v for k, v in tree_digest(second).items() if not k.startswith(report)}
    deck = first / token_of(rows["northwind-treasury-close"]["kit_url"]) / "downloads" / "deck.pptx"
    with zipfile.ZipFile(deck) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert {info.date_time[:3] for info in archive.infolist()} == {(2026, 11, 2)}  # `starts: 2026-11-02`
    assert "2026-11-02T00:00:00Z" in core and TODAY not in core
