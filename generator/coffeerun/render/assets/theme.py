"""Slide theme: layouts and words from theme/slides/layouts.yaml, and each campaign's palette."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from coffeerun.project import ProjectPaths, defaults_dir

LAYOUTS_FILE = "slides/layouts.yaml"
INK = "#0F172A"
MUTED = "#475569"
PAPER = "#FFFFFF"
WHITE, BLACK = "#FFFFFF", "#000000"

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

    def strings(self, language: str) -> dict[str, str]:
        table = self.data["strings"]
        base = language.split("-")[0].lower()
        return {**table["en"], **table.get(base, {})}


@lru_cache(maxsize=8)
def _load(path: str, size: int, mtime: int) -> Theme:
    raw = Path(path).read_bytes()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 8 ms instead of 110
    return Theme(yaml.load(raw, Loader=loader), hashlib.sha256(raw).hexdigest())


def load_theme(project: ProjectPaths) -> Theme:
    """The project's theme/slides/layouts.yaml, else the one that ships with coffeerun."""
    path = project.theme_file(LAYOUTS_FILE)
    stat = path.stat()
    return _load(str(path), stat.st_size, stat.st_mtime_ns)


# --- colors -------------------------------------------------------------------------------------

def rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_color(value: tuple[int, int, int]) -> str:
    return "#%02X%02X%02X" % value


def mix(a: str, b: str, amount: float) -> str:
    """`amount` of b over a."""
    ca, cb = rgb(a), rgb(b)
    return hex_color(tuple(round(x + (y - x) * amount) for x, y in zip(ca, cb)))  # type: ignore[arg-type]


def luminance(color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """White or ink, whichever reads better on the background."""
    return WHITE if contrast(WHITE, background) >= contrast(INK, background) else INK


def readable(color: str, background: str, ratio: float) -> str:
    """`color`, moved towards black or white just enough to reach `ratio` against background."""
    if contrast(color, background) >= ratio:
        return color
    target = BLACK if luminance(background) > 0.18 else WHITE
    for step in range(1, 21):
        candidate = mix(color, target, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return text_on(background)


def palette(primary: str, accent: str | None, vendor: str, vendor_accent: str | None) -> dict[str, str]:
    """Named colors of one campaign's slides, every text color checked for contrast."""
    primary = hex_color(rgb(primary))
    accent = hex_color(rgb(accent or vendor_accent or mix(primary, WHITE, 0.55)))
    dark = luminance(primary) < 0.18
    deep = mix(primary, BLACK, 0.24 if dark else 0.1)
    on_primary, on_deep = text_on(primary), text_on(deep)
    tint = mix(primary, WHITE, 0.93)
    return {
        "primary": primary,
        "primary-deep": deep,
        "accent": accent,
        "paper": PAPER,
        "ink": INK,
        "muted": MUTED,
        "tint": tint,
        "on-primary": on_primary,
        "on-primary-muted": readable(mix(on_primary, primary, 0.22), primary, 4.5),
        "on-deep": on_deep,
        "on-deep-muted": readable(mix(on_deep, deep, 0.22), deep, 4.5),
        "accent-on-primary": accent if contrast(accent, primary) >= 3 else on_primary,
        "accent-on-deep": accent if contrast(accent, deep) >= 3 else on_deep,
        "accent-on-paper": readable(accent, PAPER, 1.9),
        "primary-on-tint": readable(primary, tint, 4.5),
        "primary-on-paper": readable(primary, PAPER, 4.5),
        "on-accent": text_on(accent),
        "vendor": hex_color(rgb(vendor)),
        "vendor-accent": hex_color(rgb(vendor_accent or vendor)),
    }
