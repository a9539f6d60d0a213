"""Time rules: whether a campaign is published on a given day, and why not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from coffeerun.models import Campaign


@dataclass(frozen=True)
class PublishState:
    """kind: publish | draft | ended | scheduled | expired | withheld."""

    kind: str
    reason: str = ""

    @property
    def published(self) -> bool:
        return self.kind == "publish"


def lapsed_consent(campaign: Campaign, today: dt.date) -> list[str]:
    """Why each advocate's consent does not hold today."""
    out = []
    for adv in campaign.advocates:
        if adv.consent.expires < today:
            out.append(f"{adv.name} ({adv.id}): consent expired on {adv.consent.expires}")
        elif adv.consent.granted > today:
            out.append(f"{adv.name} ({adv.id}): consent is granted only from {adv.consent.granted}")
    return out


def publish_state(campaign: Campaign, today: dt.date) -> PublishState:
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
    return PublishState("publish")
