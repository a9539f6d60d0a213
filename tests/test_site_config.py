"""mkdocs.yml read as MkDocs reads it (`!ENV`, INHERIT), by one reader for `check` and `build`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from coffeerun.siteconfig import ProgramSettings, program_settings, read_project_config, site_url
from tests.conftest import TODAY

SECRET = "s" * 40
BASE = "theme:\n  name: material\n  custom_dir: theme/overrides\nplugins: []\n"


def _write(project: Path, text: str) -> Path:
    path = project / "mkdocs.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_site_url_from_env_builds_and_links(example_project: Path, run_cli, tmp_path: Path) -> None:
    _write(example_project, "site_url: !ENV [COFFEERUN_TEST_URL, 'https://fallback.example/']\n" + BASE)
    env = {"COFFEERUN_TEST_URL": "https://from-env.example/adv/", "COFFEERUN_SECRET": SECRET}
    assert run_cli("check", "--project", example_project, "--today", TODAY, env=env).exit_code == 0
    out = tmp_path / "site"
    result = run_cli("build", "--project", example_project, "--today", TODAY, "--no-assets", "--out", out, env=env)
    assert result.exit_code == 0, result.output
    pages = "".join(p.read_text(encoding="utf-8") for p in out.rglob("index.html"))
    assert "https://from-env.example/adv/" in pages and "fallback.example" not in pages
    links = run_cli("links", "--project", example_project, "--today", TODAY, env=env).output
    assert "https://from-env.example/adv/" in links


def test_env_default_applies_when_the_variable_is_unset(example_project: Path, monkeypatch) -> None:
    monkeypatch.delenv("COFFEERUN_TEST_URL", raising=False)
    path = _write(example_project, "site_url: !ENV [COFFEERUN_TEST_URL, 'https://fallback.example/x']\n" + BASE)
    assert site_url(path) == "https://fallback.example/x/"


def test_an_unset_env_site_url_is_a_warning_and_falls_back_to_localhost(example_project: Path, monkeypatch) -> None:
    monkeypatch.delenv("COFFEERUN_TEST_URL", raising=False)
    path = _write(example_project, "site_url: !ENV COFFEERUN_TEST_URL\n" + BASE)
    config = read_project_config(path)
    [problem] = config.problems
    assert (problem.severity, problem.line, problem.col, problem.field) == ("warning", 1, 1, "site_url")
    assert "COFFEERUN_TEST_URL" in problem.message and config.site_url == "http://localhost:8000/"


def test_inherit_merges_the_parent_file(example_project: Path) -> None:
    (example_project / "base.yml").write_text("site_url: https://parent.example/\n" + BASE, encoding="utf-8")
    path = _write(example_project, "INHERIT: base.yml\nextra:\n  coffeerun:\n    renewal_lead_days: 90\n")
    config = read_project_config(path)
    assert not config.problems
    assert config.site_url == "https://parent.example/"
    assert config.settings.renewal_lead_days == 90 and config.settings.max_live_per_advocate == 3


def test_a_parent_that_gains_a_parent_while_the_process_runs_is_followed(tmp_path: Path) -> None:
    """`serve` reads mkdocs.yml again and again in one process: when its INHERIT parent gains an INHERIT of its
    own, and that file then changes, both are among the files the settings depend on, and are read."""
    from coffeerun.render.engine import config_dependencies, load_base_config

    (tmp_path / "mkdocs.yml").write_text("INHERIT: parent.yml\nsite_name: x\n", encoding="utf-8")
    (tmp_path / "parent.yml").write_text("site_url: https://parent.example/\n", encoding="utf-8")
    assert [Path(f).name for f in config_dependencies(tmp_path / "mkdocs.yml")[0]] == ["mkdocs.yml", "parent.yml"]
    (tmp_path / "grandparent.yml").write_text("use_directory_urls: true\n", encoding="utf-8")
    (tmp_path / "parent.yml").write_text("INHERIT: grandparent.yml\nsite_url: https://parent.example/\n",
                                         encoding="utf-8")
    assert [Path(f).name for f in config_dependencies(tmp_path / "mkdocs.yml")[0]] == [
        "mkdocs.yml", "parent.yml", "grandparent.yml"]
    (tmp_path / "grandparent.yml").write_text("exclude_docs: '*.tmp'\n", encoding="utf-8")
    assert load_base_config(tmp_path / "mkdocs.yml").get("exclude_docs") == "*.tmp"


def test_program_settings_are_a_typed_object(example_project: Path) -> None:
    path = _write(example_project, "site_url: https://x.example/\n" + BASE + "extra:\n  coffeerun:\n"
                  "    require_approval: true\n    max_live_per_advocate: 2\n    min_days_between_asks: 0\n")
    settings = program_settings(path)
    assert settings == ProgramSettings(require_approval=True, max_live_per_advocate=2, min_days_between_asks=0,
                                       renewal_lead_days=183)
    with pytest.raises(ValidationError):
        settings.require_approval = False  # type: ignore[misc] - frozen


BROKEN = [
    ("syntax", 'site_url: "https://x.example/\ntheme: material\n', 1, "not valid YAML"),
    ("unclosed-flow", "site_url: https://x.example/\ntheme: {name: material\nplugins: []\n", 2, "not valid YAML"),
    ("unknown-theme", "site_url: https://x.example/\ntheme:\n  name: materia\n", 2,
     "Unrecognised theme name: 'materia'"),
    ("wrong-type", "site_url: https://x.example/\n" + BASE + "markdown_extensions: 5\n", 6,
     "markdown_extensions: Invalid Markdown Extensions"),
    ("unknown-key", "site_url: https://x.example/\n" + BASE + "site_auther: Dana\n", 6,
     "did you mean 'site_author'?"),
    ("site-url", "site_url: ftp://x.example/\n" + BASE, 1, "site_url: found 'ftp://x.example/'"),
    ("env-mapping", "site_url: !ENV {name: X}\n" + BASE, 1, "!ENV takes a variable name"),
    ("inherit-missing", "INHERIT: nothere.yml\n" + BASE, 1, "INHERIT: Inherited config file 'nothere.yml'"),
    ("setting-type", "site_url: https://x.example/\n" + BASE + "extra:\n  coffeerun:\n    require_approval: maybe\n",
     8, "extra.coffeerun.require_approval: found 'maybe'; expected true or false"),
    ("setting-range", "site_url: https://x.example/\n" + BASE + "extra:\n  coffeerun:\n    max_live_per_advocate: 0\n",
     8, "greater than or equal to 1"),
    ("setting-name", "site_url: https://x.example/\n" + BASE + "extra:\n  coffeerun:\n    renewal_lead_day: 9\n",
     8, "did you mean 'renewal_lead_days'?"),
    ("setting-too-far", "site_url: https://x.example/\n" + BASE + "extra:\n  coffeerun:\n"
     "    renewal_lead_days: 99999999999999999999\n", 8, "less than or equal to 3660"),
    ("not-a-mapping", "- site_url\n", 1, "must be a mapping of settings"),
    ("python-name", "site_url: https://x.example/\n" + BASE + "markdown_extensions:\n  - pymdownx.emoji:\n"
     "      emoji_index: !!python/name:nonexistent.module.twemoji\n", 8, "cannot find module 'nonexistent.module'"),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_mkdocs_yml_is_a_check_error_at_its_line(example_project: Path, run_cli, tmp_path: Path,
                                                           name, text, line, message) -> None:
    _write(example_project, text)
    env = {"COFFEERUN_SECRET": SECRET}
    check = run_cli("check", "--project", example_project, "--today", TODAY, env=env)
    assert check.exit_code == 1, check.output
    errors = [row for row in check.output.splitlines() if row.startswith("mkdocs.yml:")]
    assert len(errors) == 1, check.output
    assert errors[0].startswith(f"mkdocs.yml:{line}:") and ": error: " in errors[0]
    assert message in errors[0]
    assert "Traceback" not in check.output
    build = run_cli("build", "--project", example_project, "--today", TODAY, "--no-assets",
                    "--out", tmp_path / "site", env=env)
    assert build.exit_code == 1 and errors[0] in build.output  # the same reader refuses the build first
    assert not (tmp_path / "site").exists()


def test_the_engine_checks_the_mkdocs_version_it_was_written_for(monkeypatch) -> None:
    import mkdocs

    from coffeerun.render.engine import config

    assert config.version_problem() is None
    monkeypatch.setattr(mkdocs, "__version__", "2.0.0")
    assert "written for MkDocs 1.6.x and MkDocs 2.0.0 is installed" in config.version_problem()


def test_the_settings_digest_follows_env_values_and_the_inherited_file(example_project: Path, monkeypatch) -> None:
    from coffeerun.siteconfig import settings_digest

    parent = example_project / "base.yml"
    parent.write_text(BASE, encoding="utf-8")
    path = _write(example_project, "INHERIT: base.yml\nsite_url: !ENV [COFFEERUN_TEST_URL, 'https://a.example/']\n")
    monkeypatch.setenv("COFFEERUN_TEST_URL", "https://one.example/")
    first = settings_digest(path)
    monkeypatch.setenv("COFFEERUN_TEST_URL", "https://two.example/")
    second = settings_digest(path)
    parent.write_text(BASE + "copyright: Tallybrook\n", encoding="utf-8")
    import os

    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))  # the child file is the memo key
    third = settings_digest(path)
    assert len({first, second, third}) == 3
