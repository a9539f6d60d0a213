"""A composed frame as plain JSON and picture bytes, kept beside its slide image in the store.

A campaign's decks need the frame of every slide, also of slides whose PNG came from the store; composing
them again (logos rasterised, photos cut round, QR codes encoded, text fitted) was a third of rebuilding one
changed campaign. The record is read like everything in the store: any part that is not what `record`
writes (a face the campaign's font book did not choose, a picture that is not a PNG of its box's size) makes
it a miss, and the slide is composed again.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from coffeerun.render.assets.compose import Frame, ImageOp, Op, RectOp, TextOp
from coffeerun.render.assets.deck_pptx import picture_png
from coffeerun.render.assets.fonts import Face, FontBook
from coffeerun.render.assets.layout import LineBox, RunBox, TextLayout, TextStyle
from coffeerun.render.assets.slides import SlideSpec

FORMAT = 1


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
    meta = {"frame": {"format": FORMAT, "size": list(frame.size), "safe": list(frame.safe),
                      "background": frame.background, "ops": ops,
                      "faces": [[f.path, f.index, f.family, f.bitmap_size] for f in faces]}}
    return meta, files


def from_record(meta: Any, pictures: dict[str, bytes], spec: SlideSpec, book: FontBook) -> Frame | None:
    """The frame `record` kept, for `spec`; None when the record is anything else."""
    try:
        data = meta["frame"]
        if data["format"] != FORMAT:
            return None
        chosen = {*book.primary.values(), *book.known["regular"], *book.known["bold"]}
        faces = [Face(_text(p), _int(i), _text(fam), _int(b)) for p, i, fam, b in data["faces"]]
        if not all(f in chosen for f in faces):
            return None
        ops = [_op(op, faces, pictures) for op in data["ops"]]
        return Frame(spec, _ints(data["size"], 2), _nums(data["safe"], 4), _text(data["background"]), ops)
    except (KeyError, TypeError, ValueError, IndexError, OSError, SyntaxError, Image.DecompressionBombError):
        return None


def _op(data: list, faces: list[Face], pictures: dict[str, bytes]) -> Op:
    kind = data[0]
    if kind == "rect":
        return _rect(data)
    if kind == "image":
        _, op_id, box, key, alt, name = data
        box = _nums(box, 4)
        png = pictures[_text(name)]
        with Image.open(io.BytesIO(png), formats=["PNG"]) as picture:  # the header only: no pixels decoded
            if picture.size != box[2:]:
                raise ValueError("a picture of another size")
        return ImageOp(_text(op_id), box, None, _text(key), _text(alt), png=png)
    if kind != "text":
        raise ValueError(f"not an operation: {kind!r}")
    _, op_id, color, pill, bounds, layout = data
    box, text, full_text, size, pitch, style, lines, truncated, missing = layout
    sizes, weight, align, valign, line_height, max_lines = style
    text_style = TextStyle(_ints(sizes, 2), _text(weight), _text(align), _text(valign), _num(line_height),
                           None if max_lines is None else _int(max_lines))
    line_boxes = tuple(
        LineBox(_text(t), _num(x), _num(top), _num(w), _num(h), _num(base),
                tuple(RunBox(_text(rt), faces[_int(f)], _int(rs), _num(rx), _num(rb), _num(rw), _nums(ink, 4))
                      for rt, f, rs, rx, rb, rw, ink in runs))
        for t, x, top, w, h, base, runs in lines)
    text_layout = TextLayout(_nums(box, 4), _text(text), _text(full_text), _int(size), _num(pitch), text_style,
                             line_boxes, _bool(truncated), tuple(_text(c) for c in missing))
    return TextOp(_text(op_id), text_layout, _text(color), _rect(pill) if pill is not None else None,
                  _nums(bounds, 4) if bounds is not None else None)


def _rect(data: list) -> RectOp:
    kind, op_id, box, color, radius = data
    if kind != "rect":
        raise ValueError("not a rectangle")
    return RectOp(_text(op_id), _nums(box, 4), _text(color), _int(radius))


def _typed(value: Any, *kinds: type) -> Any:
    """The value, when it is exactly of one of these types (JSON's: a bool is no number here)."""
    if type(value) not in kinds:
        raise TypeError(f"not {' or '.join(k.__name__ for k in kinds)}")
    return value


def _text(value: Any) -> str:
    return _typed(value, str)


def _int(value: Any) -> int:
    return _typed(value, int)


def _num(value: Any) -> float:
    return _typed(value, int, float)


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
