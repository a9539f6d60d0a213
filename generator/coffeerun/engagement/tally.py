"""Counting one run: visits and distinct readers per day and page, with keys that die with the run."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from coffeerun.engagement.agents import is_automated, is_prefetch
from coffeerun.engagement.routes import ALL, Page, Site, page_of

Group = tuple[str, str, str, str]  # (date, campaign, page, advocate)
CACHE_LIMIT = 100_000  # distinct paths or user agents remembered at once


@dataclass
class Tally:
    """What the logs of one run say. Readers (ip, user agent) and whole lines are kept only as keyed
    hashes (BLAKE2b) under two random keys made for this run and never stored: the sets let a reader be
    counted once per day and a line that appears in two logs once, and they vanish with the process."""

    sites: dict[bytes, Site]
    minutes: dict = field(default_factory=dict)  # time key -> (UTC day, minute of day) or None: coverage
    lines: int = 0
    malformed: int = 0
    not_requests: int = 0
    first_malformed: str = ""
    where: str = ""  # the log being read, for the first malformed line's place
    offset: int = 0  # lines read before this log
    left_out: Counter = field(default_factory=Counter)
    visits: Counter = field(default_factory=Counter)
    readers: dict[Group, set[bytes]] = field(default_factory=dict)
    seen: dict[str, set[bytes]] = field(default_factory=dict)  # per day: fingerprints of counted lines
    _pages: dict[bytes, Page | None] = field(default_factory=dict)  # path -> page, for speed
    _agents: dict[bytes, bool] = field(default_factory=dict)  # user agent -> automated, for speed
    _line_hash: Any = field(default_factory=lambda: hashlib.blake2b(key=os.urandom(32), digest_size=8))
    _reader_hash: Any = field(default_factory=lambda: hashlib.blake2b(key=os.urandom(32), digest_size=8))

    def start_file(self, name: str) -> None:
        self.where, self.offset = name, self.lines

    def malformed_line(self) -> None:
        self.malformed += 1
        if not self.first_malformed:
            self.first_malformed = f"{self.where}:{self.lines - self.offset}"

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
        day = when[0]
        digest = self._line_hash.copy()  # a copy of a keyed hash: cheaper than keying a new one
        digest.update(line.rstrip(b"\r"))
        fingerprint = digest.digest()
        seen = self.seen.setdefault(day, set())
        if fingerprint in seen:
            self.left_out["the same line in two logs"] += 1
            return
        seen.add(fingerprint)
        digest = self._reader_hash.copy()
        digest.update(ip + b"\x00" + agent)
        self._count(day, page, digest.digest())

    def _count(self, day: str, page: Page, reader: bytes) -> None:
        groups = [(day, page.campaign, page.page, page.advocate)]
        if page.on_share_site:  # the day's totals: a reader who opened three pages is one reader
            groups += [(day, page.campaign, ALL, page.advocate), (day, page.campaign, ALL, ALL)]
        for group in groups:
            self.visits[group] += 1
            self.readers.setdefault(group, set()).add(reader)

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Per UTC day: the first and last minute of that day these logs have a line for."""
        spans: dict[str, tuple[int, int]] = {}
        for when in self.minutes.values():
            if when:
                day, minute = when
                low, high = spans.get(day, (minute, minute))
                spans[day] = (min(low, minute), max(high, minute))
        return spans

    def totals(self) -> dict[Group, tuple[int, int]]:
        """(visits, visitors) per group; only numbers leave the run."""
        return {group: (visits, len(self.readers[group])) for group, visits in self.visits.items()}
