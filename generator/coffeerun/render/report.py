"""The program report: a private page for the marketing team at <site_url>/<report-token>/.

Per campaign: visits by department and by advocate over time (static SVG charts), the outcomes it led
to, and the renewals coming within `renewal_lead_days` with and without a live campaign. It names no
private link (only campaign titles and ids) and loads nothing from another host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coffeerun import tokens
from coffeerun.atomic import write_atomic
from coffeerun.engagement.figures import CampaignFigures, campaign_figures, stored
from coffeerun.load import FORBIDDEN
from coffeerun.render import charts

if TYPE_CHECKING:
    from coffeerun.project import ProjectPaths
    from coffeerun.store import Store
    from coffeerun.validate import CampaignInfo, ValidProject

TEMPLATE = "report/index.html"  # under theme/
PLAIN_LINK = "Plain link (no advocate)"


def report_token(secret: bytes) -> str:
    """HMAC of `report` (no campaign, no link_version of its own)."""
    return tokens.token(secret, "", "report", 1)


def renewal_lead_days(mkdocs_yml: Path) -> int:
    """extra.coffeerun.renewal_lead_days of mkdocs.yml, as `check` validates it (default 183)."""
    from coffeerun.siteconfig import program_settings

    return program_settings(mkdocs_yml).renewal_lead_days


@dataclass
class Row:
    name: str
    visits: int
    readers: int


@dataclass
class CampaignSection:
    id: str
    title: str
    account: str
    status: str
    published: bool
    period: str
    share_visits: int
    share_readers: int
    kit_visits: int
    departments: list[Row]
    advocates: list[Row]
    department_chart: str | None  # file name under charts/
    advocate_chart: str | None
    outcomes: list[dict[str, str]]


@dataclass
class Renewal:
    account: str
    date: str
    days_left: int
    campaigns: str  # titles of its live campaigns, or of the others


@dataclass
class ProgramReport:
    """The report's files, made in memory: `key` says whether the folder an earlier build left is still right."""

    token: str
    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return hashlib.sha256(repr(sorted(self.files.items())).encode()).hexdigest()

    def write(self, staging: Path) -> None:
        for name, data in sorted(self.files.items()):
            write_atomic(staging / self.token / name, data)


def _money(amount: float | None, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{currency} {amount:,.0f}" if float(amount).is_integer() else f"{currency} {amount:,.2f}"


def _rows(figures: dict[str, list[int]], names: dict[str, str]) -> list[Row]:
    rows = [Row(names.get(key, key), visits, readers) for key, (visits, readers) in figures.items()]
    return sorted(rows, key=lambda r: (-r.visits, r.name))


def _chart(weekly: dict[tuple[str, str], int], names: dict[str, str], title: str, cache: Store | None,
           files: dict[str, bytes]) -> str | None:
    if not weekly:
        return None
    values = [{"week": week, "series": names.get(key, key), "visits": n} for (week, key), n in sorted(weekly.items())]
    svg = charts.draw(charts.weekly_bars(values, title), cache).encode("utf-8")
    name = f"charts/{hashlib.sha256(svg).hexdigest()[:16]}.svg"
    files[name] = svg
    return name


def campaign_facts(info: CampaignInfo) -> dict[str, Any]:
    """What the report reads of a campaign, as plain JSON: kept with the campaign's validation record, so a
    later day's report is made without validating the campaign again."""
    model = info.model
    return {
        "title": model.title, "account": [info.account.id, info.account.model.name], "status": model.status,
        "period": " – ".join(d.isoformat() for d in (model.starts, model.expires) if d) or "no dates",
        "renewal": model.renewal.isoformat() if model.renewal else None,
        "audiences": [[a.id, a.name] for a in model.audiences],
        "advocates": [[a.id, a.name, a.title, "name" in a.consent.scope,
                       a.consent.withdrawn.isoformat() if a.consent.withdrawn else None] for a in model.advocates],
        "outcomes": [{"date": o.date.isoformat(), "kind": o.kind, "note": o.note or "", "amount": o.amount,
                      "currency": o.currency} for o in sorted(model.outcomes, key=lambda o: o.date)],
    }


def facts_ok(facts: Any) -> bool:
    """Facts read back from the (untrusted) store have campaign_facts' shape and values the report can show:
    texts without the characters `check` refuses (they abort the chart drawer), real dates, finite amounts."""
    def texts(value: Any, n: int) -> bool:
        return isinstance(value, list) and len(value) == n and all(isinstance(v, str) for v in value)

    def day(value: Any) -> bool:
        try:
            return value is None or (isinstance(value, str) and dt.date.fromisoformat(value).isoformat() == value)
        except ValueError:
            return False

    def amount(value: Any) -> bool:
        try:
            return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                     and math.isfinite(float(value)))
        except OverflowError:
            return False

    try:
        return (all(isinstance(facts[k], str) for k in ("title", "status", "period"))
                and texts(facts["account"], 2) and day(facts["renewal"])
                and all(texts(a, 2) for a in facts["audiences"])
                and all(texts(a[:3], 3) and isinstance(a[3], bool) and day(a[4])
                        and len(a) == 5 for a in facts["advocates"])
                and all(all(isinstance(o[k], str) for k in ("date", "kind", "note"))
                        and amount(o["amount"])
                        and isinstance(o["currency"], (str, type(None))) for o in facts["outcomes"])
                and not any(FORBIDDEN.search(text) for text in _texts(facts)))
    except (KeyError, TypeError, IndexError):
        return False


