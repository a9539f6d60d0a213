"""The library API behind the command line: what tests and scripts call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # validation pulls in the models: imported when a command needs it
    from coffeerun.validate import ValidProject


def utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def check(root: Path, today: dt.date | None = None, campaigns: Iterable[str] | None = None) -> ValidProject:
    """Validate the project; problems (errors and warnings) are on the result."""
    from coffeerun.validate import validate_project

    return validate_project(Path(root), today or utc_today(), campaigns)


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
