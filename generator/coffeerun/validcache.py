"""Validation for a build: campaigns checked in parallel, and reused when validated before from the same bytes.

A campaign that validated without any problem is recorded in the store (namespace `validate`, JSON),
keyed by the digest of its file and of everything else a campaign's validation can read: every file
under content/, theme/ (the brand), the files in campaigns/ that are not campaigns, the project root
and our code. The record holds what planning needs (`Validated`): its id, link_version, the digest of
its data and the files it names, and a table of its publish state by date (the state changes only on
the dates the campaign names), and the warnings of its own file. The shared inputs' record holds the
brand, what the build takes from mkdocs.yml, and the warnings of mkdocs.yml and the resource files
(shared_warnings). A campaign reused this way has no model in this build (`info` is None): its worker
validates it again in the rare case its sites must be rendered.

When the shared inputs validated without any problem before, only new or changed campaigns are
checked (validate_project on those alone); otherwise every campaign is (in parallel), and the final
pass is the ordinary validate_project with the others given as known.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coffeerun.digests import FileDigests, file_digest, sha, system_fonts
from coffeerun.problems import Problem, Problems, field_path
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.schedule import PublishState, names_withdrawal, publish_state, state_days
from coffeerun.store import Store, key

if TYPE_CHECKING:  # a build whose every campaign is known to the store never loads the models
    from coffeerun.models import Brand
    from coffeerun.siteconfig import ProjectConfig
    from coffeerun.validate import CampaignInfo

PARALLEL_FROM = 24  # fewer campaigns to check than this: in this process
_CAMPAIGN_FILE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\.yaml$")
_WARNED = ("withheld", "expired", "scheduled")  # states validate_project reports as warnings


@dataclass(frozen=True)
class Digest:
    """A campaign's data (model and account) as one digest, the project files it names, its account logo."""

    data: str
    files: tuple[str, ...]  # relative to the project root
    account_logo: str  # absolute path, or ""


@dataclass(frozen=True)
class Validated:
    """A campaign that validated: what planning needs; `info` (the models) when validated in this build."""

    id: str
    source: str
    link_version: int
    states: tuple[tuple[str, str, str], ...]  # (from date, kind, reason), see state_table
    digest: Digest
    advocate_ids: tuple[str, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)  # what the program report reads (campaign_facts)
    info: CampaignInfo | None = None
    warnings: tuple[tuple[int, int, str, str], ...] = ()  # its file's (line, col, field, message), see with_warnings
    profiles: tuple[tuple[str, str], ...] = ()  # the files it takes with `use:` (validate.CampaignInfo.profiles)

    def state(self, today: dt.date) -> PublishState:
        found = self.states[0]
        for row in self.states:
            if row[0] <= today.isoformat():
                found = row
        return PublishState(found[1], found[2])

    def withdrawn(self, today: dt.date) -> set[str]:
        """The advocates whose consent is withdrawn by today (from the report facts: [id, name, title, named,
        withdrawn])."""
        return {str(a[0]) for a in self.report.get("advocates", []) if a[4] is not None and a[4] <= today.isoformat()}

    def redacted_as_of(self, today: dt.date) -> bool:
        """The report facts leave out the name and title of exactly the advocates whose consent is withdrawn by
        today (see record): else a record is validated again, on the day of a withdrawal (and for an earlier
        --today than the one it was kept on)."""
        gone = self.withdrawn(today)
        return all((a[0] in gone) == (a[1] == a[2] == "") for a in self.report.get("advocates", []) if a[4])

    def record(self, today: dt.date | None = None) -> dict[str, Any]:
        """What the store keeps; with `today`, without the name and title of an advocate whose consent is
        withdrawn by then (the program report shows such an advocate by number only), and then without warnings
        (they may quote their words)."""
        report, gone = self.report, self.withdrawn(today) if today is not None else set()
        if gone:
            report = {**report, "advocates": [[a[0], "", "", False, a[4]] if a[0] in gone else a
                                              for a in report["advocates"]]}
        return {"id": self.id, "source": self.source, "link_version": self.link_version,
                "states": [list(r) for r in self.states],
                "digest": [self.digest.data, list(self.digest.files), self.digest.account_logo],
                "advocates": list(self.advocate_ids), "report": report,
                "profiles": [list(p) for p in self.profiles if p[0] not in gone],  # their file's name is theirs
                "warnings": [] if gone else [list(w) for w in self.warnings]}

    def with_warnings(self, problems: Problems) -> Validated:
        """With the warnings validation found in its own file, but not those of its publish state (made again
        each day from its state table): a later build that reuses the record shows them as this one did."""
        reasons = {row[2] for row in self.states}
        return replace(self, warnings=tuple((p.line, p.col, p.field, p.message) for p in problems.warnings
                                            if p.path == self.source and p.message not in reasons))

    def problems(self) -> list[Problem]:
        """The warnings kept with the record, as problems of its file."""
        return [Problem(self.source, line, col, path, message, "warning") for line, col, path, message in self.warnings]

    @classmethod
    def from_record(cls, meta: dict[str, Any]) -> Validated:
        from coffeerun.render.report import facts_ok

        data, files, logo = meta["digest"]
        states = tuple(_state(row) for row in meta["states"])
        advocates, report = meta["advocates"], meta["report"]
        if not states or not all(isinstance(f, str) for f in [*files, *advocates]) or not facts_ok(report):
            raise ValueError("not a validated campaign")
        warnings = tuple(_warning(w) for w in meta.get("warnings", []))
        rows = meta["profiles"]
        if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 2
                                                 and all(isinstance(t, str) for t in r) for r in rows):
            raise ValueError("not a validated campaign")
        profiles = tuple((r[0], r[1]) for r in rows)
        if type(meta["link_version"]) is not int or meta["link_version"] < 1:  # the model: ge=1
            raise ValueError("not a validated campaign")
        return cls(str(meta["id"]), str(meta["source"]), meta["link_version"], states,
                   Digest(str(data), tuple(files), str(logo)), tuple(advocates), report, warnings=warnings,
                   profiles=profiles)


