"""Load stage: read YAML files into plain data plus the position of every key and value."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coffeerun.problems import Loc, Problem, field_path

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000  # after alias expansion; a "billion laughs" file stops here
MAX_TEXT = 2 * MAX_FILE_BYTES  # characters of text after alias expansion
MAX_DEPTH = 64
_BOOL, _INT, _FLOAT = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
# The only types a coffeerun file holds; !!binary, !!set, !!omap, !!python/… and the rest are refused.
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP_TAG, _SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Written as escapes ("\x07", "\uFFFE") they pass the YAML reader, then break pages, decks and zips:
# C0/C1 controls except tab and newline, unpaired surrogates and the Unicode noncharacters.
# Also what kept slide frames are held to (frame_record.py).
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                       + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17)) + "]")


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


class SourceInt(int):
    """An int read from YAML that remembers how it was written (`007`, `1e3`), for text fields."""

    source: str


class SourceFloat(float):
    """A float read from YAML that remembers how it was written (`3.10` stays `3.10` in text)."""

    source: str


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: same nodes, faster


class _Loader(_BASE):  # type: ignore[valid-type,misc]
    """SafeLoader with YAML 1.2 core scalars: `no`/`on`/`yes` stay text (language: no is Norwegian),
    no sexagesimal (1:20) or octal (010) surprises; dates stay dates."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver(_INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT, re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+.0123456789"))


def _number(tag: str, text: str) -> Any:
    """YAML 1.2 core int and float, keeping the written text."""
    if tag == _INT:
        number: Any = SourceInt(int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10))
    else:
        lowered = text.lower()
        if lowered.endswith(".inf"):
            number = SourceFloat("-inf" if lowered.startswith("-") else "inf")
        else:
            number = SourceFloat("nan" if lowered == ".nan" else text)
    number.source = text
    return number


