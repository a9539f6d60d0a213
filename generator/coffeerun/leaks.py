"""The leak check of the verify step: no file names a private link it should not.

A site's text files are scanned once, when it is rendered: every string that could be a token (32
letters of the token alphabet) is noted with the site (`Scan`), so a reused site is checked against
this build's tokens without reading it again.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coffeerun.plan import BuildPlan

SCAN_SUFFIXES = (".html", ".js", ".json", ".txt", ".xml", ".css", ".md", ".vtt", "")
TOKEN_LENGTH = 32
_LETTERS = b"abcdefghijklmnopqrstuvwxyz234567"  # the token alphabet (base32, lowercase)
_MASK = bytes(ord("a") if byte in _LETTERS else ord(".") for byte in range(256))  # token letter -> a, else .
_RUN_START = b"a" * TOKEN_LENGTH
MAX_CANDIDATES = 20_000  # beyond this a folder is checked by reading it again (never for real pages)


@dataclass
class Scan:
    """Token-like strings found in a folder's text files; complete=False: too many, read it again."""

    candidates: list[str] = field(default_factory=list)
    complete: bool = True

    @classmethod
    def from_json(cls, data: Any) -> Scan:
        if not isinstance(data, dict) or not all(isinstance(c, str) for c in data["candidates"]):
            raise ValueError("not a scan")
        return cls(list(data["candidates"]), bool(data["complete"]))


def scan(folder: Path) -> Scan:
    """Every 32-letter window of every run of token letters: a token named anywhere is among them."""
    found: set[bytes] = set()
    for path in _text_files(folder):
        with open(path, "rb") as handle:
            data = handle.read()
        for run in _runs(data):
            found.update(run[i:i + TOKEN_LENGTH] for i in range(len(run) - TOKEN_LENGTH + 1))
            if len(found) > MAX_CANDIDATES:  # the same in any order: the set only grows
                return Scan([], complete=False)
    return Scan(sorted(w.decode("ascii") for w in found))


def _text_files(folder: Path) -> list[str]:
    """The files under folder whose suffix is scanned, as Path.rglob and Path.suffix find them (no site holds a
    symbolic link: authored files are read as regular files only): os.walk and string tests, not a Path per
    entry (a campaign's sites hold hundreds of files)."""
    out = []
    for directory, _folders, files in os.walk(folder, onerror=_unreadable):
        for name in files:
            dot = name.rfind(".")
            if (name[dot:] if 0 < dot < len(name) - 1 else "") in SCAN_SUFFIXES:  # Path.suffix
                path = os.path.join(directory, name)
                try:
                    mode = os.stat(path).st_mode
                except OSError as exc:  # what Path.is_file takes as "not a file"; anything else (EACCES) is raised
                    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
                        continue
                    raise
                if stat.S_ISREG(mode):
                    out.append(path)
    return out


def _unreadable(error: OSError) -> None:
    """A folder of a site that cannot be listed is not taken as holding nothing: the check fails closed."""
    raise error


def _runs(data: bytes) -> list[bytes]:
    """Every run of at least 32 token letters (what `[a-z2-7]{32,}` finds), found with C string searches
    over a mask of the bytes: a page is mostly short words, which a regular expression tries one by one."""
    mask = data.translate(_MASK)
    runs, start = [], mask.find(_RUN_START)
    while start != -1:
        end = mask.find(b".", start + TOKEN_LENGTH)
        end = len(mask) if end == -1 else end
        runs.append(data[start:end])
        start = mask.find(_RUN_START, end)
    return runs


def named_tokens(folder: Path, tokens: set[str]) -> set[str]:
    """The tokens among `tokens` that some text file under folder names (the slow, complete check)."""
    named: set[str] = set()
    for path in _text_files(folder):
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        named.update(t for t in tokens if t in text)
    return named


def allowed_tokens(plan: BuildPlan) -> dict[str, set[str]]:
    """Per token folder, the tokens its files may name (tokens.Links.allowed_tokens): every site of every
    campaign; any other folder (the theme, the program report) may name none."""
    allowed: dict[str, set[str]] = {}
    for job in plan.jobs:
        for site, token in job.links.sites().items():
            allowed[token] = job.links.allowed_tokens(site)
    return allowed


def find_leaks(staging: Path, plan: BuildPlan, scans: dict[str, Scan]) -> list[str]:
    """Files naming a private link they should not; nothing outside the token folders names any.
    scans: per token folder, what was noted when it was rendered."""
    allowed = allowed_tokens(plan)
    everyone = set(allowed)
    leaks: list[str] = []
    for item in sorted(staging.iterdir()):
        if item.is_dir():
            result = scans.get(item.name) or scan(item)
            found = set(result.candidates) & everyone if result.complete else named_tokens(item, everyone)
        else:
            text = item.read_text(encoding="utf-8", errors="replace")
            found = {token for token in everyone if token in text}
        label = f"{item.name[:6]}…/" if item.name in allowed else item.name
        leaks.extend(f"{label} names the private link {token[:6]}…"
                     for token in sorted(found - allowed.get(item.name, set())))
    return leaks
