"""Problems found in the input: plain data, formatted once at the boundary."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable

Loc = tuple[str | int, ...]


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
        where = f"{self.field}: " if self.field else ""
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {where}{self.message}"

    def annotation(self) -> str:
        """The GitHub Actions workflow command for this problem."""
        kind = "error" if self.severity == "error" else "warning"
        text = (f"{self.field}: " if self.field else "") + self.message
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{kind} file={self.path},line={self.line},col={self.col}::{text}"


@dataclass
class Problems:
    """An ordered collection of problems; every stage adds to it instead of stopping."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        if problem not in self.items:
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

    def __bool__(self) -> bool:
        return bool(self.errors)


def field_path(loc: Loc) -> str:
    """('quotes', 2, 'by') -> 'quotes[2].by'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
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
