"""Rules across the fields of one campaign: `use:` merging, references between parts, date order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

from coffeerun.fieldtypes import ID_PATTERN, parse_date, short, video_host
from coffeerun.load import Document, Pos
from coffeerun.problems import Loc, did_you_mean, one_of

Report = Callable[[Pos, Loc, str], None]
_ID = re.compile(ID_PATTERN)
# The share site's own folders; an audience page (<share-token>/<audience-id>/) may not take them.
RESERVED_AUDIENCE_IDS = ("assets", "downloads", "files", "img", "media", "next-steps", "search", "videos")


@dataclass
class Profile:
    """A reusable profile file: its document (None if unreadable) and whether it validated."""

    doc: Document | None
    valid: bool


@dataclass
class Resolved:
    """A campaign's data with `use:` items merged, and the items whose profile is broken or unknown."""

    data: dict
    broken: dict[Loc, set[str]] = field(default_factory=dict)  # item loc -> keys written in the campaign

    def keep(self, loc: Loc) -> bool:
        """False for a model error that only repeats a broken profile's own problems."""
        for prefix, written in self.broken.items():
            if loc[: len(prefix)] == prefix and (len(loc) == len(prefix) or loc[len(prefix)] not in written):
                return False
        return True


SECTIONS = {"advocates": ("advocate", "content/advocates/"), "resources": ("resource", "content/resources/")}


class Profiles(Protocol):
    """The reusable profiles of one kind (advocate or resource), loaded and checked on first use."""

    def get(self, ref: str) -> Profile | None: ...

    def names(self) -> list[str]: ...


def resolve_uses(doc: Document, profiles: dict[str, Profiles], report: Report) -> Resolved:
    """`use: id` with overrides: the profile's fields, then the keys written in the campaign."""
    data = dict(doc.data)
    resolved = Resolved(data)
    for section, (kind, folder) in SECTIONS.items():
        items = data.get(section)
        if not isinstance(items, list):
            continue
        out = []
        for i, item in enumerate(items):
            if isinstance(item, dict) and "use" in item:
                item = _merge(doc, (section, i), item, kind, folder, profiles[kind], report, resolved)
            out.append(item)
        data[section] = out
    return resolved


def _merge(doc: Document, loc: Loc, item: dict, kind: str, folder: str, profiles: Profiles,
           report: Report, resolved: Resolved) -> dict:
    ref = item.get("use")
    own = {k: v for k, v in item.items() if k != "use"}
    profile = profiles.get(ref) if isinstance(ref, str) else None
    if profile is None:
        if isinstance(ref, str):
            names = profiles.names()
            there = f"; the {kind} profiles are {one_of(names)}" if names else ""
            message = (f"no {kind} profile {short(ref)}: {folder}{ref}.yaml does not exist"
                       f"{did_you_mean(ref, names) or there}")
        else:
            message = f"found {short(ref) if ref is not None else 'nothing'}; `use` takes the id of a file in {folder}"
        report(doc.pos(loc + ("use",)), loc + ("use",), message)
    if profile is None or not profile.valid:
        resolved.broken[loc] = set(own)
    merged = dict(own)
    if profile is not None and profile.doc is not None and isinstance(profile.doc.data, dict):
        for key, pos in profile.doc.keys.items():
            if key[0] not in item:
                doc.keys.setdefault(loc + key, pos)
        for key, pos in profile.doc.values.items():
            if key and key[0] not in item:
                doc.values.setdefault(loc + key, pos)
        merged = {**profile.doc.data, **own}
    if kind == "advocate" and isinstance(ref, str) and profile is not None:
        merged.setdefault("id", ref)
    return merged


def _ids(items: Any) -> list[str]:
    """Every id of a list of items; empty when one is unknown (references to it would only mislead)."""
    if not isinstance(items, list) or not all(isinstance(x, dict) and isinstance(x.get("id"), str)
                                              and _ID.match(x["id"]) for x in items):
        return []
    return [x["id"] for x in items]


def _rows(data: dict) -> Iterator[tuple[Loc, dict]]:
    for section in ("quotes", "metrics", "videos", "resources"):
        items = data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield (section, i), item
    track = data.get("talk_track")
    points = track.get("points") if isinstance(track, dict) else None
    for i, point in enumerate(points if isinstance(points, list) else []):
        if isinstance(point, dict):
            yield ("talk_track", "points", i), point


