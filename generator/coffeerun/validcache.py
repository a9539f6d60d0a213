"""Validation for a build: campaigns checked in parallel, and reused when validated before from the same bytes.

A campaign that validated without any problem is kept in <cache>/validate/, keyed by the sha256 of
its file and of everything else a campaign's validation can read: every file under content/, the
files in campaigns/ that are not campaigns, the project root and our code. Its publish state is
always worked out again for today. The final pass is the ordinary validate_project, so problems,
warnings, brand and unused profiles are reported exactly as `coffeerun check` reports them.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import tempfile
from concurrent.futures import Executor
from pathlib import Path
from typing import Iterable

from coffeerun.digests import FileDigests, code_digest, sha
from coffeerun.project import ProjectPaths
from coffeerun.validate import CampaignInfo, ValidProject, validate_project

PARALLEL_FROM = 24  # fewer campaigns to check than this: in this process


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
        self._shared = ""
        self._keys: dict[str, str] = {}

    def shared_key(self) -> str:
        if not self._shared:
            campaigns = self.paths.campaigns
            own = [p for p in campaigns.glob("*.yaml")] if campaigns.is_dir() else []
            self._shared = sha("validate/1", code_digest(), str(self.paths.root.resolve()),
                               self.digests.tree(self.paths.content), self.digests.tree(campaigns, skip=own))
        return self._shared

    def key(self, file: Path) -> str:
        name = os.fspath(file)
        if name not in self._keys:
            self._keys[name] = sha(self.shared_key(), file.name, self.digests(file))
        return self._keys[name]

    def _entry(self, file: Path) -> Path:
        key = self.key(file)
        return self.folder / key[:2] / f"{key}.pickle"  # type: ignore[operator]

    def lookup(self, files: Iterable[Path]) -> None:
        """Take every campaign validated before from the cache; the others are fresh."""
        for file in files:
            info = None
            if self.folder is not None:
                try:
                    with open(self._entry(file), "rb") as handle:
                        info = pickle.load(handle)  # noqa: S301 - our own cache, as trusted as the project
                except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
                    info = None
            if isinstance(info, CampaignInfo):
                self.known[os.fspath(file)] = info
            else:
                self.fresh.add(os.fspath(file))

    def run(self, today: dt.date, only: Iterable[str] | None, pool: Executor | None, workers: int) -> ValidProject:
        wanted = set(only or [])
        files = sorted(p for p in self.paths.campaigns.glob("*.yaml")) if self.paths.campaigns.is_dir() else []
        files = [f for f in files if not wanted or f.stem in wanted]
        self.lookup(files)
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
        self.store(project)
        return project

    def store(self, project: ValidProject) -> None:
        if self.folder is None:
            return
        for info in clean_infos(project):
            file = self.paths.root / info.source
            if os.fspath(file) not in self.fresh:
                continue
            target = self._entry(file)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, temp = tempfile.mkstemp(prefix=".validate-", dir=target.parent)
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump(info, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temp, target)
            except OSError:
                pass  # only the next build is slower
