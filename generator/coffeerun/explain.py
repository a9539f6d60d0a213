"""Pydantic's errors turned into problems an author can act on."""

from __future__ import annotations

import types
import typing
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from coffeerun.fieldtypes import short
from coffeerun.load import Document
from coffeerun.problems import Loc, Problem, did_you_mean, field_path, one_of

_TYPE_NAMES = {"str": "text", "int": "a whole number", "list": "a list", "dict": "a mapping",
               "date": "a date", "bool": "true or false"}


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
        return (f"unknown field '{loc[-1]}'; the fields here are {one_of(fields)}"
                f"{did_you_mean(str(loc[-1]), fields)}")
    if kind == "missing":
        return f"required field '{loc[-1]}' is missing"
    if kind == "literal_error":
        expected = [e.strip(" '") for e in ctx.get("expected", "").replace(" or ", ",").split(",")]
        return f"{_found(value)} is not accepted; write one of {one_of(expected)}{did_you_mean(value, expected)}"
    if kind in ("string_type", "int_type", "list_type", "dict_type", "model_type", "date_type", "bool_type",
                "int_parsing", "model_attributes_type"):
        wanted = {"string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
                  "list_type": "a list (lines starting with '- ')", "dict_type": "a mapping (key: value lines)",
                  "model_type": "a mapping (key: value lines)", "model_attributes_type": "a mapping (key: value lines)",
                  "date_type": "a date (YYYY-MM-DD)", "bool_type": "true or false"}[kind]
        return f"found {_found(value)}; expected {wanted}"
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
    return err["msg"]


def problems_from(exc: ValidationError, doc: Document, model: type[BaseModel],
                  prefix: Loc = ()) -> Iterator[Problem]:
    """One problem per pydantic error, placed at the key or value it is about."""
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] in ("union_tag_invalid",) or any(isinstance(p, str) and "[" in p for p in loc):
            loc = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
        kind = err["type"]
        pos = doc.pos(prefix + (loc[:-1] if kind == "missing" else loc), key=kind in ("extra_forbidden", "missing"))
        yield Problem(pos.path, pos.line, pos.col, field_path(prefix + loc), _message(err, model, loc))
