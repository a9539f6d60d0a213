"""Approval codes: 8 hex digits derived from exactly what is published about one advocate, and their states."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coffeerun.consent import on_slides, published_view
from coffeerun.fieldtypes import is_transcript_path
from coffeerun.models import Campaign

APPROVED, CHANGED, NEVER = "approved", "changed", "never"
ReadBytes = Callable[[str], "bytes | None"]  # a project path -> its bytes (None: missing)


def _digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def read_from(root: Path) -> ReadBytes:
    """Files of the working tree under root."""
    def read(rel: str) -> bytes | None:
        try:
            return (root / rel).read_bytes()
        except OSError:
            return None
    return read


def published_about(campaign: Campaign, advocate_id: str, read: ReadBytes) -> dict[str, Any]:
    """Everything published about one advocate, as plain data: what the approval code is made of.

    Audiences are resolved (an item for every audience lists them all), so that a new audience, which
    shows their words to new colleagues, is a change they approve too. Another advocate's items are not
    in it, so their changes leave this code alone.
    """
    view = published_view(campaign)
    adv = next(a for a in view.advocates if a.id == advocate_id)
    every = [a.id for a in view.audiences]
    names = {a.id: a.name for a in view.audiences}

    def audiences(ids: list[str] | None) -> list[str]:
        return list(ids) if ids else every

    def transcript(value: str | None) -> str | None:
        if value and is_transcript_path(value):
            return _digest(read(value.strip()))
        return value

    return {
        "name": adv.name,
        "title": adv.title,
        "department": names.get(adv.department, adv.department),
        "photo": _digest(read(adv.photo)) if adv.photo else None,
        "slides": on_slides(adv),
        "quotes": [{"text": q.text, "highlight": q.highlight, "audiences": audiences(q.audiences)}
                   for q in view.quotes if q.by == advocate_id],
        "metrics": [{"value": m.value, "label": m.label, "audiences": audiences(m.audiences)}
                    for m in view.metrics if m.by == advocate_id],
        "videos": [{"title": v.title, "url": v.url, "poster": _digest(read(v.poster)) if v.poster else None,
                    "transcript": transcript(v.transcript),
                    "captions": _digest(read(v.captions)) if v.captions else None,
                    "audiences": audiences(v.audiences)}
                   for v in view.videos if v.by == advocate_id],
    }


def code_of(record: dict[str, Any]) -> str:
    """The approval code of a published_about record: two groups of four upper-case hex digits, e.g. 7F3A-91C2."""
    text = json.dumps(["approval/1", record], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()
    return f"{digest[:4]}-{digest[4:]}"


def approval_code(campaign: Campaign, advocate_id: str, root: Path) -> str:
    """The entry point: the current approval code of one advocate of a campaign in the project at root."""
    return code_of(published_about(campaign, advocate_id, read_from(root)))


def state_of(approved: str | None, current: str) -> str:
    if approved is None:
        return NEVER
    return APPROVED if approved.upper() == current else CHANGED


@dataclass
class AdvocateApproval:
    """One advocate of one campaign: codes, state and, for `changed`, what changed when history tells."""

    campaign: str
    advocate: str
    name: str
    code: str
    approved_code: str | None
    approved_on: str | None
    state: str
    changed: list[str] | None = None  # None: history cannot tell
    record: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"campaign": self.campaign, "advocate": self.advocate, "name": self.name, "code": self.code,
                "approved_code": self.approved_code, "approved_on": self.approved_on, "state": self.state,
                "changed": self.changed}

    def reason(self) -> str:
        """Who and what changed, for the require_approval warning."""
        who = f"{self.name} ({self.advocate})"
        if self.state == NEVER:
            return f"{who} has never approved what is published about them (code {self.code})"
        what = f": {', '.join(self.changed)}" if self.changed else ""
        return (f"{who} approved {self.approved_code} on {self.approved_on}, what is published about them "
                f"changed since (now {self.code}){what}")


def advocate_approvals(campaign_id: str, campaign: Campaign, root: Path, source: str | None = None,
                       history: bool = True) -> list[AdvocateApproval]:
    """Every advocate of one campaign; with history, `changed` ones say what changed (from git)."""
    read = read_from(root)
    out = []
    for adv in campaign.advocates:
        record = published_about(campaign, adv.id, read)
        code = code_of(record)
        approved = adv.approved.code if adv.approved else None
        item = AdvocateApproval(campaign_id, adv.id, adv.name, code, approved,
                                adv.approved.on.isoformat() if adv.approved else None, state_of(approved, code),
                                record=record)
        out.append(item)
    if history and source is not None and any(i.state == CHANGED for i in out):
        from coffeerun.approval_history import changes_since_approval

        changes_since_approval(root, source, campaign, out)
    return out


def approval_state(campaign: Any, advocate_id: str, root: Path) -> str:
    """approved | changed | never for one advocate (campaign: a CampaignInfo or a Campaign model)."""
    model = campaign.model if hasattr(campaign, "model") else campaign
    adv = next(a for a in model.advocates if a.id == advocate_id)
    return state_of(adv.approved.code if adv.approved else None, approval_code(model, advocate_id, root))


def unapproved(campaign_id: str, campaign: Campaign, root: Path, source: str | None = None) -> list[str]:
    """With `require_approval`: why each advocate who has not approved the current code holds the campaign."""
    if campaign.status != "live":
        return []
    return [a.reason() for a in advocate_approvals(campaign_id, campaign, root, source) if a.state != APPROVED]


def kit_approval(campaign: Any, advocate_id: str, root: Path) -> dict[str, Any]:
    """What an advocate's kit shows next to what is published about them: {code, approved, approved_on (a date
    in the campaign's language), state, wording_html (their consent wording as safe HTML, or None), owner_name,
    owner_email, approve_mailto}."""
    from markupsafe import Markup

    from coffeerun.i18n import format_date
    from coffeerun.markdown_text import render_markdown
    from coffeerun.render.kit import mailto

    model = campaign.model if hasattr(campaign, "model") else campaign
    adv = next(a for a in model.advocates if a.id == advocate_id)
    code = approval_code(model, advocate_id, root)
    approved = adv.approved.code if adv.approved else None
    wording = None
    if adv.consent.wording:
        text = (root / adv.consent.wording).read_text(encoding="utf-8-sig")
        if adv.consent.wording.lower().endswith(".md"):
            wording = Markup(render_markdown(text))  # noqa: S704 - sanitised by nh3 in render_markdown
        else:
            wording = Markup("").join(Markup("<p>{}</p>").format(p.strip()) for p in text.split("\n\n") if p.strip())
    on = format_date(adv.approved.on, model.language) if adv.approved else None
    return {"code": code, "approved": approved, "approved_on": on,
            "state": state_of(approved, code), "wording_html": wording,
            "owner_name": model.owner.name, "owner_email": str(model.owner.email),
            "approve_mailto": mailto(str(model.owner.email), f"{model.title}: {code}",
                                     f"I approve what is published about me: {code}")}


def format_approvals(rows: list[AdvocateApproval]) -> str:
    """A table per campaign: each advocate's current code, state and approved code; then what changed."""
    lines: list[str] = []
    campaigns = list(dict.fromkeys(row.campaign for row in rows))
    width = max((len(row.advocate) for row in rows), default=0)
    for campaign in campaigns:
        lines.append(campaign)
        for row in (r for r in rows if r.campaign == campaign):
            approved = f"{row.approved_code} on {row.approved_on}" if row.approved_code else "-"
            lines.append(f"  {row.advocate.ljust(width)}  {row.code}  {row.state.ljust(8)}  approved: {approved}")
            if row.state == CHANGED:
                what = "; ".join(row.changed) if row.changed else "unknown (no git version has the approved code)"
                lines.append(f"  {' ' * width}  changed since: {what}")
    return "\n".join(lines) + ("\n" if lines else "")
