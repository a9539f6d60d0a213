"""The program report: a private page for the marketing team at <site_url>/<report-token>/.

Per campaign: visits by department and by advocate over time (static SVG charts), the outcomes it led
to, and the renewals coming within `renewal_lead_days` with and without a live campaign. It names no
private link (only campaign titles and ids) and loads nothing from another host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coffeerun import tokens
from coffeerun.atomic import write_atomic
from coffeerun.engagement.figures import CampaignFigures, campaign_figures, stored
from coffeerun.render import charts

if TYPE_CHECKING:
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


def _chart(weekly: dict[tuple[str, str], int], names: dict[str, str], title: str, cache: Path | None,
           files: dict[str, bytes]) -> str | None:
    if not weekly:
        return None
    values = [{"week": week, "series": names.get(key, key), "visits": n} for (week, key), n in sorted(weekly.items())]
    svg = charts.draw(charts.weekly_bars(values, title), cache).encode("utf-8")
    name = f"charts/{hashlib.sha256(svg).hexdigest()[:16]}.svg"
    files[name] = svg
    return name


def _advocate_name(advocate: Any, number: int, today: dt.date) -> str:
    """An advocate as the report names them: not by name once their consent is withdrawn, nor when their
    consent leaves their name out (their title then, as on the share site)."""
    consent = advocate.consent
    withdrawn = getattr(consent, "withdrawn", None)
    if withdrawn is not None and withdrawn <= today:
        return f"Advocate {number} (consent withdrawn)"
    if "name" not in getattr(consent, "scope", ["name"]):
        return advocate.title
    return advocate.name


def _section(info: CampaignInfo, figures: CampaignFigures, cache: Path | None, files: dict[str, bytes],
             today: dt.date) -> CampaignSection:
    model = info.model
    audiences = {a.id: a.name for a in model.audiences}
    advocates = {"": PLAIN_LINK, **{a.id: _advocate_name(a, n, today) for n, a in enumerate(model.advocates, 1)}}
    period = " – ".join(d.isoformat() for d in (model.starts, model.expires) if d) or "no dates"
    outcomes = [{"date": o.date.isoformat(), "kind": o.kind, "note": o.note or "",
                 "amount": _money(o.amount, o.currency)} for o in sorted(model.outcomes, key=lambda o: o.date)]
    return CampaignSection(
        info.id, model.title, info.account.model.name, model.status, info.state.published, period,
        figures.share_visits, figures.share_readers, figures.kit_visits,
        _rows(figures.by_department, audiences), _rows(figures.by_advocate, advocates),
        _chart(figures.weekly_department, audiences, "Department page", cache, files),
        _chart(figures.weekly_advocate, advocates, "Shared by", cache, files), outcomes)


def _renewals(campaigns: list[CampaignInfo], today: dt.date, lead: int) -> tuple[list[Renewal], list[Renewal]]:
    """(with a live campaign, without one) for every account renewing between today and today + lead days."""
    coming: dict[tuple[str, str, dt.date], list[CampaignInfo]] = defaultdict(list)
    for info in campaigns:
        renewal = info.model.renewal
        if renewal and today <= renewal <= today + dt.timedelta(days=lead):
            coming[(info.account.id, info.account.model.name, renewal)].append(info)
    covered: list[Renewal] = []
    uncovered: list[Renewal] = []
    for (account_id, name, date), infos in sorted(coming.items(), key=lambda item: (item[0][2], item[0][1])):
        live = [i.model.title for i in campaigns if i.state.published and i.account.id == account_id]
        titles = live or [f"{i.model.title} ({i.state.kind})" for i in infos]
        (covered if live else uncovered).append(Renewal(name, date.isoformat(), (date - today).days, "; ".join(titles)))
    return covered, uncovered


def program_report(project: ValidProject, today: dt.date, secret: bytes, cache_dir: Path | None) -> ProgramReport:
    """The report of every campaign of the project, rendered in memory."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    report = ProgramReport(report_token(secret))
    data = stored(project.paths.root)
    report.warnings.extend(f"program report: {p}" for p in data.problems)
    figures = campaign_figures(project.paths.root)
    sections = [_section(info, figures.get(info.id, CampaignFigures()), cache_dir, report.files, today)
                for info in sorted(project.campaigns, key=lambda i: (not i.state.published, i.model.title))]
    lead = renewal_lead_days(project.paths.mkdocs_yml)
    covered, uncovered = _renewals(project.campaigns, today, lead)
    outcomes = [o for info in project.campaigns for o in info.model.outcomes]
    kinds: dict[str, int] = defaultdict(int)
    pipeline: dict[str, float] = defaultdict(float)
    for outcome in outcomes:
        kinds[outcome.kind] += 1
        if outcome.amount is not None and outcome.currency:
            pipeline[outcome.currency] += outcome.amount
    days = sorted({key[0] for key in data.totals} | set(data.coverage))
    context: dict[str, Any] = {
        "today": today.isoformat(), "lead": lead, "sections": sections, "covered": covered, "uncovered": uncovered,
        "live": sum(s.published for s in sections), "visits": sum(s.share_visits for s in sections),
        "readers": sum(s.share_readers for s in sections), "kit_visits": sum(s.kit_visits for s in sections),
        "kinds": sorted(kinds.items()), "pipeline": [_money(v, c) for c, v in sorted(pipeline.items())],
        "first_day": days[0] if days else None, "last_day": days[-1] if days else None,
        "vendor": project.brand.name,
    }
    env = Environment(loader=FileSystemLoader(str(project.paths.theme_file("report"))),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined, keep_trailing_newline=True)
    report.files["index.html"] = env.get_template("index.html").render(**context).encode("utf-8")
    return report


def report_for_build(project: ValidProject, today: dt.date, secret: bytes, cache_dir: Path | None,
                     shard: tuple[int, int] | None) -> ProgramReport | None:
    """The build's report: written by the first shard only, so that shards put together have one."""
    if shard is not None and shard[0] != 1:
        return None
    return program_report(project, today, secret, cache_dir / "report" if cache_dir else None)


def report_url(root: Path, secret: bytes) -> str:
    """<site_url>/<report-token>/, as `coffeerun links --report` prints it."""
    from coffeerun.project import ProjectPaths
    from coffeerun.siteconfig import site_url

    return f"{site_url(ProjectPaths(Path(root)).mkdocs_yml)}{report_token(secret)}/"
