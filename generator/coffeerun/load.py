"""Load stage: read YAML files into plain data plus the position of every key and value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coffeerun.problems import Loc, Problem, field_path

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000  # after alias expansion; a "billion laughs" file stops here
MAX_DEPTH = 64


@dataclass(frozen=True)
class Pos:
    """Where something is written: display path, 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1


@dataclass
class Document:
    """One YAML file as plain data, with positions keyed by field location."""

    path: str
    data: Any
    values: dict[Loc, Pos] = field(default_factory=dict)
    keys: dict[Loc, Pos] = field(default_factory=dict)

    def pos(self, loc: Loc, *, key: bool = False) -> Pos:
        """Position of loc, or of its nearest written ancestor."""
        loc = tuple(loc)
        while True:
            if key and loc in self.keys:
                return self.keys[loc]
            if loc in self.values:
                return self.values[loc]
            if loc in self.keys:
                return self.keys[loc]
            if not loc:
                return Pos(self.path)
            loc = loc[:-1]


class LoadError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: `no`, `on`, `yes` stay text (language: no is Norwegian)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _pos(path: str, node: Node) -> Pos:
    return Pos(path, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain data, counting nodes as aliases expand."""

    def __init__(self, path: str, loader: _Loader):
        self.path = path
        self.loader = loader
        self.count = 0
        self.doc = Document(path, None)

    def fail(self, node: Node, message: str, loc: Loc = ()) -> None:
        p = _pos(self.path, node)
        raise LoadError(Problem(self.path, p.line, p.col, field_path(loc), message))

    def build(self, node: Node, loc: Loc, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(node, f"the file expands to more than {MAX_NODES} values (anchors and aliases "
                      "repeated too often); write the values out or split the file")
        if depth > MAX_DEPTH:
            self.fail(node, f"nested more than {MAX_DEPTH} levels deep")
        self.doc.values.setdefault(loc, _pos(self.path, node))
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self.fail(key_node, "a key must be a plain word, not a list or mapping", loc)
                key = self.loader.construct_object(key_node)
                if key == "<<":
                    self.fail(key_node, "merge keys (<<) are not supported; write the keys out", loc)
                if not isinstance(key, str):
                    key = key_node.value
                if key in out:
                    first = self.doc.keys[loc + (key,)]
                    self.fail(key_node, f"duplicate key '{key}' (first written at line {first.line}); "
                              "YAML would silently keep only the last one", loc + (key,))
                self.doc.keys[loc + (key,)] = _pos(self.path, key_node)
                out[key] = self.build(value_node, loc + (key,), depth + 1)
            return out
        if isinstance(node, SequenceNode):
            return [self.build(item, loc + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            self.fail(node, f"'{node.value}' looks like a date but is not a real one; write YYYY-MM-DD", loc)


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise LoadError(Problem(path, line, col, "", f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                                "save it as UTF-8")) from None


def parse_yaml(text: str, path: str) -> Document:
    """Parse YAML text; raise LoadError with a position on any problem."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise LoadError(Problem(path, 1, 1, "", "the file is empty; it needs a mapping of fields"))
        if not isinstance(node, MappingNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a single value"
            p = _pos(path, node)
            raise LoadError(Problem(path, p.line, p.col, "",
                                    f"the top level is {kind}; it must be a mapping of fields (key: value)"))
        builder = _Builder(path, loader)
        builder.doc.data = builder.build(node, ())
        return builder.doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise LoadError(Problem(path, line, col, "", f"not valid YAML: {what}")) from None
    except yaml.YAMLError as exc:
        raise LoadError(Problem(path, 1, 1, "", f"not valid YAML: {exc}")) from None
    except RecursionError:
        raise LoadError(Problem(path, 1, 1, "", "nested too deeply to read")) from None
    finally:
        loader.dispose()


def load_yaml(file: Path, display: str) -> Document:
    """Read and parse one YAML file, refusing oversized and non-UTF-8 files."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(Problem(display, 1, 1, "", f"the file is {size} bytes; the limit is {MAX_FILE_BYTES}"))
        raw = file.read_bytes()
    except OSError as exc:
        raise LoadError(Problem(display, 1, 1, "", f"cannot read the file: {exc.strerror}")) from None
    return parse_yaml(_decode(raw, display), display)
