"""Problems found in the input: plain data, formatted once at the boundary."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

Loc = tuple[str | int, ...]
_WORD = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file: `path:line:col: severity: field.path: message`."""

    path: str
    line: int
    col: int
    field: str
    message: str
    severity: str = "error"

    def format(self) -> str:
        """One line, whatever the input held."""
        where = f"{self.field}: " if self.field else ""
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {where}{self.message}"
        return text.replace("\r", "\\r").replace("\n", "\\n")

    def annotation(self) -> str:
        """The GitHub Actions workflow command for this problem."""
        kind = "error" if self.severity == "error" else "warning"
        text = _escape((f"{self.field}: " if self.field else "") + self.message)
        path = _escape(self.path).replace(":", "%3A").replace(",", "%2C")
        return f"::{kind} file={path},line={self.line},col={self.col}::{text}"


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


@dataclass
class Problems:
    """An ordered collection of problems; every stage adds to it instead of stopping."""

    items: list[Problem] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set, init=False, repr=False, compare=False)

    def add(self, problem: Problem) -> None:
        if len(self._seen) != len(self.items):  # items were changed directly
            self._seen = set(self.items)
        if problem not in self._seen:
            self._seen.add(problem)
            self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == "error")

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity != "error")

    @property
    def ordered(self) -> list[Problem]:
        """Every problem, errors and warnings together, by file, line and column."""
        return sorted(self.items, key=lambda p: (p.path, p.line, p.col, p.severity != "error", p.field,
                                                 p.message))

    def __bool__(self) -> bool:
        return bool(self.errors)


def field_path(loc: Loc) -> str:
    """('quotes', 2, 'by') -> 'quotes[2].by'; a key that is not a plain word is quoted: ["a b"]."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _WORD.match(str(part)):
            out += ("." if out else "") + str(part)
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)[:80]}]"
    return out


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a near miss among choices, else ''."""
    if not isinstance(word, str):
        return ""
    pool = sorted(set(choices))
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f"; did you mean '{lowered[word.lower()]}'?"
    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def one_of(choices: Iterable[str]) -> str:
    names = [str(c) for c in choices]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]
