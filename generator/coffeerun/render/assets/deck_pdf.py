"""deck.pdf with fpdf2: the frames of the slides as real text in the embedded fonts, shapes and pictures.

Each text run is set in the face the slide layout chose for it, at the position the layout measured, so
the PDF shows what the PNGs show and its text can be selected, searched and extracted. Colour emoji
(bitmap fonts a PDF cannot embed as text) are drawn as pictures. Fonts are embedded as subsets: each
face is first cut down (once per process and set of characters, see subset_file) to the characters of the
campaign's decks, which makes the subsets of large CJK collections cheap for every deck that uses them.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import io
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from fontTools import subset as ftsubset
from PIL import Image, ImageDraw
from zlib_ng import zlib_ng

from coffeerun import memo
from coffeerun.render.assets.compose import Frame, ImageOp, RectOp, TextOp
from coffeerun.render.assets.deck_pptx import picture_png
from coffeerun.render.assets.fonts import Face, font_for_run, font_key
from coffeerun.render.colors import rgb

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont
    from fpdf.image_datastructures import RasterImageInfo, VectorImageInfo

PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 960, 540  # 13.333 in x 7.5 in: 1 px of a 1920x1080 slide = 0.5 pt
_SUBSETS = memo.mapping("pdf.font_files", 64)  # (face, characters) -> a small font file, per process
_FPDF_SUBSETS = memo.mapping("pdf.subsets", 64)  # fpdf2's subsets of our fonts, per process
# pictures as fpdf2 embeds them, per process
_IMAGES: memo.BoundedDict[str, RasterImageInfo | VectorImageInfo] = memo.mapping("pdf.images", 128)
_FONTS: memo.BoundedDict[tuple[str, tuple[str, ...]], TTFFont] = memo.mapping("pdf.fonts", 32)  # see _font_for
_DEFLATED = memo.mapping("pdf.deflated", 64)  # large streams (embedded fonts, their CID maps) -> compressed
_DEFLATE_MEMO_FROM = 16 * 1024
logging.getLogger("fpdf").setLevel(logging.ERROR)  # fpdf2 logs every subset it makes
logging.getLogger("fontTools").setLevel(logging.ERROR)


def frame_chars(frames: list[Frame]) -> dict[Face, set[str]]:
    """The characters each outline face sets in these frames."""
    used: dict[Face, set[str]] = {}
    for frame in frames:
        for op in frame.ops:
            if isinstance(op, TextOp):
                for line in op.layout.lines:
                    for run in line.runs:
                        if not run.face.color:
                            used.setdefault(run.face, set()).update(run.text)
    return used


@lru_cache(maxsize=1)
def _scratch() -> Path:
    from multiprocessing.util import get_temp_dir

    folder = Path(get_temp_dir()) / "pdf-fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Western text: printable ASCII, Latin-1, Latin Extended-A, the common punctuation, the euro sign.
LATIN_BASE = frozenset(chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x203B), 0x20AC,
                                        0x2122])


def subset_file(face: Face, chars: frozenset[str]) -> Path:
    """A font file holding `chars` of a face (with their glyph names and metrics), made once per process and
    kept in the store (namespace `fonts`; cutting a CJK collection down is 0.5 s): every deck of a campaign
    shares it. It is the font fpdf2 reads, not the subset it embeds (fpdf2 cuts that to the characters used):
    so text that is all Western shares one file of LATIN_BASE with every other such campaign. What is
    embedded depends on the campaign's characters alone."""
    key = (face, LATIN_BASE if chars <= LATIN_BASE else chars)
    known = _SUBSETS.get(key)
    if known is not None and known.is_file():
        return known
    data = _stored_subset(face, key[1])
    path = _scratch() / (hashlib.sha256(data).hexdigest()[:24] + ".ttf")
    if not path.is_file():
        temp = path.with_name(f".{path.name}.{os.getpid()}")
        temp.write_bytes(data)
        os.replace(temp, path)
    _SUBSETS[key] = path
    return path


