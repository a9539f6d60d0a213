"""Validation for a build: campaigns checked in parallel, and reused when validated before from the same bytes.

A campaign that validated without any problem is kept in <cache>/validate/ (one file per project),
keyed by the sha256 of its file and of everything else a campaign's validation can read: every file
under content/, theme/ (the brand), the files in campaigns/ that are not campaigns, the project root
and our code. What planning needs comes back without its model (LazyInfo): its id, link_version and a
table of its publish state by date (the state changes only on the dates the campaign names), so a
build of unchanged campaigns unpickles none of them.

When the shared inputs validated without any problem before, only new or changed campaigns are
checked (validate_project on those alone); otherwise every campaign is (in parallel), and the final
pass is the ordinary validate_project with the others given as known. Problems and warnings are
reported as `coffeerun check` reports them.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from coffeerun.digests import FileDigests, code_digest, sha
from coffeerun.problems import Problem, Problems, field_path
from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.schedule import PublishState, publish_state, state_days
from coffeerun.validate import CampaignInfo, ValidProject, validate_project

PARALLEL_FROM = 24  # fewer campaigns to check than this: in this process
_CAMPAIGN_FILE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\.yaml$")
_WARNED = ("withheld", "expired", "scheduled")  # states validate_project reports as warnings


@dataclass(frozen=True)
class Digest:
    """A campaign's data (model and account) as one digest, the project files it names, its account logo."""

    data: str
    files: tuple[str, ...]  # relative to the project root
    account_logo: str  # absolute path, or ""


