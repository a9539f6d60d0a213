"""Publish stage: one build at a time per output, the neutral root files, the staged tree swapped into place.

Everything a build writes beside the output (its staging tree, the tree it replaced) is gone when it
ends or, after a killed build, when the next one starts; nothing of it is kept for later builds.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
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


def new_staging_dir(out: Path) -> Path:
    """An empty folder beside out, on the same file system, so the swap is a rename."""
    out = out.absolute()
    staging = out.parent / f"{_STAGING}{out.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    os.chmod(staging, DIR_MODE)
    return staging


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE) where the kernel offers it."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def swap_into_place(staging: Path, out: Path) -> threading.Thread:
    """Replace out with staging in one step; a kill at any moment leaves a complete tree at out. The
    previous output is deleted by the thread returned (join it before the lock is released)."""
    out = out.absolute()
    previous = None
    if not out.exists():
        os.replace(staging, out)
    elif _exchange(staging, out):
        previous = staging  # now holds the previous output
    else:
        previous = out.parent / f"{_RETIRED}{out.name}-{os.getpid()}"
        os.replace(out, previous)
        os.replace(staging, out)
    deleting = threading.Thread(target=shutil.rmtree, args=(previous,) if previous else (os.devnull, True))
    deleting.start()
    return deleting


def tree_stamp(folder: Path) -> str:
    """Every entry under folder by path, kind, size, time, inode and mode: a file added, removed, replaced,
    edited or made unreadable changes it."""
    rows: list[tuple] = []

    def walk(path: str, prefix: str) -> None:
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            info = entry.stat(follow_symlinks=False)
            rows.append((prefix + entry.name, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino))
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, f"{prefix}{entry.name}/")

    try:
        walk(os.fspath(folder), "")
        info = os.stat(folder)
    except OSError:
        return ""
    rows.append(("", info.st_mode, info.st_ino))
    return hashlib.sha256(repr(rows).encode()).hexdigest()