def _stored_subset(face: Face, chars: frozenset[str]) -> bytes:
    """The subset's bytes from the store when it holds a font of these characters and no others, else made
    (and handed to the store)."""
    from coffeerun import store

    reader = store.current()
    wanted = sorted({ord(c) for c in chars})
    k = store.key("fonts", "subset", font_key(face.path, face.index), wanted) if reader.store.root else ""
    entry = reader.get("fonts", k) if k else None
    if entry is not None:
        with contextlib.suppress(Exception):  # the store is not trusted: anything but such a font is made again
            data = entry.read("data")
            if set(_cmap(data)) <= set(wanted):
                return data
    data = _make_subset(face, wanted)
    if k:
        reader.keep("fonts", k, {}, {"data": data})
    return data


def _cmap(data: bytes) -> dict[int, str]:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False)
    if "glyf" not in font or "hmtx" not in font:
        raise ValueError("not a TrueType font")
    return font.getBestCmap() or {}


def _make_subset(face: Face, unicodes: list[int]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True,
                             layout_features=[], hinting=False, desubroutinize=True)
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "DSIG", "meta", "FFTM",
                            "CBDT", "CBLC", "sbix", "SVG ", "COLR", "CPAL", "EBDT", "EBLC", "EBSC", "hdmx"]
    font = TTFont(face.path, fontNumber=face.index, lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    if "CFF " in font or "CFF2" in font:
        font = _as_truetype(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _as_truetype(font):  # fontTools TTFont in and out
    """A CFF font (Noto CJK is CID-keyed CFF) as TrueType outlines, glyph for glyph: embedded as a plain
    TrueType subset, its text extracts everywhere (a CID-keyed CFF gets a custom encoding some PDF
    readers cannot map back to characters)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    upem = font["head"].unitsPerEm
    order = font.getGlyphOrder()
    glyphset = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyphset[name].draw(Cu2QuPen(pen, max_err=upem / 1000, reverse_direction=True))
        glyphs[name] = pen.glyph()
    builder = FontBuilder(upem, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(font.getBestCmap())
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: font["hmtx"][name] for name in order})
    hhea, os2, names = font["hhea"], font["OS/2"], font["name"]
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    family = (names.getDebugName(1) or "Font").replace(" ", "")
    builder.setupNameTable({"familyName": family, "styleName": names.getDebugName(2) or "Regular",
                            "psName": names.getDebugName(6) or family})
    builder.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                     sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                     usWeightClass=os2.usWeightClass)
    builder.setupPost()
    built = builder.font
    built["head"].created, built["head"].modified = font["head"].created, font["head"].modified
    built.recalcTimestamp = False  # the source's dates, never today's: the same input, the same bytes
    return built


class _Writer:
    def __init__(self, chars: dict[Face, set[str]]):
        from fpdf import FPDF

        self.pdf = FPDF(unit="pt", format=(PAGE_WIDTH_PT, PAGE_HEIGHT_PT))
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margin(0)
        self.chars = chars
        self.families: dict[Face, str] = {}

    def family(self, face: Face) -> str:
        if face not in self.families:
            name = self.families[face] = f"F{len(self.families)}"
            chars = frozenset(self.chars.get(face, ()))
            self.pdf.fonts[name.lower()] = _font_for(self.pdf, name.lower(), subset_file(face, chars), chars)
        return self.families[face]

    def page(self, frame: Frame) -> None:
        pdf = self.pdf
        pdf.add_page()
        scale = PAGE_WIDTH_PT / frame.size[0]
        pdf.set_fill_color(*rgb(frame.background))
        pdf.rect(0, 0, PAGE_WIDTH_PT, PAGE_HEIGHT_PT, style="F")
        for op in frame.ops:
            if isinstance(op, RectOp):
                self.rect(op, scale)
            elif isinstance(op, ImageOp):
                x, y, w, h = op.box
                self.image(picture_png(op), (x * scale, y * scale, w * scale, h * scale), op.alt)
            elif isinstance(op, TextOp):
                if op.pill is not None:
                    self.rect(op.pill, scale)
                self.text(op, scale)

    def image(self, png: bytes, box: tuple[float, float, float, float], alt: str) -> None:
        """A picture, prepared (decoded, compressed) once per process: logos, photos and QR codes recur
        in every deck of a campaign."""
        name = hashlib.md5(png.strip(), usedforsecurity=False).hexdigest()  # fpdf2's own name for it
        images = self.pdf.image_cache.images
        if name not in images and name in _IMAGES:
            info = images[name] = type(_IMAGES[name])(_IMAGES[name])
            info.update(i=len(images), usages=0, iccp_i=None)
        x, y, w, h = box
        self.pdf.image(io.BytesIO(png), x, y, w, h, alt_text=alt or None)
        if name not in _IMAGES and name in images:
            _IMAGES[name] = type(images[name])(images[name])

    def rect(self, op: RectOp, scale: float) -> None:
        x, y, w, h = op.box
        if w <= 0 or h <= 0:
            return
        self.pdf.set_fill_color(*rgb(op.color))
        radius = min(op.radius, w / 2, h / 2) * scale
        self.pdf.rect(x * scale, y * scale, w * scale, h * scale, style="F", round_corners=radius > 0,
                      corner_radius=radius)

    def text(self, op: TextOp, scale: float) -> None:
        pdf = self.pdf
        pdf.set_text_color(*rgb(op.color))
        for line in op.layout.lines:
            for run in line.runs:
                if run.text.isspace():
                    continue
                if run.face.color:
                    self.emoji(run, op.color, scale)
                    continue
                pdf.set_font(self.family(run.face), size=run.size * scale)
                pdf.text(run.x * scale, run.baseline * scale, run.text)

    def emoji(self, run, color: str, scale: float) -> None:  # run: a layout RunBox
        """A run of a colour bitmap font, drawn as on the PNG and placed as a picture."""
        font, factor = font_for_run(run.face, run.size, run.text)
        left, top, right, bottom = font.getbbox(run.text, anchor="ls")
        glyphs = Image.new("RGBA", (max(1, int(right - left)), max(1, int(bottom - top))), (0, 0, 0, 0))
        ImageDraw.Draw(glyphs).text((-left, -top), run.text, font=font, fill=(*rgb(color), 255), anchor="ls",
                                    embedded_color=True)
        size = (max(1, round(glyphs.width * factor)), max(1, round(glyphs.height * factor)))
        glyphs = glyphs.resize(size, Image.Resampling.LANCZOS)
        self.pdf.image(glyphs, (run.x + left * factor) * scale, (run.baseline + top * factor) * scale,
                       glyphs.width * scale, glyphs.height * scale, alt_text=run.text)


def _font_for(pdf: FPDF, fontkey: str, path: Path, chars: frozenset[str]) -> TTFFont:
    """fpdf2's font (what add_font makes) for a font file of ours with every character of the campaign's
    decks picked in one order, so every PDF of the campaign embeds the same subset with the same codes (made
    once: see _Subsetter). Read once per process and copied for each PDF: reading it is most of add_font."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import TTFFont

    key = (str(path), tuple(sorted(chars)))
    model = _FONTS.get(key)
    if model is None:
        model = TTFFont(pdf, path, fontkey, "")
        for char in key[1]:
            model.subset.pick(ord(char))
        _FONTS[key] = model
    font = copy.copy(model)
    font.i, font.fontkey, font.biggest_size_pt = len(pdf.fonts) + 1, fontkey, 0
    font.ttfont = TTFont(path, recalcTimestamp=False, lazy=True)  # the PDF's output cuts its own copy down
    font.desc, font.missing_glyphs = copy.copy(model.desc), list(model.missing_glyphs)
    font.subset = copy.copy(model.subset)
    font.subset.font = font
    font.subset._char_id_per_glyph = dict(model.subset._char_id_per_glyph)
    font.subset._reserved = list(model.subset._reserved)
    return font


class _Subsetter(ftsubset.Subsetter):
    """fpdf2's font subsetting, done once per process for a font file of ours and a set of glyphs: the
    PDFs of a campaign (and campaigns with the same characters) embed the same subset."""

    def populate(self, *args, glyphs=(), **kwargs):  # fontTools' API
        self.requested = tuple(sorted(glyphs))
        super().populate(*args, glyphs=glyphs, **kwargs)

    def subset(self, font):  # a fontTools TTFont
        from fontTools.ttLib import TTFont

        source = getattr(getattr(font.reader, "file", None), "name", "")
        if not str(source).startswith(str(_scratch())):
            return super().subset(font)
        key = (str(source), self.requested)
        data = _FPDF_SUBSETS.get(key)
        if data is None:
            self.options.glyph_names = True  # fpdf2 looks glyphs up by name in what comes back
            super().subset(font)
            buffer = io.BytesIO()
            font.save(buffer)
            data = _FPDF_SUBSETS[key] = buffer.getvalue()
        fresh = TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
        font.__dict__.clear()
        font.__dict__.update(fresh.__dict__)
        font.save = lambda file, **_options: file.write(data)  # what fpdf2 embeds next, as it is


def load_writer() -> None:
    """Load fpdf2, python-pptx and the rest of what the decks need (a worker warming up for them)."""
    import pptx  # noqa: F401

    import coffeerun.render.assets.campaign  # noqa: F401

    _use_memo()


def _use_memo() -> None:
    import types

    import fpdf.output
    import fpdf.syntax

    if not isinstance(fpdf.output.ftsubset, types.SimpleNamespace):
        fpdf.output.ftsubset = types.SimpleNamespace(Options=ftsubset.Options, Subsetter=_Subsetter)
    if not isinstance(fpdf.syntax.zlib, types.SimpleNamespace):  # fpdf2's only use of it: stream contents
        fpdf.syntax.zlib = types.SimpleNamespace(compress=_deflate)  # type: ignore[assignment]


def _deflate(data: bytes, level: int = -1) -> bytes:
    """zlib.compress for fpdf2's streams, by zlib-ng (as the PNGs); the large ones kept per process: the PDFs of
    a campaign embed the same font subsets, and the same map of codes to glyphs for each."""
    if len(data) < _DEFLATE_MEMO_FROM:
        return zlib_ng.compress(data, level)
    key = (hashlib.sha256(data).digest(), level)
    packed = _DEFLATED.get(key)
    if packed is None:
        packed = _DEFLATED[key] = zlib_ng.compress(data, level)
    return packed


def build_pdf(frames: list[Frame], title: str, author: str, timestamp: int, producer: str, language: str,
              chars: dict[Face, set[str]] | None = None) -> bytes:
    """A PDF with one page per frame; fixed dates and document ID: the same input, the same bytes.
    `chars`: the characters per face of every deck that shares the fonts (default: these frames')."""
    _use_memo()
    writer = _Writer(chars if chars is not None else frame_chars(frames))
    pdf = writer.pdf
    when = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_producer(producer)
    pdf.set_creator(producer)
    pdf.set_lang(language)
    pdf.set_creation_date(when)
    # no document ID: nothing in the file but what the input decides
    pdf.file_id = lambda: None  # type: ignore[method-assign]  # on purpose, for this one document
    for frame in frames:
        writer.page(frame)
    try:
        return bytes(pdf.output())
    finally:
        _forget_glyphs()


def _forget_glyphs() -> None:
    """fpdf2 caches glyph look-ups per font subset in process-wide tables without a bound (functools.cache on
    methods), which would keep every PDF's fonts alive in a worker: emptied after each PDF."""
    from fpdf.fonts import SubsetMap

    for method in (SubsetMap.pick, SubsetMap.get_glyph):
        clear = getattr(method, "cache_clear", None)
        if clear is not None:
            clear()
