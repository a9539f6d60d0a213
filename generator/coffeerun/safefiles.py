"""Only the project's own regular files are read: links out of it, FIFOs, devices and folders named like
files are problems, found from the file system's metadata without opening anything."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from coffeerun.problems import Problem

SCANNED = ("campaigns", "content", "theme", "mkdocs.yml")
# A folder with the ending of a file coffeerun reads is a mistake (a tool writing `x.yaml/`, an unzipped
# archive named like its file) that would otherwise surface as "missing file" far from its cause.
FILE_LIKE_SUFFIXES = frozenset((".yaml", ".yml", ".md", ".txt", ".vtt", ".png", ".jpg", ".jpeg", ".webp", ".svg",
                                ".pdf"))
MAX_ENTRIES = 500_000  # a project this large is a mistake (a node_modules copied in); stop counting there


def _kind(mode: int) -> str | None:
    """What a non-regular, non-folder entry is, in words; None for a regular file or a folder."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def refusal(root: Path, path: Path) -> str | None:
    """Why `path` (lexically inside root) may not be read, or None for a regular file of the project.

    Looks only at metadata (lstat, and stat of a link's target): a FIFO is never opened."""
    real_root = os.path.realpath(root)
    try:
        info = os.lstat(path)
    except OSError:
        return None  # missing: whoever needs it says so, with a did-you-mean
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(path)
        if not _inside(target, real_root):
            return "is a symbolic link to a place outside the project; copy the file into the project instead"
        try:
            info = os.stat(path)
        except OSError:
            return None  # a dangling link or a loop: reported where it is used
    kind = _kind(info.st_mode)
    if kind is not None:
        return f"is {kind}, not a regular file; only regular files are read: remove it"
    if stat.S_ISDIR(info.st_mode) and Path(path).suffix.lower() in FILE_LIKE_SUFFIXES:
        return f"is a folder named like a {Path(path).suffix.lower()} file; rename or remove it"
    return None


def tree_problems(root: Path) -> list[Problem]:
    """Every entry of campaigns/, content/, theme/ and mkdocs.yml that may not be read, one problem each,
    whether or not anything refers to it. Links are not followed into folders (no cycles)."""
    root = Path(root)
    problems: list[Problem] = []
    seen = 0

    def note(path: Path, message: str) -> None:
        problems.append(Problem(path.relative_to(root).as_posix(), 1, 1, "", message))

    stack = [root / name for name in SCANNED]
    while stack and seen < MAX_ENTRIES:
        path = stack.pop()
        seen += 1
        message = refusal(root, path)
        if message is not None:
            note(path, message)
            continue
        if path.is_dir() and not path.is_symlink():
            try:
                with os.scandir(path) as entries:
                    stack.extend(Path(entry.path) for entry in entries)
            except OSError as exc:
                note(path, f"cannot be read: {exc.strerror}")
    if stack:
        problems.append(Problem(".", 1, 1, "", f"the project has more than {MAX_ENTRIES:,} files and folders in "
                                "campaigns/, content/ and theme/; keep what is not campaign material elsewhere"))
    return sorted(problems)