def _clip(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _forbidden(text: str) -> str | None:
    """What is wrong with a text that holds a character no page, deck or zip can carry, or None."""
    found = FORBIDDEN.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = "noncharacter" if code >= 0xFDD0 else "unpaired surrogate" if code >= 0xD800 else "control character"
    return (f"contains the {kind} U+{code:04X} (at character {found.start() + 1}, written as an escape); "
            "remove it")


def _pos(path: str, node: Node) -> Pos:
    return Pos(path, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain data, counting nodes and text as aliases expand."""

    def __init__(self, path: str, loader: _Loader):
        self.path = path
        self.loader = loader
        self.count = 0
        self.chars = 0
        self.doc = Document(path, None)

    def fail(self, node: Node, message: str, loc: Loc = ()) -> NoReturn:
        p = _pos(self.path, node)
        raise LoadError(Problem(self.path, p.line, p.col, field_path(loc), message))

    def too_big(self, node: Node, loc: Loc, message: str) -> NoReturn:
        """Expansion limits are reported at the top-level key being expanded: aliased nodes carry the
        position of their anchor, which may be far away."""
        if loc and (loc[0],) in self.doc.keys:
            p = self.doc.keys[(loc[0],)]
            raise LoadError(Problem(self.path, p.line, p.col, field_path(loc[:1]), message))
        self.fail(node, message)

    def build(self, node: Node, loc: Loc, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.too_big(node, loc, f"the file expands to more than {MAX_NODES} values (anchors and aliases "
                         "repeated too often); write the values out or split the file")
        if depth > MAX_DEPTH:
            self.too_big(node, loc, f"nested more than {MAX_DEPTH} levels deep (or an alias refers to itself)")
        self.doc.values.setdefault(loc, _pos(self.path, node))
        expected = _MAP_TAG if isinstance(node, MappingNode) else _SEQ_TAG if isinstance(node, SequenceNode) else None
        if expected is not None and node.tag != expected:
            self.fail(node, f"the tag {_clip(_tag_name(node.tag))} is not accepted; a coffeerun file holds only "
                      "text, numbers, dates, true/false, lists and mappings: remove the tag", loc)
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self.fail(key_node, "a key must be a plain word, not a list or mapping", loc)
                key = str(key_node.value)
                if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(key_node, "merge keys (<<) are not supported; write the keys out", loc)
                if key_node.tag not in _SCALAR_TAGS:
                    self.fail(key_node, f"the key's tag {_clip(_tag_name(key_node.tag))} is not accepted; write "
                              "the key as a plain word", loc)
                bad = _forbidden(key)
                if bad is not None:
                    self.fail(key_node, f"the key {bad}", loc)
                key_loc = (*loc, key)
                if key in out:
                    first = self.doc.keys[key_loc]
                    self.fail(key_node, f"duplicate key {_clip(key)} (first written at line {first.line}); "
                              "YAML would silently keep only the last one", key_loc)
                self.doc.keys[key_loc] = _pos(self.path, key_node)
                out[key] = self.build(value_node, key_loc, depth + 1)
            return out
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        self.chars += len(node.value)
        if self.chars > MAX_TEXT:
            self.too_big(node, loc, f"the file expands to more than {MAX_TEXT:,} characters of text (anchors "
                         "and aliases repeated too often); write the values out")
        if not node.tag.startswith("tag:yaml.org,2002:"):
            self.fail(node, f"{_clip(node.tag + ' ' + node.value)} starts with '!', which YAML reads as a tag; "
                      "put the whole value in quotes", loc)
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, f"the tag {_clip(_tag_name(node.tag))} is not accepted; a coffeerun file holds only "
                      "text, numbers, dates, true/false, lists and mappings: remove the tag", loc)
        if node.tag in (_INT, _FLOAT):
            try:
                return _number(node.tag, node.value)
            except ValueError:
                self.fail(node, f"{_clip(node.value)} cannot be read as a number (too long or malformed); "
                          "put it in quotes if it is text", loc)
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, TypeError):
            if node.tag == "tag:yaml.org,2002:timestamp":
                self.fail(node, f"'{node.value}' looks like a date but is not a real one; write YYYY-MM-DD", loc)
            self.fail(node, f"{_clip(node.value)} cannot be read as {node.tag.rsplit(':', 1)[-1]}; "
                      "remove the tag or put the value in quotes", loc)
        bad = _forbidden(value) if isinstance(value, str) else None
        if bad is not None:
            self.fail(node, f"the text {bad}", loc)
        return value


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
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None or (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
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
        from coffeerun.yamlhints import explain

        line, col, what = explain(text, exc)
        raise LoadError(Problem(path, line, col, "", f"not valid YAML: {what}")) from None
    except yaml.reader.ReaderError as exc:
        before = text.encode("utf-8")[: exc.position].decode("utf-8", "replace") if _BASE is not yaml.SafeLoader \
            else text[: exc.position]  # libyaml counts bytes, PyYAML characters
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise LoadError(Problem(path, line, col, "", f"the file contains the control character "
                                f"U+{code:04X}, which YAML does not allow; remove it")) from None
    except yaml.YAMLError as exc:
        raise LoadError(Problem(path, 1, 1, "", f"not valid YAML: {exc}")) from None
    except RecursionError:
        raise LoadError(Problem(path, 1, 1, "", "nested too deeply to read")) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(file: Path, display: str) -> Document:
    """Read and parse one YAML file, refusing oversized and non-UTF-8 files."""
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(Problem(display, 1, 1, "", "not a regular file; a YAML file is expected here"))
        if info.st_size > MAX_FILE_BYTES:
            raise LoadError(Problem(display, 1, 1, "", f"the file is {info.st_size:,} bytes; the limit is "
                                    f"{MAX_FILE_BYTES:,} bytes: split it or move long text into files"))
        raw = file.read_bytes()
    except OSError as exc:
        raise LoadError(Problem(display, 1, 1, "", f"cannot read the file: {exc.strerror}")) from None
    return parse_yaml(_decode(raw, display), display)


# Tags with which PyYAML's full loader (the one MkDocs reads mkdocs.yml with) imports modules or calls
# functions while it reads: a config file must not run code. `!!python/name:` (a reference, used for
# Material's emoji functions) stays allowed.
_CODE_TAGS = ("tag:yaml.org,2002:python/object", "tag:yaml.org,2002:python/module")


def code_in_config(file: Path) -> list[tuple[int, int, str]]:
    """(line, col, what) for each part of a MkDocs config that would run code from anywhere: a tag that
    calls or imports while the file is read, and `hooks:` (Python files MkDocs runs). Nothing is
    constructed."""
    try:
        root = yaml.compose(file.read_bytes(), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return []  # the reader that loads it reports what is wrong
    found: list[tuple[int, int, str]] = []
    if isinstance(root, MappingNode):
        found.extend((key.start_mark.line + 1, key.start_mark.column + 1, "hooks: (Python files MkDocs runs)")
                     for key, _ in root.value if isinstance(key, ScalarNode) and key.value == "hooks")
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if node.tag.startswith(_CODE_TAGS):
            found.append((node.start_mark.line + 1, node.start_mark.column + 1, f"the tag {_tag_name(node.tag)}"))
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return sorted(found)