_KINDS = ("publish", "draft", "ended", "scheduled", "expired", "withheld")  # schedule.PublishState
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # a terminal's escapes (tab, line ends: shown)


def _state(row: Any) -> tuple[str, str, str]:
    """A kept row of the state table (from date, kind, reason), exactly that shape: the store is not trusted."""
    if not (isinstance(row, list) and len(row) == 3 and all(isinstance(t, str) for t in row)
            and row[1] in _KINDS and not _CONTROL.search(row[2])):
        raise ValueError("not a state")
    if dt.date.fromisoformat(row[0]).isoformat() != row[0]:
        raise ValueError("not a state")
    return row[0], row[1], row[2]


def _warning(row: Any) -> tuple[int, int, str, str]:
    """A kept warning (line, col, field, message), exactly that shape: the store is not trusted."""
    if not (isinstance(row, list) and len(row) == 4 and all(type(n) is int and 0 < n < 1 << 31 for n in row[:2])
            and all(isinstance(t, str) and not _CONTROL.search(t) for t in row[2:])):
        raise ValueError("not a kept warning")
    return row[0], row[1], row[2], row[3]


def shared_warnings(problems: Iterable[Problem], paths: ProjectPaths) -> list[Problem]:
    """The warnings of mkdocs.yml and of the resource files: kept with the shared inputs' record, so a build
    that validates no campaign again shows them as `check` does. Not those of advocate files (a warning may
    quote an advocate's words, and the purge of a withdrawal does not look in that record) nor campaigns'."""
    config, resources = paths.display(paths.mkdocs_yml), paths.display(paths.content / "resources") + "/"

    def shared(path: str) -> bool:
        return path == config or (path.startswith(resources) and "/" not in path[len(resources):])

    return [p for p in problems if p.severity == "warning" and shared(p.path)]


def _shared_warning(row: Any) -> Problem:
    """A warning kept with the shared record, exactly the shape it was written in: the store is not trusted."""
    if not (isinstance(row, list) and len(row) == 5 and isinstance(row[0], str) and not _CONTROL.search(row[0])
            and _warning(row[1:])):
        raise ValueError("not a kept warning")
    return Problem(row[0], row[1], row[2], row[3], row[4], "warning")


@dataclass
class Checked:
    """The project as validated for a build."""

    paths: ProjectPaths
    brand_data: dict[str, Any]  # the brand as JSON (models.Brand), as validation made it or the store kept it
    brand_logo: Path | None
    campaigns: list[Validated]
    problems: Problems
    config: dict[str, str] = field(default_factory=dict)  # what the build takes of mkdocs.yml, kept (_kept_config)
    slides: bool = True  # validated for a build that makes slides (see Validation)

    @cached_property
    def brand(self) -> Brand:
        """The brand's model, made when first asked."""
        from coffeerun.models import Brand

        return Brand.model_validate(self.brand_data)

    @property
    def brand_name(self) -> str:
        return str(self.brand_data["name"])


