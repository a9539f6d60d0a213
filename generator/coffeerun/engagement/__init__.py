"""Engagement from the host's own access logs: daily visits and readers per campaign, page and advocate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coffeerun.engagement import store
from coffeerun.engagement.readers import LogError, read_log
from coffeerun.engagement.routes import link_sites
from coffeerun.engagement.tally import Tally

__all__ = ["Counted", "LogError", "count_logs"]


@dataclass
class Counted:
    """What one `coffeerun engagement` run did, for its summary."""

    tally: Tally
    formats: list[str] = field(default_factory=list)
    merged: store.Merged | None = None
    written: list[Path] = field(default_factory=list)

    def summary(self) -> list[str]:
        t = self.tally
        totals = t.totals()
        visits = sum(v for (day, _c, page, adv), (v, _r) in totals.items() if page == "*" and adv == "*")
        kits = sum(v for (_d, _c, page, _a), (v, _r) in totals.items() if page in ("kit", "advocate-kit"))
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
        lines.append(f"wrote {names} in {store.FOLDER.as_posix()}/" if self.written else
                     "nothing changed in " + store.FOLDER.as_posix() + "/")
        return lines


def count_logs(root: Path, campaigns: Sequence, secret: bytes, logs: Sequence[Path], fmt: str = "auto") -> Counted:
    """Read every log, count the days they cover, and replace those days in content/engagement/.

    Raises store.StoreError when the files already there cannot be trusted, LogError when a log
    cannot be read at all (nothing is written then)."""
    stored = store.load(root)
    if stored.problems:
        raise store.StoreError(stored.problems)
    sites = {token.encode("ascii"): site for token, site in link_sites(secret, campaigns).items()}
    counted = Counted(Tally(sites))
    for log in logs:
        counted.tally.start_file(str(log))
        counted.formats.append(read_log(Path(log), fmt, counted.tally))
    counted.merged = store.merge(stored, counted.tally.totals(), counted.tally.coverage())
    counted.written = store.write(root, counted.merged.stored)
    return counted
