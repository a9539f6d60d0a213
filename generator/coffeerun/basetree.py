"""The previous output as the next build's starting point: folders that did not change are not written again.

A build swaps its staging tree with the output; the tree it replaces is kept (in the cache, or beside
the output on another file system: see publish.base_dir) and becomes the next build's staging tree. What each tree holds is recorded
in <cache>/publish/: per top-level folder, the cache key it was made from, a stamp of every entry in
it (folders by name, inode and modification time; files by name and inode) and what the leak check
needs. A folder is kept only when it is wanted with the same key and its stamp is unchanged: a file
added, removed, renamed or replaced in it (editors and tools write a new file) changes the stamp.
Files in the publish root are hard links into the cache; they are never written in place by
coffeerun, and must not be by anyone else. Everything not kept is removed and made again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from coffeerun.digests import sha

KEEP_RECORDS = 3  # the output, the tree kept beside it, and one more


def stamp(folder: Path) -> str:
    """Every folder under folder (included) by name, inode and time; every other entry by name and inode
    (both come with the folder listing: no call per file)."""
    rows = []

    def walk(path: str, prefix: str) -> None:
        info = os.lstat(path)
        rows.append((prefix, "d", info.st_ino, info.st_mtime_ns))
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, f"{prefix}{entry.name}/")
            else:
                rows.append((prefix + entry.name, "l" if entry.is_symlink() else "f", entry.inode()))

    walk(os.fspath(folder), "")
    return sha(rows)


def _identity(tree: Path) -> str:
    info = os.stat(tree)
    return f"{info.st_dev}:{info.st_ino}"


class TreeRecords:
    """What the trees built for one output folder hold, per tree: {top-level folder: [key, stamp, extra]}."""

    def __init__(self, cache_dir: Path, out: Path):
        self.file = cache_dir / "publish" / f"{sha(str(out.resolve()))[:24]}.json"
        try:
            self.trees: dict[str, dict] = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.trees = {}

    def tree(self, tree: Path) -> dict:
        """The record of a tree: {"folders": …, "build": …} (empty when unknown)."""
        try:
            return dict(self.trees.get(_identity(tree), {}))
        except OSError:
            return {}

    def of(self, tree: Path) -> dict[str, list]:
        return dict(self.tree(tree).get("folders", {}))

    def save(self, tree: Path, folders: dict[str, list], build: dict | None = None) -> None:
        """Record what tree holds and, for a later build with nothing to do, what made it (`build`)."""
        trees = {k: v for k, v in self.trees.items() if k != _identity(tree)}
        trees[_identity(tree)] = {"folders": folders, **({"build": build} if build else {})}
        self.trees = dict(list(trees.items())[-KEEP_RECORDS:])
        text = json.dumps(self.trees, separators=(",", ":"))
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".publish-", dir=self.file.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, self.file)
        except OSError:
            pass  # only the next build is slower


def files_stamp(staging: Path, names: tuple[str, ...]) -> str:
    """The top-level files named: by name, inode, size and time (they are few)."""
    rows = []
    for name in names:
        try:
            info = os.lstat(staging / name)
            rows.append((name, info.st_ino, info.st_size, info.st_mtime_ns, info.st_mode))
        except OSError:
            rows.append((name, "missing"))
    return sha(rows)


def tidy(staging: Path, recorded: dict[str, list], wanted: dict[str, str], files: tuple[str, ...] = ()
         ) -> dict[str, list]:
    """Bring a staging tree that started as an earlier output down to what may stay: folders wanted with
    the same key ({name: record}, returned: check them with `verify` before trusting them), and the
    top-level `files` when wanted["/"] is their recorded key and they are unchanged; nothing else."""
    kept: dict[str, list] = {}
    before = recorded.get("/")
    keep_files = bool(before and wanted.get("/") == before[0] and files_stamp(staging, files) == before[1])
    if keep_files:
        kept["/"] = before
    for entry in sorted(os.scandir(staging), key=lambda e: e.name):
        name = entry.name
        if entry.is_dir(follow_symlinks=False):
            before = recorded.get(name)
            if before and wanted.get(name) == before[0]:
                kept[name] = before
                continue
            shutil.rmtree(entry.path)
        elif not (keep_files and name in files):
            os.unlink(entry.path)
    return kept


def verify(staging: Path, kept: dict[str, list]) -> set[str]:
    """Remove the kept folders whose stamp changed (from `kept` and from staging); their names."""
    changed = {name for name, record in kept.items() if name != "/" and stamp(staging / name) != record[1]}
    for name in sorted(changed):
        shutil.rmtree(staging / name)
        kept.pop(name)
    return changed
