"""Brand colors made accessible, for pages and slides alike: WCAG contrast, readable text on a color."""

from __future__ import annotations

from dataclasses import dataclass

WHITE, INK = "#ffffff", "#0f172a"
PAGE_BG = "#ffffff"
TINT_BG = "#f6f7f9"
AA = 4.5
MARGIN = 4.6  # aim a little above AA so that rounding in any checker still passes


def rgb(color: str) -> tuple[int, int, int]:
    """(r, g, b) of #RGB or #RRGGBB."""
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(values: tuple[float, ...]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in values)


def normalise(color: str) -> str:
    """#rrggbb, lowercase."""
    return _hex(rgb(color))


def luminance(color: str) -> float:
    """WCAG 2 relative luminance."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: str) -> str:
    """The text color for a background, on pages and slides: white or ink, whichever reads better,
    provided it reaches 4.5:1; else pure black (mid greys like #777777 give white only 4.48:1)."""
    for candidate in sorted((WHITE, INK), key=lambda c: -contrast(c, background)):
        if contrast(candidate, background) >= AA:
            return candidate
    return "#000000"  # when neither reaches 4.5:1, pure black does (white < 4.5 implies black > 4.6)


def mix(a: str, b: str, amount: float) -> str:
    """a moved `amount` (0..1) of the way towards b."""
    ra, rb = rgb(a), rgb(b)
    return _hex(tuple(x + (y - x) * amount for x, y in zip(ra, rb, strict=True)))


def readable_on(color: str, background: str, ratio: float = MARGIN) -> str:
    """color, darkened (or lightened) just enough to reach `ratio` against background."""
    if contrast(color, background) >= ratio:
        return normalise(color)
    # Towards ink on light backgrounds, then pure black where ink is not enough (mid tones).
    for target in (INK, "#000000") if luminance(background) > 0.18 else (WHITE,):
        for step in range(1, 101):
            candidate = mix(color, target, step / 100)
            if contrast(candidate, background) >= ratio:
                return candidate
    return text_on(background)


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


SLIDE_MUTED = "#475569"


def slide_palette(primary: str, accent: str | None, vendor: str, vendor_accent: str | None) -> dict[str, str]:
    """Named colors of one campaign's slides (theme/slides/layouts.yaml names them), with the same
    text colors as its pages: every text color checked for contrast by the rules above."""
    primary = normalise(primary)
    accent = normalise(accent or vendor_accent or mix(primary, WHITE, 0.55))
    deep = mix(primary, "#000000", 0.24 if luminance(primary) < 0.18 else 0.1)
    on_primary, on_deep = text_on(primary), text_on(deep)
    tint = mix(primary, WHITE, 0.93)
    return {
        "primary": primary,
        "primary-deep": deep,
        "accent": accent,
        "paper": PAGE_BG,
        "ink": INK,
        "muted": SLIDE_MUTED,
        "tint": tint,
        "on-primary": on_primary,
        "on-primary-muted": readable_on(mix(on_primary, primary, 0.22), primary, AA),
        "on-deep": on_deep,
        "on-deep-muted": readable_on(mix(on_deep, deep, 0.22), deep, AA),
        "accent-on-primary": accent if contrast(accent, primary) >= 3 else on_primary,
        "accent-on-deep": accent if contrast(accent, deep) >= 3 else on_deep,
        "accent-on-paper": readable_on(accent, PAGE_BG, 1.9),
        "primary-on-tint": readable_on(primary, tint, AA),
        "primary-on-paper": readable_on(primary, PAGE_BG, AA),
        "on-accent": text_on(accent),
        "vendor": normalise(vendor),
        "vendor-accent": normalise(vendor_accent or vendor),
    }
