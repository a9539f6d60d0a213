"""Withdrawal: delete from the store everything rendered from a withdrawn advocate's content.

The store is searched by content, not by key: an object holds their content when its bytes (or the
members of a zip such as a .pptx) contain one of their texts in any encoding the renderers write
(UTF-8, HTML, XML, JSON), their photo or poster (as written and as the pages encode it), or their
transcript or captions. A record naming such an object goes; so does every object of a matching site
record, since its slides, cards and decks, which hold their words only as pixels or compressed text,
were made from the same content, and with them every record that names one of those objects.
A record whose own bytes hold one of their texts goes too: validation records keep what the program
report reads (their name, title; validcache.py keeps none while the withdrawal withholds the campaign),
a slide's record its composed frame. The objects that only removed records name go with them (a
frame's pictures: their photo, cut round).

The first purge of an advocate's content also deletes every build's own record (`builds`), whose warnings
may quote their words cut short. Where it runs: build.py calls purge_store after publishing. The output's
twin needs no purge: it is made the same as the new output, which does not hold the withheld campaign.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

from markupsafe import escape as html_escape

from coffeerun.atomic import write_atomic

if TYPE_CHECKING:
    from coffeerun.store import Store

MIN_TEXT = 8  # shorter texts ("3 days") would match unrelated files
MARKER = "withdrawn.json"  # in the store: what was purged, and when
MARKER_EVERY = 3600.0  # a purge moves its mark at most hourly: the marker file is written only when a mark moves
RENDERS = ("sites", "assets", "media", "report", "charts")  # the store's namespaces that hold renders
FACTS = ("validate",)  # namespaces whose records themselves hold an advocate's texts (report facts)


@dataclass
class Needles:
    """Byte strings whose presence marks a file as made from one advocate's content."""

    texts: set[bytes] = field(default_factory=set)
    blobs: set[bytes] = field(default_factory=set)
    person: tuple[str, str, str] = ("", "", "")  # (id, name, title): a validation record's facts naming them

    def add_text(self, text: str | None) -> None:
        """A text as written (a slide's frame keeps its paragraphs) and with its lines joined (as pages show it)."""
        for form in {text or "", " ".join((text or "").split()) if text and "\n" in text else (text or "")}:
            if len(form.strip()) < MIN_TEXT:
                continue
            forms = {form, str(html_escape(form)), xml_escape(form, {'"': "&quot;", "'": "&apos;"}),
                     json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1]}
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

    adv = next(a for a in campaign.advocates if a.id == advocate_id)
    needles = Needles(person=(adv.id, adv.name, adv.title or ""))
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


def _records(store: Store) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """Every record of the namespaces that hold renders: (record file, namespace, name -> object digest)."""
    for namespace in RENDERS:
        top = store.root / namespace  # type: ignore[operator]
        for folder, dirs, names in os.walk(top):  # symbolic links are not followed: the store is untrusted
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                try:
                    files = json.loads(path.read_bytes())["files"]
                    yield path, namespace, {str(n): str(v[0]) for n, v in files.items()}
                except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
                    continue  # not a record: the store's pruner removes it


def _holding(store: Store, needles: Needles, since: float) -> set[str]:
    """The objects (by digest) written since `since` whose bytes hold the needles' content."""
    found = set()
    for folder, dirs, names in os.walk(store.root / "objects"):  # type: ignore[operator]
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            try:
                info = path.lstat()
                if not path.is_file() or path.is_symlink() or info.st_mtime < since or info.st_size > 512 << 20:
                    continue
                if needles.found_in(path.read_bytes()):
                    found.add(name)
            except OSError:
                continue
    return found


def _names(data: bytes, needles: Needles) -> bool:
    """A record's bytes hold one of the texts, or its report facts or the people its picture shows (`shows`:
    a drawn video poster) name the person (however short the name)."""
    if any(n in data for n in needles.texts):
        return True
    person, name, title = needles.person
    try:
        meta = json.loads(data)["meta"]
        report = meta.get("report")
        people = [*(report.get("advocates") or [] if isinstance(report, dict) else []), *(meta.get("shows") or [])]
        return any(isinstance(a, list) and len(a) > 2 and a[0] == person and (a[1] == name or (title and a[2] == title))
                   for a in people)
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def _naming(store: Store, needles: Needles, since: float) -> set[Path]:
    """The records written since `since` whose own bytes hold one of the needles' texts (report facts, a
    slide's composed frame) or whose report facts name the person."""
    found = set()
    for namespace in (*FACTS, *RENDERS):
        for folder, dirs, names in os.walk(store.root / namespace):  # type: ignore[operator]
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                try:
                    info = path.lstat()  # a regular file: the store is untrusted
                    if (stat.S_ISREG(info.st_mode) and info.st_mtime >= since and info.st_size <= 64 << 20
                            and _names(path.read_bytes(), needles)):
                        found.add(path)
                except OSError:
                    continue
    return found


