"""Validation for a build: campaigns checked in parallel, and reused when validated before from the same bytes.

A campaign that validated without any problem is kept in <cache>/validate/ (one file per project),
keyed by the sha256 of its file and of everything else a campaign's validation can read: every file
under content/, the files in campaigns/ that are not campaigns, the project root and our code. Its
publish state is always worked out again for today. The final pass is the ordinary validate_project,
so problems, warnings, brand and unused profiles are reported exactly as `coffeerun check` reports.

With each campaign goes what its sites are made from, digested once (see `Digest`): its data and the
project files it names, which the build's site keys then hash by content.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import tempfile
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from coffeerun.digests import FileDigests, code_digest, sha
from coffeerun.project import ProjectPaths
from coffeerun.validate import CampaignInfo, ValidProject, validate_project

PARALLEL_FROM = 24  # fewer campaigns to check than this: in this process
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class Digest:
    """A campaign's data (model and account) as one digest, and the project files it names."""

    data: str
    files: tuple[str, ...]  # relative to the project root


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
    return Digest(sha(info.id, model, info.account.model.model_dump(mode="json")), tuple(sorted(files)))


def clean_infos(project: ValidProject) -> list[CampaignInfo]:
    """The campaigns that validated without a problem in their own file."""
    troubled = {p.path for p in project.problems.errors}
    return [info for info in project.campaigns if info.source not in troubled]


def validate_chunk(root: Path, today: dt.date, ids: tuple[str, ...]) -> list[CampaignInfo]:
    """Worker side: validate some campaigns; only those without problems come back."""
    return clean_infos(validate_project(root, today, ids))


class Validation:
    def __init__(self, paths: ProjectPaths, digests: FileDigests, folder: Path | None):
        self.paths, self.digests, self.folder = paths, digests, folder
        self.known: dict[str, CampaignInfo] = {}  # campaign file -> info, for this build
        self.fresh: set[str] = set()  # campaign files not found in the cache
        self._digests: dict[str, Digest] = {}  # campaign id -> Digest
        self._keys: dict[str, str] = {}
        root = str(paths.root.resolve())
        self.pack = folder / f"{sha(root)[:24]}.pickle" if folder is not None else None
        self._shared = ""

    def shared_key(self) -> str:
        if not self._shared:
            campaigns = self.paths.campaigns
            own = [p for p in campaigns.glob("*.yaml")] if campaigns.is_dir() else []
            self._shared = sha("validate/2", code_digest(), str(self.paths.root.resolve()),
                               self.digests.tree(self.paths.content), self.digests.tree(campaigns, skip=own))
        return self._shared

    def key(self, file: Path) -> str:
        name = os.fspath(file)
        if name not in self._keys:
            self._keys[name] = sha(self.shared_key(), file.name, self.digests(file))
        return self._keys[name]

    def digest(self, info: CampaignInfo) -> Digest:
        if info.id not in self._digests:
            self._digests[info.id] = campaign_digest(info, self.paths.root)
        return self._digests[info.id]

    def _load(self) -> dict[str, bytes]:
        """{key: pickled (info, digest)}: each entry is unpickled only when it is wanted."""
        if self.pack is None:
            return {}
        try:
            with open(self.pack, "rb") as handle:
                entries = pickle.load(handle)  # noqa: S301 - our own cache, as trusted as the project
            return entries if isinstance(entries, dict) else {}
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            return {}

    def lookup(self, files: Iterable[Path]) -> dict[str, bytes]:
        """Take every campaign validated before from the cache; the others are fresh."""
        entries = self._load()
        for file in files:
            entry = None
            blob = entries.get(self.key(file))
            if isinstance(blob, bytes):
                try:
                    entry = pickle.loads(blob)  # noqa: S301
                except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
                    entry = None
            if entry is not None and isinstance(entry[0], CampaignInfo) and isinstance(entry[1], Digest):
                self.known[os.fspath(file)] = entry[0]
                self._digests[entry[0].id] = entry[1]
            else:
                self.fresh.add(os.fspath(file))
        return entries

    def run(self, today: dt.date, only: Iterable[str] | None, pool: Executor | None, workers: int) -> ValidProject:
        wanted = set(only or [])
        files = sorted(p for p in self.paths.campaigns.glob("*.yaml")) if self.paths.campaigns.is_dir() else []
        files = [f for f in files if not wanted or f.stem in wanted]
        entries = self.lookup(files)
        fresh = sorted(f for f in files if os.fspath(f) in self.fresh)
        if pool is not None and len(fresh) >= PARALLEL_FROM:
            size = max(4, -(-len(fresh) // (workers * 4)))
            chunks = [tuple(Path(f).stem for f in fresh[i:i + size]) for i in range(0, len(fresh), size)]
            futures = [pool.submit(validate_chunk, self.paths.root, today, chunk) for chunk in chunks]
            for future in futures:
                for info in future.result():
                    self.known[os.fspath(self.paths.root / info.source)] = info
        project = validate_project(self.paths.root, today, only or None,
                                   known=lambda file: self.known.get(os.fspath(file)))
        self.store(project, entries)
        return project

    def store(self, project: ValidProject, entries: dict[str, bytes]) -> None:
        if self.pack is None:
            return
        added = {}
        for info in clean_infos(project):
            file = self.paths.root / info.source
            if os.fspath(file) in self.fresh:
                added[self.key(file)] = pickle.dumps((info, self.digest(info)), protocol=pickle.HIGHEST_PROTOCOL)
        if not added:
            return
        current = {self.key(self.paths.root / info.source) for info in project.campaigns}
        older = [(k, v) for k, v in entries.items() if k not in current and k not in added]
        kept = dict(older[-max(0, MAX_ENTRIES - len(current)):]) if older else {}
        kept.update({k: v for k, v in entries.items() if k in current})
        kept.update(added)
        try:
            self.pack.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".validate-", dir=self.pack.parent)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.pack)
        except OSError:
            pass  # only the next build is slower
