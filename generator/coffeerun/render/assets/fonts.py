"""Fonts per character: the shipped Liberation Sans first, then system fonts found by fontconfig."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ImageFont, features

from coffeerun import memo
from coffeerun.digests import file_digest
from coffeerun.langtag import han_variant
from coffeerun.render.assets.fontfile import Coverage, FontFile
from coffeerun.render.assets.theme import font_dir

SHIPPED = {"regular": "LiberationSans-Regular.ttf", "bold": "LiberationSans-Bold.ttf"}
EMOJI_SCALE = 0.92  # colour emoji bitmaps are a little taller than letters; bring them in line
_FC_WEIGHT = {"regular": 80, "bold": 200}  # fontconfig's weight scale


@dataclass(frozen=True, order=True)
class Face:
    """One font face in a file (a .ttc holds several)."""

    path: str
    index: int = 0
    family: str = ""
    bitmap_size: int = 0  # strike of a colour bitmap font (CBDT/sbix); 0 for outline fonts

    @property
    def color(self) -> bool:
        return self.bitmap_size > 0


@memo.table("fonts.font_info", 128)
def _font_info(path: str, index: int) -> tuple[Coverage, str, int]:
    """(code points in the cmap, family name, bitmap strike size) of a face, read once per process
    (a few milliseconds even for a CJK collection: only its cmap, name and bitmap tables are read)."""
    info = FontFile(path, index)
    return info.coverage, info.family, info.bitmap_size


def make_face(path: str | Path, index: int = 0) -> Face:
    _, family, strike = _font_info(str(path), index)
    return Face(str(path), index, family, strike)


def coverage(face: Face) -> Coverage:
    return _font_info(face.path, face.index)[0]


_RAQM = bool(features.check("raqm"))
# Scripts that need shaping (joining, reordering, marks) and emoji sequences are drawn with raqm;
# everything else with FreeType's basic layout, which measures CJK text ten times faster.
_SHAPED = re.compile("[\u0300-\u036f\u0483-\u0489\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff"
                     "\u1000-\u109f\u1780-\u18af\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff"
                     "\ua980-\ua9df\ufb1d-\ufdff\ufe00-\ufe0f\ufe20-\ufe2f\ufe70-\ufeff]")


def needs_shaping(text: str, face: Face) -> bool:
    return _RAQM and (face.color or _SHAPED.search(text) is not None)


# FreeType maps the font file once per loaded size and reads its tables there: 3-4 MB of memory per
# size of a CJK collection (where a fit tries several sizes), 100-200 KB for a Latin font. A process
# keeps only the latest sizes; loading one again takes about a millisecond.
_LARGE_FONT_FILE = 4 << 20
_loaded = {False: memo.mapping("fonts.loaded", 96),  # sizes kept loaded of small font files
           True: memo.mapping("fonts.loaded_large", 8)}  # and of large ones


@memo.table("fonts.is_large", 64)
def _is_large(path: str) -> bool:
    return os.path.getsize(path) > _LARGE_FONT_FILE


def load_font(face: Face, size: int, shaped: bool = False) -> tuple[ImageFont.FreeTypeFont, float]:
    """(Pillow font, scale): colour bitmap fonts load at their strike and are scaled when drawn."""
    if face.bitmap_size:
        return _font(face, face.bitmap_size, shaped), size * EMOJI_SCALE / face.bitmap_size
    return _font(face, size, shaped), 1.0


def _font(face: Face, size: int, shaped: bool) -> ImageFont.FreeTypeFont:
    key = (face, size, shaped)
    cache = _loaded[_is_large(face.path)]
    font = cache.get(key)
    if font is None:
        engine = ImageFont.Layout.RAQM if shaped and _RAQM else ImageFont.Layout.BASIC
        font = cache[key] = ImageFont.truetype(face.path, size, index=face.index, layout_engine=engine)
    return font


def font_for_run(face: Face, size: int, text: str) -> tuple[ImageFont.FreeTypeFont, float]:
    """The font that measures and draws `text`: the same choice in both places."""
    return load_font(face, size, needs_shaping(text, face))


def is_emoji(cp: int) -> bool:
    """Pictographs that want a colour emoji font (the rest of the symbols take any font)."""
    return 0x1F000 <= cp <= 0x1FAFF or cp in (0x2B50, 0x2B55, 0x231A, 0x231B) or 0x23E9 <= cp <= 0x23F3


@memo.table("fonts.attaches", 4096)
def _attaches(ch: str) -> bool:
    """Does `ch` always belong to the cluster before it (a mark, a joiner, a selector, a skin tone)?"""
    cp = ord(ch)
    return (cp in (0x200D, 0x20E3) or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F or unicodedata.category(ch) in ("Mn", "Me", "Mc"))


def clusters(text: str) -> list[str]:
    """Grapheme-ish clusters: a base character with its marks, emoji sequences kept whole."""
    if text.isascii():
        return list(text)
    out: list[str] = []
    previous = ""
    for ch in text:
        if out and (previous == "\u200d" or _attaches(ch)):
            out[-1] += ch
        elif out and 0x1F1E6 <= ord(ch) <= 0x1F1FF and len(out[-1]) == 1 \
                and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF:
            out[-1] += ch  # a flag: two regional indicators
        else:
            out.append(ch)
        previous = ch
    return out


class FontBook:
    """Chooses a face for each character; remembers what it could not cover."""

    def __init__(self, language: str = "en", directory: Path | None = None):
        directory = directory or font_dir()
        self.language = language
        self.primary = {w: make_face(directory / name) for w, name in SHIPPED.items()}
        self.known: dict[str, list[Face]] = {"regular": [], "bold": []}
        self.missing: set[str] = set()
        self._chosen: dict[tuple[int, str, bool], Face | None] = {}
        self._runs: dict[tuple[str, str], list[tuple[str, Face | None]]] = {}

    def face_for(self, cluster: str, weight: str) -> Face | None:
        cp = ord(cluster[0])
        emoji = is_emoji(cp) or "\ufe0f" in cluster or "\u20e3" in cluster
        key = (cp, weight, emoji)
        if key not in self._chosen:
            self._chosen[key] = self._choose(cp, weight, emoji)
        face = self._chosen[key]
        if face is None:
            self.missing.add(cluster[0])
        return face

    def _choose(self, cp: int, weight: str, emoji: bool) -> Face | None:
        if emoji:  # a colour emoji face first, when one is installed
            for face in self.known[weight]:
                if face.color and cp in coverage(face):
                    return face
            color = _discover(cp, weight, self.language, True)
            if color is not None and color.color:
                self._remember(color, weight)
                return color
        for face in (self.primary[weight], *self.known[weight]):
            if cp in coverage(face):
                return face
        found = _discover(cp, weight, self.language, emoji)
        if found is not None:
            self._remember(found, weight)
        return found

    def _remember(self, face: Face, weight: str) -> None:
        if face not in self.known[weight]:
            self.known[weight].append(face)

    def runs(self, text: str, weight: str) -> list[tuple[str, Face | None]]:
        """`text` cut into runs of one face each; a face of None means no font covers that run."""
        known = self._runs.get((text, weight))
        if known is None:
            known = self._runs[(text, weight)] = self._cut(text, weight)
        return known

    def _cut(self, text: str, weight: str) -> list[tuple[str, Face | None]]:
        out: list[tuple[str, Face | None]] = []
        for cluster in clusters(text):
            if cluster.isspace():  # spaces stay with the text font (an emoji font's are too wide)
                previous = out[-1][1] if out else None
                face: Face | None = previous if previous is not None and not previous.color \
                    else self.primary[weight]
            else:
                face = self.face_for(cluster, weight)
            if out and out[-1][1] == face:
                out[-1] = (out[-1][0] + cluster, face)
            else:
                out.append((cluster, face))
        return out

    def faces_for(self, texts: list[str]) -> list[Face]:
        """Every face the texts need, in both weights (for cache keys)."""
        used: set[Face] = set(self.primary.values())
        chars = sorted({c for t in texts for c in clusters(t) if not c.isspace()})
        for weight in ("regular", "bold"):
            for cluster in chars:
                face = self.face_for(cluster, weight)
                if face is not None:
                    used.add(face)
        return sorted(used)


@memo.table("fonts.discover", 2048)
def _discover(cp: int, weight: str, language: str, emoji: bool) -> Face | None:
    """The best installed face for one code point, asking fontconfig which fonts have it."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(  # noqa: S603 - a fixed argv; the only variable part is an int in hex
            [fc_list, "--format", "%{file}\t%{index}\t%{family[0]}\t%{weight}\t%{style[0]}\n",
             f":charset={cp:x}"],
            capture_output=True, text=True, timeout=20, check=False,
            env={**os.environ, "LC_ALL": "C"},
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    tag, target = han_variant(language), _FC_WEIGHT[weight]
    scored = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 5 or not parts[0].lower().endswith((".ttf", ".otf", ".ttc", ".otc")):
            continue
        path, index, family, fc_weight, style = parts
        family_l, style_l = family.lower(), style.lower()
        region_ok = "cjk" not in family_l or family_l.endswith(" " + tag.lower())
        try:
            weight_gap = abs(int(float(fc_weight)) - target)
        except ValueError:
            weight_gap = 100  # a variable font's range, e.g. "[0 200]"
        score = (
            0 if (not emoji or "emoji" in family_l) else 1,
            0 if region_ok else 1,
            0 if not any(w in family_l for w in ("mono", "serif", "math", "symbol")) else 1,
            0 if "italic" not in style_l and "oblique" not in style_l else 1,
            weight_gap, family, path, int(index or 0),
        )
        scored.append((score, path, int(index or 0)))
    for _, font_path, face_index in sorted(scored):
        try:
            if cp in _font_info(font_path, face_index)[0]:
                return make_face(font_path, face_index)
        except Exception:  # noqa: BLE001, S112 - an unreadable font file is skipped, not fatal
            continue
    return None


