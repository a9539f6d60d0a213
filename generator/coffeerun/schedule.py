"""Time rules: whether a campaign is published on a given day, and why not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coffeerun.models import Campaign

MAX_RENEWAL_LEAD_DAYS = 3660  # mkdocs.yml's renewal_lead_days, ten years at most: today plus it is a date


@dataclass(frozen=True)
class PublishState:
    """kind: publish | draft | ended | scheduled | expired | withheld."""

    kind: str
    reason: str = ""

    @property
    def published(self) -> bool:
        return self.kind == "publish"


WITHDRAWN = "consent withdrawn on"  # in a state's reason: it names an advocate who took their consent back


def names_withdrawal(text: str) -> bool:
    """The text (a state's reason, a warning) names an advocate who withdrew their consent."""
    return WITHDRAWN in text


def lapsed_consent(campaign: Campaign, today: dt.date) -> list[str]:
    """Why each advocate's consent does not hold today (expired, not yet granted, withdrawn)."""
    out = []
    for adv in campaign.advocates:
        if adv.consent.withdrawn is not None and adv.consent.withdrawn <= today:
            out.append(f"{adv.name} ({adv.id}): {WITHDRAWN} {adv.consent.withdrawn}")
        elif adv.consent.expires < today:
            out.append(f"{adv.name} ({adv.id}): consent expired on {adv.consent.expires}")
        elif adv.consent.granted > today:
            out.append(f"{adv.name} ({adv.id}): consent is granted only from {adv.consent.granted}")
    return out


def withdrawn_advocates(campaign: Campaign, today: dt.date) -> list[str]:
    """Ids of the advocates who took their consent back on or before today."""
    return [a.id for a in campaign.advocates if a.consent.withdrawn is not None and a.consent.withdrawn <= today]


def state_days(campaign: Campaign) -> set[dt.date]:
    """Every day on which publish_state can change: outside them it is the same as the day before."""
    def after(day: dt.date | None) -> dt.date | None:
        return day + dt.timedelta(days=1) if day and day < dt.date.max else None

    days = {campaign.starts, after(campaign.expires)}
    for adv in campaign.advocates:
        days |= {adv.consent.granted, after(adv.consent.expires), adv.consent.withdrawn}
    return {d for d in days if d}


def publish_state(campaign: Campaign, today: dt.date, unapproved: Sequence[str] = ()) -> PublishState:
    """unapproved: with `require_approval`, why each advocate has not approved the current code
    (see approval.unapproved); it withholds a campaign that would otherwise be published."""
    if campaign.status == "ended":
        return PublishState("ended", "status is ended: not built")
    lapsed = lapsed_consent(campaign, today)
    if lapsed:
        return PublishState("withheld", "withheld, not published: " + "; ".join(lapsed))
    if campaign.status == "draft":
        return PublishState("draft", "draft: built only with --drafts")
    if campaign.starts and today < campaign.starts:
        return PublishState("scheduled", f"not published yet: starts on {campaign.starts}")
    if campaign.expires and today > campaign.expires:
        return PublishState("expired", f"not published: expired on {campaign.expires}")
    if unapproved:
        return PublishState("withheld", "withheld, not published (require_approval): " + "; ".join(unapproved))
    return PublishState("publish")
