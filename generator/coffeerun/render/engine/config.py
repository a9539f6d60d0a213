"""mkdocs.yml read by MkDocs' own loader (`!ENV`, `INHERIT`, `!relative`), for `check` and `build` alike.

What comes back is plain data plus where each setting is written, and every problem MkDocs (or its
YAML parser) finds, each with its line: `check` prints them, `build` refuses to start with them.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

WRITTEN_FOR = (1, 6)  # the MkDocs minor version this module and the build in engine/ were written for
Loc = tuple[str | int, ...]
_WHERE = re.compile(r"line (\d+), column (\d+)")  # how PyYAML names a place in its messages


@dataclass(frozen=True)
class ConfigProblem:
    """One problem of mkdocs.yml: where it is and what is wrong."""

    line: int
    col: int
    loc: Loc
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class EnvTag:
    """A `!ENV` value: the variables it reads in order, and whether it has a default."""

    loc: Loc
    names: tuple[str, ...]
    has_default: bool
    line: int
    col: int


@dataclass
class ConfigFile:
    """mkdocs.yml as MkDocs reads it: merged with its INHERIT parent, every `!ENV` resolved."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)  # where each key is written
    value_positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)  # and each value
    env_tags: list[EnvTag] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)

    def where(self, loc: Loc) -> tuple[int, int]:
        """Line and column of loc, or of its nearest written ancestor (inherited settings: line 1)."""
        loc = tuple(loc)
        while loc and loc not in self.positions:
            loc = loc[:-1]
        return self.positions.get(loc, (1, 1))

    def problem(self, loc: Loc, message: str, severity: str = "error") -> None:
        line, col = self.where(loc)
        self.problems.append(ConfigProblem(line, col, tuple(loc), message, severity))

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def mkdocs_version() -> tuple[int, int]:
    from mkdocs import __version__

    major, minor = __version__.split(".")[:2]
    return int(major), int(minor)


def version_problem() -> str | None:
    """Why the installed MkDocs is not the one this engine was written for, or None."""
    from mkdocs import __version__

    if mkdocs_version()[0] != WRITTEN_FOR[0] or mkdocs_version() < WRITTEN_FOR:
        wanted = ".".join(map(str, WRITTEN_FOR))
        return (f"coffeerun's engine was written for MkDocs {wanted}.x and MkDocs {__version__} is installed; "
                f"install a 1.x release from {wanted} on: pip install 'mkdocs>={wanted},<2'")
    return None


