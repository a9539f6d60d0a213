"""Counting one run: visits and distinct readers per day and page, with keys that die with the run."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from coffeerun.engagement.agents import is_automated, is_prefetch
from coffeerun.engagement.routes import ALL, Page, Site, page_of

Group = tuple[str, str, str, str]  # (date, campaign, page, advocate)
CACHE_LIMIT = 100_000  # distinct paths or user agents remembered at once


@dataclass
class Found:
    """What one part of one log says, as plain data a worker process sends back: counters, coverage, and one
    (day, page, line fingerprint, reader) per page view, the last two as keyed hashes."""

    kind: str = ""
    lines: int = 0
    malformed: int = 0
    first_malformed: int = 0  # its line number in this part (0: none)
    not_requests: int = 0
    left_out: Counter = field(default_factory=Counter)
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    views: list[tuple[str, Page, bytes, bytes]] = field(default_factory=list)


@dataclass
class Scan:
    """The reader's side of a part of a log: it sees every line, keeps numbers, and hashes every page view's
    line and reader under the run's keys (BLAKE2b) at once: no IP address or user agent goes further."""

    sites: dict[bytes, Site]
    keys: tuple[bytes, bytes]  # (line key, reader key): random, made for the run, never stored
    minutes: dict = field(default_factory=dict)  # time key -> (UTC day, minute of day) or None: coverage
    found: Found = field(default_factory=Found)
    _pages: dict[bytes, Page | None] = field(default_factory=dict)  # path -> page, for speed
    _agents: dict[bytes, bool] = field(default_factory=dict)  # user agent -> automated, for speed

    def __post_init__(self) -> None:
        self._line_hash = hashlib.blake2b(key=self.keys[0], digest_size=8)
        self._reader_hash = hashlib.blake2b(key=self.keys[1], digest_size=8)
        self.left_out = self.found.left_out

    def malformed_line(self, number: int) -> None:
        """Line `number` of this part (counting lines that are not blank) cannot be read."""
        self.found.malformed += 1
        if not self.found.first_malformed:
            self.found.first_malformed = number

    def result(self) -> Found:
        spans: dict[str, tuple[int, int]] = {}
        for when in self.minutes.values():
            if when:
                day, minute = when
                low, high = spans.get(day, (minute, minute))
                spans[day] = (min(low, minute), max(high, minute))
        self.found.coverage = spans
        return self.found

    def request(self, when: tuple[str, int], method: bytes, path: bytes, status: bytes, agent: bytes, ip: bytes,
                purpose: bytes, line: bytes, site: Site) -> None:
        """One request for a path inside a private site; counted when a person opened a page."""
        if method != b"GET":
            self.left_out["HEAD or other method" if method != b"HEAD" else "HEAD"] += 1
            return
        if not (status[:1] == b"2" or status == b"304"):  # errors, and redirects (the next request counts)
            self.left_out["not found, error or redirect"] += 1
            return
        rest = path.split(b"?", 1)[0].split(b"#", 1)[0]
        page: Page | bool | None = self._pages.get(rest, False)
        if page is False:
            if len(self._pages) > CACHE_LIMIT:
                self._pages.clear()
            slash = rest.find(b"/", 1)
            page = self._pages[rest] = page_of(site, rest[slash + 1:].decode("utf-8", "replace") if slash > 0 else "")
        if not isinstance(page, Page):
            self.left_out["files and paths that are not pages"] += 1
            return
        automated = self._agents.get(agent)
        if automated is None:
            if len(self._agents) > CACHE_LIMIT:
                self._agents.clear()
            automated = self._agents[agent] = is_automated(agent.decode("utf-8", "replace"))
        if automated:
            self.left_out["bots, link previews and mail scanners"] += 1
            return
        if purpose and is_prefetch(purpose.decode("utf-8", "replace")):
            self.left_out["prefetches"] += 1
            return
        line_digest = self._line_hash.copy()  # a copy of a keyed hash: cheaper than keying a new one
        line_digest.update(line.rstrip(b"\r"))
        reader_digest = self._reader_hash.copy()
        reader_digest.update(ip + b"\x00" + agent)
        self.found.views.append((when[0], page, line_digest.digest(), reader_digest.digest()))


@dataclass
class Tally:
    """The run's totals from every part of every log: a line in two logs is counted once, a reader once
    per day and page; the fingerprint sets vanish with the process."""

    lines: int = 0
    malformed: int = 0
    not_requests: int = 0
    first_malformed: str = ""
    left_out: Counter = field(default_factory=Counter)
    visits: Counter = field(default_factory=Counter)
    readers: dict[Group, set[bytes]] = field(default_factory=dict)
    seen: dict[str, set[bytes]] = field(default_factory=dict)  # per day: fingerprints of counted lines
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, found: Found, where: str, line_offset: int) -> None:
        """One part's findings (line_offset: lines of the same log in the parts before it)."""
        self.lines += found.lines
        self.not_requests += found.not_requests
        self.left_out.update(found.left_out)
        if found.malformed and not self.first_malformed:
            self.first_malformed = f"{where}:{line_offset + found.first_malformed}"
        self.malformed += found.malformed
        for day, (low, high) in found.coverage.items():
            was = self.spans.get(day, (low, high))
            self.spans[day] = (min(was[0], low), max(was[1], high))
        for day, page, fingerprint, reader in found.views:
            seen = self.seen.setdefault(day, set())
            if fingerprint in seen:
                self.left_out["the same line in two logs"] += 1
                continue
            seen.add(fingerprint)
            self._count(day, page, reader)

    def _count(self, day: str, page: Page, reader: bytes) -> None:
        groups = [(day, page.campaign, page.page, page.advocate)]
        if page.on_share_site:  # the day's totals: a reader who opened three pages is one reader
            groups += [(day, page.campaign, ALL, page.advocate), (day, page.campaign, ALL, ALL)]
        for group in groups:
            self.visits[group] += 1
            self.readers.setdefault(group, set()).add(reader)

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Per UTC day: the first and last minute of that day these logs have a line for."""
        return dict(self.spans)

    def totals(self) -> dict[Group, tuple[int, int]]:
        """(visits, visitors) per group; only numbers leave the run."""
        return {group: (visits, len(self.readers[group])) for group, visits in self.visits.items()}