def config_facts(paths: ProjectPaths) -> dict[str, Any]:
    """What a build takes from mkdocs.yml read through MkDocs, as JSON: kept with the brand, so a build does
    not read it again (reading it through MkDocs is a tenth of a second; the shared key holds its bytes,
    INHERIT parents and !ENV values): its site_url, program settings and problems, and the settings digest."""
    from coffeerun.render.engine import project_config
    from coffeerun.siteconfig import read_project_config, settings_digest

    config = read_project_config(paths.mkdocs_yml, paths.display(paths.mkdocs_yml))
    return {"site_url": config.site_url, "settings": settings_digest(paths.mkdocs_yml),
            "program": config.settings.model_dump(mode="json"),
            "problems": [[p.path, p.line, p.col, p.field, p.message] for p in config.problems],
            "reusable": _self_contained(project_config(paths.mkdocs_yml).data)}


_THEMES = (None, "material", "mkdocs", "readthedocs")  # MkDocs' own and Material: their versions are in the key


def _self_contained(data: dict[str, Any]) -> bool:
    """MkDocs' check of these settings depends on nothing but them and the libraries in the store's keys: no
    plugin, hook or Markdown extension (each imported from wherever Python finds it, which no key covers) and
    a theme of MkDocs' or Material's. Otherwise a build that validates a campaign reads mkdocs.yml again."""
    theme = data.get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    return not any(data.get(k) for k in ("plugins", "hooks", "markdown_extensions")) and name in _THEMES


def _kept_config(facts: Any, display: str) -> tuple[ProjectConfig | None, dict[str, str]]:
    """config_facts as kept, checked (ValueError if not that exact shape: the store is not trusted): the
    ProjectConfig (None unless `reusable`) and the facts a build takes (site_url, settings digest,
    renewal_lead_days)."""
    from coffeerun.siteconfig import ProgramSettings, ProjectConfig

    if not (isinstance(facts, dict) and set(facts) == {"site_url", "settings", "program", "problems", "reusable"}
            and type(facts["reusable"]) is bool
            and isinstance(facts["site_url"], str)
            and re.fullmatch(r"https?://[^\x00-\x1f\x7f]+/", facts["site_url"], re.I)
            and isinstance(facts["settings"], str) and re.fullmatch(r"[0-9a-f]{64}", facts["settings"])
            and isinstance(facts["program"], dict) and isinstance(facts["problems"], list)):
        raise ValueError("not the facts of mkdocs.yml")
    settings = ProgramSettings.model_validate(facts["program"])  # strict: a ValidationError is a ValueError
    problems = tuple(_shared_warning(row) for row in facts["problems"]
                     if isinstance(row, list) and row[:1] == [display])
    if len(problems) != len(facts["problems"]):
        raise ValueError("not the problems of mkdocs.yml")
    config = ProjectConfig(facts["site_url"], settings, problems)
    return config if facts["reusable"] else None, {"site_url": config.site_url, "settings": facts["settings"],
                    "renewal_lead_days": str(settings.renewal_lead_days)}


