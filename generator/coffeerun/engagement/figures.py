"""Figures from content/engagement/ for the program report and for each advocate's recognition in their kit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from coffeerun.engagement import totals
from coffeerun.engagement.routes import ADVOCATE_KIT, ALL, AUDIENCE, KIT

MIN_SHOWN = 5  # a smaller number of colleagues could name a person: never shown outside the program report


@dataclass(frozen=True)
class Recognition:
    """What an advocate's kit may say: colleagues who opened their link (summed over days), in total and per
    department page, each only when at least MIN_SHOWN."""

    advocate: str
    colleagues: int
    departments: tuple[tuple[str, int], ...]  # (audience id, colleagues), most first


def _stamp(root: Path) -> tuple:
    folder = root / totals.FOLDER
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()))
    except OSError:
        return ()


@lru_cache(maxsize=4)
def _load(root: Path, stamp: tuple) -> totals.Stored:
    return totals.load(root)


def stored(root: Path) -> totals.Stored:
    """content/engagement/ as read once per change of its files (workers and the report share it)."""
    return _load(Path(root), _stamp(Path(root)))


def recognition(root: Path, campaign_id: str) -> dict[str, Recognition]:
    """advocate id -> what their kit may show; advocates with nothing to show are left out."""
    colleagues: dict[str, int] = defaultdict(int)
    departments: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (_day, campaign, page, advocate), (_visits, readers) in stored(root).totals.items():
        if campaign != campaign_id or advocate in ("", ALL):
            continue
        if page == ALL:
            colleagues[advocate] += readers
        elif page.startswith(AUDIENCE):
            departments[advocate][page.removeprefix(AUDIENCE)] += readers
    out = {}
    for advocate, total in sorted(colleagues.items()):
        if total < MIN_SHOWN:
            continue
        shown = sorted(((a, n) for a, n in departments[advocate].items() if n >= MIN_SHOWN),
                       key=lambda item: (-item[1], item[0]))
        out[advocate] = Recognition(advocate, total, tuple(shown))
    return out


@dataclass
class CampaignFigures:
    """One campaign's visits for the program report: every number, however small (it is the team's page)."""

    share_visits: int = 0
    share_readers: int = 0  # distinct readers per day, summed over days
    kit_visits: int = 0
    by_department: dict[str, list[int]] = field(default_factory=dict)  # audience id -> [visits, readers]
    by_advocate: dict[str, list[int]] = field(default_factory=dict)  # advocate id ("" = plain link) -> same
    weekly_department: dict[tuple[str, str], int] = field(default_factory=dict)  # (Monday, audience) -> visits
    weekly_advocate: dict[tuple[str, str], int] = field(default_factory=dict)  # (Monday, advocate) -> visits


def _monday(day: str) -> str:
    date = dt.date.fromisoformat(day)
    return (date - dt.timedelta(days=date.weekday())).isoformat()


def campaign_figures(root: Path) -> dict[str, CampaignFigures]:
    """campaign id -> its figures, from every row of content/engagement/."""
    out: dict[str, CampaignFigures] = defaultdict(CampaignFigures)
    for (day, campaign, page, advocate), (visits, readers) in sorted(stored(root).totals.items()):
        figures = out[campaign]
        if page in (KIT, ADVOCATE_KIT):
            figures.kit_visits += visits
        elif page == ALL and advocate == ALL:
            figures.share_visits += visits
            figures.share_readers += readers
        elif page == ALL:
            row = figures.by_advocate.setdefault(advocate, [0, 0])
            row[0] += visits
            row[1] += readers
            key = (_monday(day), advocate)
            figures.weekly_advocate[key] = figures.weekly_advocate.get(key, 0) + visits
        elif page.startswith(AUDIENCE):
            audience = page.removeprefix(AUDIENCE)
            row = figures.by_department.setdefault(audience, [0, 0])
            row[0] += visits
            row[1] += readers
            key = (_monday(day), audience)
            figures.weekly_department[key] = figures.weekly_department.get(key, 0) + visits
    return dict(out)
