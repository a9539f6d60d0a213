"""Which campaign, page and advocate a request path is for: every private link of every link_version."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coffeerun import tokens

if TYPE_CHECKING:
    from coffeerun.validate import CampaignInfo

HOME, KIT, ADVOCATE_KIT, VIDEOS, NEXT = "home", "kit", "advocate-kit", "videos", "next-steps"
AUDIENCE = "audience:"  # page of an audience: "audience:<audience-id>"
ALL = "*"  # the day's total over every share page (page) or every link (advocate): readers counted once
FROM = "from"  # attributed share links: <share>/from/<advocate-id>/...
_SLUG = re.compile(r"^(videos|next-steps)(?:-\d+)?$")  # render.context makes these slugs beside audience ids
_ASSET = re.compile(r"\.(?!html?$)[A-Za-z0-9]{1,8}$")  # a file name with an extension other than .html


@dataclass(frozen=True)
class Site:
    """One top-level private folder: whose it is and what is in it."""

    campaign: str
    kind: str  # "share", "kit" or ADVOCATE_KIT
    advocate: str  # the advocate of an advocate's kit, else ""
    audiences: frozenset[str]
    advocates: frozenset[str]


@dataclass(frozen=True)
class Page:
    campaign: str
    page: str
    advocate: str  # "" for the plain share link and the owner's kit

    @property
    def on_share_site(self) -> bool:
        return self.page not in (KIT, ADVOCATE_KIT)


def link_sites(secret: bytes, campaigns: Iterable[CampaignInfo]) -> dict[str, Site]:
    """token -> Site for every campaign and every link_version from 1 to the current one: a request for a
    revoked link was still a visit (while the secret is the same)."""
    sites: dict[str, Site] = {}
    for info in campaigns:
        model = info.model
        audiences = frozenset(a.id for a in model.audiences)
        advocates = frozenset(a.id for a in model.advocates)
        for version in range(1, model.link_version + 1):
            sites[tokens.token(secret, info.id, "share", version)] = Site(info.id, "share", "", audiences,
                                                                          advocates)
            sites[tokens.token(secret, info.id, "kit", version)] = Site(info.id, KIT, "", audiences, advocates)
            for advocate in sorted(advocates):
                sites[tokens.token(secret, info.id, "kit", version, advocate)] = Site(
                    info.id, ADVOCATE_KIT, advocate, audiences, advocates)
    return sites


def page_of(site: Site, rest: str) -> Page | None:
    """The page a path inside a site is (rest: what follows '<token>/', without the query), or None for a
    file that is not a page (styles, images, downloads) or a path no page has."""
    if _ASSET.search(rest):
        return None
    parts = [p for p in rest.split("/") if p]
    if parts and parts[-1] in ("index.html", "index.htm"):
        parts.pop()
    if site.kind != "share":
        return Page(site.campaign, site.kind, site.advocate)
    advocate = ""
    if len(parts) >= 2 and parts[0] == FROM:
        if parts[1] not in site.advocates:
            return None
        advocate, parts = parts[1], parts[2:]
    if not parts:
        return Page(site.campaign, HOME, advocate)
    if len(parts) > 1:
        return None
    if parts[0] in site.audiences:
        return Page(site.campaign, AUDIENCE + parts[0], advocate)
    match = _SLUG.match(parts[0])
    if match:
        return Page(site.campaign, match.group(1), advocate)
    return None
