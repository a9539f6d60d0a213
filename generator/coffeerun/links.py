"""`coffeerun links`: every campaign's private URLs, for people and for scripts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from coffeerun import tokens
from coffeerun.siteconfig import site_url
from coffeerun.validate import ValidProject, validate_project

PUBLISHED, WITHHELD, NOT_APPROVED = "published", "withheld", "not approved"


def advocate_state(info: Any, advocate_id: str) -> str:
    """One advocate's state in a campaign: `published`, `withheld` or `not approved`.

    Approval (what the advocate has seen and approved) plugs in here; until then the state is the
    campaign's own: published or withheld."""
    return PUBLISHED if info.state.published else WITHHELD


def advocate_rows(info: Any, links: tokens.Links) -> dict[str, dict[str, str]]:
    return {adv.id: {"name": adv.name, "kit_url": links.advocate_kit_url(adv.id),
                     "share_url": links.attributed_url(adv.id), "state": advocate_state(info, adv.id)}
            for adv in info.model.advocates}


def campaign_rows(project: ValidProject, secret: bytes) -> list[dict[str, Any]]:
    base = site_url(project.paths.mkdocs_yml)
    rows = []
    for info in project.campaigns:
        links = tokens.campaign_links(secret, info.id, info.model.link_version, base,
                                      [a.id for a in info.model.advocates])
        rows.append({
            "id": info.id,
            "account": info.account.id,
            "status": info.model.status,
            "expires": info.model.expires.isoformat() if info.model.expires else None,
            "published": info.state.published,
            "share_url": links.share_url,
            "kit_url": links.kit_url,
            "audience_urls": {a.id: links.audience_url(a.id) for a in info.model.audiences},
            "advocates": advocate_rows(info, links),
        })
    return rows


def link_rows(root: Path, today: dt.date, secret: bytes) -> tuple[ValidProject, list[dict[str, Any]]]:
    project = validate_project(root, today)
    return project, campaign_rows(project, secret)


def format_rows(rows: list[dict[str, Any]]) -> str:
    out = []
    for row in rows:
        state = "published" if row["published"] else "not published"
        out.append(f"{row['id']}  account={row['account']}  status={row['status']}  "
                   f"expires={row['expires'] or '-'}  ({state})")
        out.append(f"  share: {row['share_url']}")
        out.append(f"  kit:   {row['kit_url']}")
        for audience, url in row["audience_urls"].items():
            out.append(f"  {audience}: {url}")
        for advocate_id, adv in row["advocates"].items():
            out.append(f"  advocate {advocate_id} ({adv['state']}):")
            out.append(f"    kit:   {adv['kit_url']}")
            out.append(f"    share: {adv['share_url']}")
    return "\n".join(out) + ("\n" if out else "")
