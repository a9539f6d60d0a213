"""Validate stage: every input file checked, `use:` resolved, cross references and dates verified."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from coffeerun.explain import problems_from
from coffeerun.fieldtypes import check_image, short
from coffeerun.load import Document, LoadError, Pos, load_yaml
from coffeerun.models import Account, AdvocateFields, Brand, Campaign, ResourceFields
from coffeerun.problems import Loc, Problem, Problems, did_you_mean, field_path
from coffeerun.project import ProjectPaths
from coffeerun.schedule import PublishState, publish_state

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class AccountInfo:
    id: str
    model: Account
    folder: Path
    logo: Path | None


@dataclass(frozen=True)
class CampaignInfo:
    id: str
    source: str
    model: Campaign
    account: AccountInfo
    state: PublishState


@dataclass
class ValidProject:
    """Everything that validated, as plain data for the plan stage."""

    paths: ProjectPaths
    brand: Brand
    brand_logo: Path | None
    campaigns: list[CampaignInfo] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)


class _Checker:
    def __init__(self, paths: ProjectPaths):
        self.paths = paths
        self.problems = Problems()
        self.context = {"root": paths.root.resolve()}

    def report(self, pos: Pos, loc: Loc, message: str, severity: str = "error") -> None:
        self.problems.add(Problem(pos.path, pos.line, pos.col, field_path(loc), message, severity))

    def load(self, file: Path) -> Document | None:
        try:
            return load_yaml(file, self.paths.display(file))
        except LoadError as exc:
            self.problems.add(exc.problem)
            return None

    def model(self, cls: type[BaseModel], doc: Document, data: Any = None) -> Any:
        try:
            return cls.model_validate(doc.data if data is None else data, context=self.context)
        except ValidationError as exc:
            self.problems.extend(problems_from(exc, doc, cls))
            return None

    def profiles(self, folder: Path, cls: type[BaseModel]) -> dict[str, Document | None]:
        """Reusable profiles by id; each is checked once on its own."""
        found: dict[str, Document | None] = {}
        for file in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            doc = self.load(file)
            if doc is not None and self.model(cls, doc) is None:
                doc = None
            found[file.stem] = doc
        return found

    def account(self, account_id: str) -> AccountInfo | None:
        file = self.paths.account_file(account_id)
        doc = self.load(file)
        model = self.model(Account, doc) if doc else None
        if model is None:
            return None
        logo = None
        if model.logo is not None:
            logo = self.logo(file.parent, model.logo, doc, ("logo",))
        return AccountInfo(account_id, model, file.parent, logo)

    def logo(self, folder: Path, name: str, doc: Document, loc: Loc) -> Path | None:
        path = (folder / name).resolve()
        if path.parent != folder.resolve() or not path.is_file():
            near = sorted(p.name for p in folder.iterdir() if p.suffix in (".svg", ".png"))
            self.report(doc.pos(loc), loc, f"logo {short(name)} is not a file in {self.paths.display(folder)}/"
                        f"{did_you_mean(name, near)}")
            return None
        try:
            if path.suffix.lower() == ".svg":
                from coffeerun.svg import rasterise_svg

                rasterise_svg(path, 64)
            else:
                check_image(path, name, (".png",))
        except Exception as exc:  # noqa: BLE001 - any failure here means an unusable logo
            message = getattr(exc, "message", lambda: str(exc))()
            self.report(doc.pos(loc), loc, f"logo {short(name)} cannot be used: {message}; "
                        "a logo is an SVG or PNG file")
            return None
        return path


def _merge_use(doc: Document, loc: Loc, item: dict, profiles: dict[str, Document | None],
               kind: str, checker: _Checker) -> dict | None:
    """`use: id` with overrides: the profile's fields, then the keys written here."""
    ref = item.get("use")
    if not isinstance(ref, str) or ref not in profiles:
        where = f"content/{kind}s/"
        checker.report(doc.pos(loc + ("use",)), loc + ("use",),
                       f"no {kind} profile {short(ref)} in {where}{did_you_mean(ref, profiles)}")
        return None
    profile = profiles[ref]
    if profile is None:
        return None  # the profile's own problems are already reported
    for key, pos in profile.keys.items():
        if key[0] not in item:
            doc.keys.setdefault(loc + key, pos)
    for key, pos in profile.values.items():
        if key and key[0] not in item:
            doc.values.setdefault(loc + key, pos)
    merged = {**profile.data, **{k: v for k, v in item.items() if k != "use"}}
    if kind == "advocate":
        merged.setdefault("id", ref)
    return merged


def _resolve_uses(doc: Document, checker: _Checker, advocates: dict, resources: dict) -> dict | None:
    data = dict(doc.data)
    for name, profiles, kind in (("advocates", advocates, "advocate"), ("resources", resources, "resource")):
        items = data.get(name)
        if not isinstance(items, list):
            continue
        out = []
        for i, item in enumerate(items):
            if isinstance(item, dict) and "use" in item:
                item = _merge_use(doc, (name, i), item, profiles, kind, checker)
                if item is None:
                    return None
            out.append(item)
        data[name] = out
    return data


def _ids(items: Any) -> list[str]:
    return [x.get("id") for x in items if isinstance(x, dict) and isinstance(x.get("id"), str)] \
        if isinstance(items, list) else []


