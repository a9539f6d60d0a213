"""`check` answers any YAML, mutated or random, with problems and exit 0 or 1, never a traceback."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bad_inputs import ACCOUNT, CAMPAIGN, FILES, MARIA, ROI, write_project
from coffeerun import api
from coffeerun.cli import cli

TODAY = dt.date(2026, 11, 23)
TARGETS = (CAMPAIGN, CAMPAIGN, CAMPAIGN, MARIA, ROI, ACCOUNT)
KEYS = sorted({m.group(1) for text in FILES.values() for m in re.finditer(r"([a-z_]+):", text)} | {"use", "by"})
PROBLEM = re.compile(r"^[^:\n]+:\d+:\d+: (error|warning): .+$")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("fuzz") / "project")


def _check_answers(project: Path, name: str, content: str | bytes) -> None:
    path = project / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    try:
        result = api.check(project, TODAY)
        for problem in result.problems.items:
            assert problem.line >= 1 and problem.col >= 1
            assert PROBLEM.match(problem.format()), problem.format()
        cli_result = CliRunner().invoke(cli, ["check", "--project", str(project), "--today", TODAY.isoformat()],
                                        catch_exceptions=False)
        assert cli_result.exit_code == (1 if result.problems.errors else 0), cli_result.output
        assert "Traceback" not in cli_result.output
    finally:
        path.write_text(FILES[name], encoding="utf-8")


_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True), st.dates(),
    st.text(max_size=30), st.sampled_from(["", " ", "{colleague}", "{x}", "https://x.example", "http://",
                                           "content/media/steve.png", "content/../../etc/passwd", "no", "#FFF",
                                           "[a](javascript:x)", "steve", "maria", "finance", "2026-02-30",
                                           "content/media", "/etc/passwd", "use", "live", "email"]))
_data = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)),
    max_leaves=25)


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A valid file with a few lines deleted, repeated, swapped, cut, or overwritten with noise."""
    name = draw(st.sampled_from(TARGETS))
    lines = FILES[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "repeat", "swap", "noise", "value", "indent", "cut"]))
        if op == "delete":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "noise":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(max_size=6)) + lines[i][at:]
        elif op == "value" and ":" in lines[i]:
            head = lines[i].split(":", 1)[0]
            value = yaml.safe_dump(draw(_data), default_flow_style=True, allow_unicode=True).strip()
            lines[i] = f"{head}: {value}\n".replace("\n...", "")
        elif op == "indent":
            lines[i] = " " * draw(st.integers(0, 3)) + lines[i].lstrip(" ")
        elif op == "cut":
            lines = lines[:i]
    return name, "".join(lines)


@SETTINGS
@given(case=_mutated())
def test_mutated_yaml_never_gets_a_traceback(project: Path, case: tuple[str, str]) -> None:
    _check_answers(project, *case)


@SETTINGS
@given(name=st.sampled_from(TARGETS), data=_data)
def test_random_yaml_structures_never_get_a_traceback(project: Path, name: str, data: object) -> None:
    _check_answers(project, name, yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(TARGETS), raw=st.binary(max_size=200))
def test_random_bytes_never_get_a_traceback(project: Path, name: str, raw: bytes) -> None:
    _check_answers(project, name, raw)
