"""Validate stage: every input file checked, `use:` resolved, cross references and dates verified."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from coffeerun import lint
from coffeerun.consent import scope_rules
from coffeerun.explain import problems_from
from coffeerun.fieldtypes import ID_PATTERN, check_image, short
from coffeerun.files import check_size
from coffeerun.load import Document, LoadError, Pos, load_yaml
from coffeerun.models import Account, AdvocateFields, Brand, Campaign, Colors, ResourceFields
from coffeerun.placeholders import config_placeholders, covered, find_placeholders, placeholder_locs
from coffeerun.problems import Loc, Problem, Problems, did_you_mean, field_path, one_of
from coffeerun.project import ProjectPaths
from coffeerun.rules import Profile, consent_order, cross_references, date_rules, place, resolve_uses
from coffeerun.safefiles import refusal, tree_problems
from coffeerun.schedule import PublishState, publish_state
from coffeerun.siteconfig import ProjectConfig, read_project_config

_ID = re.compile(ID_PATTERN)
MAX_LOGO_BYTES = 2_000_000


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
    unapproved: tuple[str, ...] = ()  # with require_approval: who has not approved what, and what changed
    profiles: tuple[tuple[str, str], ...] = ()  # (advocate id or "", profile file) of each `use:` (see _uses)


@dataclass
class ValidProject:
    """Everything that validated, as plain data for the plan stage."""

    paths: ProjectPaths
    brand: Brand
    brand_logo: Path | None
    campaigns: list[CampaignInfo] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)


class _Checker:
    def __init__(self, paths: ProjectPaths, config: ProjectConfig | None = None):
        self.paths = paths
        self.docs: dict[str, Document] = {}  # campaign id -> its document, for problems found later
        self.problems = Problems()
        self.context = {"root": paths.root.resolve()}
        self.slides = True  # warn about text the slides would cut (validate_project)
        self.handout_runs: Callable[[Path], list[str]] | None = None  # handouts.link_runs, kept (validate_project)
        self.config = config or read_project_config(paths.mkdocs_yml, paths.display(paths.mkdocs_yml))
        self.settings = self.config.settings

    def report(self, pos: Pos, loc: Loc, message: str, severity: str = "error") -> None:
        self.problems.add(Problem(pos.path, pos.line, pos.col, field_path(loc), message, severity))

    def load(self, file: Path) -> Document | None:
        if file.is_relative_to(self.paths.root):  # the bundled defaults are coffeerun's own
            refused = refusal(self.paths.root, file)
            if refused is not None:
                self.problems.add(Problem(self.paths.display(file), 1, 1, "", refused))
                return None
        try:
            return load_yaml(file, self.paths.display(file))
        except LoadError as exc:
            self.problems.add(exc.problem)
            return None

    def model(self, cls: type[BaseModel], doc: Document, data: Any = None,
              keep: Callable[[Loc], bool] | None = None) -> Any:
        try:
            return cls.model_validate(doc.data if data is None else data, context=self.context)
        except ValidationError as exc:
            self.problems.extend(problems_from(exc, doc, cls, keep=keep, data=data))
            return None

    def file_names(self, folder: Path, what: str) -> list[Path]:
        """The *.yaml files of a folder; other YAML-looking names and invalid ids are problems."""
        if not folder.is_dir():
            return []
        found = []
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() in (".yml", ".yaml") and file.suffix != ".yaml":
                self.report(Pos(self.paths.display(file)), (), f"{what} files end in .yaml, not {file.suffix}; "
                            f"rename it to {file.stem}.yaml")
            elif file.suffix == ".yaml" and not _ID.match(file.stem):
                self.report(Pos(self.paths.display(file)), (), f"file name '{file.stem}' is not a valid {what} "
                            "id; use lowercase letters, digits and '-', e.g. "
                            f"{re.sub(r'[^a-z0-9]+', '-', file.stem.lower()).strip('-') or 'my-id'}.yaml")
            elif file.suffix == ".yaml":
                found.append(file)
        return found

    def logo(self, folder: Path, name: str, doc: Document, loc: Loc, suffixes: tuple[str, ...]) -> Path | None:
        """A logo file directly in folder (after following links): an SVG or PNG that renders."""
        where = self.paths.display(folder) + "/"
        lexical, path = folder / name, (folder / name).resolve()
        if lexical.parent.resolve() != folder.resolve() or "/" in name or "\\" in name:
            self.report(doc.pos(loc), loc, f"logo {short(name)} must be a file directly in {where}, e.g. logo.svg")
            return None
        if path.parent != folder.resolve():
            self.report(doc.pos(loc), loc, f"logo {short(name)} points outside {where} (through a symbolic link)")
            return None
        if not path.is_file():
            near = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in suffixes)
            self.report(doc.pos(loc), loc, f"logo {short(name)} is not a file in {where}"
                        f"{did_you_mean(name, near)}")
            return None
        if path.suffix.lower() not in suffixes:
            self.report(doc.pos(loc), loc, f"logo {short(name)} is not an SVG or PNG file; use .svg or .png")
            return None
        try:
            check_size(path, name, MAX_LOGO_BYTES, "a logo")
            if path.suffix.lower() == ".svg":
                from coffeerun.svg import check_svg

                check_svg(path)
            else:
                check_image(path, name, (".png",))
        except Exception as exc:  # noqa: BLE001 - any failure here means an unusable logo
            message = exc.message() if hasattr(exc, "message") else str(exc) if isinstance(exc, ValueError) \
                else f"{type(exc).__name__}: {exc}"
            self.report(doc.pos(loc), loc, f"logo {short(name)} cannot be used: {message}")
            return None
        return path


class _ProfileSet:
    """content/advocates/ or content/resources/: each file checked once, on its own, on first use."""

    def __init__(self, checker: _Checker, folder: Path, cls: type[BaseModel], what: str):
        self.checker, self.cls, self.what = checker, cls, what
        self.files = {f.stem: f for f in checker.file_names(folder, what)}
        self.cache: dict[str, Profile] = {}

    def names(self) -> list[str]:
        return sorted(self.files)

    def get(self, ref: str) -> Profile | None:
        if ref not in self.files:
            return None
        if ref not in self.cache:
            doc = self.checker.load(self.files[ref])
            valid = doc is not None and self.checker.model(self.cls, doc) is not None
            if doc is not None:
                self.checker.problems.extend(lint.file_warnings(self.files[ref], doc))
            if doc is not None and self.cls is AdvocateFields:
                before = len(self.checker.problems.items)
                consent_order(doc, ("consent",), doc.data.get("consent"), self.checker.report)
                valid = valid and len(self.checker.problems.items) == before
            self.cache[ref] = Profile(doc, valid)
        return self.cache[ref]

    def check_all(self) -> None:
        for ref in self.files:
            self.get(ref)


class _Accounts:
    def __init__(self, checker: _Checker):
        self.checker = checker
        self.cache: dict[str, AccountInfo | None] = {}
        folder = checker.paths.content / "accounts"
        self.names = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def get(self, account_id: str) -> AccountInfo | None:
        if account_id not in self.cache:
            self.cache[account_id] = self._check(account_id)
        return self.cache[account_id]

    def _check(self, account_id: str) -> AccountInfo | None:
        file = self.checker.paths.account_file(account_id)
        doc = self.checker.load(file)
        model = self.checker.model(Account, doc) if doc else None
        if model is None or doc is None:
            return None
        logo = None
        if model.logo is not None:
            logo = self.checker.logo(file.parent, model.logo, doc, ("logo",), (".svg", ".png"))
            if logo is None:
                return None
        return AccountInfo(account_id, model, file.parent, logo)

    def check_all(self) -> None:
        for name in self.names:
            if not _ID.match(name):
                self.checker.report(Pos(f"content/accounts/{name}"), (), f"folder name '{name}' is not a valid "
                                    "account id; use lowercase letters, digits and '-'")
            elif os.path.lexists(self.checker.paths.account_file(name)):
                self.get(name)
            else:
                self.checker.report(Pos(f"content/accounts/{name}/account.yaml"), (),
                                    "an account folder needs an account.yaml (name, colors)")


def _brand(checker: _Checker) -> tuple[Brand | None, Path | None]:
    brand_file = checker.paths.theme_file("brand.yaml")
    doc = checker.load(brand_file)
    if doc is None:
        return None, None
    marked = placeholder_locs(found := find_placeholders(doc))
    checker.problems.extend(found)
    brand = checker.model(Brand, doc, keep=lambda loc: not covered(marked, loc))
    logo = None
    if brand is not None and brand.logo and "logo" not in marked:
        # Written relative to theme/ like an account's logo; `theme/logo.svg` (from the root) works too.
        logo = checker.logo(brand_file.parent, brand.logo.removeprefix("theme/"), doc, ("logo",),
                            (".svg", ".png"))
    return brand, logo


def _campaign(checker: _Checker, file: Path, profiles: dict, accounts: _Accounts,
              today: dt.date) -> CampaignInfo | None:
    doc = checker.load(file)
    if doc is None:
        return None
    resolved = resolve_uses(doc, profiles, checker.report)
    data = resolved.data
    cross_references(doc, data, checker.report)
    scope_rules(doc, data, checker.report)
    date_rules(doc, data, checker.report)
    account_id, account = data.get("account"), None
    if isinstance(account_id, str) and _ID.match(account_id):
        if not os.path.lexists(checker.paths.account_file(account_id)):
            hint = did_you_mean(account_id, accounts.names) or (
                f"; the accounts are {one_of(accounts.names)}" if accounts.names else "")
            checker.report(doc.pos(("account",)), ("account",), f"no account '{account_id}': content/accounts/"
                           f"{account_id}/account.yaml does not exist{hint}")
        else:
            account = accounts.get(account_id)
    model = checker.model(Campaign, doc, data, keep=resolved.keep)

    def theme() -> Any:  # the slide renderers, imported only when a campaign is linted
        from coffeerun.render.assets.theme import load_theme

        return load_theme(checker.paths)

    checker.problems.extend(lint.campaign_warnings(file, doc, model, theme, checker.slides))
    if model is None or account is None or resolved.broken:
        return None
    checker.docs[file.stem] = doc
    unapproved: tuple[str, ...] = ()
    if checker.settings.require_approval:
        from coffeerun.approval import unapproved as why_unapproved

        unapproved = tuple(why_unapproved(file.stem, model, checker.paths.root, doc.path))
    return CampaignInfo(file.stem, doc.path, model, account, publish_state(model, today, unapproved), unapproved,
                        _uses(checker.paths, doc.data, profiles))


def _uses(paths: ProjectPaths, data: dict, profiles: dict) -> tuple[tuple[str, str], ...]:
    """The profile files a campaign takes with `use:`, as problems name them: (the advocate's id in the campaign,
    which need not be the file's name, file) for advocates, ("", file) for resources."""
    found = set()
    for section, kind in (("advocates", "advocate"), ("resources", "resource")):
        for item in data.get(section) or []:
            ref = item.get("use") if isinstance(item, dict) else None
            if isinstance(ref, str) and ref in profiles[kind].files:
                name = item.get("id", ref) if kind == "advocate" else ""
                found.add((name if isinstance(name, str) else ref, paths.display(profiles[kind].files[ref])))
    return tuple(sorted(found))


def _links_in_handouts(checker: _Checker, campaigns: list[CampaignInfo], owners: dict[str, int]) -> None:
    """A file handed out on a share site may name no private link but that site's own: a kit link (or
    another campaign's) in a PDF or a spreadsheet would reach every colleague who downloads it. `owners`:
    every campaign of the project by id, with its link_version, whichever of them are validated here."""
    from coffeerun import tokens
    from coffeerun.handouts import link_runs, named_links

    secret = tokens.secret_from_env() or tokens.PREVIEW_SECRET
    tokens_of: dict[str, tuple[str, str]] = {}
    for campaign_id, version in sorted(owners.items()):
        links = tokens.campaign_links(secret, campaign_id, version, "")
        tokens_of.update({links.share_token: (campaign_id, "share"), links.kit_token: (campaign_id, "kit")})
    found: dict[str, set[str]] = {}
    for info in campaigns:
        for i, resource in enumerate(info.model.resources):
            if resource.file is None:
                continue
            if resource.file not in found:
                runs = (checker.handout_runs or link_runs)(checker.paths.root / resource.file)
                found[resource.file] = named_links(runs, set(tokens_of))
            for token in sorted(found[resource.file]):
                owner, kind = tokens_of[token]
                if (owner, kind) == (info.id, "share"):
                    continue
                # validated in a worker of this build: its document is read again for the position
                doc = checker.docs.get(info.id) or checker.load(checker.paths.root / info.source)
                if doc is None:
                    continue
                whose = "this campaign's" if owner == info.id else f"campaign '{owner}'s"
                loc = ("resources", i, "file")
                pos, message = place(doc, loc, f"{short(resource.file)} names {whose} private {kind} link "
                                     f"({token[:6]}…), and colleagues download it from the share site; remove "
                                     "the link from the file")
                checker.report(pos, loc, message)


_SLIDE_COLORS = ("fill", "color", "ring", "chip")  # the keys of a layout element that name a colour
_ELEMENT_TYPES = ("rect", "text", "logo", "avatar", "qr")  # what render/assets/compose.py draws


def _slide_layouts(checker: _Checker) -> None:
    """The colours and element types of the project's own theme/slides/layouts.yaml: palette names or
    #RGB/#RRGGBB, which the slide images, the decks and the PDFs all draw, and the types the slides know
    (a misspelt one was left off the slides, or stopped the build)."""
    from coffeerun.fieldtypes import COLOR_PATTERN
    from coffeerun.render.assets.theme import LAYOUTS_FILE
    from coffeerun.render.colors import slide_palette

    file = checker.paths.root / "theme" / LAYOUTS_FILE
    if not file.is_file():
        return
    doc = checker.load(file)
    layouts = doc.data.get("layouts") if doc is not None and isinstance(doc.data, dict) else None
    if doc is None or not isinstance(layouts, dict):
        return
    names = sorted(slide_palette("#000000", None, "#000000", None))
    found: list[tuple[Loc, Any]] = []
    for name, layout in layouts.items():
        if not isinstance(layout, dict):
            continue
        if "background" in layout:
            found.append((("layouts", name, "background"), layout["background"]))
        for i, element in enumerate(layout.get("elements") or []):
            if not isinstance(element, dict):
                continue
            found += [(("layouts", name, "elements", i, key), element[key]) for key in _SLIDE_COLORS
                      if key in element and not (key == "chip" and element[key] in (None, "none"))]
            if element.get("type") not in _ELEMENT_TYPES:
                where: Loc = ("layouts", name, "elements", i, "type")
                checker.report(doc.pos(where), where, f"{short(element.get('type'))} is not a slide element type; use "
                               f"{one_of(_ELEMENT_TYPES)}{did_you_mean(element.get('type'), _ELEMENT_TYPES)}")
    for loc, value in found:
        if isinstance(value, str) and (value in names or re.fullmatch(COLOR_PATTERN, value)):
            continue
        checker.report(doc.pos(loc), loc, f"{short(value)} is not a slide colour; use a palette name "
                       f"({one_of(names)}) or #RRGGBB{did_you_mean(value, names)}")


def _link_versions(paths: ProjectPaths, files: list[Path]) -> dict[str, int]:
    """The link_version of campaign files not validated here (1 when unreadable): their links are
    private links a handout must not name either."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    versions = {}
    for file in files:
        data = None
        if refusal(paths.root, file) is None:
            try:
                data = yaml.load(file.read_bytes(), Loader=loader)  # noqa: S506 - a safe loader
            except (OSError, yaml.YAMLError, ValueError):
                data = None
        version = data.get("link_version", 1) if isinstance(data, dict) else 1
        versions[file.stem] = version if type(version) is int and version >= 1 else 1
    return versions


def validate_project(root: Path, today: dt.date, only: Iterable[str] | None = None,
                     known: Callable[[Path], CampaignInfo | None] | None = None,
                     owners: dict[str, int] | None = None, handouts: bool = True, slides: bool = True,
                     handout_runs: Callable[[Path], list[str]] | None = None,
                     config: ProjectConfig | None = None) -> ValidProject:
    """Check every file (or only what the selected campaigns use); collect every problem instead of stopping.

    `known(file)` may return a campaign validated without any problem in a worker of this build, with its
    publish state for today; it is used as it is (its handouts are checked here). `owners`: the link_version
    of campaigns validated before (the build's records), whose links handouts must not name; the others not
    validated here are read for theirs. `handouts=False`: no handout check (a worker's part of a build).
    `slides=False`: no warning about text the slides would cut (a build without assets makes no slides).
    `handout_runs(file)`: what handouts.link_runs gives for it (the build keeps them by file content).
    `config`: mkdocs.yml as read_project_config read it, kept by the build with the shared inputs (only when
    they had no error: no placeholder is left in it).
    """
    paths = ProjectPaths(root)
    checker = _Checker(paths, config)
    checker.slides, checker.handout_runs = slides, handout_runs
    checker.problems.extend(tree_problems(paths.root))
    checker.problems.extend(checker.config.problems)
    brand, brand_logo = _brand(checker)
    _slide_layouts(checker)
    if config is None and paths.mkdocs_yml.parent == paths.root:  # a kept config's mkdocs.yml had no error
        checker.problems.extend(config_placeholders(paths.mkdocs_yml, paths.display(paths.mkdocs_yml)))
    profiles = {"advocate": _ProfileSet(checker, paths.content / "advocates", AdvocateFields, "advocate"),
                "resource": _ProfileSet(checker, paths.content / "resources", ResourceFields, "resource")}
    accounts = _Accounts(checker)
    wanted = set(only or [])
    campaigns = []
    files = checker.file_names(paths.campaigns, "campaign")
    for file in files:
        if wanted and file.stem not in wanted:
            continue
        info = known(file) if known else None
        if info is None:
            info = _campaign(checker, file, profiles, accounts, today)
        if info is not None:
            campaigns.append(info)
    if not wanted:
        for profile_set in profiles.values():
            profile_set.check_all()
        accounts.check_all()
    if handouts:
        versions = {info.id: info.model.link_version for info in campaigns}
        others = [f for f in files if f.stem not in versions and f.stem not in (owners or {})]
        _links_in_handouts(checker, campaigns, {**_link_versions(paths, others), **(owners or {}), **versions})
    for campaign in campaigns:
        if campaign.state.kind in ("withheld", "expired", "scheduled"):
            checker.report(Pos(campaign.source), (), campaign.state.reason, "warning")
    fallback = Brand(name="coffeerun", product="coffeerun", colors=Colors(primary="#1F2937"))
    return ValidProject(paths, brand or fallback, brand_logo, campaigns, checker.problems)
