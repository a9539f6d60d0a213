"""Recognition in the kit: how many colleagues opened an advocate's link, by department, each figure at
least 5 (engagement.figures decides what may be shown), and a thank-you by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coffeerun import i18n
from coffeerun.engagement.figures import recognition


@dataclass(frozen=True)
class RecognitionItem:
    advocate: str
    thanks: str
    opened: str
    departments: str  # "" when no department reached 5
    note: str


def recognition_key(root: Path, campaign_id: str) -> str:
    """What the kits of a campaign show of engagement, for their cache key: only figures that are shown."""
    return repr(sorted(recognition(root, campaign_id).items()))


def recognition_items(root: Path, campaign_id: str, names: dict[str, str], audiences: dict[str, str], lang: str,
                      only: Iterable[str] | None = None) -> list[RecognitionItem]:
    """The block for each advocate (names: id -> name as published) with something to show; `only` limits it
    to some advocates (an advocate's own kit: just them)."""
    words = i18n.messages(lang)
    wanted = set(only) if only is not None else None
    items = []
    for advocate, figures in recognition(root, campaign_id).items():
        if advocate not in names or (wanted is not None and advocate not in wanted):
            continue
        listed = " · ".join(f"{audiences.get(a, a)} {n}" for a, n in figures.departments)
        items.append(RecognitionItem(advocate, words["recognition_thanks"].format(name=names[advocate]),
                                     words["recognition_opened"].format(count=figures.colleagues),
                                     words["recognition_by_department"].format(list=listed) if listed else "",
                                     words["recognition_note"]))
    return items


def kit_recognition(b: Any, common: Any, only: Iterable[str] | None = None) -> list[RecognitionItem]:
    """recognition_items for a kit being rendered (render.context's Builder and Common)."""
    return recognition_items(b.job.project.root, b.job.campaign.id,
                             {pid: person.name for pid, person in common.people.items()},
                             {a.id: a.name for a in common.audiences}, b.lang, only)