def _named_files(value: Any, root: Path, found: set[str]) -> None:
    """Every string that names a file of the project (photos, posters, transcripts, …)."""
    if isinstance(value, str):
        # Project paths are relative and have a folder (content/…, campaigns/…): nothing else is a file.
        if "/" in value and len(value) < 1024 and "\n" not in value and "\x00" not in value and "://" not in value:
            try:
                path = root / value.strip()
                if path.is_file() and os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
                    found.add(value.strip())
            except (OSError, ValueError):
                pass  # text, not a file name
    elif isinstance(value, dict):
        for item in value.values():
            _named_files(item, root, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _named_files(item, root, found)


def state_table(model: Any, unapproved: tuple[str, ...] = ()) -> tuple[tuple[str, str, str], ...]:
    """publish_state for every day, as (from date, kind, reason) rows: it changes only on the days the
    campaign names (schedule.state_days)."""
    rows = []
    for day in [dt.date.min, *sorted(state_days(model))]:
        state = publish_state(model, day, unapproved)
        rows.append((day.isoformat(), state.kind, state.reason))
    return tuple(rows)


def validated(info: CampaignInfo, root: Path) -> Validated:
    from coffeerun.render.report import campaign_facts

    model = info.model.model_dump(mode="json")
    files: set[str] = set()
    _named_files(model, root, files)
    digest = Digest(sha(info.id, model, info.account.model.model_dump(mode="json")), tuple(sorted(files)),
                    os.fspath(info.account.logo) if info.account.logo else "")
    states = state_table(info.model, info.unapproved)
    return Validated(info.id, info.source, info.model.link_version, states, digest,
                     tuple(a.id for a in info.model.advocates), campaign_facts(info), info, profiles=info.profiles)


def validate_chunk(root: Path, today: dt.date, ids: tuple[str, ...], slides: bool = True
                   ) -> tuple[list[Validated], list[Problem]]:
    """Worker side: validate some campaigns; those without errors come back with their models, and every
    warning found (the text slides will cut, '#' read as a comment, also in the advocate and resource files
    they use), which the build shows as `check` does. Those with errors are validated again by the build,
    which reports them."""
    from coffeerun.validate import validate_project

    project = validate_project(root, today, ids, handouts=False, slides=slides)  # handouts: by the build
    troubled = {p.path for p in project.problems.errors}
    clean = [info for info in project.campaigns if info.source not in troubled]
    return [validated(info, root) for info in clean], project.problems.warnings


class Validation:
    """`slides`: the build makes slides, so validation warns about text they would cut (not with --no-assets:
    its records are kept apart, so each kind of build shows the warnings a fresh validation would)."""

    def __init__(self, paths: ProjectPaths, digests: FileDigests, store: Store, slides: bool = True):
        self.paths, self.digests, self.store, self.slides = paths, digests, store, slides
        self.fresh: list[Path] = []  # campaign files to validate in this build
        self.config: dict[str, str] = {}  # what a build takes from mkdocs.yml, from the store (_kept_config)
        self.project: ProjectConfig | None = None  # mkdocs.yml as MkDocs read it, from the store
        self._facts: dict[str, Any] | None = None  # config_facts, as the store had them
        self.kept_warnings: list[Problem] = []  # shared_warnings, from the store
        self.wanted: set[str] = set()  # the campaigns named on the command line (none: all)
        self.kept_complete = False  # they are those of every shared file (a build of every campaign found them)
        self._complete = False  # this build validates every campaign and shared file
        self._shared = ""
        self._checked_files: dict[str, bool] = {}  # _project_file, once per name: campaigns name the same files

    def shared_key(self) -> str:
        if not self._shared:
            campaigns = self.paths.campaigns
            names = sorted(os.listdir(campaigns)) if campaigns.is_dir() else []
            own = [campaigns / n for n in names if _CAMPAIGN_FILE.match(n)]
            from coffeerun.render.engine import config_dependencies

            files, environment = config_dependencies(self.paths.mkdocs_yml)  # INHERIT parents, !ENV values
            self._shared = key("validate", str(self.paths.root.resolve()), system_fonts(),  # the slide-fit check's
                               self.digests(self.paths.mkdocs_yml),  # program settings: require_approval
                               [file_digest(f) if os.path.isfile(f) else "" for f in files[1:]], environment,
                               self.digests.tree(self.paths.content), self.digests.tree(campaigns, skip=own),
                               self.digests.tree(self.paths.root / "theme"),
                               self.digests.tree(defaults_dir() / "theme"))
        return self._shared

    def key(self, file: Path) -> str:
        return key("validate", self.shared_key(), file.name, self.digests(file), "slides" if self.slides else "pages")

    def _known(self, file: Path) -> Validated | None:
        entry = self.store.get("validate", self.key(file))
        try:
            found = Validated.from_record(entry.meta) if entry is not None else None
        except (KeyError, TypeError, ValueError):
            return None
        if found is None or found.id != file.stem or found.source != self.paths.display(file):
            return None
        named = [os.path.join(self.paths.root, f) for f in found.digest.files]
        if found.digest.account_logo:
            named.append(found.digest.account_logo)
        # the build reads the files it names (their digests): the store is not trusted
        return found if all(map(self._project_file, named)) else None

    def _project_file(self, name: Any) -> bool:
        """A kept path names a regular file of the project (the brand's logo): the store is not trusted."""
        from coffeerun.safefiles import refusal

        if not isinstance(name, str) or "\x00" in name:
            return False
        if name not in self._checked_files:
            root = os.path.realpath(self.paths.root)
            self._checked_files[name] = os.path.isfile(name) and os.path.realpath(name).startswith(root + os.sep) \
                and refusal(self.paths.root, Path(name)) is None
        return self._checked_files[name]

    def _brand_logo(self, logo: Any, brand: dict[str, Any]) -> bool:
        """A kept brand logo is the file the kept brand names, directly beside the brand file in use (the
        project's theme/brand.yaml or the bundled one: validate._brand)."""
        name = brand.get("logo")
        if not (isinstance(name, str) and isinstance(logo, str) and "\x00" not in logo + name):
            return False
        folder = os.path.realpath(self.paths.theme_file("brand.yaml").parent)
        expected = os.path.realpath(os.path.join(folder, name.removeprefix("theme/")))
        return os.path.dirname(expected) == folder and os.path.realpath(logo) == expected \
            and expected.lower().endswith((".svg", ".png")) and os.path.isfile(expected)

    def _brand(self) -> tuple[dict[str, Any], Path | None] | None:
        """The brand (as JSON) and logo of the shared inputs' record: validated when they were kept."""
        entry = self.store.get("validate", self.shared_key())
        if entry is None:
            return None
        try:
            logo = entry.meta["brand_logo"]
            self.project, self.config = _kept_config(entry.meta["config"], self.paths.display(self.paths.mkdocs_yml))
            self._facts = entry.meta["config"]
            brand = entry.meta["brand"]
            if not isinstance(brand, dict) or not isinstance(brand.get("name"), str) \
                    or not (logo is None or self._brand_logo(logo, brand)):
                return None
            warnings, complete = entry.meta.get("warnings", []), entry.meta.get("complete", False)
            if not isinstance(warnings, list) or type(complete) is not bool:
                return None
            self.kept_warnings, self.kept_complete = [_shared_warning(w) for w in warnings], complete
            return brand, Path(logo) if logo else None
        except (KeyError, TypeError, ValueError):
            return None

    def run(self, today: dt.date, only: Iterable[str] | None, pool: Any, workers: int) -> Checked:
        wanted = set(only or [])
        campaigns = self.paths.campaigns
        files = [campaigns / n for n in sorted(os.listdir(campaigns)) if n.endswith(".yaml")] \
            if campaigns.is_dir() else []
        files = [f for f in files if not wanted or f.stem in wanted]
        known: dict[str, Validated] = {}
        for file in files:
            found = self._known(file)
            if found is not None and found.redacted_as_of(today):  # else validated again: see purge.py
                known[os.fspath(file)] = found
            else:
                self.fresh.append(file)
        brand = self._brand()
        if brand is not None and not wanted and not self.kept_complete:
            brand = None  # the shared files' warnings were found by a build of some campaigns: find them all
        self.wanted = wanted
        if brand is not None and (pool is None or len(self.fresh) < PARALLEL_FROM):
            checked = self._changed_only(today, files, known, brand)
        else:
            self.fresh = files
            self._complete = not wanted
            checked = self._everything(today, only, pool, workers)
        self._keep(checked, today)
        if self.project is not None or not self.fresh:  # else read again by this validation (_self_contained)
            checked.config = self.config
        checked.slides = self.slides
        return checked

    def _changed_only(self, today: dt.date, files: list[Path], known: dict[str, Validated],
                      brand: tuple[dict[str, Any], Path | None]) -> Checked:
        """The shared inputs validated cleanly before: check the new and changed campaigns only."""
        problems = Problems()
        fresh: dict[str, Validated] = {}
        if self.fresh:
            from coffeerun.validate import validate_project

            sub = validate_project(self.paths.root, today, [f.stem for f in self.fresh],
                                   owners={found.id: found.link_version for found in known.values()},
                                   slides=self.slides, handout_runs=self.handout_runs, config=self.project)
            brand, problems = (sub.brand.model_dump(mode="json"), sub.brand_logo), sub.problems
            fresh = {os.fspath(self.paths.root / info.source): validated(info, self.paths.root)
                     for info in sub.campaigns}
        campaigns = []
        for file in files:
            name = os.fspath(file)
            found = known.get(name) or fresh.get(name)
            if found is None:
                continue
            campaigns.append(found)
            state = found.state(today)
            if name in known:
                problems.extend(found.problems())
                if state.kind in _WARNED:
                    problems.add(Problem(found.source, 1, 1, field_path(()), state.reason, "warning"))
        # A build of some campaigns: those of mkdocs.yml and of the resources they use, as `check` of them shows.
        used = {self.paths.display(self.paths.mkdocs_yml), *(f for c in campaigns for _, f in c.profiles)}
        problems.extend(w for w in self.kept_warnings if not self.wanted or w.path in used)
        return Checked(self.paths, brand[0], brand[1], campaigns, problems)

    def _everything(self, today: dt.date, only: Iterable[str] | None, pool: Any, workers: int) -> Checked:
        from coffeerun.validate import validate_project

        done: dict[str, Validated] = {}
        warned: list[Problem] = []
        if pool is not None and len(self.fresh) >= PARALLEL_FROM:
            size = max(4, -(-len(self.fresh) // (workers * 4)))
            chunks = [tuple(f.stem for f in self.fresh[i:i + size]) for i in range(0, len(self.fresh), size)]
            futures = [pool.submit(validate_chunk, self.paths.root, today, chunk, self.slides,
                                   what="validating campaigns " + ", ".join(chunk)) for chunk in chunks]
            for future in futures:
                found_here, warnings = pool.result(future)
                done.update((os.fspath(self.paths.root / found.source), found) for found in found_here)
                warned += warnings
        project = validate_project(self.paths.root, today, only or None, slides=self.slides,
                                   known=lambda file: getattr(done.get(os.fspath(file)), "info", None),
                                   handout_runs=self.handout_runs)
        project.problems.extend(warned)  # the same warning twice (a shared file's) is kept once
        campaigns = [done.get(os.fspath(self.paths.root / info.source)) or validated(info, self.paths.root)
                     for info in project.campaigns]
        return Checked(self.paths, project.brand.model_dump(mode="json"), project.brand_logo, campaigns,
                       project.problems)

    def handout_runs(self, file: Path) -> list[str]:
        """handouts.link_runs of a handed-out file, kept by its content: reading a PDF's text takes a tenth of a
        second (and loading the PDF reader as much), in every build that validates a campaign handing it out."""
        from coffeerun.handouts import RUN_TEXT, link_runs

        k = key("validate", "handout", self.digests(file))
        entry = self.store.get("validate", k)
        runs = entry.meta.get("runs") if entry is not None else None
        if isinstance(runs, list) and all(isinstance(r, str) and RUN_TEXT.fullmatch(r) for r in runs):
            return runs
        runs = link_runs(file)
        self.store.put("validate", k, {"runs": runs})
        return runs

    def keep_purged(self, found: Validated, today: dt.date) -> None:
        """After the purge of its withdrawn advocates' content (build.purge_withdrawn), the record of a campaign
        they do not withhold (it has ended) without their names: later builds reuse it and purge no more. Kept
        only then, so a build that stops before its purge leaves the campaign to be validated, and purged, again."""
        self.store.put("validate", self.key(self.paths.root / found.source), found.record(today))

    def _keep(self, checked: Checked, today: dt.date) -> None:
        """Record the campaigns validated in this build without a problem in their own file, and the brand."""
        troubled = {p.path for p in checked.problems.errors}
        fresh = {os.fspath(f) for f in self.fresh}
        for found in checked.campaigns:
            file = self.paths.root / found.source
            if names_withdrawal(found.state(today).reason) or found.withdrawn(today):
                continue  # no copy of a withdrawn advocate's content in the store (see purge.py; keep_purged)
            if os.fspath(file) in fresh and found.source not in troubled:
                self.store.put("validate", self.key(file), found.with_warnings(checked.problems).record(today))
        validated_here = {self.paths.display(f) for f in self.fresh}
        if self.fresh and all(p.path in validated_here for p in checked.problems.errors):  # shared files clean
            shared = Problems()
            shared.extend(shared_warnings(checked.problems.items, self.paths))
            if not self._complete:  # this build found only the shared files its campaigns use: the same inputs
                shared.extend(self.kept_warnings)
            self.store.put("validate", self.shared_key(), {
                "brand": checked.brand_data, "config": self._facts or config_facts(self.paths),
                "brand_logo": os.fspath(checked.brand_logo) if checked.brand_logo else None,
                "warnings": [[p.path, p.line, p.col, p.field, p.message] for p in shared.items],
                "complete": self._complete or self.kept_complete})
