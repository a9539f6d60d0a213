"""content/engagement/: daily totals per month (<YYYY-MM>.csv) and which part of each day they were counted from.

The rule that makes a run idempotent and overlapping logs count once, without keeping anything about a
reader between runs: every run counts each day from all the logs it is given together (a line that is
in two of them counts once), and a day's rows are replaced only when this run's logs cover at least the
part of that day the rows were counted from (coverage.csv: first and last minute, UTC). The same logs
again give the same rows; a later run with more of a day replaces it; a run with less of a day (the
oldest rotated log, say) leaves it. When neither covers the other (a day split between two runs), the
longer part is kept and the run says so: give every log of such a day in one run to count it whole.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from coffeerun.atomic import write_text_atomic
from coffeerun.engagement.tally import Group

FOLDER = Path("content") / "engagement"
COLUMNS = ("date", "campaign", "page", "advocate", "visits", "visitors")
COVERAGE = "coverage.csv"
COVERAGE_COLUMNS = ("date", "first", "last")
_MONTH = re.compile(r"^\d{4}-\d{2}\.csv$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^(\*|[a-z0-9][a-z0-9:-]{0,126})?$")

Totals = dict[Group, tuple[int, int]]


class StoreError(Exception):
    """A file in content/engagement/ that cannot be trusted: one `path:line:col: error: …` per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Stored:
    totals: Totals = field(default_factory=dict)
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _rows(path: Path, columns: tuple[str, ...], problems: list[str], display: str) -> list[tuple[int, list[str]]]:
    if not path.is_file() or path.is_symlink():
        if path.exists() or path.is_symlink():
            problems.append(f"{display}:1:1: error: not a regular file; coffeerun writes this file itself")
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != columns:
        problems.append(f"{display}:1:1: error: the first line must be the header {','.join(columns)}")
        return []
    return [(n, row) for n, row in enumerate(rows[1:], start=2) if row]


def _minute(text: str) -> int | None:
    match = _TIME.match(text)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def load(root: Path) -> Stored:
    """Every row of content/engagement/; a row that does not read is a problem, never a crash."""
    folder = root / FOLDER
    stored = Stored()
    if not folder.is_dir():
        return stored
    for path in sorted(folder.iterdir()):
        if not _MONTH.match(path.name):
            continue
        display = (FOLDER / path.name).as_posix()
        for n, row in _rows(path, COLUMNS, stored.problems, display):
            if len(row) != len(COLUMNS) or not _DATE.match(row[0]) or not row[0].startswith(path.stem) \
                    or not all(_NAME.match(v) for v in row[1:4]) or not (row[4].isdigit() and row[5].isdigit()):
                stored.problems.append(f"{display}:{n}:1: error: expected {','.join(COLUMNS)} with a date of "
                                       f"{path.stem}, ids, and two whole numbers; run coffeerun engagement on "
                                       "the logs again to rewrite it")
                continue
            stored.totals[(row[0], row[1], row[2], row[3])] = (int(row[4]), int(row[5]))
    display = (FOLDER / COVERAGE).as_posix()
    for n, row in _rows(folder / COVERAGE, COVERAGE_COLUMNS, stored.problems, display):
        first, last = (_minute(v) for v in row[1:3]) if len(row) == 3 else (None, None)
        if len(row) != 3 or not _DATE.match(row[0]) or first is None or last is None:
            stored.problems.append(f"{display}:{n}:1: error: expected date,first,last as YYYY-MM-DD,HH:MM,HH:MM")
            continue
        stored.coverage[row[0]] = (first, last)
    return stored


@dataclass
class Merged:
    stored: Stored
    replaced: list[str] = field(default_factory=list)  # days counted from these logs
    kept: list[str] = field(default_factory=list)  # days already counted from more of the day
    split: list[str] = field(default_factory=list)  # days neither run covers whole: one line each


def _covers(outer: tuple[int, int], inner: tuple[int, int]) -> bool:
    return outer[0] <= inner[0] and outer[1] >= inner[1]


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def merge(stored: Stored, totals: Totals, coverage: dict[str, tuple[int, int]]) -> Merged:
    """The stored totals with the days these logs count (see the module's rule)."""
    result = Merged(Stored(dict(stored.totals), dict(stored.coverage)))
    for day in sorted(coverage):
        new, old = coverage[day], stored.coverage.get(day)
        if old is not None and not _covers(new, old):
            if _covers(old, new):
                result.kept.append(day)
                continue
            were, have = f"{_hhmm(old[0])}–{_hhmm(old[1])}", f"{_hhmm(new[0])}–{_hhmm(new[1])}"
            if new[1] - new[0] <= old[1] - old[0]:
                result.split.append(f"{day}: kept the totals counted from {were} UTC; these logs have {have}")
                continue
            result.split.append(f"{day}: replaced the totals counted from {were} UTC with these logs' {have}")
        result.stored.totals = {g: v for g, v in result.stored.totals.items() if g[0] != day}
        result.stored.totals.update({g: v for g, v in totals.items() if g[0] == day})
        result.stored.coverage[day] = new
        result.replaced.append(day)
    return result


def _csv(columns: tuple[str, ...], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def write(root: Path, stored: Stored) -> list[Path]:
    """Write the month files and coverage.csv that changed; the paths written."""
    folder = root / FOLDER
    months: dict[str, list[tuple]] = {}
    for group, (visits, visitors) in sorted(stored.totals.items()):
        months.setdefault(group[0][:7], []).append((*group, visits, visitors))
    for day in stored.coverage:
        months.setdefault(day[:7], [])
    files = {folder / f"{month}.csv": _csv(COLUMNS, rows) for month, rows in months.items()}
    files[folder / COVERAGE] = _csv(COVERAGE_COLUMNS, [(day, _hhmm(a), _hhmm(b))
                                                       for day, (a, b) in sorted(stored.coverage.items())])
    written = []
    for path, text in sorted(files.items()):
        try:
            same = path.read_text(encoding="utf-8") == text
        except OSError:
            same = False
        if not same:
            write_text_atomic(path, text)
            written.append(path)
    return written
