"""Where a build may write: refuses an `--out` that would replace the project, its sources or the cache."""

from __future__ import annotations

import os
import re
from pathlib import Path

from coffeerun.project import ProjectPaths

# What a publish root holds (see publish.py): the neutral root files, one folder per private token
# (32 letters of the base32 alphabet), the theme folder shared by every site, and nothing else.
ROOT_FILES = frozenset({"index.html", "404.html", "robots.txt", "_headers"})
SHARED_FOLDERS = frozenset({"_theme"})
_TOKEN = re.compile(r"^[a-z2-7]{32}$")
_SOURCES = ("campaigns", "content", "theme", ".git")


class UnsafeOutputError(Exception):
    """The output folder is not one a build may replace (wrong usage: exit 2)."""


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def is_publish_root(folder: Path) -> bool:
    """True for a folder a previous build wrote: its root files and only token and theme folders."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return False
    if not names >= ROOT_FILES:
        return False
    for name in names - ROOT_FILES:
        if name.startswith(".coffeerun"):  # the build's own bookkeeping (a lock, a marker)
            continue
        entry = folder / name
        if entry.is_symlink() or not entry.is_dir() or not (_TOKEN.match(name) or name in SHARED_FOLDERS):
            return False
    return all((folder / name).is_file() and not (folder / name).is_symlink() for name in ROOT_FILES)


def check_output(project: Path, out: Path) -> None:
    """Raise UnsafeOutputError when a build into `out` could destroy something that is not its own output.

    Refused: the project itself or a folder above it; anything inside campaigns/, content/, theme/,
    .git/ or the cache (or a folder holding the cache); a file; a non-empty folder that is not a
    publish root. Nothing is created or changed here."""
    cache = ProjectPaths(Path(project)).cache
    root, target, cache_dir = _real(project), _real(out), _real(cache)
    shown = str(out)
    if _within(root, target):
        what = "the project itself" if root == target else f"a folder above the project {root}"
        raise UnsafeOutputError(f"--out {shown} is {what}; a build replaces its output folder: "
                           "write it to a folder of its own, e.g. --out site")
    for name in _SOURCES:
        if _within(target, root / name) or _within(target, _real(root / name)):
            raise UnsafeOutputError(f"--out {shown} is inside {name}/ of the project, which a build would replace; "
                               "write the site to a folder of its own, e.g. --out site")
    if _within(target, cache_dir) or _within(cache_dir, target):
        raise UnsafeOutputError(f"--out {shown} overlaps the cache {cache}; write the site to a folder of its own, "
                           "e.g. --out site")
    if os.path.lexists(target) and not target.is_dir():
        raise UnsafeOutputError(f"--out {shown} is a file, not a folder; name a folder for the site")
    above = target.parent
    while not os.path.lexists(above) and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise UnsafeOutputError(f"--out {shown} cannot be made: {above} is a file, not a folder")
    if target.is_dir():
        try:
            empty = not os.listdir(target)
        except OSError as exc:
            raise UnsafeOutputError(f"--out {shown} cannot be read ({exc.strerror}); name a folder you can write") \
                from None
        if not empty and not is_publish_root(target):
            raise UnsafeOutputError(f"--out {shown} is a folder with other files in it (not a site coffeerun built); "
                               "a build replaces the whole folder: name an empty or new folder")
