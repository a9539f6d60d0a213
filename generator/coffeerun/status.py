"""`coffeerun status`: the planning view, one row per campaign."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coffeerun.validate import ValidProject

CONSENT_WARNING_DAYS = 30
RENEWAL_PLAYBOOK_DAYS = 183  # the playbook starts six months before renewal


def status_rows(project: ValidProject, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for info in project.campaigns:
        model = info.model
        lapsing = [
            {"id": a.id, "name": a.name, "consent_expires": a.consent.expires.isoformat(),
             "days_left": (a.consent.expires - today).days}
            for a in model.advocates
            if today <= a.consent.expires <= today + dt.timedelta(days=CONSENT_WARNING_DAYS)
        ]
        flags = []
        if model.renewal and today <= model.renewal <= today + dt.timedelta(days=RENEWAL_PLAYBOOK_DAYS) \
                and not info.state.published:
            flags.append(f"renewal on {model.renewal} is within 6 months and the campaign is not live")
        if lapsing:
            flags.append("consent lapses within 30 days: " + ", ".join(a["name"] for a in lapsing))
        rows.append({
            "id": info.id,
            "account": info.account.id,
            "status": model.status,
            "starts": model.starts.isoformat() if model.starts else None,
            "expires": model.expires.isoformat() if model.expires else None,
            "renewal": model.renewal.isoformat() if model.renewal else None,
            "days_left": (model.expires - today).days if model.expires else None,
            "published": info.state.published,
            "withheld": info.state.reason if info.state.kind == "withheld" else None,
            "not_published_because": None if info.state.published else info.state.reason,
            "consent_lapsing": lapsing,
            "flags": flags,
        })
    return rows


def format_status(rows: list[dict[str, Any]]) -> str:
    """A fixed-width table, then one line per flag."""
    header = ("campaign", "account", "status", "starts", "expires", "renewal", "days left", "published")
    table = [header] + [
        (r["id"], r["account"], r["status"], r["starts"] or "-", r["expires"] or "-", r["renewal"] or "-",
         "-" if r["days_left"] is None else str(r["days_left"]), "yes" if r["published"] else "no")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
    for r in rows:
        if not r["published"] and r["not_published_because"]:
            lines.append(f"{r['id']}: {r['not_published_because']}")
        for flag in r["flags"]:
            lines.append(f"{r['id']}: ! {flag}")
    return "\n".join(lines) + "\n"
