"""The CI templates and pre-commit hook parse and call only commands that work on the example."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from coffeerun.cli import cli

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def coffeerun_commands(workflow: dict) -> list[list[str]]:
    commands = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            pattern = r"(?:^\s*|[;{|&(]\s*)coffeerun ([^|;&\n)}]*)"
            for match in re.finditer(pattern, step.get("run", ""), flags=re.M):
                words = re.split(r"\s\d*>", match.group(1))[0]
                commands.append(shlex.split(words))
    return commands


def test_workflows_parse_and_name_their_triggers():
    names = {p.name: yaml.load(p.read_text(), Loader=yaml.BaseLoader) for p in WORKFLOWS}
    assert set(names) == {"check.yml", "publish.yml"}
    assert "pull_request" in names["check.yml"]["on"]
    publish_triggers = names["publish.yml"]["on"]
    assert publish_triggers["push"]["branches"] == ["main"]
    assert publish_triggers["schedule"][0]["cron"]
    uses = [s.get("uses", "") for job in names["publish.yml"]["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert any(u.startswith("actions/cache@") for u in uses)
    build_step = next(s for s in names["publish.yml"]["jobs"]["build"]["steps"]
                      if "coffeerun build" in s.get("run", ""))
    assert build_step["env"]["COFFEERUN_SECRET"] == "${{ secrets.COFFEERUN_SECRET }}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_coffeerun_command_in_a_workflow_runs_on_the_example(workflow, example_project, monkeypatch,
                                                                  run_cli):
    commands = coffeerun_commands(yaml.load(workflow.read_text(), Loader=yaml.BaseLoader))
    assert commands, f"{workflow.name} runs no coffeerun command"
    monkeypatch.chdir(example_project)
    for args in commands:
        assert args[0] in cli.commands, f"{workflow.name}: unknown command {args[0]}"
        result = run_cli(*args, env={"COFFEERUN_SECRET": "workflow-test-secret-of-32-characters", "GITHUB_ACTIONS": "true"})
        assert result.exit_code == 0, f"{workflow.name}: coffeerun {' '.join(args)}\n{result.output}"
    if any(a[0] == "build" for a in commands):
        assert (example_project / "site" / "index.html").is_file()


def test_pre_commit_hook_runs_coffeerun_check(example_project, monkeypatch, run_cli):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "coffeerun-check")
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "campaigns/northwind-treasury-close.yaml")
    program, *args = shlex.split(hook["entry"])
    assert program == "coffeerun"
    monkeypatch.chdir(example_project)
    assert run_cli(*args).exit_code == 0
    (example_project / "campaigns" / "broken.yaml").write_text("title: [\n", encoding="utf-8")
    failed = run_cli(*args)
    assert failed.exit_code == 1
    assert "campaigns/broken.yaml:" in failed.output
