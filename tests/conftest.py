"""Shared fixtures: the example project and a way to run the command line in-process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coffeerun.cli import cli

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def example_project(tmp_path: Path) -> Path:
    """A private copy of the repository's example project (campaigns, content, theme, mkdocs.yml)."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("campaigns", "content", "theme"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


@pytest.fixture
def run_cli():
    """run_cli('check', '--project', p) -> click Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)

    return run


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The small asset test project (tests/asset_project.py), its assets built once per test module."""
    from coffeerun.render.assets import build_assets
    from tests.asset_project import make_job, make_project

    root = tmp_path_factory.mktemp("assets")
    project = make_project(root / "project")
    job = make_job(project, root / "out", root / "cache")
    return job, build_assets(job)
