"""A composed frame as plain JSON and picture bytes, kept beside its slide image in the store.

A campaign's decks need the frame of every slide, also of slides whose PNG came from the store; composing
them again (logos rasterised, photos cut round, QR codes encoded, text fitted) was a third of rebuilding one
changed campaign. The record is read like everything in the store, strictly, against the layout a fresh
frame is composed from: any value `record` would not write (an operation its layout has not, a style or
colour other than the layout's, a face the campaign's font book did not choose or that lacks a character
of its run, a character no deck can carry, a box off the canvas, a picture that is not a whole, plain PNG
of its box's size) makes it a miss, and the slide is composed again. The frame's size, safe area and
background are the layout's, not the record's.
"""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Callable
from typing import Any

from PIL import Image

from coffeerun import memo
from coffeerun.load import FORBIDDEN
from coffeerun.render.assets.compose import Composer, Frame, ImageOp, Op, RectOp, TextOp
from coffeerun.render.assets.deck_pptx import picture_png
from coffeerun.render.assets.fonts import Face, clusters, coverage
from coffeerun.render.assets.layout import LineBox, RunBox, TextLayout, TextStyle
from coffeerun.render.assets.slides import SlideSpec

FORMAT = 2
_COLOR = re.compile(r"#[0-9a-f]{6}")
_LENGTH = 100_000.0  # px: far beyond any canvas
_PITCH = 3168.0  # px of line spacing: what a deck can hold (deck_pptx._SPACING)
_MODES = ("RGBA", "RGB", "P")  # what images.py makes
_EMOJI_RUN = 64  # characters of one run of a colour emoji font (the PDF draws it as one picture)


