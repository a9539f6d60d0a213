"""Brand colors made accessible: WCAG contrast, readable text on a color, a darker tone for text."""

from __future__ import annotations

from dataclasses import dataclass

WHITE, INK = "#ffffff", "#0f172a"
PAGE_BG = "#ffffff"
TINT_BG = "#f6f7f9"
AA = 4.5
MARGIN = 4.6  # aim a little above AA so that rounding in any checker still passes


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def normalise(color: str) -> str:
    return _hex(_rgb(color))


def luminance(color: str) -> float:
    """WCAG 2 relative luminance."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on background; always at least 4.5:1."""
    for candidate in sorted((WHITE, INK), key=lambda c: -contrast(c, background)):
        if contrast(candidate, background) >= AA:
            return candidate
    return "#000000"  # when neither reaches 4.5:1, pure black does (white < 4.5 implies black > 4.6)


def mix(a: str, b: str, amount: float) -> str:
    """a moved `amount` (0..1) of the way towards b."""
    ra, rb = _rgb(a), _rgb(b)
    return _hex(tuple(x + (y - x) * amount for x, y in zip(ra, rb)))


def readable_on(color: str, background: str, ratio: float = MARGIN) -> str:
    """color, darkened (or lightened) just enough to reach `ratio` against background."""
    if contrast(color, background) >= ratio:
        return normalise(color)
    target = INK if luminance(background) > 0.18 else WHITE
    for step in range(1, 101):
        candidate = mix(color, target, step / 100)
        if contrast(candidate, background) >= ratio:
            return candidate
    return target


@dataclass(frozen=True)
class Palette:
    """Every color a page uses, each text color checked against its background."""

    primary: str
    primary_dark: str
    primary_light: str
    primary_deep: str  # the far end of the hero gradient: on_primary reads even better there
    on_primary: str
    on_primary_dark: str
    primary_text: str  # primary as text on the white page and the tinted panels
    accent: str
    on_accent: str
    accent_text: str
    tint: str  # a light wash of primary for panels
    on_tint: str

    def pairs(self) -> list[tuple[str, str, str]]:
        """(name, foreground, background) of every text-on-color combination used."""
        return [("on_primary", self.on_primary, self.primary),
                ("on_primary_deep", self.on_primary, self.primary_deep),
                ("on_primary_dark", self.on_primary_dark, self.primary_dark),
                ("primary_text", self.primary_text, PAGE_BG),
                ("primary_text_tint", self.primary_text, self.tint),
                ("primary_text_panel", self.primary_text, TINT_BG),
                ("on_accent", self.on_accent, self.accent),
                ("accent_text", self.accent_text, PAGE_BG),
                ("on_tint", self.on_tint, self.tint)]


def palette(primary: str, accent: str | None) -> Palette:
    primary = normalise(primary)
    accent = normalise(accent) if accent else mix(primary, WHITE, 0.35)
    dark = mix(primary, "#000000", 0.25)
    tint = mix(primary, WHITE, 0.92)
    primary_text = readable_on(primary, TINT_BG)
    primary_text = readable_on(primary_text, tint)
    on_primary = text_on(primary)
    deep = mix(primary, "#000000" if on_primary == WHITE else WHITE, 0.22)
    return Palette(primary=primary, primary_dark=dark, primary_light=mix(primary, WHITE, 0.6),
                   primary_deep=deep, on_primary=on_primary, on_primary_dark=text_on(dark), primary_text=primary_text,
                   accent=accent, on_accent=text_on(accent), accent_text=readable_on(accent, PAGE_BG),
                   tint=tint, on_tint=text_on(tint))
