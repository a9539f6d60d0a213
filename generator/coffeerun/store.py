"""The content store: everything a build keeps for the next one, by namespace and key, in files named by their sha256.

Layout under the cache folder (`.cache/coffeerun/` or $COFFEERUN_CACHE_DIR):
  objects/<ab>/<sha256>          file contents, named by the sha256 of their bytes
  <namespace>/<ab>/<key>.json    a record: plain JSON `meta` and the objects it names (`files`)
  verified.json                  size, mtime and inode of each object when it was last hashed
Namespaces: validate (validated campaigns), digests (the input-file index), sites (a campaign's
sites), assets (slides with their composed frames, cards, decks), media (encoded photos and logos),
builds (what made an output folder), report (the program report), charts (its SVG charts).
Keys come from `key()`: the namespace, our code, the library versions and the caller's input
digests; never today's date (but for the report, which shows it).

Nothing read from the store is trusted: a record must parse and carry its own checksum, every
object must hash to its name (or have the size, mtime and inode it had when it last did), and a
record with any bad part is a miss, so the thing is rendered again. Nothing stored is executable
(JSON and file bytes only). A store that cannot be written costs speed and one warning.
Only the build process writes (`put`); workers read and hand back what they would keep (`Reader`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coffeerun.atomic import FILE_MODE, write_atomic
from coffeerun.digests import code_digest, hash_file, library_versions, sha

FORMAT = "coffeerun-store/1"
NAMESPACES = ("validate", "digests", "sites", "assets", "media", "fonts", "builds", "report", "charts")
KEEP_DAYS = 30  # records unused this long are removed
SIZE_RATIO = 1.5  # older records go once the store holds more than this times what the last build used
_DAY = 86_400
_KEY = re.compile(r"^[0-9a-f]{64}$")


def key(namespace: str, *parts: Any) -> str:
    """The one key builder: the namespace, the store format, our code, the library versions, and parts."""
    return sha(FORMAT, namespace, code_digest(), library_versions(), parts)


@dataclass(frozen=True)
class Entry:
    """A verified record: its meta and, per name, the verified object holding that file."""

    meta: dict[str, Any]
    files: dict[str, tuple[str, int]]  # name -> (sha256, size)
    objects: str  # the store's objects/ folder

    def path(self, name: str) -> str:
        """The object file holding the file `name` (a plain string: sites have thousands of files)."""
        digest = self.files[name][0]
        return f"{self.objects}/{digest[:2]}/{digest}"

    def read(self, name: str) -> bytes:
        with open(self.path(name), "rb") as handle:
            return handle.read()


@dataclass
class Store:
    """The store at root (None: --no-cache, where every get misses and put keeps nothing)."""

    root: Path | None
    warnings: list[str] = field(default_factory=list)
    used: set[tuple[str, str]] = field(default_factory=set)  # records read or written by this build
    writable: bool = True
    changed: bool = False  # something new was put
    _stamps: dict[str, list[int]] | None = None
    _buckets: set[str] = field(default_factory=set)
    _stamps_changed: bool = False
    _inodes: dict[tuple[int, int, int], str] | None = None  # (inode, size, mtime) -> digest, from the stamps

    def reading_only(self) -> Store:
        """This store for workers: the same reads; nothing written, nothing removed. What verifying objects reads
        (verified.json) is read now, before the workers fork, rather than once in each of them."""
        if self.root is not None:
            self._known()
        return replace(self, writable=False)

    def _record(self, namespace: str, k: str) -> Path:
        if namespace not in NAMESPACES or not _KEY.match(k):
            raise ValueError(f"not a store key: {namespace}/{k}")
        return self.root / namespace / k[:2] / f"{k}.json"  # type: ignore[operator]

    def object(self, digest: str) -> str:
        """The object file of a digest (a plain string: a build puts tens of thousands)."""
        return f"{self.root}/objects/{digest[:2]}/{digest}"

    # -- reading -----------------------------------------------------------------------------------
    def get(self, namespace: str, k: str, check_files: bool = True) -> Entry | None:
        """The record, if it and every object it names are intact (check_files=False: the record alone, for a
        caller that will not read its files); else None (and it is removed)."""
        if self.root is None:
            return None
        path = self._record(namespace, k)
        try:
            data = json.loads(path.read_bytes())
            meta, listed = data["meta"], {n: (str(v[0]), int(v[1])) for n, v in data["files"].items()}
            ok = data["check"] == sha(FORMAT, namespace, k, meta, data["files"]) and isinstance(meta, dict)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            ok = False
        if ok and (not check_files or all(self.verify(digest, size) for digest, size in listed.values())):
            self.used.add((namespace, k))
            return Entry(meta, listed, os.fspath(self.root / "objects"))
        self._drop(path)
        return None

    def verify(self, digest: str, size: int) -> bool:
        """An object is intact: it hashes to its name, or has the size, mtime and inode it had when it did."""
        if not _KEY.match(digest):
            return False
        path = self.object(digest)
        try:
            info = os.stat(path)
        except OSError:
            return False
        stamp = [info.st_size, info.st_mtime_ns, info.st_ino]
        if info.st_size != size:
            ok = False
        elif self._known().get(digest) == stamp:
            ok = True
        else:
            try:
                ok = hash_file(path) == digest
            except OSError:
                ok = False
            if ok:
                self._stamp(digest, stamp)
        if ok and info.st_mode & 0o777 != FILE_MODE:
            ok = self.writable and self._quietly(lambda: os.chmod(path, FILE_MODE))
        if not ok:
            self._drop(path)
        return ok

    def _known(self) -> dict[str, list[int]]:
        if self._stamps is None:
            try:
                loaded = json.loads((self.root / "verified.json").read_bytes())  # type: ignore[operator]
                self._stamps = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self._stamps = {}
        return self._stamps

    def link(self, entry: Entry, name: str, dest: Path) -> None:
        """Place a verified object at dest: a hard link where the file system allows, else a copy."""
        source = entry.path(name)
        try:
            os.link(source, dest)
        except FileExistsError:
            os.unlink(dest)
            os.link(source, dest)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(source, dest)
            os.chmod(dest, FILE_MODE)

    # -- writing (the build process only) ----------------------------------------------------------
    def put(self, namespace: str, k: str, meta: dict[str, Any], files: dict[str, Path | bytes] | None = None
            ) -> None:
        """Keep meta and files (paths, linked when on the same file system, or bytes) under namespace/k."""
        if self.root is None or not self.writable:
            return
        self.used.add((namespace, k))

        def write() -> None:
            self.changed = True
            listed = {name: self._add(content) for name, content in sorted((files or {}).items())}
            record = {"meta": meta, "files": listed, "check": sha(FORMAT, namespace, k, meta, listed)}
            write_atomic(self._record(namespace, k), json.dumps(record, sort_keys=True).encode())

        self._quietly(write)

    def _add(self, content: Path | bytes) -> list:
        info: os.stat_result | None = None
        if isinstance(content, bytes):
            digest, size = hashlib.sha256(content).hexdigest(), len(content)
        else:
            info = os.stat(content)
            linked = self._linked_object(info)
            if linked is not None:  # a hard link of an intact object: that object
                return [linked, info.st_size]
            digest, size = hash_file(content), info.st_size
        if self.verify(digest, size):
            return [digest, size]
        target = self.object(digest)
        bucket = target[:-len(digest) - 1]
        if bucket not in self._buckets:
            os.makedirs(bucket, exist_ok=True)
            self._buckets.add(bucket)
        if info is None:
            write_atomic(Path(target), content)  # type: ignore[arg-type]  # bytes (info is None)
        else:
            try:
                os.link(content, target)  # on the same file system the file kept is the one staged, its stat
            except OSError:  # another file system, or links not allowed
                temp = f"{bucket}/.{digest}.{os.getpid()}.tmp"
                shutil.copyfile(content, temp)
                os.replace(temp, target)
                info = None
        if info is None:
            info = os.stat(target)
        if info.st_mode & 0o777 != FILE_MODE:
            os.chmod(target, FILE_MODE)
        self._stamp(digest, [info.st_size, info.st_mtime_ns, info.st_ino])
        return [digest, size]

    def _linked_object(self, info: os.stat_result) -> str | None:
        """The object a file (`info`: its stat) is a hard link of, when that object has its verified stamp (a
        build's image is kept once as an image and once as a file of its site: it is read once), else None."""
        if self._inodes is None:
            self._inodes = {(s[2], s[0], s[1]): d for d, s in self._known().items()  # verified.json: read, not trusted
                            if isinstance(s, list) and len(s) == 3 and all(type(v) is int for v in s)}
        digest = self._inodes.get((info.st_ino, info.st_size, info.st_mtime_ns))
        if digest is None or not _KEY.match(digest) or info.st_mode & 0o777 != FILE_MODE:
            return None
        try:
            kept = os.stat(self.object(digest))
        except OSError:
            return None
        return digest if (kept.st_dev, kept.st_ino) == (info.st_dev, info.st_ino) else None

    def _stamp(self, digest: str, stamp: list[int]) -> None:
        self._known()[digest] = stamp
        self._stamps_changed = True
        if self._inodes is not None:
            self._inodes[(stamp[2], stamp[0], stamp[1])] = digest

    def _quietly(self, action: Any) -> bool:
        """Run a write; a store that cannot be written is left alone from then on, with one warning."""
        try:
            action()
            return True
        except OSError as exc:
            if self.writable:
                self.writable = False
                self.warnings.append(f"the cache {self.root} cannot be written ({exc.strerror or exc}): this build "
                                     "keeps nothing for the next one, which will be slower")
            return False

    def _drop(self, path: Path | str) -> None:
        if self.writable:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def finish(self) -> None:
        """Mark what this build used (its mtime is the last use) and keep the verified stamps."""
        if self.root is None or not self.writable:
            return
        now = time.time()
        for namespace, k in sorted(self.used):
            with contextlib.suppress(OSError):
                os.utime(self._record(namespace, k), (now, now))
        if self._stamps_changed:
            stamps = self.root / "verified.json"
            self._quietly(lambda: write_atomic(stamps, json.dumps(self._known(), separators=(",", ":")).encode()))

    # -- the one pruner ----------------------------------------------------------------------------
    def prune(self, now: float | None = None, every: float = 3600) -> None:
        """At most once per `every` seconds: remove records unused for KEEP_DAYS; beyond SIZE_RATIO times
        what this build used, the records unused for a day, oldest first; then every object no record
        names, and whatever else is in the folder (leftovers of killed runs and of older coffeeruns)."""
        if self.root is None or not self.writable or not self.root.is_dir():
            return
        now = now or time.time()
        marker = self.root / "pruned"
        with contextlib.suppress(OSError):
            if 0 <= now - marker.stat().st_mtime < every:
                return
        for item in self.root.iterdir():
            if item.name not in (*NAMESPACES, "objects", "verified.json", "pruned", "withdrawn.json", ".gitignore"):
                self._clear(item, now)
        records = []
        for namespace in NAMESPACES:
            buckets = sorted((self.root / namespace).iterdir()) if (self.root / namespace).is_dir() else []
            for bucket in buckets:
                if not (bucket.is_dir() and re.fullmatch(r"[0-9a-f]{2}", bucket.name)):
                    self._clear(bucket, now)
                    continue
                for path in sorted(bucket.iterdir()):
                    try:
                        info = path.stat()
                        files = json.loads(path.read_bytes())["files"]
                        digests = {str(v[0]): int(v[1]) for v in files.values()}
                    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
                        self._clear(path, now)  # garbage, a folder of an older coffeerun, or a put under way
                        continue
                    used = (namespace, path.stem) in self.used
                    records.append((used, info.st_mtime, path, digests, info.st_size))
        live = {d: s for used, _, _, digests, _ in records if used for d, s in digests.items()}
        budget = SIZE_RATIO * sum(live.values())
        refs: Counter[str] = Counter()
        sizes: dict[str, int] = {}
        for *_, digests, _ in records:
            refs.update(digests.keys())
            sizes.update(digests)
        total = sum(sizes.values()) + sum(r[4] for r in records)
        for used, mtime, path, digests, size in sorted(records, key=lambda r: r[1]):  # oldest first
            old = now - mtime > KEEP_DAYS * _DAY
            if used or not (old or (total > budget and now - mtime > _DAY)):
                continue
            self._drop(path)
            total -= size
            for digest in digests:
                refs[digest] -= 1
                if not refs[digest]:
                    total -= sizes[digest]
        named = {d for d, n in refs.items() if n > 0}
        for bucket in sorted((self.root / "objects").glob("*")):
            if not bucket.is_dir():
                self._clear(bucket, now)
                continue
            for item in bucket.iterdir():
                if item.name not in named:
                    self._clear(item, now)  # not when new: a concurrent build's object may not be recorded yet
        if self._stamps is not None or (self.root / "verified.json").exists():
            self._stamps = {d: s for d, s in self._known().items() if d in named}
            self._stamps_changed, self._inodes = True, None
        self._quietly(lambda: write_atomic(marker, b""))

    def _clear(self, path: Path, now: float) -> None:
        """Remove what is not the store's (unless it is new: a concurrent build may be writing it)."""
        with contextlib.suppress(OSError):
            if now - path.lstat().st_mtime > 3600:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


class Reader:
    """The store as a worker sees it: verified reads; what it would keep is handed back (`kept`) for the
    build process to put. Direct (outside a build, e.g. a test rendering one campaign): puts at once."""

    def __init__(self, store: Store, direct: bool = False):
        self.store, self.direct = store, direct
        self.kept: list[tuple[str, str, dict[str, Any], dict[str, Path | bytes]]] = []
        self.hits: list[tuple[str, str]] = []

    def get(self, namespace: str, k: str) -> Entry | None:
        entry = self.store.get(namespace, k)
        if entry is not None:
            self.hits.append((namespace, k))
        return entry

    def keep(self, namespace: str, k: str, meta: dict[str, Any], files: dict[str, Path | bytes]) -> None:
        if self.direct:
            self.store.put(namespace, k, meta, files)
            self.store.finish()
        elif self.store.root is not None:
            self.kept.append((namespace, k, meta, files))


_current: Reader | None = None


def current() -> Reader:
    """The reader of the campaign this process is rendering (a store-less one when there is none)."""
    return _current if _current is not None else Reader(Store(None))


@contextlib.contextmanager
def reading(reader: Reader) -> Iterator[Reader]:
    global _current
    before, _current = _current, reader
    try:
        yield reader
    finally:
        _current = before


@contextlib.contextmanager
def reading_for(cache_dir: Path | None) -> Iterator[Reader]:
    """For a renderer called on its own: the build's reader when there is one, else a direct one on cache_dir."""
    if _current is not None:
        yield _current
        return
    with reading(Reader(Store(cache_dir), direct=True)) as reader:
        yield reader
