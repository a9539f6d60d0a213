"""`coffeerun status`: the planning view, one row per campaign, with consent, fatigue and renewal warnings."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any

from coffeerun.siteconfig import ProgramSettings, program_settings
from coffeerun.validate import ValidProject

CONSENT_WARNING_DAYS = 30


def _live(info: Any, today: dt.date) -> bool:
    """Live for planning: status live and not past its end (published today, scheduled or withheld)."""
    model = info.model
    return model.status == "live" and (model.expires is None or today <= model.expires)


def _warning(kind: str, message: str, **about: Any) -> dict[str, Any]:
    return {"kind": kind, "message": message, **about}


def advocate_warnings(project: ValidProject, today: dt.date, settings: ProgramSettings) -> dict[str, list[dict]]:
    """Fatigue: an advocate on too many live campaigns, or asked again too soon; by campaign id."""
    out: dict[str, list[dict]] = {info.id: [] for info in project.campaigns}
    by_advocate: dict[str, list[Any]] = {}
    names: dict[str, str] = {}
    for info in project.campaigns:
        for adv in info.model.advocates:
            by_advocate.setdefault(adv.id, []).append(info)
            names.setdefault(adv.id, adv.name)
    for advocate, campaigns in sorted(by_advocate.items()):
        live = [c for c in campaigns if _live(c, today)]
        if len(live) > settings.max_live_per_advocate:
            ids = [c.id for c in live]
            message = (f"{names[advocate]} ({advocate}) is on {len(live)} live campaigns ({', '.join(ids)}); "
                       f"max_live_per_advocate is {settings.max_live_per_advocate}")
            for c in live:
                out[c.id].append(_warning("advocate_fatigue", message, advocate=advocate, campaigns=ids,
                                          live=len(live), limit=settings.max_live_per_advocate))
        asks = sorted((c.model.starts, c.id) for c in campaigns if c.model.status != "ended" and c.model.starts)
        for (first, a), (second, b) in pairwise(asks):
            gap = (second - first).days
            if gap < settings.min_days_between_asks:
                message = (f"{names[advocate]} ({advocate}) is asked again {gap} day(s) apart: {a} starts "
                           f"{first}, {b} starts {second}; min_days_between_asks is {settings.min_days_between_asks}")
                for c in (a, b):
                    out[c].append(_warning("ask_spacing", message, advocate=advocate, campaigns=[a, b], days=gap,
                                           limit=settings.min_days_between_asks))
    return out


def renewal_warnings(project: ValidProject, today: dt.date, settings: ProgramSettings) -> dict[str, list[dict]]:
    """Accounts renewing within renewal_lead_days with no campaign published today; by campaign id."""
    out: dict[str, list[dict]] = {info.id: [] for info in project.campaigns}
    horizon = today + dt.timedelta(days=settings.renewal_lead_days)
    accounts: dict[str, list[Any]] = {}
    for info in project.campaigns:
        accounts.setdefault(info.account.id, []).append(info)
    for account, campaigns in sorted(accounts.items()):
        renewals = sorted(c.model.renewal for c in campaigns if c.model.renewal and today <= c.model.renewal <= horizon)
        if not renewals or any(c.state.published for c in campaigns):
            continue
        renewal = renewals[0]
        message = (f"account {account} renews on {renewal} ({(renewal - today).days} days; renewal_lead_days "
                   f"is {settings.renewal_lead_days}) and has no live campaign")
        for c in campaigns:
            out[c.id].append(_warning("renewal_without_live_campaign", message, account=account,
                                      renewal=renewal.isoformat(), days=(renewal - today).days))
    return out


def status_rows(project: ValidProject, today: dt.date, settings: ProgramSettings | None = None) -> list[dict[str, Any]]:
    settings = settings or program_settings(project.paths.mkdocs_yml)
    fatigue = advocate_warnings(project, today, settings)
    renewals = renewal_warnings(project, today, settings)
    rows = []
    for info in project.campaigns:
        model = info.model
        lapsing: list[dict[str, Any]] = [
            {"id": a.id, "name": a.name, "consent_expires": a.consent.expires.isoformat(),
             "days_left": (a.consent.expires - today).days}
            for a in model.advocates
            if today <= a.consent.expires <= today + dt.timedelta(days=CONSENT_WARNING_DAYS)
        ]
        warnings = renewals[info.id] + fatigue[info.id]
        flags = [w["message"] for w in warnings]
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
            "warnings": warnings,
            "flags": flags,
        })
    return rows


def format_status(rows: list[dict[str, Any]]) -> str:
    """A fixed-width table, then one line per flag (a warning shared by campaigns is printed once)."""
    header = ("campaign", "account", "status", "starts", "expires", "renewal", "days left", "published")
    table = [header] + [
        (r["id"], r["account"], r["status"], r["starts"] or "-", r["expires"] or "-", r["renewal"] or "-",
         "-" if r["days_left"] is None else str(r["days_left"]), "yes" if r["published"] else "no")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    shown: set[str] = set()
    for r in rows:
        if not r["published"] and r["not_published_because"]:
            lines.append(f"{r['id']}: {r['not_published_because']}")
        for flag in r["flags"]:
            if flag not in shown:
                shown.add(flag)
                lines.append(f"{r['id']}: ! {flag}")
    return "\n".join(lines) + "\n"