def purge_store(store: Store, root: Path, withdrawn: list[tuple[Any, str]], now: float | None = None,
                keep_build: str = "") -> int:
    """The build's step: for each (campaign model, advocate id) withdrawn today or before, delete every store
    record (sites, slides, decks, encoded media, reports) with an object that holds their content, every
    object of such a site (its slides and decks hold their words only as pixels or compressed text), the
    records that name those objects, the records whose own bytes hold their texts (a slide's frame) or whose
    report facts name them, and the objects that only the deleted records name. The first
    time every object is read; after that only objects written since the last purge of the same content,
    which is cheap. `keep_build`: the key of this build's own record, written without their words (build.record).
    Returns how many records went."""
    import time

    if not withdrawn or store.root is None or not store.writable or not store.root.is_dir():
        return 0
    now = time.time() if now is None else now
    marker_path = store.root / MARKER
    try:
        loaded = json.loads(marker_path.read_text(encoding="utf-8"))
        marker = {k: float(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    except (OSError, ValueError, TypeError):
        marker = {}
    before = dict(marker)
    tainted: set[str] = set()
    naming: set[Path] = set()
    for campaign, advocate_id in withdrawn:
        needles = withdrawn_needles(root, campaign, advocate_id)
        last = marker.get(needles.digest, 0.0)
        since = last - 5.0  # coarse file times
        tainted |= _holding(store, needles, since)
        naming.update(_naming(store, needles, since))
        if now - last > MARKER_EVERY or last > now:  # a mark from the future (another clock) is moved back
            marker[needles.digest] = now
    removed = 0
    if tainted or naming:
        records = list(_records(store))
        for _path, kind, files in records:  # every object of a matching site: its slides and decks too
            if kind == "sites" and tainted & set(files.values()):
                tainted |= set(files.values())
        doomed = naming | {path for path, _kind, files in records if tainted & set(files.values())}
        named = {digest for path, _kind, files in records if path not in doomed for digest in files.values()}
        # what only the removed records name goes with them (a slide's frame keeps her photo, cut round)
        tainted |= {digest for path, _kind, files in records if path in doomed for digest in files.values()} - named
        for path in sorted(doomed):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        for digest in tainted:
            with contextlib.suppress(OSError):
                os.unlink(store.object(digest))
            store._known().pop(digest, None)  # the store's own stamps
        store._stamps_changed = True
    if any(digest not in before for digest in marker):
        _forget_builds(store, keep_build)
    if marker != before:
        with contextlib.suppress(OSError):  # else the next build reads everything again
            write_atomic(marker_path, json.dumps(marker, sort_keys=True).encode("utf-8"))
    return removed


def _forget_builds(store: Store, keep: str) -> None:
    """The first purge of someone's content deletes every build's own record (namespace `builds`: what a build
    with nothing changed repeats), of every output folder: a warning kept there may quote their words cut
    short, which no search for their whole texts finds. Each output's next build just validates again."""
    for folder, _dirs, names in os.walk(store.root / "builds"):  # type: ignore[operator]
        for name in names:
            path = Path(folder) / name
            with contextlib.suppress(OSError):
                if path.stem != keep and stat.S_ISREG(path.lstat().st_mode):
                    path.unlink()


def withdrawn_in(campaigns: Iterable[Any], today: Any) -> list[tuple[Any, str]]:
    """(campaign model, advocate id) of every advocate of these campaigns whose consent is withdrawn by today
    (whether it withholds the campaign or the campaign has ended)."""
    from coffeerun.schedule import withdrawn_advocates

    return [(info.model, advocate) for info in campaigns for advocate in withdrawn_advocates(info.model, today)]
