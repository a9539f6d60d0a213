"""Consent scope: what each advocate agreed to show, checked in the input and applied to what is rendered."""

from __future__ import annotations

import dataclasses
from typing import Any

from coffeerun.fieldtypes import short
from coffeerun.load import Document
from coffeerun.models import SCOPE, Advocate, Campaign
from coffeerun.rules import Report, place

# Which scope word a campaign section needs from the advocate it names in `by`.
SECTION_SCOPE = {"quotes": "quotes", "metrics": "metrics", "videos": "video"}
_WHAT = {"quotes": "a quote", "metrics": "a metric", "videos": "a video"}


def scope_of(advocate: Any) -> set[str]:
    """The scope words of an advocate (model or raw mapping); all six when `scope` is left out, or when it is
    not a list of scope words (that is reported on its own; checking content against it would only mislead)."""
    consent: Any = advocate.consent if hasattr(advocate, "consent") else (advocate or {}).get("consent")
    if hasattr(consent, "scope"):
        scope = consent.scope
    elif isinstance(consent, dict):
        scope = consent.get("scope", list(SCOPE))
    else:
        return set(SCOPE)
    if not isinstance(scope, list) or not all(word in SCOPE for word in scope):
        return set(SCOPE)
    return set(scope)


def on_slides(advocate: Advocate) -> bool:
    """Whether anything of this advocate may be on slides, cards and decks."""
    return "slides" in scope_of(advocate)


def shown_name(advocate: Advocate, department: str) -> str:
    """Their name, or without `name` in their scope their title and department only."""
    return advocate.name if "name" in scope_of(advocate) else f"{advocate.title} ({department})"


def published_view(campaign: Campaign) -> Campaign:
    """The campaign as it may be shown: the name of each advocate without `name` in their scope replaced by
    their title and department, everywhere it is rendered (pages, kit, slides, cards, og tags, messages)."""
    if all("name" in scope_of(a) for a in campaign.advocates):
        return campaign
    names = {a.id: a.name for a in campaign.audiences}
    advocates = [a if "name" in scope_of(a) else
                 a.model_copy(update={"name": shown_name(a, names.get(a.department, a.department))})
                 for a in campaign.advocates]
    return campaign.model_copy(update={"advocates": advocates})


def published_job(job: Any) -> Any:
    """A render job whose campaign is its published_view (see above); the same job when nothing changes."""
    view = published_view(job.campaign.model)
    if view is job.campaign.model:
        return job
    info = getattr(job.campaign, "info", job.campaign)  # a campaign from the validation cache: the real one
    return dataclasses.replace(job, campaign=dataclasses.replace(info, model=view))


def scope_rules(doc: Document, data: dict, report: Report) -> None:
    """Content of an advocate outside their consent scope is an error at the content's line."""
    advocates = data.get("advocates")
    scopes: dict[str, set[str]] = {}
    for i, adv in enumerate(advocates if isinstance(advocates, list) else []):
        if not isinstance(adv, dict) or not isinstance(adv.get("id"), str):
            continue
        scopes[adv["id"]] = scope = scope_of(adv)
        if adv.get("photo") and "photo" not in scope:
            pos, message = place(doc, ("advocates", i, "photo"), f"{adv['id']} has a photo, but `photo` is not in "
                                 f"their consent scope ({_listed(scope)}); remove the photo or add photo to "
                                 "consent.scope once they agreed")
            report(pos, ("advocates", i, "photo"), message)
    for section, word in SECTION_SCOPE.items():
        items = data.get(section)
        for j, item in enumerate(items if isinstance(items, list) else []):
            by = item.get("by") if isinstance(item, dict) else None
            if isinstance(by, str) and by in scopes and word not in scopes[by]:
                loc = (section, j, "by")
                pos, message = place(doc, loc, f"{_WHAT[section]} by {short(by)}, but `{word}` is not in their "
                                     f"consent scope ({_listed(scopes[by])}); remove it or add {word} to "
                                     "consent.scope once they agreed")
                report(pos, loc, message)


def _listed(scope: set[str]) -> str:
    words = [w for w in SCOPE if w in scope]
    return "scope: " + (", ".join(words) if words else "nothing")
