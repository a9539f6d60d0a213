"""Rendered sites reused across builds: a campaign's share site and kit, keyed by everything they depend on.

An entry is <cache>/sites/<key[:2]>/<key>/: the files of both sites, flat (named 0, 1, …; creating
folders is the slow part of writing a tree), and manifest.json that says where each one goes. It is
written through a temporary folder and renamed into place, so it is complete or absent. Reusing it
hard-links its files into the staging tree (copies across file systems). The manifest keeps what the leak check needs:
every string in the sites' text files that could be a private link (32 letters of the token
alphabet), so a reused site is checked against this build's tokens without reading it again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from coffeerun.digests import FileDigests, code_digest, library_versions, sha, system_fonts
from coffeerun.render.recognition import recognition_key

if TYPE_CHECKING:
    from coffeerun.plan import CampaignJob
    from coffeerun.validcache import Digest

SCAN_SUFFIXES = (".html", ".js", ".json", ".txt", ".xml", ".css", ".md", ".vtt", "")
_RUN = re.compile(rb"[a-z2-7]{32,}")
TOKEN_LENGTH = 32
MAX_CANDIDATES = 20_000  # beyond this a folder is checked by reading it again (never for real pages)
KEEP_DAYS = 30  # entries not used for this long are removed


@dataclass
class Scan:
    """Token-like strings found in a folder's text files; complete=False: too many, read it again."""

    candidates: list[str] = field(default_factory=list)
    complete: bool = True


def scan(folder: Path) -> Scan:
    """Every 32-letter window of every run of token letters: a token named anywhere is among them."""
    found: set[bytes] = set()
    for path in sorted(folder.rglob("*")):
        if path.suffix not in SCAN_SUFFIXES or not path.is_file():
            continue
        for run in _RUN.findall(path.read_bytes()):
            found.update(run[i:i + TOKEN_LENGTH] for i in range(len(run) - TOKEN_LENGTH + 1))
            if len(found) > MAX_CANDIDATES:
                return Scan([], complete=False)
    return Scan(sorted(w.decode("ascii") for w in found))


def named_tokens(folder: Path, tokens: set[str]) -> set[str]:
    """The tokens among `tokens` that some text file under folder names (the slow, complete check)."""
    named = set()
    for path in sorted(folder.rglob("*")):
        if path.suffix in SCAN_SUFFIXES and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            named.update(t for t in tokens if t in text)
    return named


@dataclass
class Manifest:
    scans: dict[str, Scan]  # per site of the campaign (tokens.Links.sites): "share", "kit", "kit:<advocate>"
    warnings: list[str] = field(default_factory=list)
    files: list[list[str]] = field(default_factory=list)  # [site name, path in the site] per stored file

    @property
    def share(self) -> Scan:
        return self.scans["share"]

    @property
    def kit(self) -> Scan:
        return self.scans["kit"]

    def to_json(self) -> str:
        return json.dumps({"scans": {k: vars(v) for k, v in self.scans.items()}, "warnings": self.warnings,
                           "files": self.files}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls({k: Scan(**v) for k, v in data["scans"].items()}, list(data["warnings"]), list(data["files"]))


def site_key(job: CampaignJob, digests: FileDigests, theme: str, campaign: Digest) -> str:
    """sha256 of what one campaign's two sites are made from: its data and every project file it names
    (by content), the brand, theme/ and mkdocs.yml (`theme`), our code, the libraries, the fonts, its
    links, and whether and when its downloads are made (decks carry the date)."""
    root = job.project.root
    logos = [digests(Path(p)) if p else "" for p in (campaign.account_logo, job.brand_logo)]
    return sha("site/1", code_digest(), library_versions(), system_fonts(), theme, campaign.data,
               [(rel, digests(root / rel)) for rel in campaign.files], logos, job.brand.model_dump(mode="json"),
               [sorted(job.links.sites().items()), job.links.site_url], job.with_assets,
               job.file_timestamp if job.with_assets else None, recognition_key(job.project.root, job.campaign.id))


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        os.unlink(target)
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, target)


def site_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


class SiteCache:
    def __init__(self, folder: Path):
        self.folder = folder

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def manifest(self, key: str) -> Manifest | None:
        try:
            return Manifest.from_json((self._entry(key) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def reuse(self, key: str, manifest: Manifest, job: CampaignJob) -> None:
        entry = self._entry(key)
        roots = job.site_dirs()
        made: set[Path] = set()
        for number, (kind, rel) in enumerate(manifest.files):
            dest = roots[kind] / rel
            if dest.parent not in made:
                dest.parent.mkdir(parents=True, exist_ok=True)
                made.add(dest.parent)
            _link(os.path.join(entry, str(number)), os.fspath(dest))
        for root in roots.values():
            root.mkdir(parents=True, exist_ok=True)
        try:
            os.utime(entry / "manifest.json")  # used: kept by prune()
        except OSError:
            pass

    def put(self, key: str, job: CampaignJob, manifest: Manifest) -> None:
        """Keep a freshly rendered campaign (worker side); another process may have kept it already."""
        entry = self._entry(key)
        if entry.is_dir():
            return
        entry.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=entry.parent))
        try:
            roots = job.site_dirs()
            files = [[kind, rel] for kind, root in roots.items() for rel in site_files(root)]
            for number, (kind, rel) in enumerate(files):
                _link(os.fspath(roots[kind] / rel), os.path.join(temp, str(number)))
            stored = Manifest(manifest.scans, manifest.warnings, files)
            (temp / "manifest.json").write_text(stored.to_json(), encoding="utf-8")
            os.chmod(temp, 0o755)
            os.replace(temp, entry)
        except OSError:
            shutil.rmtree(temp, ignore_errors=True)

    def prune(self, now: float | None = None) -> None:
        """Once a day: remove entries no build used for KEEP_DAYS, and leftovers of killed builds."""
        now = now or time.time()
        marker = self.folder / ".pruned"
        try:
            if now - marker.stat().st_mtime < 86_400:
                return
        except OSError:
            pass
        if not self.folder.is_dir():
            return
        for bucket in self.folder.iterdir():
            if not bucket.is_dir():
                continue
            for entry in bucket.iterdir():
                hidden = entry.name.startswith(".")
                try:
                    used = entry.stat().st_mtime if hidden else (entry / "manifest.json").stat().st_mtime
                except OSError:
                    used = 0
                if now - used > (86_400 if hidden else KEEP_DAYS * 86_400):
                    shutil.rmtree(entry, ignore_errors=True)
        marker.touch()


def theme_digest(digests: FileDigests, roots: list[Path], mkdocs_yml: Path) -> str:
    """theme/ of the project and of coffeerun, and the base mkdocs.yml."""
    return sha([digests.tree(root) for root in roots], digests(mkdocs_yml), code_digest())