MISSING_FONT = "no installed font for "  # how the warning starts: `build --publish` refuses it
_CJK_NAMES = {"ja": "Japanese", "zh": "Chinese", "ko": "Korean"}
# Debian/Ubuntu packages with a font for each script (the Noto families cover nearly every script).
_PACKAGES = {"cjk": "fonts-noto-cjk", "emoji": "fonts-noto-color-emoji"}


def _script(char: str) -> str:
    """A script key for a character: cjk, emoji, or the first word of its Unicode name (ARABIC, THAI…)."""
    cp = ord(char)
    if is_emoji(cp):
        return "emoji"
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0].split("-", 1)[0]
    if first in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH"):
        return "cjk"
    return first or "unnamed"


def missing_warning(missing: set[str], language: str = "en") -> str | None:
    """One short line: which scripts have no font, three sample characters each, the package to install."""
    if not missing:
        return None
    scripts: dict[str, list[str]] = {}
    # Letters first (ideographs before kana), punctuation last: the samples show what is missing.
    for char in sorted(missing, key=lambda c: (not unicodedata.category(c).startswith("L"),
                                               not unicodedata.name(c, "").startswith("CJK UNIFIED"), c)):
        scripts.setdefault(_script(char), []).append(char)
    parts, packages = [], []
    for key, chars in sorted(scripts.items(), key=lambda item: -len(item[1])):
        if key == "cjk":
            label = _CJK_NAMES.get(language.split("-")[0].lower(), "Chinese, Japanese and Korean") + " text"
        elif key == "emoji":
            label = "emoji"
        elif key == "unnamed":
            label = "characters without a Unicode name"
            chars = [f"U+{ord(c):04X}" for c in chars]
        else:
            label = key.title() + " text"
        sample = ", ".join(chars[:3]) + (f" and {len(chars) - 3} more" if len(chars) > 3 else "")
        parts.append(f"{label} ({sample})")
        package = _PACKAGES.get(key, "fonts-noto-core")
        if package not in packages:
            packages.append(package)
    return (f"{MISSING_FONT}{' or '.join(parts)}: left out of the slides and cards; "
            f"install {' and '.join(packages)} (Debian/Ubuntu) and build again")


