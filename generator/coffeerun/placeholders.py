"""Validate stage: the CHANGE-ME values `coffeerun init` writes, one error each until they are replaced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coffeerun.load import Document, Pos
from coffeerun.problems import Loc, Problem, field_path

MARKER = "CHANGE-ME"

# What to write instead, by field; a field not named here gets the generic hint.
_HINTS = {
    "name": "write your company's name (the vendor), shown in every footer and on every slide",
    "product": "write your product's name",
    "logo": "put your logo (SVG or PNG) in theme/ and write its file name, e.g. logo.svg",
    "colors.primary": 'write your brand colour as #RGB or #RRGGBB, e.g. "#1F2937"',
    "colors.accent": 'write a second brand colour as #RGB or #RRGGBB, e.g. "#F2A541", or delete the line',
    "site_url": "write the https address the sites are published at, e.g. https://advocates.example.com/",
}


def _marked(data: Any, loc: Loc = ()) -> Iterator[Loc]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _marked(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _marked(value, (*loc, index))
    elif isinstance(data, str) and MARKER in data:
        yield loc


def _value(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def find_placeholders(doc: Document) -> list[Problem]:
    """One error per value that still holds the marker, at the value's position."""
    problems = []
    for loc in _marked(doc.data):
        pos, where = doc.pos(loc), field_path(loc)
        written = _value(doc.data, loc)
        shown = written if len(written) <= 60 else written[:59] + "…"
        hint = _HINTS.get(where, "replace it with your own value")
        problems.append(Problem(pos.path, pos.line, pos.col, where,
                                f"still the placeholder {shown!r} that coffeerun init wrote; {hint}"))
    return problems


def placeholder_locs(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


def covered(fields: set[str], loc: Loc) -> bool:
    """True when loc is a placeholder field or inside one (its other problems are left out)."""
    where = field_path(loc)
    return any(where == f or where.startswith((f + ".", f + "[")) for f in fields)


def config_placeholders(mkdocs_yml: Path, display: str) -> list[Problem]:
    """Placeholders in the project's mkdocs.yml, read as `check` and `build` read it (!ENV, INHERIT); a file
    MkDocs cannot read is the config reader's to report."""
    from coffeerun.render import engine

    config = engine.project_config(mkdocs_yml)
    values = {loc: Pos(display, line, col) for loc, (line, col) in config.value_positions.items()}
    keys = {loc: Pos(display, line, col) for loc, (line, col) in config.positions.items()}
    return find_placeholders(Document(display, config.data, values, keys))
