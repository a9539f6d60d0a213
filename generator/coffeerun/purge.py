"""Withdrawal: delete from the cache everything rendered from a withdrawn advocate's content.

The cache is found by content, not by key: a cache file holds their content when its bytes (or the
members of a zip such as a .pptx) contain one of their texts in any encoding the renderers write
(UTF-8, HTML, XML, JSON), their photo or poster (as written and as the pages encode it), or their
transcript or captions. A match inside a rendered site (sites/<k>/<key>/) or a kept publish tree
(<tree>/<token>/) removes that whole unit, since its slides, cards and decks, which hold their words only
as pixels or compressed text, were made from the same content; then every other cache file with the
same bytes as a removed one (the asset cache's copies of those slides and decks) goes too.

Where it runs: build.py calls purge_withdrawn after the swap (the kept previous output is in the cache
then). A content store that records for each entry the advocates' content it was made from can instead
delete the entries whose record names `withdrawn_needles(...).digest` (see Needles.digest).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from markupsafe import escape as html_escape

MIN_TEXT = 8  # shorter texts ("3 days") would match unrelated files
MARKER = "withdrawn.json"  # in the cache: what was purged, and when


@dataclass
class Needles:
    """Byte strings whose presence marks a file as made from one advocate's content."""

    texts: set[bytes] = field(default_factory=set)
    blobs: set[bytes] = field(default_factory=set)

    def add_text(self, text: str | None) -> None:
        text = " ".join((text or "").split()) if text and "\n" in text else (text or "")
        if len(text.strip()) < MIN_TEXT:
            return
        forms = {text, str(html_escape(text)), xml_escape(text, {'"': "&quot;", "'": "&apos;"}),
                 json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
        self.texts.update(f.encode("utf-8") for f in forms)

    def add_blob(self, data: bytes | None) -> None:
        if data and len(data) >= 64:
            self.blobs.add(data)

    @property
    def all(self) -> list[bytes]:
        return sorted(self.texts | self.blobs, key=len)

    @property
    def digest(self) -> str:
        """One stable name for this set (the marker, or a content store's index)."""
        return hashlib.sha256(b"\0".join(sorted(self.texts | self.blobs))).hexdigest()

    def found_in(self, data: bytes) -> bool:
        if any(n in data for n in self.texts) or any(n in data for n in self.blobs):
            return True
        if data[:4] == b"PK\x03\x04":  # .pptx, .zip: look inside the members
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    return any(self.found_in(archive.read(info)) for info in archive.infolist()
                               if info.file_size <= 64 << 20)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
                return False
        return False


def withdrawn_needles(root: Path, campaign: Any, advocate_id: str) -> Needles:
    """What identifies a render of one advocate's content: their texts and their files' bytes."""
    from coffeerun.fieldtypes import is_transcript_path
    from coffeerun.render import media

    needles = Needles()
    adv = next(a for a in campaign.advocates if a.id == advocate_id)
    needles.add_text(adv.name)

    def add_file(rel: str | None, encode: Any = None) -> None:
        if not rel:
            return
        path = (root / rel.strip()).resolve()
        with contextlib.suppress(Exception):  # a file that cannot be read or decoded left nothing to find
            needles.add_blob(path.read_bytes())
            if encode is not None:
                needles.add_blob(encode(path).data)

    add_file(adv.photo, media.photo)
    for quote in (q for q in campaign.quotes if q.by == advocate_id):
        needles.add_text(quote.text)
        needles.add_text(quote.highlight)
    for metric in (m for m in campaign.metrics if m.by == advocate_id):
        needles.add_text(metric.label)
    for video in (v for v in campaign.videos if v.by == advocate_id):
        needles.add_text(video.title)
        add_file(video.poster, media.poster)
        add_file(video.captions)
        if video.transcript and is_transcript_path(video.transcript):
            add_file(video.transcript)
        else:
            needles.add_text(video.transcript)
    return needles


def _unit(rel: tuple[str, ...], in_cache: bool) -> tuple[str, ...]:
    """The folder that goes with a matching file: a whole rendered site, or one site of a kept tree."""
    if in_cache and rel[0] in ("sites", "publish") and len(rel) > 3:
        return rel[:3]
    if not in_cache and len(rel) > 1:
        return rel[:1]
    return rel


def _bookkeeping(rel: tuple[str, ...], in_cache: bool) -> bool:
    """The cache's own records (file digests, what each build did): no renders, but they may name the
    advocate in the warning that says the campaign is withheld because of them."""
    return in_cache and (rel in ((MARKER,), ("digests.json",)) or (len(rel) == 2 and rel[0] == "publish"
                                                                     and rel[1].endswith(".json")))


def _files(top: Path, since: float) -> Iterable[tuple[Path, os.stat_result]]:
    for folder, dirs, names in os.walk(top):  # symbolic links are not followed: the cache is untrusted
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if path.is_file() and not path.is_symlink() and info.st_mtime >= since:
                yield path, info


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def purge(top: Path, needles: Needles, in_cache: bool = True, since: float = 0.0) -> list[Path]:
    """Delete what under top was made from the needles' content (files changed since `since` are read);
    return the files and folders removed."""
    if not top.is_dir():
        return []
    units: dict[tuple[str, ...], Path] = {}
    for path, info in _files(top, since):
        rel = path.relative_to(top).parts
        if _bookkeeping(rel, in_cache) or info.st_size > 512 << 20:
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if needles.found_in(data):
            unit = _unit(rel, in_cache)
            units.setdefault(unit, top.joinpath(*unit))
    removed_digests: set[str] = set()
    for folder in units.values():
        for member in ([p for p, _ in _files(folder, 0.0)] if folder.is_dir() else [folder]):
            with contextlib.suppress(OSError):
                removed_digests.add(hashlib.sha256(member.read_bytes()).hexdigest())
        _remove(folder)
    removed = list(units.values())
    if removed_digests:  # the asset cache's copies of the slides and decks of a removed site
        for path, info in list(_files(top, 0.0)):
            if path.name == MARKER or info.st_size < 64:
                continue
            try:
                same = hashlib.sha256(path.read_bytes()).hexdigest() in removed_digests
            except OSError:
                continue
            if same:
                _remove(path)
                removed.append(path)
    return sorted(removed)


def purge_withdrawn(root: Path, cache_dir: Path | None, withdrawn: list[tuple[Any, str]],
                    also: Iterable[Path] = (), now: float | None = None) -> list[Path]:
    """The build's step: for each (campaign model, advocate id) withdrawn today or before, purge the cache
    (and `also`: a kept publish tree outside it). The first time everything is read; after that only files
    written since the last purge of the same content, which is cheap."""
    import time

    if not withdrawn:
        return []
    now = time.time() if now is None else now
    marker_path = cache_dir / MARKER if cache_dir is not None else None
    marker: dict[str, float] = {}
    if marker_path is not None:
        try:
            loaded = json.loads(marker_path.read_text(encoding="utf-8"))
            marker = {k: float(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except (OSError, ValueError, TypeError):
            marker = {}
    removed: list[Path] = []
    for campaign, advocate_id in withdrawn:
        needles = withdrawn_needles(root, campaign, advocate_id)
        since = marker.get(needles.digest, 0.0) - 5.0  # a little overlap for coarse file times
        if cache_dir is not None:
            removed += purge(cache_dir, needles, True, since)
        for top in also:
            removed += purge(top, needles, False, since)
        marker[needles.digest] = now
    if marker_path is not None and marker_path.parent.is_dir():
        with contextlib.suppress(OSError):  # else the next build reads everything again
            marker_path.write_text(json.dumps(marker, sort_keys=True), encoding="utf-8")
    return removed


def withdrawn_in(campaigns: Iterable[Any], today: Any) -> list[tuple[Any, str]]:
    """(campaign model, advocate id) of every advocate whose withdrawal withholds a campaign today."""
    from coffeerun.schedule import withdrawn_advocates

    out = []
    for info in campaigns:
        if "consent withdrawn on" in info.state.reason:  # read the model only for these
            out += [(info.model, advocate) for advocate in withdrawn_advocates(info.model, today)]
    return out