def _texts(value: Any) -> list[str]:
    """Every text in a JSON value."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [text for item in items for text in _texts(item)]


@dataclass(frozen=True)
class ReportCampaign:
    """One campaign as the report sees it: its id, its facts (campaign_facts) and whether it is published today."""

    id: str
    facts: dict[str, Any]
    published: bool
    kind: str  # the publish state's kind: publish, ended, expired, …


def _advocate_name(advocate: list[Any], number: int, today: dt.date) -> str:
    """An advocate as the report names them: not by name once their consent is withdrawn, nor when their
    consent leaves their name out (their title then, as on the share site)."""
    _id, name, title, named, withdrawn = advocate
    if withdrawn is not None and withdrawn <= today.isoformat():
        return f"Advocate {number} (consent withdrawn)"
    return name if named else title


def _section(campaign: ReportCampaign, figures: CampaignFigures, cache: Store | None, files: dict[str, bytes],
             today: dt.date) -> CampaignSection:
    facts = campaign.facts
    audiences = dict(facts["audiences"])
    advocates = {"": PLAIN_LINK, **{a[0]: _advocate_name(a, n, today) for n, a in enumerate(facts["advocates"], 1)}}
    outcomes = [{"date": o["date"], "kind": o["kind"], "note": o["note"], "amount": _money(o["amount"], o["currency"])}
                for o in facts["outcomes"]]
    return CampaignSection(
        campaign.id, facts["title"], facts["account"][1], facts["status"], campaign.published, facts["period"],
        figures.share_visits, figures.share_readers, figures.kit_visits,
        _rows(figures.by_department, audiences), _rows(figures.by_advocate, advocates),
        _chart(figures.weekly_department, audiences, "Department page", cache, files),
        _chart(figures.weekly_advocate, advocates, "Shared by", cache, files), outcomes)


def _renewals(campaigns: list[ReportCampaign], today: dt.date, lead: int) -> tuple[list[Renewal], list[Renewal]]:
    """(with a live campaign, without one) for every account renewing between today and today + lead days."""
    coming: dict[tuple[str, str, str], list[ReportCampaign]] = defaultdict(list)
    first, last = today.isoformat(), (today + dt.timedelta(days=lead)).isoformat()
    for campaign in campaigns:
        renewal = campaign.facts["renewal"]
        if renewal and first <= renewal <= last:
            coming[(*campaign.facts["account"], renewal)].append(campaign)
    covered: list[Renewal] = []
    uncovered: list[Renewal] = []
    for (account_id, name, date), found in sorted(coming.items(), key=lambda item: (item[0][2], item[0][1])):
        live = [c.facts["title"] for c in campaigns if c.published and c.facts["account"][0] == account_id]
        titles = live or [f"{c.facts['title']} ({c.kind})" for c in found]
        days_left = (dt.date.fromisoformat(date) - today).days
        (covered if live else uncovered).append(Renewal(name, date, days_left, "; ".join(titles)))
    return covered, uncovered


def program_report(project: ValidProject, today: dt.date, secret: bytes, cache: Store | None) -> ProgramReport:
    """The report of every campaign of a validated project, rendered in memory."""
    campaigns = [ReportCampaign(info.id, campaign_facts(info), info.state.published, info.state.kind)
                 for info in project.campaigns]
    return report_of(project.paths, project.brand.name, campaigns, today, secret, cache)


def report_of(paths: ProjectPaths, vendor: str, campaigns: list[ReportCampaign], today: dt.date, secret: bytes,
              cache: Store | None, lead: int | None = None) -> ProgramReport:
    """The report of these campaigns (their facts and today's state), rendered in memory."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    report = ProgramReport(report_token(secret))
    data = stored(paths.root)
    report.warnings.extend(f"program report: {p}" for p in data.problems)
    figures = campaign_figures(paths.root)
    sections = [_section(c, figures.get(c.id, CampaignFigures()), cache, report.files, today)
                for c in sorted(campaigns, key=lambda c: (not c.published, c.facts["title"]))]
    lead = renewal_lead_days(paths.mkdocs_yml) if lead is None else lead
    covered, uncovered = _renewals(campaigns, today, lead)
    kinds: dict[str, int] = defaultdict(int)
    pipeline: dict[str, float] = defaultdict(float)
    for outcome in (o for c in campaigns for o in c.facts["outcomes"]):
        kinds[outcome["kind"]] += 1
        if outcome["amount"] is not None and outcome["currency"]:
            pipeline[outcome["currency"]] += outcome["amount"]
    days = sorted({key[0] for key in data.totals} | set(data.coverage))
    context: dict[str, Any] = {
        "today": today.isoformat(), "lead": lead, "sections": sections, "covered": covered, "uncovered": uncovered,
        "live": sum(s.published for s in sections), "visits": sum(s.share_visits for s in sections),
        "readers": sum(s.share_readers for s in sections), "kit_visits": sum(s.kit_visits for s in sections),
        "kinds": sorted(kinds.items()), "pipeline": [_money(v, c) for c, v in sorted(pipeline.items())],
        "first_day": days[0] if days else None, "last_day": days[-1] if days else None,
        "vendor": vendor,
    }
    env = Environment(loader=FileSystemLoader(str(paths.theme_file("report"))),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined, keep_trailing_newline=True)
    report.files["index.html"] = env.get_template("index.html").render(**context).encode("utf-8")
    return report


def report_for_build(paths: ProjectPaths, vendor: str, campaigns: list[ReportCampaign], today: dt.date,
                     secret: bytes, shard: tuple[int, int] | None, store: Store | None,
                     lead: int | None = None) -> ProgramReport | None:
    """The build's report: written by the first shard only, so that shards put together have one."""
    if shard is not None and shard[0] != 1:
        return None
    return report_of(paths, vendor, campaigns, today, secret, store, lead)


def report_url(root: Path, secret: bytes) -> str:
    """<site_url>/<report-token>/, as `coffeerun links --report` prints it."""
    from coffeerun.project import ProjectPaths
    from coffeerun.siteconfig import site_url

    return f"{site_url(ProjectPaths(Path(root)).mkdocs_yml)}{report_token(secret)}/"
