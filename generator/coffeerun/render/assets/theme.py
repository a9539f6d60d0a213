"""Slide theme: the layouts of theme/slides/layouts.yaml (colors: render/colors.py, words: i18n)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from coffeerun import memo
from coffeerun.project import ProjectPaths, defaults_dir

LAYOUTS_FILE = "slides/layouts.yaml"

Box = tuple[int, int, int, int]


def font_dir() -> Path:
    """The fonts that ship with coffeerun (theme/fonts/ of the package)."""
    return defaults_dir() / "theme" / "fonts"


@dataclass(frozen=True)
class Theme:
    data: dict[str, Any]
    digest: str  # sha256 of the layouts file: part of every cache key

    def layout(self, kind: str) -> dict[str, Any]:
        return self.data["layouts"][kind]

    def canvas(self, kind: str) -> dict[str, Any]:
        return self.data["canvases"][self.layout(kind)["canvas"]]


@memo.table("slides.load", 8)
def _load(path: str, size: int, mtime: int) -> Theme:
    raw = Path(path).read_bytes()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 8 ms instead of 110
    return Theme(yaml.load(raw, Loader=loader), hashlib.sha256(raw).hexdigest())  # noqa: S506 - a safe loader


def load_theme(project: ProjectPaths) -> Theme:
    """The project's theme/slides/layouts.yaml, else the one that ships with coffeerun."""
    path = project.theme_file(LAYOUTS_FILE)
    stat = path.stat()
    return _load(str(path), stat.st_size, stat.st_mtime_ns)
