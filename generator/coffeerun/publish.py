"""Publish stage: the neutral root files, then the staged tree swapped into place in one step."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import shutil
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
_BASE = ".coffeerun-base-"  # the previous output, kept as the starting point of the next build
_RENAME_EXCHANGE = 2


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


def base_dir(out: Path, keep_in: Path) -> Path:
    """Where the output a build replaces is kept for the next one: in keep_in (the cache) when that is
    on the output's file system (a rename moves it), else beside the output."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    keep_in.mkdir(parents=True, exist_ok=True)
    if os.stat(keep_in).st_dev == os.stat(out.parent).st_dev:
        return keep_in / f"tree-{hashlib.sha256(str(out).encode()).hexdigest()[:24]}"
    return out.parent / f"{_BASE}{out.name}"


def new_staging_dir(out: Path, base: Path | None = None) -> Path:
    """A directory beside out, on the same file system, so the swap is a rename: empty, or the
    earlier output kept at `base` by the last build, for the caller to bring up to date."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f"{_STAGING}{out.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in out.parent.glob(f"{_RETIRED}{out.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = out.parent / f"{_STAGING}{out.name}-{os.getpid()}"
    if base is not None and base.is_dir():
        os.rename(base, staging)
    else:
        staging.mkdir()
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


def swap_into_place(staging: Path, out: Path, keep_previous: Path | None = None) -> None:
    """Replace out with staging in one step; a kill at any moment leaves a complete tree at out.

    keep_previous: where the previous output goes instead of being deleted, for the next build to
    start from (see base_dir)."""
    out = out.resolve()
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):
        previous = staging  # now holds the previous output
    else:
        previous = out.parent / f"{_RETIRED}{out.name}-{os.getpid()}"
        os.replace(out, previous)
        os.replace(staging, out)
    if keep_previous is not None:
        shutil.rmtree(keep_previous, ignore_errors=True)
        os.replace(previous, keep_previous)
        return
    shutil.rmtree(previous, ignore_errors=True)