def record(frame: Frame) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(meta, files) of a frame: the pictures as the PNG bytes the decks embed, one file each."""
    faces: list[Face] = []
    files: dict[str, bytes] = {}

    def face(f: Face) -> int:
        if f not in faces:
            faces.append(f)
        return faces.index(f)

    def rect(op: RectOp) -> list:
        return ["rect", op.id, list(op.box), op.color, op.radius]

    def op_json(op: Op) -> list:
        if isinstance(op, RectOp):
            return rect(op)
        if isinstance(op, ImageOp):
            name = f"picture-{len(files)}"
            files[name] = picture_png(op)
            return ["image", op.id, list(op.box), op.key, op.alt, name]
        layout = op.layout
        style = layout.style
        lines = [[line.text, line.x, line.top, line.width, line.height, line.baseline,
                  [[r.text, face(r.face), r.size, r.x, r.baseline, r.width, list(r.ink)] for r in line.runs]]
                 for line in layout.lines]
        return ["text", op.id, op.color, rect(op.pill) if op.pill is not None else None,
                list(op.bounds) if op.bounds is not None else None,
                [list(layout.box), layout.text, layout.full_text, layout.size, layout.line_pitch,
                 [list(style.sizes), style.weight, style.align, style.valign, style.line_height, style.max_lines],
                 lines, layout.truncated, list(layout.missing)]]

    ops = [op_json(op) for op in frame.ops]
    meta = {"frame": {"format": FORMAT, "ops": ops, "faces": [[f.path, f.index, f.family, f.bitmap_size]
                                                                for f in faces]}}
    return meta, files


def from_record(meta: Any, pictures: dict[str, bytes], spec: SlideSpec, composer: Composer) -> Frame | None:
    """The frame `record` kept, for `spec` as `composer` lays it out (its canvas, elements, styles and colours);
    None when the record is anything else."""
    try:
        data = meta["frame"]
        if data["format"] != FORMAT:
            return None
        book = composer.book
        chosen = {*book.primary.values(), *book.known["regular"], *book.known["bold"]}
        faces = [Face(_text(p), _int(i), _text(fam), _int(b)) for p, i, fam, b in data["faces"]]
        if not all(f in chosen for f in faces):
            return None
        size, safe, background = composer.canvas(spec)
        reader = _Reader(composer, spec, faces, pictures, size)
        return Frame(spec, size, safe, background, [reader.op(op) for op in data["ops"]])
    except (KeyError, TypeError, ValueError, IndexError, OSError, SyntaxError, Image.DecompressionBombError):
        return None


class _Reader:
    """Reads the operations of one kept frame against the layout a fresh one is composed from."""

    def __init__(self, composer: Composer, spec: SlideSpec, faces: list[Face], pictures: dict[str, bytes],
                 canvas: tuple[int, int]):
        self.composer, self.faces, self.pictures, self.canvas = composer, faces, pictures, canvas
        self.elements: dict[str, dict[str, Any]] = {}  # op id -> the layout element it comes from
        for element in composer.theme.layout(spec.kind)["elements"]:
            count = int((element.get("repeat") or {}).get("count", 0))
            for op_id in [f"{element['id']}-{i + 1}" for i in range(count)] if count else [element["id"]]:
                self.elements[op_id] = element

    def op(self, data: list) -> Op:
        kind, op_id = data[0], _text(data[1])
        element = self.elements[op_id]
        if kind == "rect" and element["type"] == "rect":
            return self.rect(data, element.get("fill"), element.get("radius", 0))
        if kind == "image" and element["type"] in ("logo", "avatar", "qr"):
            _, _, box, key, alt, name = data
            box = self.box(box, _int)
            png = self.pictures[_text(name)]
            if _picture_size(png) != box[2:]:
                raise ValueError("not a picture of its box")
            return ImageOp(op_id, box, None, _text(key), _text(alt), png=png)
        if kind != "text" or element["type"] != "text":
            raise ValueError(f"not an operation of its layout: {kind!r}")
        _, _, color, pill, bounds, layout = data
        box, text, full_text, size, pitch, style, lines, truncated, missing = layout
        sizes, weight, align, valign, line_height, max_lines = style
        text_style = TextStyle(_ints(sizes, 2), weight, align, valign, line_height, max_lines)
        if text_style != self.composer.style(element) or color != self.composer.color(element.get("color", "ink")):
            raise ValueError("not the style of its layout")
        _between(size, text_style.sizes[1], text_style.sizes[0])
        line_boxes = tuple(
            LineBox(_text(t), _num(x), _num(top), _num(w), _num(h), _num(base),
                    tuple(self.run(run, size) for run in runs))
            for t, x, top, w, h, base, runs in lines)
        text_layout = TextLayout(self.box(box, _num), _text(text), _text(full_text), size, _between(pitch, 0, _PITCH),
                                 text_style, line_boxes, _bool(truncated), tuple(_text(c) for c in missing))
        if ("fill" in element) != (pill is not None):
            raise ValueError("not the pill of its layout")
        return TextOp(op_id, text_layout, _color(color),
                      self.rect(pill, element["fill"], element.get("radius", 0)) if pill is not None else None,
                      _nums(bounds, 4) if bounds is not None else None)

    def rect(self, data: list, fill: Any, radius: Any) -> RectOp:
        kind, op_id, box, color, kept_radius = data
        if kind != "rect" or color != self.composer.color(fill) or kept_radius != int(radius):
            raise ValueError("not a rectangle of its layout")
        return RectOp(_text(op_id), self.box(box, _int), _color(color), kept_radius)

    def run(self, data: list, size: int) -> RunBox:
        text, index, run_size, x, baseline, width, ink = data
        face = self.faces[_between(index, 0, len(self.faces) - 1)]
        if run_size != size or not _drawn(face, _text(text)):
            raise ValueError("not a run its face draws")
        if face.color and len(text) > _EMOJI_RUN:
            raise ValueError("an emoji run longer than a slide holds")
        return RunBox(text, face, run_size, _num(x), _num(baseline), _between(width, 0, 2 * self.canvas[0]),
                      _nums(ink, 4))

    def box(self, values: Any, number: Callable[[Any], Any]) -> tuple:
        """A box on (or near) the canvas: no length a deck cannot hold, none negative."""
        x, y, w, h = (number(v) for v in _nums(values, 4))
        width, height = self.canvas
        return (_between(x, -width, 2 * width), _between(y, -height, 2 * height), _between(w, 0, width),
                _between(h, 0, height))


_PICTURES = memo.mapping("frame_record.pictures", 256)  # PNG bytes -> their size, once checked
_DRAWN = memo.mapping("frame_record.drawn", 4096)  # (face, run text) -> its face has every character


def _picture_size(png: bytes) -> tuple[int, int]:
    """The size of a whole, plain PNG in a mode images.py makes (checked once per process: a campaign's frames
    share their logos and photos)."""
    size = _PICTURES.get(png)
    if size is None:
        picture = Image.open(io.BytesIO(_plain_png(png)), formats=["PNG"])
        if picture.mode not in _MODES:
            raise ValueError("not a picture of a slide")
        picture.load()  # a whole PNG: fpdf2 and python-pptx read every byte of it
        size = _PICTURES[png] = picture.size
    return size


def _drawn(face: Face, text: str) -> bool:
    """Every character of the run is in its face (the first of each cluster, as FontBook.face_for chooses)."""
    drawn = _DRAWN.get((face, text))
    if drawn is None:
        drawn = _DRAWN[(face, text)] = all(ord(c[0]) in coverage(face) for c in clusters(text) if not c.isspace())
    return drawn


def _plain_png(data: bytes) -> bytes:
    """PNG bytes with only the chunks Pillow writes for a picture (no profile, text or private chunk to carry
    into the decks)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind not in (b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"):
            raise ValueError(f"a {kind!r} chunk")
        at += 12 + length
    if at != len(data):
        raise ValueError("a PNG cut short")
    return data


def _typed(value: Any, *kinds: type) -> Any:
    """The value, when it is exactly of one of these types (JSON's: a bool is no number here)."""
    if type(value) not in kinds:
        raise TypeError(f"not {' or '.join(k.__name__ for k in kinds)}")
    return value


def _text(value: Any) -> str:
    if FORBIDDEN.search(_typed(value, str)):
        raise ValueError("a character no deck can carry")
    return value


def _color(value: Any) -> str:
    if not _COLOR.fullmatch(_typed(value, str)):
        raise ValueError("not a colour")
    return value


def _int(value: Any) -> int:
    return _num(_typed(value, int))


def _between(value: Any, low: float, high: float) -> Any:
    if not low <= _num(value) <= high:
        raise ValueError("out of range")
    return value


def _num(value: Any, bound: float = _LENGTH) -> Any:
    if not (type(value) in (int, float) and math.isfinite(value) and abs(value) <= bound):
        raise ValueError("not a length")
    return value


def _bool(value: Any) -> bool:
    return _typed(value, bool)


def _ints(values: Any, count: int) -> tuple:
    if not isinstance(values, list) or len(values) != count:
        raise ValueError("not a box")
    return tuple(_int(v) for v in values)


def _nums(values: Any, count: int) -> tuple:
    if not isinstance(values, list) or len(values) != count:
        raise ValueError("not a box")
    return tuple(_num(v) for v in values)