def _named_files(value: Any, root: Path, found: set[str]) -> None:
    """Every string that names a file of the project (photos, posters, transcripts, …)."""
    if isinstance(value, str):
        # Project paths are relative and have a folder (content/…, campaigns/…): nothing else is a file.
        if "/" in value and len(value) < 1024 and "\n" not in value and "\x00" not in value and "://" not in value:
            try:
                if (root / value.strip()).is_file():
                    found.add(value.strip())
            except (OSError, ValueError):
                pass  # text, not a file name
    elif isinstance(value, dict):
        for item in value.values():
            _named_files(item, root, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _named_files(item, root, found)


def campaign_digest(info: CampaignInfo, root: Path) -> Digest:
    model = info.model.model_dump(mode="json")
    files: set[str] = set()
    _named_files(model, root, files)
    return Digest(sha(info.id, model, info.account.model.model_dump(mode="json")), tuple(sorted(files)),
                  os.fspath(info.account.logo) if info.account.logo else "")


def state_table(model: Any, unapproved: tuple[str, ...] = ()) -> tuple[tuple[str, str, str], ...]:
    """publish_state for every day, as (from date, kind, reason) rows: it changes only on the days the
    campaign names (schedule.state_days)."""
    rows = []
    for day in [dt.date.min, *sorted(state_days(model))]:
        state = publish_state(model, day, unapproved)
        rows.append((day.isoformat(), state.kind, state.reason))
    return tuple(rows)


def state_on(table: tuple[tuple[str, str, str], ...], today: dt.date) -> PublishState:
    found = table[0]
    for row in table:
        if row[0] <= today.isoformat():
            found = row
    return PublishState(found[1], found[2])


class LazyInfo:
    """A campaign validated in an earlier build: what planning needs; the model only when rendered."""

    def __init__(self, summary: tuple, blob: bytes, today: dt.date):
        self.summary, self.blob = summary, blob
        self.id, self.source, self.link_version, table, self.digest, advocates = summary
        self.advocate_ids = tuple(advocates)
        self.state = state_on(table, today)
        self._info: CampaignInfo | None = None

    @property
    def info(self) -> CampaignInfo:
        if self._info is None:
            stored = pickle.loads(self.blob)  # noqa: S301 - our own cache, as trusted as the project
            self._info = CampaignInfo(stored.id, stored.source, stored.model, stored.account, self.state)
        return self._info

    @property
    def model(self) -> Any:
        return self.info.model

    @property
    def account(self) -> Any:
        return self.info.account

    def __reduce__(self) -> tuple:  # a worker gets the real thing, unpickled there
        return (_with_state, (self.blob, self.state))


def _with_state(blob: bytes, state: PublishState) -> CampaignInfo:
    stored = pickle.loads(blob)  # noqa: S301 - our own cache, as trusted as the project
    return CampaignInfo(stored.id, stored.source, stored.model, stored.account, state)


def clean_infos(project: ValidProject) -> list[CampaignInfo]:
    """The campaigns that validated without a problem in their own file."""
    troubled = {p.path for p in project.problems.errors}
    return [info for info in project.campaigns if info.source not in troubled]


def summary_of(info: CampaignInfo, digest: Digest) -> tuple:
    """What a LazyInfo is made of, besides the pickled campaign."""
    table = state_table(info.model, getattr(info, "unapproved", ()))
    return (info.id, info.source, info.model.link_version, table, digest, [a.id for a in info.model.advocates])


def validate_chunk(root: Path, today: dt.date, ids: tuple[str, ...]) -> list[tuple[tuple, bytes]]:
    """Worker side: validate some campaigns; those without problems come back ready for the cache
    (summary and pickled campaign: the work of storing them done here, in parallel)."""
    return [(summary_of(info, campaign_digest(info, root)), pickle.dumps(info, pickle.HIGHEST_PROTOCOL))
            for info in clean_infos(validate_project(root, today, ids))]


class Validation:
    def __init__(self, paths: ProjectPaths, digests: FileDigests, folder: Path | None):
        self.paths, self.digests, self.folder = paths, digests, folder
        self.known: dict[str, LazyInfo] = {}  # campaign file -> campaign validated in an earlier build
        self.fresh: list[Path] = []  # campaign files to validate in this build
        self.validated: dict[str, LazyInfo] = {}  # campaign id -> validated by a worker in this build
        self._digests: dict[str, Digest] = {}  # campaign id -> Digest
        self._keys: dict[str, str] = {}
        self.pack = folder / f"{sha(str(paths.root.resolve()))[:24]}.pickle" if folder is not None else None
        self._shared = ""

    def shared_key(self) -> str:
        if not self._shared:
            campaigns = self.paths.campaigns
            names = sorted(os.listdir(campaigns)) if campaigns.is_dir() else []
            own = [campaigns / n for n in names if _CAMPAIGN_FILE.match(n)]
            self._shared = sha("validate/3", code_digest(), str(self.paths.root.resolve()),
                               self.digests(self.paths.mkdocs_yml),  # program settings: require_approval
                               self.digests.tree(self.paths.content), self.digests.tree(campaigns, skip=own),
                               self.digests.tree(self.paths.root / "theme"), self.digests.tree(defaults_dir() / "theme"))
        return self._shared

    def key(self, file: Path) -> str:
        name = os.fspath(file)
        if name not in self._keys:
            self._keys[name] = sha(self.shared_key(), file.name, self.digests(file))
        return self._keys[name]

    def digest(self, info: Any) -> Digest:
        if isinstance(info, LazyInfo):
            return info.digest
        if info.id in self.validated:
            return self.validated[info.id].digest
        if info.id not in self._digests:
            self._digests[info.id] = campaign_digest(info, self.paths.root)
        return self._digests[info.id]

    def _load(self) -> dict[str, Any]:
        if self.pack is None:
            return {}
        try:
            with open(self.pack, "rb") as handle:
                entries = pickle.load(handle)  # noqa: S301 - our own cache, as trusted as the project
            return entries if isinstance(entries, dict) else {}
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            return {}

    def run(self, today: dt.date, only: Iterable[str] | None, pool: Any, workers: int) -> ValidProject:
        wanted = set(only or [])
        campaigns = self.paths.campaigns
        files = [campaigns / n for n in sorted(os.listdir(campaigns)) if n.endswith(".yaml")] \
            if campaigns.is_dir() else []
        files = [f for f in files if not wanted or f.stem in wanted]
        entries = self._load()
        for file in files:
            entry = entries.get(self.key(file))
            if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], bytes):
                self.known[os.fspath(file)] = LazyInfo(entry[0], entry[1], today)
            else:
                self.fresh.append(file)
        shared = entries.get("shared:" + self.shared_key())
        if isinstance(shared, bytes) and (pool is None or len(self.fresh) < PARALLEL_FROM):
            project = self._changed_only(today, files, shared)
        else:
            project = self._everything(today, only, pool, workers)
        self.store(project, entries)
        return project

    def _changed_only(self, today: dt.date, files: list[Path], shared: bytes) -> ValidProject:
        """The shared inputs validated cleanly before: check the new and changed campaigns only."""
        sub = validate_project(self.paths.root, today, [f.stem for f in self.fresh]) if self.fresh else None
        if sub is not None:
            brand, brand_logo, problems = sub.brand, sub.brand_logo, sub.problems
        else:
            (brand, brand_logo), problems = pickle.loads(shared), Problems()  # noqa: S301
        validated = {os.fspath(self.paths.root / info.source): info for info in (sub.campaigns if sub else [])}
        campaigns: list[Any] = []
        for file in files:
            info = self.known.get(os.fspath(file)) or validated.get(os.fspath(file))
            if info is None:
                continue
            campaigns.append(info)
            if os.fspath(file) in self.known and info.state.kind in _WARNED:
                problems.add(Problem(info.source, 1, 1, field_path(()), info.state.reason, "warning"))
        return ValidProject(self.paths, brand, brand_logo, campaigns, problems)

    def _everything(self, today: dt.date, only: Iterable[str] | None, pool: Any,
                    workers: int) -> ValidProject:
        known: dict[str, Any] = dict(self.known)
        if pool is not None and len(self.fresh) >= PARALLEL_FROM:
            size = max(4, -(-len(self.fresh) // (workers * 4)))
            chunks = [tuple(f.stem for f in self.fresh[i:i + size]) for i in range(0, len(self.fresh), size)]
            futures = [pool.submit(validate_chunk, self.paths.root, today, chunk) for chunk in chunks]
            for future in futures:
                for summary, blob in future.result():
                    info = LazyInfo(summary, blob, today)
                    known[os.fspath(self.paths.root / info.source)] = self.validated[info.id] = info
        return validate_project(self.paths.root, today, only or None, known=lambda file: known.get(os.fspath(file)))

    def store(self, project: ValidProject, entries: dict[str, Any]) -> None:
        if self.pack is None:
            return
        current = {self.key(self.paths.root / info.source) for info in project.campaigns}
        kept = {k: v for k, v in entries.items() if k in current}
        changed = False
        fresh = {os.fspath(f) for f in self.fresh}
        for info in clean_infos(project):
            if "consent withdrawn on" in info.state.reason:
                continue  # no copy of a withdrawn advocate's content in the cache (see purge.py)
            if os.fspath(self.paths.root / info.source) in fresh:
                lazy = self.validated.get(info.id)
                entry = (lazy.summary, lazy.blob) if lazy is not None else \
                    (summary_of(info, self.digest(info)), pickle.dumps(info, pickle.HIGHEST_PROTOCOL))
                kept[self.key(self.paths.root / info.source)] = entry
                changed = True
        shared = "shared:" + self.shared_key()
        if shared in entries:
            kept[shared] = entries[shared]
        elif not project.problems.errors:
            kept[shared] = pickle.dumps((project.brand, project.brand_logo), pickle.HIGHEST_PROTOCOL)
            changed = True
        if not changed and len(kept) == len(entries):
            return
        try:
            self.pack.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".validate-", dir=self.pack.parent)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.pack)
        except OSError:
            pass  # only the next build is slower