def _cross_references(doc: Document, data: dict, checker: _Checker) -> None:
    """References between parts of one campaign: advocates, audiences, dates."""
    audiences, advocates = _ids(data.get("audiences")), _ids(data.get("advocates"))
    for name, ids in (("audiences", audiences), ("advocates", advocates)):
        seen: set[str] = set()
        for i, value in enumerate(ids):
            if value in seen:
                checker.report(doc.pos((name, i, "id")), (name, i, "id"), f"id '{value}' is used twice in {name}")
            seen.add(value)

    def each(section: str) -> Iterable[tuple[Loc, dict]]:
        items = data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield (section, i), item

    sections = ["quotes", "metrics", "videos", "resources", "talk_track.points"]
    for section in sections:
        if section == "talk_track.points":
            track = data.get("talk_track") if isinstance(data.get("talk_track"), dict) else {}
            points = track.get("points") if isinstance(track.get("points"), list) else []
            rows = [(("talk_track", "points", i), p) for i, p in enumerate(points) if isinstance(p, dict)]
        else:
            rows = list(each(section))
        for loc, item in rows:
            by = item.get("by")
            if isinstance(by, str) and advocates and by not in advocates:
                checker.report(doc.pos(loc + ("by",)), loc + ("by",), f"'{by}' is not an advocate of this "
                               f"campaign; the advocates are {', '.join(advocates)}{did_you_mean(by, advocates)}")
            refs = item.get("audiences")
            for j, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str) and audiences and ref not in audiences:
                    checker.report(doc.pos(loc + ("audiences", j)), loc + ("audiences", j),
                                   f"'{ref}' is not an audience of this campaign; the audiences are "
                                   f"{', '.join(audiences)}{did_you_mean(ref, audiences)}")
    for loc, video in each("videos"):
        url = video.get("url")
        if video.get("captions") and isinstance(url, str):
            from coffeerun.fieldtypes import video_host

            if video_host(url) not in (None, "file"):
                checker.report(doc.pos(loc + ("captions",)), loc + ("captions",),
                               f"captions are for direct .mp4/.webm files; {video_host(url)} shows its own")


def _date_rules(doc: Document, model: Campaign, checker: _Checker) -> None:
    if model.status == "live" and model.expires is None:
        checker.report(doc.pos(("status",)), ("expires",),
                       "a live campaign needs `expires: YYYY-MM-DD` (the day it comes down)")
    if model.starts and model.expires and model.expires < model.starts:
        checker.report(doc.pos(("expires",)), ("expires",),
                       f"expires {model.expires} is before starts {model.starts}")
    for i, adv in enumerate(model.advocates):
        if adv.consent.expires < adv.consent.granted:
            loc = ("advocates", i, "consent", "expires")
            checker.report(doc.pos(loc), loc, f"consent expires {adv.consent.expires} before it was "
                           f"granted {adv.consent.granted}")


def validate_project(root: Path, today: dt.date, only: Iterable[str] | None = None) -> ValidProject:
    """Check every file the selected campaigns use; collect every problem instead of stopping."""
    paths = ProjectPaths(root)
    checker = _Checker(paths)
    brand_file = paths.theme_file("brand.yaml")
    brand_doc = checker.load(brand_file)
    brand = checker.model(Brand, brand_doc) if brand_doc else None
    brand_logo = None
    if brand and brand.logo:
        brand_logo = checker.logo(brand_file.parent, brand.logo, brand_doc, ("logo",))
    advocates = checker.profiles(paths.content / "advocates", AdvocateFields)
    resources = checker.profiles(paths.content / "resources", ResourceFields)
    accounts: dict[str, AccountInfo | None] = {}
    campaigns = []
    files = sorted(paths.campaigns.glob("*.yaml")) if paths.campaigns.is_dir() else []
    wanted = set(only or [])
    for file in files:
        campaign_id = file.stem
        if wanted and campaign_id not in wanted:
            continue
        display = paths.display(file)
        if not _ID.match(campaign_id):
            checker.report(Pos(display), (), f"file name '{campaign_id}' is not a valid campaign id; use "
                           "lowercase letters, digits and '-', e.g. campaigns/northwind-treasury.yaml")
            continue
        doc = checker.load(file)
        if doc is None:
            continue
        data = _resolve_uses(doc, checker, advocates, resources)
        if data is None:
            continue
        _cross_references(doc, data, checker)
        account_id = data.get("account")
        account = None
        if isinstance(account_id, str) and _ID.match(account_id):
            if account_id not in accounts:
                known = [p.name for p in (paths.content / "accounts").glob("*") if p.is_dir()]
                if not paths.account_file(account_id).is_file():
                    accounts[account_id] = None
                    checker.report(doc.pos(("account",)), ("account",), f"no account '{account_id}': "
                                   f"content/accounts/{account_id}/account.yaml does not exist"
                                   f"{did_you_mean(account_id, known)}")
                else:
                    accounts[account_id] = checker.account(account_id)
            account = accounts[account_id]
        model = checker.model(Campaign, doc, data)
        if model is None:
            continue
        _date_rules(doc, model, checker)
        if account is not None:
            campaigns.append(CampaignInfo(campaign_id, display, model, account,
                                          publish_state(model, today)))
    for campaign in campaigns:
        if campaign.state.kind in ("withheld", "expired", "scheduled"):
            checker.report(Pos(campaign.source), (), campaign.state.reason, "warning")
    fallback = Brand(name="coffeerun", product="coffeerun", colors={"primary": "#1F2937"})
    return ValidProject(paths, brand or fallback, brand_logo, campaigns, checker.problems)
