"""Engagement from the host's own access logs: daily visits and readers per campaign, page and advocate."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from coffeerun.engagement import totals
from coffeerun.engagement.readers import LogError, Part, parts, read_part
from coffeerun.engagement.routes import link_sites
from coffeerun.engagement.tally import Found, Tally

__all__ = ["Counted", "LogError", "count_logs"]


@dataclass
class Counted:
    """What one `coffeerun engagement` run did, for its summary."""

    tally: Tally
    formats: list[str] = field(default_factory=list)
    merged: totals.Merged | None = None
    written: list[Path] = field(default_factory=list)

    def summary(self) -> list[str]:
        t = self.tally
        daily = t.totals()
        visits = sum(v for (day, _c, page, adv), (v, _r) in daily.items() if page == "*" and adv == "*")
        kits = sum(v for (_d, _c, page, _a), (v, _r) in daily.items() if page in ("kit", "advocate-kit"))
        days = sorted(t.coverage())
        lines = [f"read {len(self.formats)} log(s) ({', '.join(sorted(set(self.formats))) or 'none'}): "
                 f"{t.lines:,} lines, {days[0] + ' to ' + days[-1] if days else 'no days'}; "
                 f"{visits:,} share page visits and {kits:,} kit visits counted"]
        if t.left_out:
            lines.append("left out: " + ", ".join(f"{n:,} {why}" for why, n in sorted(t.left_out.items())))
        if t.not_requests:
            lines.append(f"skipped {t.not_requests:,} records that are not requests (deploy or function logs)")
        if t.malformed:
            lines.append(f"warning: {t.malformed:,} malformed line(s) skipped, the first at {t.first_malformed}")
        if self.merged is not None:
            lines.extend(f"warning: {line}; give every log of that day in one run to count it whole"
                         for line in self.merged.split)
            if self.merged.kept:
                lines.append(f"kept {len(self.merged.kept)} day(s) already counted from more of the day: "
                             f"{', '.join(self.merged.kept[:3])}{' …' if len(self.merged.kept) > 3 else ''}")
        names = ", ".join(p.name for p in self.written)
        lines.append(f"wrote {names} in {totals.FOLDER.as_posix()}/" if self.written else
                     "nothing changed in " + totals.FOLDER.as_posix() + "/")
        return lines


def _scan_parts(parts: list[Part], sites: dict, keys: tuple[bytes, bytes]) -> Iterator[Found]:
    """Each part's findings, in order: in a pool of forked processes (one per core) when there are several."""
    workers = min(len(parts), os.cpu_count() or 1)
    if workers <= 1:
        for part in parts:
            yield read_part(part, sites, keys)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(read_part, parts, repeat(sites), repeat(keys))


def count_logs(root: Path, campaigns: Sequence, secret: bytes, logs: Sequence[Path], fmt: str = "auto") -> Counted:
    """Read every log, count the days they cover, and replace those days in content/engagement/.

    Raises totals.StoreError when the files already there cannot be trusted, LogError when a log
    cannot be read at all (nothing is written then)."""
    stored = totals.load(root)
    if stored.problems:
        raise totals.StoreError(stored.problems)
    sites = {token.encode("ascii"): site for token, site in link_sites(secret, campaigns).items()}
    keys = (os.urandom(32), os.urandom(32))  # the run's hash keys: in memory only, gone when it ends
    every = [part for log in logs for part in parts(Path(log), fmt)]
    counted = Counted(Tally())
    offsets: dict[str, int] = {}
    for part, found in zip(every, _scan_parts(every, sites, keys), strict=True):
        counted.tally.add(found, part.path, offsets.get(part.path, 0))
        offsets[part.path] = offsets.get(part.path, 0) + found.lines
        if part.start == 0:
            counted.formats.append(found.kind)
    counted.merged = totals.merge(stored, counted.tally.totals(), counted.tally.coverage())
    counted.written = totals.write(root, counted.merged.stored)
    return counted