def place(doc: Document, loc: Loc, message: str) -> tuple[Pos, str]:
    """Where to report a problem about loc: in the campaign, also when the value came from a profile."""
    pos = doc.pos(loc)
    if pos.path == doc.path or len(loc) < 2:
        return pos, message
    return doc.pos(loc[:2] + ("use",)), f"{message} (written in {pos.path} at line {pos.line})"


def cross_references(doc: Document, data: dict, report: Report) -> None:
    """Ids are unique; `by` names an advocate and `audiences` name audiences of this campaign."""
    audiences, advocates = _ids(data.get("audiences")), _ids(data.get("advocates"))
    for name in ("audiences", "advocates"):
        seen: set[str] = set()
        items = data.get(name)
        for i, item in enumerate(items if isinstance(items, list) else []):
            value = item.get("id") if isinstance(item, dict) else None
            if name == "audiences" and value in RESERVED_AUDIENCE_IDS:
                pos, message = place(doc, (name, i, "id"), f"{short(value)} is the name of a page of the share "
                                     f"site; pick another id (reserved: {one_of(RESERVED_AUDIENCE_IDS)})")
                report(pos, (name, i, "id"), message)
            if isinstance(value, str) and value in seen:
                pos, message = place(doc, (name, i, "id"), f"id {short(value)} is used twice in {name}; "
                                     "give each one its own id")
                report(pos, (name, i, "id"), message)
            if isinstance(value, str):
                seen.add(value)
    for loc, item in _rows(data):
        by = item.get("by")
        if isinstance(by, str) and advocates and by not in advocates:
            pos, message = place(doc, loc + ("by",), f"{short(by)} is not an advocate of this campaign; the "
                                 f"advocates are {one_of(advocates)}{did_you_mean(by, advocates)}")
            report(pos, loc + ("by",), message)
        refs = item.get("audiences")
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            if isinstance(ref, str) and audiences and ref not in audiences:
                pos, message = place(doc, loc + ("audiences", j), f"{short(ref)} is not an audience of this "
                                     f"campaign; the audiences are {one_of(audiences)}{did_you_mean(ref, audiences)}")
                report(pos, loc + ("audiences", j), message)
        url = item.get("url")
        if loc[0] == "videos" and item.get("captions") and isinstance(url, str):
            host = video_host(url)
            if host not in (None, "file"):
                report(doc.pos(loc + ("captions",)), loc + ("captions",),
                       f"captions are for direct .mp4/.webm files; {host} shows its own captions, remove them here")


def consent_order(doc: Document, loc: Loc, consent: Any, report: Report) -> None:
    """Consent cannot expire before it was granted."""
    if not isinstance(consent, dict):
        return
    granted, expires = parse_date(consent.get("granted")), parse_date(consent.get("expires"))
    if granted and expires and expires < granted:
        report(doc.pos(loc + ("expires",)), loc + ("expires",),
               f"consent expires {expires}, before it was granted on {granted}; check the two dates")
    withdrawn = parse_date(consent.get("withdrawn"))
    if granted and withdrawn and withdrawn < granted:
        report(doc.pos(loc + ("withdrawn",)), loc + ("withdrawn",),
               f"consent withdrawn on {withdrawn}, before it was granted on {granted}; write the day they took "
               f"it back, on or after {granted}")


# Timestamps inside the kit's files (zip entries of the decks) come from `starts`; a zip stores 1980..2107.
FILE_YEARS = (1980, 2107)


def date_rules(doc: Document, data: dict, report: Report) -> None:
    """A live campaign has an end; it does not end before it starts; consent dates in order."""
    starts, expires = parse_date(data.get("starts")), parse_date(data.get("expires"))
    if starts and not FILE_YEARS[0] <= starts.year <= FILE_YEARS[1]:
        report(doc.pos(("starts",)), ("starts",),
               f"starts {starts} is outside the years {FILE_YEARS[0]}–{FILE_YEARS[1]}: it dates the files of the kit, "
               "and zip archives (the decks) store no other years; write the real start day")
    if data.get("status") == "live" and data.get("expires") is None:
        report(doc.pos(("status",)), ("expires",),
               "a live campaign needs `expires: YYYY-MM-DD` (the day it comes down); add it or use status: draft")
    if starts and expires and expires < starts:
        report(doc.pos(("expires",)), ("expires",),
               f"expires {expires} is before starts {starts}; a campaign must start before it ends")
    advocates = data.get("advocates")
    for i, adv in enumerate(advocates if isinstance(advocates, list) else []):
        loc = ("advocates", i, "consent")
        if isinstance(adv, dict) and doc.pos(loc).path == doc.path:  # a profile's own dates are its own
            consent_order(doc, loc, adv.get("consent"), report)
