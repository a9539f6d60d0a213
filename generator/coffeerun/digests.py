"""Content digests of what a build reads: files (remembered by stat between builds), our code, the libraries.

Every cache key of a build is a sha256 of such digests. A file's digest is the sha256 of its bytes;
the index in the cache directory only saves reading a file again whose size, times and inode are
all unchanged since it was hashed (as git's index does), and never trusts a file modified within
the last two seconds before it was hashed. The index is kept in the store (namespace `digests`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coffeerun import __version__

if TYPE_CHECKING:
    from coffeerun.store import Store

_PACKAGE = Path(__file__).resolve().parent
_RACY_NS = 2_000_000_000
# Libraries whose output ends up in a site: pages, images, decks, fonts.
# what decides the bytes of an output: a new version of one is a new key for everything in the store
LIBRARIES = ("mkdocs", "mkdocs-material", "Markdown", "Jinja2", "MarkupSafe", "PyYAML", "pydantic", "nh3",
             "Pillow", "python-pptx", "lxml", "zxing-cpp", "resvg-py", "Babel", "budoux", "fpdf2", "fonttools",
             "vl-convert-python", "zlib-ng")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"@": type(value).__name__, **dataclasses.asdict(value)}
    return str(value)


def sha(*parts: Any) -> str:
    """sha256 of plain data (JSON with sorted keys; dataclasses as their fields; paths as text)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_file(path: str | Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@lru_cache(maxsize=256)
def _file_digest(path: str, size: int, mtime: int, inode: int) -> str:
    return hash_file(Path(path))


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes, computed once per process and file version (renderers' own inputs)."""
    info = os.stat(path)
    return _file_digest(os.fspath(path), info.st_size, info.st_mtime_ns, info.st_ino)


class FileDigests:
    """sha256 of files by content; unchanged files (by stat) are not read again."""

    def __init__(self, store: Store | None = None, root: Path | None = None):
        self.store, self.key = store, ""
        self._known: dict[str, list] = {}
        self._seen: dict[str, list] = {}  # this build: [size, mtime, ctime, inode, digest, trusted]
        self._hashed = False
        if store is not None and root is not None:
            from coffeerun.store import key

            self.key = key("digests", os.fspath(root.resolve()))
            entry = store.get("digests", self.key)
            known = entry.meta.get("files") if entry is not None else None
            self._known = known if isinstance(known, dict) else {}

    def __call__(self, path: Path) -> str:
        key = os.fspath(path)
        entry = self._seen.get(key)
        if entry is not None:
            return entry[4]
        info = os.stat(key)
        stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        known = self._known.get(key)
        if isinstance(known, list) and len(known) == 5 and known[:4] == stamp and isinstance(known[4], str):
            self._seen[key] = [*known[:5], True]
            return known[4]
        taken = time.time_ns()
        digest = hash_file(path)
        # A file changed again within the clock's granularity could keep its stat: hash it next time too.
        trusted = max(info.st_mtime_ns, info.st_ctime_ns) < taken - _RACY_NS
        self._seen[key] = [*stamp, digest, trusted]
        self._hashed = True
        return digest

    def tree(self, root: Path, skip: Iterable[Path] = ()) -> str:
        """One digest of every file under root (names and contents); symbolic links followed."""
        skipped = {os.fspath(p) for p in skip}
        rows = []
        if root.is_dir():
            for folder, dirs, files in os.walk(root, followlinks=True):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    if path in skipped:
                        continue
                    rel = os.path.relpath(path, root)
                    try:
                        rows.append((rel, self(Path(path))))
                    except OSError:
                        rows.append((rel, "unreadable"))
        return sha(rows)

    def save(self) -> None:
        """Keep the digests of the files read in this build for the next one."""
        if self.store is None or not self.key or not self._hashed:
            return
        seen = {k: v[:5] for k, v in self._seen.items() if v[5]}
        entries = {**self._known, **seen} if len(self._known) < 100_000 else seen
        self.store.put("digests", self.key, {"files": entries})


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Our version and every file of the coffeerun package: a change to the code is a new cache key."""
    rows = [__version__, sys.version_info[:2]]
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc",):
            rows.append((path.relative_to(_PACKAGE).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()))
    return sha(rows)


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


@lru_cache(maxsize=1)
def library_versions() -> str:
    """The installed versions of LIBRARIES, read from the names of their metadata folders on sys.path
    (the first one found wins, as for imports); much faster than importlib.metadata."""
    wanted = {_normal(name) for name in LIBRARIES}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            stem, dot, kind = entry.rpartition(".")
            if dot and kind in ("dist-info", "egg-info") and "-" in stem:
                name, _, version = stem.partition("-")
                found.setdefault(_normal(name), version)
    return sha(sorted((name, found.get(name, "")) for name in wanted))


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts",
             "/Library/Fonts", "/System/Library/Fonts", "~/Library/Fonts")


@lru_cache(maxsize=1)
def system_fonts() -> str:
    """The installed fonts by name, size and time: slides fall back to them for scripts we do not ship."""
    rows = []
    for folder in FONT_DIRS:
        base = os.path.expanduser(folder)
        for path, dirs, files in os.walk(base):
            dirs.sort()
            for name in sorted(files):
                try:
                    info = os.stat(os.path.join(path, name))
                except OSError:
                    continue
                rows.append((os.path.join(path, name), info.st_size, info.st_mtime_ns))
    return sha(rows)
