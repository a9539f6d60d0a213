"""Publish stage: one build at a time per output, the neutral root files, the staged tree swapped into place.

Beside the output a build leaves one thing: its twin (`.coffeerun-twin-<name>`), the same folders as
the output with the same files linked, made from the tree the swap replaced. The next build starts
from it when it is exactly as recorded, so a build that changes one campaign touches only that
campaign's folders. The twin never holds a folder the output does not (a revoked or withheld one).
A killed build's staging tree is removed when the next build starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coffeerun.project import ProjectPaths

HEADERS = """/*
  X-Robots-Tag: noindex, nofollow
  Referrer-Policy: no-referrer
  X-Content-Type-Options: nosniff
  Permissions-Policy: interest-cohort=()
"""
ROBOTS = "User-agent: *\nDisallow: /\n"
_STAGING = ".coffeerun-staging-"
_RETIRED = ".coffeerun-retired-"
_LEFTOVERS = (_STAGING, _RETIRED, ".coffeerun-base-")  # the last: the kept trees of coffeerun before 0.x
_LOCK = ".coffeerun-lock-"
_TWIN = ".coffeerun-twin-"
_RENAME_EXCHANGE = 2
DIR_MODE = 0o755


class OutputBusyError(Exception):
    """Another build is writing the same output folder."""


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold the output's lock (a file beside it) for the whole build; another build holding it is an error.
    Files and folders made meanwhile get web-server modes (0644, 0755) whatever the umask."""
    from filelock import FileLock, Timeout

    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out.parent / f"{_LOCK}{out.name}", mode=0o644)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputBusyError(f"another coffeerun build is writing {out} (it holds {lock.lock_file}); run this one "
                         "when it has finished") from None
    umask = os.umask(0o022)
    try:
        for name in os.listdir(out.parent):  # what a killed build left beside the output
            for prefix in _LEFTOVERS:
                rest = name[len(prefix + out.name):] if name.startswith(prefix + out.name) else None
                if rest == "" or (rest and rest[0] == "-" and rest[1:].isdigit()):
                    shutil.rmtree(out.parent / name, ignore_errors=True)
        yield
    finally:
        os.umask(umask)
        if not out.exists():  # a first build that failed leaves nothing beside where the output would be
            with contextlib.suppress(OSError):
                os.unlink(lock.lock_file)
        lock.release()


ROOT_FILES = ("index.html", "404.html", "robots.txt", "_headers")


def write_root_files(staging: Path, paths: ProjectPaths, language: str = "en") -> list[Path]:
    """index.html, 404.html, robots.txt and _headers: they name no campaign and no account."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(paths.theme_file("root"))),
                      autoescape=select_autoescape(["html"]), keep_trailing_newline=True)
    written = []
    for name in ("index.html", "404.html"):
        target = staging / name
        target.write_text(env.get_template(name).render(lang=language), encoding="utf-8")
        written.append(target)
    for name, text in (("robots.txt", ROBOTS), ("_headers", HEADERS)):
        (staging / name).write_text(text, encoding="utf-8")
        written.append(staging / name)
    return written


def twin_part(out: Path, part: int, parts: int) -> dict[str, str] | None:
    """folder_rows of every `parts`-th top-level entry of out's twin, from the `part`-th: the workers walk the
    twin in parts while the build validates ({} without a twin, None when it cannot be read)."""
    twin = out.absolute().parent / f"{_TWIN}{out.name}"
    try:
        return folder_rows(twin, part=(part, parts)) if twin.is_dir() else {}
    except OSError:
        return None


def twin_rows(out: Path, recorded: str, parts: list[dict[str, str] | None] | None = None) -> dict[str, str]:
    """The folder_rows of out's twin when it is exactly as recorded (stamp `recorded`), else {}.
    `parts`: the twin as the workers just walked it (twin_part); without them it is walked here."""
    twin = out.absolute().parent / f"{_TWIN}{out.name}"
    if not recorded or not twin.is_dir():
        return {}
    rows: dict[str, str] = {}
    try:
        for part in parts if parts is not None else [folder_rows(twin)]:
            if part is None:
                return {}
            rows.update(part)
    except OSError:
        return {}
    return rows if rows and stamp_of(twin, rows) == recorded else {}


def new_staging_dir(out: Path, rows: dict[str, str]) -> Path:
    """A folder beside out, on the same file system, so the swap is a rename: the twin of out when `rows`
    (twin_rows) says it is as recorded, else empty."""
    out = out.absolute()
    staging = out.parent / f"{_STAGING}{out.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    twin = out.parent / f"{_TWIN}{out.name}"
    if rows:
        os.rename(twin, staging)
    else:
        shutil.rmtree(twin, ignore_errors=True)
        staging.mkdir()
    os.chmod(staging, DIR_MODE)
    return staging


def tidy(staging: Path, wanted: dict[str, str], had: dict[str, str]) -> set[str]:
    """Keep the top-level folders of staging wanted with the key they had; remove everything else."""
    kept = set()
    for entry in sorted(os.scandir(staging), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False):
            if entry.name in wanted and had.get(entry.name) == wanted[entry.name]:
                kept.add(entry.name)
            else:
                shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    return kept


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE) where the kernel offers it."""
    libc = ctypes.CDLL(None, use_errno=True)  # this process's own symbols, libc's among them (find_library
    renameat2 = getattr(libc, "renameat2", None)  # would start `ldconfig -p` from a process of 200 MB)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def swap_into_place(staging: Path, out: Path) -> Path | None:
    """Replace out with staging in one step; a kill at any moment leaves a complete tree at out. Returns
    the tree replaced (for keep_twin or discard)."""
    out = out.absolute()
    if not out.exists():
        os.replace(staging, out)
        return None
    if _exchange(staging, out):
        return staging  # now holds the previous output
    previous = out.parent / f"{_RETIRED}{out.name}-{os.getpid()}"
    os.replace(out, previous)
    os.replace(staging, out)
    return previous


def keep_twin(previous: Path | None, out: Path, rows: dict[str, str], was: dict[str, str] | None = None) -> bool:
    """Make the replaced tree the twin of out: what differs from out (by folder_rows) removed, what is
    missing linked from out. Afterwards its tree_stamp is out's.

    `was`: the rows the replaced tree had when its build recorded it (the twin this build started from
    had the same), so it need not be walked again. Had someone changed it since, the twin's stamp is
    not the one recorded, and the next build starts from an empty folder instead of it. False: it could
    not be made (a full disk): there is none, and the replaced tree is gone."""
    out = out.absolute()
    twin = out.parent / f"{_TWIN}{out.name}"
    try:
        _make_twin(previous, out, twin, rows, was)
    except OSError:
        shutil.rmtree(twin, ignore_errors=True)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return False
    return True


def _make_twin(previous: Path | None, out: Path, twin: Path, rows: dict[str, str],
               was: dict[str, str] | None) -> None:
    shutil.rmtree(twin, ignore_errors=True)
    if previous is None:
        twin.mkdir()
        had: dict[str, str] = {}
    else:
        os.rename(previous, twin)
        had = dict(was) if was else folder_rows(twin)
    for entry in list(os.scandir(twin)):
        if had.get(entry.name) != rows.get(entry.name):
            shutil.rmtree(entry.path) if entry.is_dir(follow_symlinks=False) else os.unlink(entry.path)
            had.pop(entry.name, None)
    missing = sorted(set(rows) - set(had))
    # a first build links every file (40,000 for 200 campaigns): links wait on the file system, not on
    # Python, so two threads take about half the time of one
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda name: _link_entry(out, twin, name), missing))
    os.chmod(twin, os.stat(out).st_mode & 0o777)


def _link_entry(out: Path, twin: Path, name: str) -> None:
    """The top-level entry `name` of out, linked file by file into twin."""
    source = out / name
    if not source.is_dir():
        os.link(source, twin / name)
        return
    for folder, _dirs, files in os.walk(source):
        target = os.path.join(twin, os.path.relpath(folder, out))
        os.mkdir(target)
        for file in files:
            os.link(os.path.join(folder, file), os.path.join(target, file))


def folder_rows(folder: Path, known: dict[str, str] | None = None,
                part: tuple[int, int] = (0, 1)) -> dict[str, str]:
    """Per top-level entry of folder, the digest of every entry in it: folders by path and mode, files by
    path, mode, size, time and inode (so a tree and its twin, whose files are the same, have the same rows).
    `known`: the rows of top-level entries this build did not touch, taken as they are. `part` (k, n):
    only every n-th top-level entry from the k-th, in name order."""
    rows: dict[str, str] = {}

    def walk(path: str, prefix: str, group: list) -> None:
        with os.scandir(path) as listing:
            for entry in listing:
                info = entry.stat(follow_symlinks=False)
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    group.append((name, info.st_mode))
                    walk(entry.path, name + "/", group)
                else:
                    group.append((name, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino))

    with os.scandir(folder) as listing:
        top = sorted(listing, key=lambda e: e.name)
    for entry in top[part[0]::part[1]]:
        if known is not None and entry.name in known:
            rows[entry.name] = known[entry.name]
            continue
        info = entry.stat(follow_symlinks=False)
        if entry.is_dir(follow_symlinks=False):
            group: list[tuple] = [(entry.name, info.st_mode)]
            walk(entry.path, entry.name + "/", group)
            group.sort(key=lambda row: row[0])
        else:
            group = [(entry.name, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino)]
        rows[entry.name] = hashlib.sha256(repr(group).encode("utf-8", "surrogateescape")).hexdigest()
    return rows


def stamp_of(folder: Path, rows: dict[str, str]) -> str:
    return hashlib.sha256(repr((os.stat(folder).st_mode, sorted(rows.items()))).encode()).hexdigest()


def tree_stamp(folder: Path) -> str:
    """Every entry under folder (see folder_rows): a file added, removed, replaced, edited or made
    unreadable changes it; "" when folder cannot be read."""
    try:
        return stamp_of(folder, folder_rows(folder))
    except OSError:
        return ""