def _positions(node: yaml.Node, loc: Loc, out: ConfigFile) -> None:
    if node.tag == "!ENV":
        names = [n.value for n in node.value] if isinstance(node, yaml.SequenceNode) else [node.value]
        if isinstance(node, yaml.MappingNode) or not all(isinstance(n, str) for n in names):
            out.problem(loc, "!ENV takes a variable name, or a list of names with a default last, e.g. "
                        "!ENV [SITE_URL, 'https://advocates.example.com/']")
            return
        has_default = isinstance(node, yaml.SequenceNode) and len(names) > 1
        out.env_tags.append(EnvTag(loc, tuple(names[:-1] if has_default else names), has_default,
                                   node.start_mark.line + 1, node.start_mark.column + 1))
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out.positions[(*loc, key.value)] = (key.start_mark.line + 1, key.start_mark.column + 1)
                out.value_positions[(*loc, key.value)] = (value.start_mark.line + 1, value.start_mark.column + 1)
                _positions(value, (*loc, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out.positions[(*loc, index)] = out.value_positions[(*loc, index)] = (item.start_mark.line + 1,
                                                                                 item.start_mark.column + 1)
            _positions(item, (*loc, index), out)


def _yaml_problem(out: ConfigFile, exc: yaml.YAMLError) -> None:
    context = str(getattr(exc, "context", None) or "")
    # An unclosed quote or bracket is found at the end of the file; the mistake is where it opened.
    opened = getattr(exc, "context_mark", None) if ("quoted" in context or "flow" in context) else None
    mark = opened or getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = " ".join(str(p) for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p)
    out.problems.append(ConfigProblem(line, col, (), f"not valid YAML: {what or exc}"))


def _refuse_code(path: Path, out: ConfigFile) -> None:
    """No code from the config: MkDocs' loader runs `!!python/object/apply:`, imports `!!python/module:`,
    and runs `hooks:`; each is refused before the file is read, in mkdocs.yml and each file it INHERITs
    (which must be in mkdocs.yml's folder or below)."""
    from coffeerun.load import code_in_config

    for name in config_inputs(path)[0]:
        file = Path(name)
        if not Path(os.path.realpath(file)).is_relative_to(os.path.realpath(path.parent)):
            out.problem(("INHERIT",), f"INHERIT leads to {file}, outside the folder of mkdocs.yml; keep it in "
                        "the project")
            return
        where = "" if file == path else f" (in {file.name}, INHERITed)"
        for line, col, what in code_in_config(file):
            out.problems.append(ConfigProblem(line, col, (), f"{what}{where} would run Python code; coffeerun "
                                              "runs none from a project: remove it (!ENV, !relative and "
                                              "!!python/name: are fine)"))


def read_config(path: Path) -> ConfigFile:
    """mkdocs.yml as MkDocs reads it (the same loader, INHERIT and `!ENV`), without raising."""
    out = ConfigFile(path)
    problem = version_problem()
    if problem:
        out.problems.append(ConfigProblem(1, 1, (), problem))
        return out
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.exceptions import ConfigurationError
    from mkdocs.utils.yaml import get_yaml_loader, yaml_load

    config = MkDocsConfig(config_file_path=str(path))
    try:
        text = path.read_bytes()
        root = yaml.compose(text, Loader=get_yaml_loader(config=config))  # compose builds no object
    except yaml.YAMLError as exc:
        _yaml_problem(out, exc)
        return out
    except (OSError, UnicodeDecodeError) as exc:
        out.problems.append(ConfigProblem(1, 1, (), f"cannot be read: {exc}"))
        return out
    if root is not None and not isinstance(root, yaml.MappingNode):
        out.problems.append(ConfigProblem(1, 1, (), "must be a mapping of settings (site_url: …, theme: …)"))
        return out
    if root is not None:
        _positions(root, (), out)
    _refuse_code(path, out)
    if not out.ok:
        return out
    try:
        with open(path, "rb") as handle:  # what MkDocsConfig.load_file reads: !ENV, !relative, INHERIT merged in
            data = yaml_load(handle, get_yaml_loader(config=config))
    except ConfigurationError as exc:  # a missing INHERIT file, or a tag MkDocs could not construct
        message = str(exc).removeprefix("MkDocs encountered an error parsing the configuration file: ")
        written = _WHERE.findall(message) if "Inherited config file" not in message else []
        if written:
            what = "; ".join(row.strip() for row in message.splitlines() if row.strip() and not _WHERE.search(row))
            out.problems.append(ConfigProblem(int(written[-1][0]), int(written[-1][1]), (), what))
        else:
            out.problem(("INHERIT",), message)
        return out
    except (yaml.YAMLError, OSError, ValueError, TypeError) as exc:  # an INHERIT parent that is not YAML
        out.problem(("INHERIT",), f"the INHERIT file cannot be read: {exc}")
        return out
    out.data = data if isinstance(data, dict) else {}
    return out


def config_inputs(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The files a mkdocs.yml is read from (itself, then its INHERIT parents) and the environment
    variables its `!ENV` tags name: what its settings depend on besides its own bytes."""
    from mkdocs.utils.yaml import get_yaml_loader

    files: list[str] = []
    names: list[str] = []
    current: Path | None = path
    while current is not None and str(current) not in files and len(files) < 16:
        files.append(str(current))
        try:
            root = yaml.compose(current.read_bytes(), Loader=get_yaml_loader())  # compose builds no object
        except (OSError, yaml.YAMLError):
            break
        scanned = ConfigFile(current)
        if root is not None:
            _positions(root, (), scanned)
        names.extend(name for tag in scanned.env_tags for name in tag.names)
        parent = None
        if isinstance(root, yaml.MappingNode):
            parent = next((v.value for k, v in root.value if k.value == "INHERIT" and isinstance(v.value, str)), None)
        current = (current.parent / parent) if parent else None
    return tuple(files), tuple(dict.fromkeys(names))


def setting_names() -> list[str]:
    """The top-level settings MkDocs knows."""
    from mkdocs.config.defaults import MkDocsConfig

    return [name for name, _ in MkDocsConfig._schema]


def validate_site_config(config: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """MkDocs' own validation of one site's config, as the build will load it, in a scratch folder:
    (setting, message, is_error) for each problem; the build refuses warnings too."""
    from mkdocs.config.defaults import MkDocsConfig

    with tempfile.TemporaryDirectory(prefix="coffeerun-check-") as folder:
        os.mkdir(os.path.join(folder, "docs"))
        settings = copy.deepcopy(config)
        settings.update({"docs_dir": "docs", "site_dir": "site"})
        checked = MkDocsConfig(config_file_path=os.path.join(folder, "mkdocs.yml"))
        checked.load_dict(settings)
        try:
            errors, warnings = checked.validate()
        except Exception as exc:  # noqa: BLE001 - a plugin or theme failing to load raises anything
            return [("", f"MkDocs cannot load it: {exc}", True)]
    return [(key, str(error), True) for key, error in errors] + [(key, str(w), False) for key, w in warnings]


def settings_digest(config: ConfigFile) -> str:
    """A digest of the settings as MkDocs reads them (`!ENV` values resolved, the INHERIT parent merged
    in): what the sites depend on, where a digest of the file's bytes misses both."""
    text = yaml.dump(config.data, Dumper=getattr(yaml, "CDumper", yaml.Dumper), sort_keys=True, allow_unicode=True)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
