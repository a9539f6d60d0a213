"""Records in the content store are untrusted: a validate record whose report facts have the right shape but
values the report cannot show is validated again, never shown and never a crash."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from coffeerun.digests import sha
from coffeerun.store import FORMAT
from tests.test_speed import TODAY, speed_project, tree_digest
from tests.test_store import build_command, build_env

NEXT_DAY = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return speed_project(tmp_path_factory.mktemp("records") / "project")


@pytest.fixture(scope="module")
def next_day(project, tmp_path_factory) -> dict[str, str]:
    """What a build without the store writes the next day."""
    out = tmp_path_factory.mktemp("reference") / "site"
    done = subprocess.run(build_command(project, out, "--no-cache", today=NEXT_DAY),
                          env=build_env(out.parent / "unused"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return tree_digest(out)


def rewrite_facts(cache: Path, campaign: str, change) -> int:
    """Change the report facts of a campaign's validate records and seal them again, as a hand-written
    record would be."""
    return rewrite_record(cache, campaign, lambda meta: change(meta["report"]))


def rewrite_record(cache: Path, campaign: str, change) -> int:
    """Change what a campaign's validate records keep (their meta) and seal them again."""
    count = 0
    for path in (cache / "validate").rglob("*.json"):
        record = json.loads(path.read_bytes())
        if record["meta"].get("id") != campaign:
            continue
        change(record["meta"])
        record["check"] = sha(FORMAT, "validate", path.stem, record["meta"], record["files"])
        path.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        count += 1
    return count


def _renewal_not_a_day(facts):
    facts["renewal"] = "2026-12-99"


def _amount_too_large_for_a_float(facts):
    facts["outcomes"] = [{"date": "2026-10-01", "kind": "expansion", "note": "", "amount": 10 ** 400,
                          "currency": "USD"}]


def _amount_not_a_number(facts):
    facts["outcomes"] = [{"date": "2026-10-01", "kind": "expansion", "note": "", "amount": float("nan"),
                          "currency": "USD"}]


def _control_character_in_a_name(facts):
    facts["advocates"][0][1] = "Helen\x01Cho"  # aborts the chart drawer; `check` refuses it in a campaign


def _withdrawal_not_a_day(facts):
    facts["advocates"][0][4] = "soon"


@pytest.mark.parametrize("change", [_renewal_not_a_day, _amount_too_large_for_a_float, _amount_not_a_number,
                                    _control_character_in_a_name, _withdrawal_not_a_day])
