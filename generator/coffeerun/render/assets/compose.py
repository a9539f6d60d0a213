"""Compose: a slide's data and its layout become a frame of drawing operations, fitted and placed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from coffeerun.digests import file_digest
from coffeerun.fieldtypes import COLOR_PATTERN
from coffeerun.render.assets import images
from coffeerun.render.assets.fonts import FontBook
from coffeerun.render.assets.layout import Box, Fitter, TextLayout, TextStyle, moved
from coffeerun.render.assets.slides import Picture, SlideSpec
from coffeerun.render.assets.theme import Theme
from coffeerun.render.colors import normalise

CHIP_RADIUS = 18


@dataclass(frozen=True)
class RectOp:
    id: str
    box: Box
    color: str
    radius: int = 0


@dataclass(frozen=True)
class ImageOp:
    id: str
    box: Box
    image: Image.Image | None = field(compare=False)  # RGBA, RGB or P (QR codes), box-sized; None: only `png`
    key: str = ""  # same key, same picture (the deck stores it once)
    alt: str = ""
    png: bytes | None = field(default=None, compare=False, repr=False)  # the decks' PNG of it (frame_record)

    def picture(self) -> Image.Image:
        if self.image is not None:
            return self.image
        import io

        opened = Image.open(io.BytesIO(self.png or b""), formats=["PNG"])
        opened.load()
        return opened


@dataclass(frozen=True)
class TextOp:
    id: str
    layout: TextLayout
    color: str
    pill: RectOp | None = None  # a rounded shape hugging the text
    bounds: tuple[float, float, float, float] | None = None  # its exact ink, for `extent: ink`


Op = RectOp | ImageOp | TextOp


@dataclass
class Frame:
    """Everything one slide, card or preview draws, in order; the three renderers read only this."""

    spec: SlideSpec
    size: tuple[int, int]
    safe: Box  # x0, y0, x1, y1: no text is drawn outside
    background: str
    ops: list[Op]

    @property
    def texts(self) -> dict[str, TextLayout]:
        return {op.id: op.layout for op in self.ops if isinstance(op, TextOp)}

    def truncated(self) -> list[TextOp]:
        return [op for op in self.ops if isinstance(op, TextOp) and op.layout.truncated]


def extent(op: Op) -> tuple[float, float, float, float]:
    """What an operation covers (x0, y0, x1, y1): for text, its lines (or its pill), not its box."""
    if isinstance(op, TextOp):
        if op.bounds is not None:
            return op.bounds
        if op.pill is not None:
            op = op.pill
        else:
            return op.layout.block
    x, y, w, h = op.box
    return (x, y, x + w, y + h)


def shifted(op: Op, dy: int) -> Op:
    if isinstance(op, TextOp):
        pill = shifted(op.pill, dy) if op.pill is not None else None
        bounds = (op.bounds[0], op.bounds[1] + dy, op.bounds[2], op.bounds[3] + dy) if op.bounds else None
        return TextOp(op.id, moved(op.layout, 0, dy), op.color, pill, bounds)  # type: ignore[arg-type]
    x, y, w, h = op.box
    if isinstance(op, RectOp):
        return RectOp(op.id, (x, y + dy, w, h), op.color, op.radius)
    return ImageOp(op.id, (x, y + dy, w, h), op.image, op.key, op.alt, op.png)


class Composer:
    """Composes the frames of one campaign; pictures are prepared once and reused."""

    def __init__(self, theme: Theme, palette: dict[str, str], book: FontBook):
        self.theme, self.palette, self.book = theme, palette, book
        self.fitter = Fitter(book)
        self._pictures: dict[str, Image.Image] = {}  # initials avatars: drawn with this campaign's fonts

    def compose(self, spec: SlideSpec) -> Frame:
        layout = self.theme.layout(spec.kind)
        ops: list[Op] = []
        placed: dict[str, Op] = {}
        for element in layout["elements"]:
            repeat = element.get("repeat") or {}
            for i in range(int(repeat.get("count", 1))):
                suffix = f"-{i + 1}" if repeat else ""
                dx, dy = i * int(repeat.get("dx", 0)), i * int(repeat.get("dy", 0))
                x, y, w, h = element["box"]
                box = self._after(element, (x + dx, y + dy, w, h), placed, suffix)
                value = self._value(spec.content, element["id"], i, bool(repeat))
                when = element.get("when")
                if when and not self._value(spec.content, when, i, bool(repeat)):
                    continue
                op = self._element(element, box, value, element["id"] + suffix)
                if op is not None:
                    ops.append(op)
                    placed[op.id] = op
        for group in layout.get("groups", []):
            ops = self._center(group, ops)
        return Frame(spec, *self.canvas(spec), ops)

    def canvas(self, spec: SlideSpec) -> tuple[tuple[int, int], Box, str]:
        """The size, safe area and background of the slide's layout."""
        canvas = self.theme.canvas(spec.kind)
        return tuple(canvas["size"]), tuple(canvas["safe"]), self.color(self.theme.layout(spec.kind)["background"])

    @staticmethod
    def _after(element: dict[str, Any], box: Box, placed: dict[str, Op], suffix: str) -> Box:
        """`after: {id, gap, axis}`: the box starts where an earlier element ends (if it was drawn)."""
        after = element.get("after")
        if not after or (after["id"] + suffix) not in placed:
            return box
        _, _, x1, y1 = extent(placed[after["id"] + suffix])
        x, y, w, h = box
        gap = int(after.get("gap", 0))
        if after.get("axis", "y") == "x":
            left = round(x1) + gap
            return (left, y, max(1, x + w - left), h)
        return (x, round(y1) + gap, w, h)

    @staticmethod
    def _center(group: dict[str, Any], ops: list[Op]) -> list[Op]:
        """Move a group of elements together so that what they draw is aligned in the group's box."""
        ids = set(group["ids"])
        members = [op for op in ops if op.id in ids]
        if not members:
            return ops
        top = min(extent(op)[1] for op in members)
        bottom = max(extent(op)[3] for op in members)
        _, y, _, h = group["box"]
        target = {"top": y, "middle": y + (h - (bottom - top)) / 2, "bottom": y + h - (bottom - top)}
        dy = round(target[group.get("valign", "middle")] - top)
        return [shifted(op, dy) if op.id in ids else op for op in ops]

    @staticmethod
    def _value(content: dict[str, Any], key: str, index: int, repeated: bool) -> Any:
        value = content.get(key)
        if repeated:
            return value[index] if isinstance(value, list) and index < len(value) else None
        return value

    def color(self, name: str) -> str:
        """A palette name's colour, or a #RGB/#RRGGBB colour as #rrggbb, the same in every renderer (validation
        refuses anything else in theme/slides/layouts.yaml: no slide is drawn from it)."""
        known = self.palette.get(name)
        if known is not None:
            return known
        return normalise(name) if re.fullmatch(COLOR_PATTERN, name) else name

    def _element(self, element: dict[str, Any], box: Box, value: Any, op_id: str) -> Op | None:
        kind = element["type"]
        if kind == "rect":
            return RectOp(op_id, box, self.color(element["fill"]), int(element.get("radius", 0)))
        if value is None or value == "":
            return None
        if kind == "text":
            return self._text(element, box, str(value), op_id)
        if kind == "logo":
            return self._logo(element, box, value, op_id)
        if kind == "avatar":
            return self._avatar(element, box, value, op_id)
        if kind == "qr":
            return self._qr(box, value, op_id)
        raise ValueError(f"unknown slide element type {kind!r} in {element.get('id')}")

    def style(self, element: dict[str, Any]) -> TextStyle:
        sizes = element["size"]
        return TextStyle((int(max(sizes)), int(min(sizes))), element.get("weight", "regular"),
                         element.get("align", "left"), element.get("valign", "top"),
                         float(element.get("line_height", 1.2)), element.get("max_lines"))

    def _text(self, element: dict[str, Any], box: Box, text: str, op_id: str) -> TextOp:
        if element.get("case") == "upper":
            text = text.upper()
        style = self.style(element)
        color = self.color(element.get("color", "ink"))
        if "fill" not in element:
            fitted = self.fitter.fit(text, box, style)
            bounds = None
            if element.get("extent") == "ink":
                from coffeerun.render.assets.draw_png import ink_bounds

                bounds = ink_bounds(fitted)
            return TextOp(op_id, fitted, color, None, bounds)
        pad = element.get("padding", [24, 12])
        px, py = (pad, pad) if isinstance(pad, int) else pad
        x, y, w, h = box
        fitted = self.fitter.fit(text, (x + px, y + py, w - 2 * px, h - 2 * py), style)
        x0, y0, x1, y1 = fitted.block
        pill_box = (round(x0 - px), round(y0 - py), round(x1 - x0 + 2 * px), round(y1 - y0 + 2 * py))
        pill = RectOp(op_id + "-pill", pill_box, self.color(element["fill"]), int(element.get("radius", 0)))
        return TextOp(op_id, fitted, color, pill)

    def _place(self, element: dict[str, Any], box: Box, w: int, h: int) -> tuple[int, int]:
        x, y, bw, bh = box
        align, valign = element.get("align", "left"), element.get("valign", "top")
        left = {"left": x, "center": x + (bw - w) // 2, "right": x + bw - w}[align]
        top = {"top": y, "middle": y + (bh - h) // 2, "bottom": y + bh - h}[valign]
        return left, top

    def _logo(self, element: dict[str, Any], box: Box, picture: Picture, op_id: str) -> Op:
        _, _, bw, bh = box
        pad = int(element.get("padding", 0))
        path = Path(picture.path)
        pad_y = round(pad * max(0.4, min(1.0, images.logo_aspect(path) / 2.5)))  # squarish logos get more height
        width, height = bw - 2 * pad, bh - 2 * pad_y
        digest = file_digest(path)
        chip = element.get("chip", "none")
        if chip in (None, "none"):
            logo = images.fitted_logo(path, width, height)
            left, top = self._place(element, box, logo.width, logo.height)
            return ImageOp(op_id, (left, top, logo.width, logo.height), logo,
                           f"logo:{digest}:{logo.width}x{logo.height}", picture.alt)
        color = self.color(chip)
        card = images.logo_chip(path, width, height, pad, bh, color, CHIP_RADIUS)
        left, top = self._place(element, box, card.width, card.height)
        return ImageOp(op_id, (left, top, card.width, card.height), card,
                       f"chip:{digest}:{width}x{height}:{pad}:{bh}:{color}", picture.alt)

    def _avatar(self, element: dict[str, Any], box: Box, picture: Picture, op_id: str) -> ImageOp:
        _, _, w, h = box
        diameter = min(w, h)
        ring = self.color(element["ring"]) if element.get("ring") else None
        ring_width = int(element.get("ring_width", 0))
        left, top = self._place(element, box, diameter, diameter)
        if picture.kind == "photo":
            image = images.photo_avatar(Path(picture.path), diameter, ring, ring_width)
            key = f"avatar:{file_digest(picture.path)}:{diameter}:{ring}:{ring_width}"
            return ImageOp(op_id, (left, top, diameter, diameter), image, key, picture.alt)
        key = f"avatar:initials:{picture.text}:{diameter}:{ring}:{ring_width}:{self.color('primary-deep')}"
        if key not in self._pictures:
            inner = diameter - 2 * ring_width if ring else diameter
            self._pictures[key] = images.avatar(self._initials(picture.text, inner), diameter, ring, ring_width)
        return ImageOp(op_id, (left, top, diameter, diameter), self._pictures[key], key, picture.alt)

    def _initials(self, text: str, size: int) -> Image.Image:
        from coffeerun.render.assets.draw_png import draw_text

        background = self.color("primary-deep")
        image = Image.new("RGB", (size, size), background)
        style = TextStyle((int(size * 0.4), 10), "bold", "center", "middle", 1.0, 1)
        layout = self.fitter.fit(text, (0, 0, size, size), style)
        draw_text(image, layout, self.color("on-deep"))
        return image

    def _qr(self, box: Box, picture: Picture, op_id: str) -> ImageOp:
        x, y, w, h = box
        code = images.qr_image(picture.text, min(w, h))
        left, top = x + (w - code.width) // 2, y + (h - code.height) // 2
        return ImageOp(op_id, (left, top, code.width, code.height), code, "qr:" + picture.text, picture.alt)
