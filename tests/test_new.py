"""`coffeerun new`: a commented starting file; `check` then names exactly what the author must fill in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bad_inputs import write_project

TODAY = "2026-11-23"
TO_FILL = {"title", "owner.name", "owner.email", "audiences[0].pitch", "advocates[0].name", "advocates[0].title",
           "quotes[0].text", "talk_track.opener", "talk_track.ask"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


def _new(run_cli, project: Path, *extra: str):
    return run_cli("new", "--project", project, "--today", TODAY, "--account", "acme", *extra, "q1-push")


def test_new_writes_a_file_with_the_schema_modeline(project: Path, run_cli) -> None:
    result = _new(run_cli, project)
    assert result.exit_code == 0, result.output
    text = (project / "campaigns/q1-push.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/campaign.schema.json"
    assert "account: acme" in text


def test_new_writes_the_schema_its_modeline_names_when_the_project_has_none(project: Path, run_cli) -> None:
    _new(run_cli, project)
    schema = run_cli("schema").stdout
    assert (project / "schema/campaign.schema.json").read_text(encoding="utf-8") == schema


def test_new_leaves_an_existing_schema_file_alone(project: Path, run_cli) -> None:
    (project / "schema").mkdir()
    (project / "schema/campaign.schema.json").write_text("{}\n", encoding="utf-8")
    _new(run_cli, project)
    assert (project / "schema/campaign.schema.json").read_text(encoding="utf-8") == "{}\n"


def test_check_then_names_exactly_the_fields_to_fill_in(project: Path, run_cli) -> None:
    _new(run_cli, project)
    result = run_cli("check", "--project", project, "--today", TODAY, "q1-push")
    assert result.exit_code == 1
    lines = result.output.rstrip().splitlines()
    assert lines[-1] == f"{len(TO_FILL)} errors, 0 warnings"
    found = {}
    for line in lines[:-1]:
        match = re.match(r"^campaigns/q1-push\.yaml:\d+:\d+: error: ([\w.\[\]]+): (.*)$", line)
        assert match, line
        found[match.group(1)] = match.group(2)
    assert set(found) == TO_FILL
    assert all(message.startswith("is empty; fill") for message in found.values()), found
    assert "or delete the line (it is optional)" in found["audiences[0].pitch"]


def test_the_new_file_passes_check_once_filled_in(project: Path, run_cli) -> None:
    _new(run_cli, project)
    path = project / "campaigns/q1-push.yaml"
    text = path.read_text(encoding="utf-8").replace('email: ""', "email: dana@vendor.example")
    path.write_text(text.replace('""', '"Written by the author"'), encoding="utf-8")
    result = run_cli("check", "--project", project, "--today", TODAY)
    assert result.exit_code == 0, result.output


def test_new_refuses_to_overwrite_a_campaign(project: Path, run_cli) -> None:
    _new(run_cli, project)
    result = _new(run_cli, project)
    assert result.exit_code == 2
    assert "exists already" in result.output


@pytest.mark.parametrize("args", [("--account", "Acme Corp", "q1"), ("--account", "acme", "Q1 Push")],
                         ids=["account-id", "campaign-id"])
def test_new_refuses_an_invalid_id(project: Path, run_cli, args: tuple[str, ...]) -> None:
    result = run_cli("new", "--project", project, *args)
    assert result.exit_code == 2
    assert "not a valid" in result.output
    assert not list((project / "campaigns").glob("q1*.yaml"))


def test_new_warns_about_an_account_that_does_not_exist_yet(project: Path, run_cli) -> None:
    result = run_cli("new", "--project", project, "--today", TODAY, "--account", "acmee", "q1-push")
    assert result.exit_code == 0
    assert "no account 'acmee' yet" in result.output and "did you mean 'acme'?" in result.output