def test_report_facts_the_report_cannot_show_are_validated_again(project, next_day, tmp_path, change):
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = subprocess.run(build_command(project, out), env=build_env(cache), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert rewrite_facts(cache, "northwind-treasury-close", change) == 1
    done = subprocess.run(build_command(project, out, today=NEXT_DAY), env=build_env(cache), capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert tree_digest(out) == next_day


@pytest.mark.parametrize("kept", [
    {"warnings": [[float("inf"), 1, "title", "a line number JSON reads as infinity"]]},
    {"warnings": [["1234", {"5": 0, "6": 0, "x": 0, "y": 0}]]},
    {"warnings": [[1, 2, "title"]]},
    {"warnings": "not a list"},
    {"link_version": 0},
    {"link_version": "2"},
    {"digest": ["0" * 64, ["content/nonexistent.pdf"], ""]},
    {"digest": ["0" * 64, [], "/nonexistent/logo.png"]},
    {"digest": ["0" * 64, [], "/"]},
    {"states": [["0001-01-01", "withheld", "consent withdrawn \x1b[31m"]]},
    {"states": [["0001-01-01", "bogus", "a kind no build knows"]]},
    {"states": [["someday", "publish", ""]]},
    {"profiles": [["kenji"]]},
    {"warnings": [[3, 1, "title", "an escape \x1b[31m for the terminal"]]},
    {"id": "kaede-getsuji-kessan"},
    {"id": "../../escape"},
    {"source": "campaigns/kaede-getsuji-kessan.yaml"},
], ids=["infinite-line", "wrong-shapes", "three-fields", "a-string", "link-version-0", "link-version-text",
        "named-file-missing", "account-logo-missing", "account-logo-a-folder", "state-with-escape", "state-unknown",
        "state-not-a-day", "profile-of-one-field", "warning-with-escape", "another-id", "id-a-path",
        "another-source"])
def test_kept_fields_of_the_wrong_shape_are_validated_again(project, next_day, tmp_path, kept):
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = subprocess.run(build_command(project, out), env=build_env(cache), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert rewrite_record(cache, "northwind-treasury-close", lambda meta: meta.update(kept)) == 1
    done = subprocess.run(build_command(project, out, today=NEXT_DAY), env=build_env(cache), capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "warning:" not in done.stderr
    assert tree_digest(out) == next_day


def _config(field, value, within=None):
    """A change to what the shared record keeps of mkdocs.yml (config_facts)."""
    def change(meta):
        (meta["config"][within] if within else meta["config"])[field] = value
    return change


@pytest.mark.parametrize("change", [
    lambda meta: meta.update(warnings=[["mkdocs.yml", 1, 1, "site_url", "a warning of six fields", "warning"]]),
    lambda meta: meta.update(warnings=[["mkdocs.yml", 2 ** 40, 1, "site_url", "a line too far"]]),
    lambda meta: meta.update(warnings=[[7, 1, 1, "site_url", "a path that is a number"]]),
    lambda meta: meta.update(warnings=[["mkdocs.yml", 1, 1, "site_url", "an escape \x1b[31m for the terminal"]]),
    lambda meta: meta.update(warnings={"mkdocs.yml": []}),
    lambda meta: meta.update(complete="yes"),
    lambda meta: meta.update(brand_logo="/nonexistent/logo.svg"),
    lambda meta: meta.update(brand_logo=str(Path(meta["brand_logo"]).parent)),
    lambda meta: meta.update(brand_logo=str(Path(meta["brand_logo"]).parents[1] / "mkdocs.yml")),
    lambda meta: meta.update(brand_logo=str(next(Path(meta["brand_logo"]).parents[1].glob("content/**/*.png")))),
    _config("renewal_lead_days", 99999999999999999999, "program"),
    _config("renewal_lead_days", "\u00b2", "program"),
    _config("require_approval", "no", "program"),
    _config("unknown_setting", 1, "program"),
    _config("site_url", "javascript:alert(1)//"),
    _config("site_url", "https://example.com/\x1b[31m/"),
    _config("settings", "not a digest"),
    _config("problems", [["content/advocates/kenji.yaml", 1, 1, "name", "a problem of another file"]]),
    _config("problems", [["mkdocs.yml", 1, 1, "site_url", "a warning of six fields", "error"]]),
    _config("extra", "a field no build writes"),
], ids=["six-fields", "huge-line", "numeric-path", "escape", "a-mapping", "complete-text", "logo-missing",
        "logo-a-folder", "logo-not-an-image", "logo-another-picture", "lead-days-huge", "lead-days-superscript",
        "approval-text", "setting-unknown", "site-url-script", "site-url-escape", "settings-digest-text",
        "config-problem-of-another-file", "config-problem-six-fields", "config-extra-field"])
def test_a_shared_record_of_the_wrong_shape_is_validated_again(project, next_day, tmp_path, change):
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = subprocess.run(build_command(project, out), env=build_env(cache), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    shared = 0
    for path in (cache / "validate").rglob("*.json"):  # the shared inputs' record: the one with the brand
        record = json.loads(path.read_bytes())
        if "brand" in record["meta"]:
            change(record["meta"])
            record["check"] = sha(FORMAT, "validate", path.stem, record["meta"], record["files"])
            path.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
            shared += 1
    assert shared == 1
    done = subprocess.run(build_command(project, out, today=NEXT_DAY), env=build_env(cache), capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "warning:" not in done.stderr
    assert tree_digest(out) == next_day


def test_report_facts_are_escaped_in_the_report(project, tmp_path):
    """Facts of the right shape are shown as they are: as text, never as markup."""
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = subprocess.run(build_command(project, out), env=build_env(cache), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr

    def hostile(facts):
        facts["title"] = "<script>alert(1)</script>"
        facts["account"][1] = "<img src=x onerror=alert(2)>"
        facts["outcomes"] = [{"date": "<b>d</b>", "kind": "<i>k</i>", "note": "<u>n</u>", "amount": 5,
                              "currency": "<s>"}]

    assert rewrite_facts(cache, "northwind-treasury-close", hostile) == 1
    done = subprocess.run(build_command(project, out, today=NEXT_DAY), env=build_env(cache), capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    report = next(p for p in out.glob("*/index.html") if "<title>Program report" in p.read_text(encoding="utf-8"))
    text = report.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;img src=x" in text
    assert not any(tag in text for tag in ("<script>", "<img src=x", "<b>d", "<i>k", "<u>n", "<s>"))


def test_a_brand_kept_in_the_store_that_is_not_a_brand_gives_way_to_the_projects(tmp_path):
    """The brand stays the JSON the store kept until a renderer asks for its model; JSON edited by hand into
    something that is not a brand is not rendered from, nor a crash: the project's brand is validated then."""
    import dataclasses

    from tests.asset_project import make_job, make_project

    job = make_job(make_project(tmp_path / "project"), tmp_path / "out", None)
    spoiled = dataclasses.replace(job, brand_data={"name": "Not a brand"})
    assert spoiled.brand == job.brand and spoiled.brand.name != "Not a brand"