def is_missing_font(warning: str) -> bool:
    """Whether a build warning says that text was left out of the slides for want of a font."""
    return MISSING_FONT in warning


def faces_key(book: FontBook, texts: list[str]) -> dict[str, Any]:
    """For a store key: the face of every character of the texts, in both weights, with the font files by
    content (what a picture of these texts is drawn with)."""
    faces: dict[Face, int] = {}
    chosen = []
    for cluster in sorted({c for t in texts for c in clusters(t) if not c.isspace()}):
        for weight in ("regular", "bold"):
            face = book.face_for(cluster, weight)
            if face is not None and face not in faces:
                faces[face] = len(faces)
            chosen.append(f"{cluster}\t{weight}\t{faces[face] if face is not None else '-'}")
    primary = [book.primary[w] for w in ("regular", "bold")]
    return {"faces": [font_key(f.path, f.index) for f in [*primary, *faces]],
            "chars": hashlib.sha256("\n".join(chosen).encode("utf-8")).hexdigest()}


def font_key(path: str, index: int) -> tuple:
    """The shipped fonts by content; system fonts (large) by file name, size and time."""
    stat = os.stat(path)
    if stat.st_size <= 4 << 20:
        return (os.path.basename(path), index, file_digest(path))
    return (path, index, stat.st_size, stat.st_mtime_ns)
