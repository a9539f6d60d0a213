"""A composed frame as plain JSON and picture bytes, kept beside its slide image in the store.

A campaign's decks need the frame of every slide, also of slides whose PNG came from the store; composing
them again (logos rasterised, photos cut round, QR codes encoded, text fitted) was a third of rebuilding one
changed campaign. The record is read like everything in the store, strictly: any value `record` would not
write (a face the campaign's font book did not choose, a colour that is not #rrggbb, a length the decks
cannot hold, a picture that is not a whole PNG of its box's size) makes it a miss, and the slide is composed
again. The frame's size, safe area and background are the layout's, not the record's.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

from PIL import Image

from coffeerun.render.assets.compose import Frame, ImageOp, Op, RectOp, TextOp
from coffeerun.render.assets.deck_pptx import picture_png
from coffeerun.render.assets.fonts import Face, FontBook
from coffeerun.render.assets.layout import Box, LineBox, RunBox, TextLayout, TextStyle
from coffeerun.render.assets.slides import SlideSpec

FORMAT = 2
_COLOR = re.compile(r"#[0-9a-f]{6}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # no text of a slide holds one: XML refuses most
_LENGTH = 100_000.0  # px: far beyond any canvas
_SIZES = (2, 8000)  # px of a font size: what a deck can hold (deck_pptx._FONT_SIZE)
_PITCH = 3168.0  # px of line spacing: what a deck can hold (deck_pptx._SPACING)
_MODES = ("RGBA", "RGB", "P")  # what images.py makes


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


def from_record(meta: Any, pictures: dict[str, bytes], spec: SlideSpec, book: FontBook,
                canvas: tuple[tuple[int, int], Box, str]) -> Frame | None:
    """The frame `record` kept, for `spec` on its layout's canvas (size, safe area, background); None when the
    record is anything else."""
    try:
        data = meta["frame"]
        if data["format"] != FORMAT:
            return None
        chosen = {*book.primary.values(), *book.known["regular"], *book.known["bold"]}
        faces = [Face(_text(p), _int(i), _text(fam), _int(b)) for p, i, fam, b in data["faces"]]
        if not all(f in chosen for f in faces):
            return None
        ops = [_op(op, faces, pictures) for op in data["ops"]]
        size, safe, background = canvas
        return Frame(spec, size, safe, background, ops)
    except (KeyError, TypeError, ValueError, IndexError, OSError, SyntaxError, Image.DecompressionBombError):
        return None


def _op(data: list, faces: list[Face], pictures: dict[str, bytes]) -> Op:
    kind = data[0]
    if kind == "rect":
        return _rect(data)
    if kind == "image":
        _, op_id, box, key, alt, name = data
        box = _ints(box, 4)
        png = pictures[_text(name)]
        picture = Image.open(io.BytesIO(png), formats=["PNG"])
        if picture.size != box[2:] or picture.mode not in _MODES:
            raise ValueError("not a picture of its box")
        picture.load()  # a whole PNG: fpdf2 and python-pptx read every byte of it
        return ImageOp(_text(op_id), box, None, _text(key), _text(alt), png=png)
    if kind != "text":
        raise ValueError(f"not an operation: {kind!r}")
    _, op_id, color, pill, bounds, layout = data
    box, text, full_text, size, pitch, style, lines, truncated, missing = layout
    sizes, weight, align, valign, line_height, max_lines = style
    if weight not in ("regular", "bold") or align not in ("left", "center", "right") \
            or valign not in ("top", "middle", "bottom"):
        raise ValueError("not a text style")
    text_style = TextStyle(_ints(sizes, 2), weight, align, valign, _num(line_height, 100.0),
                           None if max_lines is None else _int(max_lines))
    line_boxes = tuple(
        LineBox(_text(t), _num(x), _num(top), _num(w), _num(h), _num(base),
                tuple(RunBox(_text(rt), faces[_index(f, len(faces))], _size(rs), _num(rx), _num(rb), _num(rw),
                             _nums(ink, 4))
                      for rt, f, rs, rx, rb, rw, ink in runs))
        for t, x, top, w, h, base, runs in lines)
    text_layout = TextLayout(_nums(box, 4), _text(text), _text(full_text), _size(size), _between(pitch, 0, _PITCH),
                             text_style, line_boxes, _bool(truncated), tuple(_text(c) for c in missing))
    return TextOp(_text(op_id), text_layout, _color(color), _rect(pill) if pill is not None else None,
                  _nums(bounds, 4) if bounds is not None else None)


def _rect(data: list) -> RectOp:
    kind, op_id, box, color, radius = data
    if kind != "rect":
        raise ValueError("not a rectangle")
    x, y, w, h = _ints(box, 4)
    return RectOp(_text(op_id), (x, y, _between(w, 0, _LENGTH), _between(h, 0, _LENGTH)), _color(color),
                  _index(radius, int(_LENGTH)))


def _typed(value: Any, *kinds: type) -> Any:
    """The value, when it is exactly of one of these types (JSON's: a bool is no number here)."""
    if type(value) not in kinds:
        raise TypeError(f"not {' or '.join(k.__name__ for k in kinds)}")
    return value


def _text(value: Any) -> str:
    if _CONTROL.search(_typed(value, str)):
        raise ValueError("a control character")
    return value


def _color(value: Any) -> str:
    if not _COLOR.fullmatch(_typed(value, str)):
        raise ValueError("not a colour")
    return value


def _int(value: Any) -> int:
    return _num(_typed(value, int))


def _index(value: Any, count: int) -> int:
    if not 0 <= _int(value) < count:
        raise ValueError("out of range")
    return value


def _size(value: Any) -> int:
    return _between(_int(value), *_SIZES)


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
