"""Pydantic's errors turned into problems an author can act on."""

from __future__ import annotations

import types
import typing
from typing import Any, Callable, Iterator

from pydantic import BaseModel, ValidationError

from coffeerun.fieldtypes import short
from coffeerun.load import Document
from coffeerun.problems import Loc, Problem, did_you_mean, field_path, one_of

_MISSING_HINTS = {
    "consent": "; no content of an advocate without recorded consent: add consent: with granted: and "
               "expires: dates",
    "use": "",
    "owner": " (the marketer who answers questions: name and email)",
    "audiences": " (at least one department: - id: finance, name: Finance)",
    "advocates": " (at least one advocate, or - use: <id> of content/advocates/)",
    "subject": " (an email needs a subject line)",
}


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that owns the mapping at loc, walking fields and list items."""
    current: Any = model
    for part in loc:
        candidates = _unwrap(current)
        nxt = None
        for cand in candidates:
            if isinstance(part, int) and typing.get_origin(cand) is list:
                nxt = typing.get_args(cand)[0]
            elif isinstance(part, str) and isinstance(cand, type) and issubclass(cand, BaseModel):
                info = cand.model_fields.get(part)
                nxt = info.annotation if info else None
            if nxt is not None:
                break
        if nxt is None:
            return None
        current = nxt
    for cand in _unwrap(current):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _optional(model: type[BaseModel], loc: Loc) -> bool:
    owner = model_at(model, loc[:-1])
    info = owner.model_fields.get(str(loc[-1])) if owner else None
    return info is not None and not info.is_required()


def _found(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return short(value)


def _message(err: dict[str, Any], model: type[BaseModel], loc: Loc) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "extra_forbidden":
        owner = model_at(model, loc[:-1])
        fields = sorted(owner.model_fields) if owner else []
        return (f"unknown field {short(loc[-1])}; the fields here are {one_of(fields)}"
                f"{did_you_mean(str(loc[-1]), fields)}")
    if kind == "missing":
        return f"required field {short(loc[-1])} is missing{_MISSING_HINTS.get(str(loc[-1]), '')}"
    if kind == "literal_error":
        expected = [e.strip(" '") for e in ctx.get("expected", "").replace(" or ", ",").split(",")]
        return f"{_found(value)} is not accepted; write one of {one_of(expected)}{did_you_mean(value, expected)}"
    if kind in ("string_type", "int_type", "list_type", "dict_type", "model_type", "date_type", "bool_type",
                "int_parsing", "model_attributes_type"):
        wanted = {"string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
                  "list_type": "a list (lines starting with '- ')", "dict_type": "a mapping (key: value lines)",
                  "model_type": "a mapping (key: value lines)", "model_attributes_type": "a mapping (key: value lines)",
                  "date_type": "a date (YYYY-MM-DD)", "bool_type": "true or false"}[kind]
        hint = ""
        if value is None and loc and loc[-1] in ("primary", "accent"):
            hint = " (an unquoted # starts a comment: write the color in quotes, e.g. \"#0B3D91\")"
        elif value is None:
            hint = " (the value after the colon is empty)"
        return f"found {_found(value)}; expected {wanted}{hint}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s); found {ctx.get('actual_length', 0)}"
    if kind == "string_too_long":
        return (f"is {len(value)} characters; at most {ctx.get('max_length')} fit "
                "(shorten it, e.g. move detail into a pitch or quote)")
    if kind in ("greater_than_equal", "greater_than"):
        return f"found {_found(value)}; expected a whole number of at least {ctx.get('ge', ctx.get('gt'))}"
    if kind == "value_error" and "email" in err["msg"]:
        return f"{_found(value)} is not an email address: {ctx.get('reason', '')}".rstrip(": ")
    if kind == "string_pattern_mismatch":
        return f"{_found(value)} does not have the accepted form ({ctx.get('pattern')})"
    if kind == "blank" and loc and _optional(model, loc):
        return f"{err['msg']}, or delete the line (it is optional)"
    if kind in ("int_from_float", "int_parsing_size"):
        return f"found {_found(value)}; expected a whole number such as 2"
    return str(err["msg"]).removeprefix("Value error, ")


def _written_loc(loc: Loc, data: Any) -> Loc:
    """pydantic's loc without the names of union members (`list[str]`), which are no keys of the data."""
    out: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        if isinstance(part, int) and isinstance(current, list):
            current = current[part] if 0 <= part < len(current) else None
        elif isinstance(current, dict) and part in current:
            current = current[part]
        elif part == "[key]" or (isinstance(part, str) and "[" in part and i < len(loc) - 1):
            continue  # a dict key's error is about that key (pydantic marks it with "[key]")
        else:
            current = None
        out.append(part)
    return tuple(out)


def problems_from(exc: ValidationError, doc: Document, model: type[BaseModel], prefix: Loc = (),
                  keep: Callable[[Loc], bool] | None = None, data: Any = None) -> Iterator[Problem]:
    """One problem per pydantic error, placed at the key or value it is about.

    A required field is not reported missing when a misspelling of it is (the unknown-field message
    already says `did you mean`)."""
    errors = exc.errors(include_url=False)
    near_misses = set()
    for err in errors:
        loc = _written_loc(tuple(err["loc"]), doc.data if data is None else data)
        if err["type"] == "extra_forbidden":
            owner = model_at(model, loc[:-1])
            fields = list(owner.model_fields) if owner else []
            hint = did_you_mean(str(loc[-1]), fields)
            if hint:
                near_misses.add(loc[:-1] + (hint.split("'")[1],))
    for err in errors:
        loc = _written_loc(tuple(err["loc"]), doc.data if data is None else data)
        kind = err["type"]
        if (kind == "missing" and loc in near_misses) or (keep is not None and not keep(loc)):
            continue
        pos = doc.pos(prefix + (loc[:-1] if kind == "missing" else loc), key=kind in ("extra_forbidden", "missing"))
        yield Problem(pos.path, pos.line, pos.col, field_path(prefix + loc), _message(err, model, loc))
