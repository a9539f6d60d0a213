"""The library API behind the command line: what tests and scripts call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # validation pulls in the models: imported when a command needs it
    from coffeerun.build import BuildResult
    from coffeerun.validate import ValidProject


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def check(root: Path, today: dt.date | None = None, campaigns: Iterable[str] | None = None) -> ValidProject:
    """Validate the project; problems (errors and warnings) are on the result."""
    from coffeerun.validate import validate_project

    return validate_project(Path(root), today or utc_today(), campaigns)


def build(root: Path, out: Path | None = None, *, today: dt.date | None = None, drafts: bool = False,
          publish: bool = False, campaigns: Iterable[str] = (), jobs: int | None = None, use_cache: bool = True,
          assets: bool = True, shard: tuple[int, int] | None = None, site_url: str | None = None,
          progress: Callable[[str, bool], None] = lambda _id, _reused: None,
          on_start: Callable[[int], None] = lambda _total: None) -> BuildResult:
    """Build the publish root (default: site/ in the project): validate, plan, reuse or render, verify,
    publish. Raises build.UsageProblem (wrong use) and build.EnvironmentProblem (a worker died, the
    output is busy); problems in the input are on the result, and then the output is unchanged."""
    from coffeerun.build import BuildOptions
    from coffeerun.build import build as run

    options = BuildOptions(out=Path(out) if out is not None else Path(root) / "site", today=today or utc_today(),
                           drafts=drafts, publish=publish, campaigns=tuple(campaigns), jobs=jobs,
                           use_cache=use_cache, assets=assets, shard=shard, site_url=site_url)
    return run(Path(root), options, progress, on_start)


def engagement(root: Path, logs: Iterable[Path], fmt: str, secret: bytes) -> tuple[ValidProject, Any]:
    """Count access logs into content/engagement/ (coffeerun.engagement.Counted), unless the project has
    errors: its campaigns are what the links are recognised by."""
    from coffeerun.engagement import count_logs

    project = check(Path(root))
    if project.problems.errors:
        return project, None
    return project, count_logs(Path(root), project.campaigns, secret, list(logs), fmt)


def approvals(root: Path, campaigns: Iterable[str] | None = None, today: dt.date | None = None,
              history: bool = True) -> tuple[ValidProject, list]:
    """Each advocate's approval state per campaign (approval.AdvocateApproval), after validation."""
    from coffeerun.approval import advocate_approvals

    project = check(root, today, campaigns)
    rows = []
    if not project.problems.errors:
        for info in project.campaigns:
            rows += advocate_approvals(info.id, info.model, project.paths.root, info.source, history)
    return project, rows


def init_project(target: Path, today: dt.date | None = None) -> list[Path]:
    """Write a new project into target (missing or empty); the files written, in order."""
    from coffeerun import __version__
    from coffeerun.scaffold import init_project as write_project

    return write_project(Path(target), __version__, today or utc_today())
