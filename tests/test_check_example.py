"""The example project in the repository is valid: `coffeerun check` accepts every campaign in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from coffeerun import api

TODAY = "2026-11-23"


def test_check_accepts_the_example_project(example_project: Path, run_cli) -> None:
    result = run_cli("check", "--project", example_project, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert ": error: " not in result.output


def test_every_example_campaign_validates(example_project: Path) -> None:
    result = api.check(example_project, dt.date.fromisoformat(TODAY))
    files = sorted(p.stem for p in (example_project / "campaigns").glob("*.yaml"))
    assert files, "the example project has campaigns"
    assert sorted(c.id for c in result.campaigns) == files
    assert result.problems.errors == []


def test_check_of_one_example_campaign_by_name(example_project: Path, run_cli) -> None:
    first = sorted((example_project / "campaigns").glob("*.yaml"))[0].stem
    result = run_cli("check", "--project", example_project, "--today", TODAY, first)
    assert result.exit_code == 0, result.output
    assert "ok: 1 campaign(s) valid" in result.output
