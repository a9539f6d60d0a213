"""Rendered sites reused across builds: a campaign's share site and kit, keyed by everything they depend on.

An entry is <cache>/sites/<key[:2]>/<key>/ with share/, kit/ and manifest.json, written through a
temporary folder and renamed into place, so it is complete or absent. Reusing it hard-links its files
into the staging tree (copies across file systems). The manifest keeps what the leak check needs:
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
from typing import Any

from coffeerun.digests import FileDigests, code_digest, library_versions, sha, system_fonts
from coffeerun.plan import CampaignJob

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
    share: Scan
    kit: Scan
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"share": vars(self.share), "kit": vars(self.kit), "warnings": self.warnings},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(Scan(**data["share"]), Scan(**data["kit"]), list(data["warnings"]))


def _referenced(value: Any, root: Path, found: dict[str, Path]) -> None:
    """Every string of a campaign that names a file of the project (photos, posters, transcripts, …)."""
    if isinstance(value, str):
        if value and len(value) < 1024 and "\n" not in value and "\x00" not in value and "://" not in value:
            path = root / value.strip()
            try:
                if path.is_file():
                    found[value.strip()] = path
            except (OSError, ValueError):
                pass  # text, not a file name
    elif isinstance(value, dict):
        for item in value.values():
            _referenced(item, root, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _referenced(item, root, found)


def site_key(job: CampaignJob, digests: FileDigests, theme: str) -> str:
    """sha256 of what one campaign's two sites are made from; `theme` covers theme/ and mkdocs.yml."""
    info, account = job.campaign, job.campaign.account
    model = info.model.model_dump(mode="json")
    files: dict[str, Path] = {}
    _referenced(model, job.project.root, files)
    logos = [digests(p) if p else "" for p in (account.logo, job.brand_logo)]
    return sha("site/1", code_digest(), library_versions(), system_fonts(), theme, info.id, model,
               account.model.model_dump(mode="json"), job.brand.model_dump(mode="json"), logos,
               sorted((rel, digests(path)) for rel, path in files.items()),
               [job.links.share_token, job.links.kit_token, job.links.site_url], job.with_assets,
               job.file_timestamp if job.with_assets else None)


def link_tree(source: Path, target: Path) -> int:
    """Hard-link every file of source into target (copy where links cannot be made); the file count."""
    count = 0
    for folder, dirs, files in os.walk(source):
        dirs.sort()
        dest = target / os.path.relpath(folder, source)
        dest.mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            src, dst = os.path.join(folder, name), os.path.join(dest, name)
            try:
                os.link(src, dst)
            except FileExistsError:
                os.unlink(dst)
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
            count += 1
    return count


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
        link_tree(entry / "share", job.share_dir)
        link_tree(entry / "kit", job.kit_dir)
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
            link_tree(job.share_dir, temp / "share")
            link_tree(job.kit_dir, temp / "kit")
            (temp / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
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
                try:
                    used = (entry / "manifest.json").stat().st_mtime if not entry.name.startswith(".") \
                        else entry.stat().st_mtime
                except OSError:
                    used = 0
                if now - used > (KEEP_DAYS * 86_400 if not entry.name.startswith(".") else 86_400):
                    shutil.rmtree(entry, ignore_errors=True)
        marker.touch()


def theme_digest(digests: FileDigests, roots: list[Path], mkdocs_yml: Path) -> str:
    """theme/ of the project and of coffeerun, and the base mkdocs.yml."""
    return sha([digests.tree(root) for root in roots], digests(mkdocs_yml), code_digest())
