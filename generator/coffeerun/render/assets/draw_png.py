"""Draw a frame with Pillow: the PNG slides, cards and preview (and the pages of deck.pdf)."""

from __future__ import annotations

import struct
import zlib

from PIL import Image, ImageDraw

from coffeerun.render.assets.compose import Frame, ImageOp, RectOp, TextOp
from coffeerun.render.assets.fonts import font_for_run
from coffeerun.render.assets.images import rounded_mask
from coffeerun.render.assets.layout import TextLayout, moved
from coffeerun.render.assets.theme import rgb

# zlib level 3 on unfiltered rows: flat slide colours repeat every pixel, which deflate finds as well
# as it finds them after filtering. Measured on the example slides against Pillow's adaptive filters
# at level 3: 2x faster (about 20 ms instead of 45 for 1920x1080) and 8 % smaller.
PNG_COMPRESS_LEVEL = 3
_PNG_COLOR_TYPE = {"RGB": (2, 3), "RGBA": (6, 4), "L": (0, 1)}
_BAND = 64  # rows encoded at a time


def render(frame: Frame) -> Image.Image:
    image = Image.new("RGB", frame.size, frame.background)
    for op in frame.ops:
        if isinstance(op, RectOp):
            draw_rect(image, op)
        elif isinstance(op, ImageOp):
            x, y, _, _ = op.box
            mask = op.image if op.image.mode == "RGBA" else None
            image.paste(op.image, (x, y), mask)
        elif isinstance(op, TextOp):
            if op.pill is not None:
                draw_rect(image, op.pill)
            draw_text(image, op.layout, op.color)
    return image


def draw_rect(image: Image.Image, op: RectOp) -> None:
    x, y, w, h = op.box
    if w <= 0 or h <= 0:
        return
    if op.radius <= 0:
        ImageDraw.Draw(image).rectangle((x, y, x + w - 1, y + h - 1), fill=op.color)
        return
    image.paste(Image.new("RGB", (w, h), op.color), (x, y), rounded_mask(w, h, op.radius))


def draw_text(image: Image.Image, layout: TextLayout, color: str) -> None:
    """Draw every run with its own face, pens on the shared baseline."""
    draw = ImageDraw.Draw(image)
    fill = rgb(color)
    for line in layout.lines:
        for run in line.runs:
            if run.text.isspace():
                continue
            font, scale = font_for_run(run.face, run.size, run.text)
            if scale == 1.0:
                draw.text((run.x, run.baseline), run.text, font=font, fill=fill, anchor="ls",
                          embedded_color=run.face.color)
                continue
            # A colour bitmap font draws at its fixed strike: draw there, then scale into place.
            left, top, right, bottom = font.getbbox(run.text, anchor="ls")
            glyphs = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
            ImageDraw.Draw(glyphs).text((-left, -top), run.text, font=font, fill=(*fill, 255), anchor="ls",
                                        embedded_color=True)
            size = (max(1, round(glyphs.width * scale)), max(1, round(glyphs.height * scale)))
            glyphs = glyphs.resize(size, Image.Resampling.LANCZOS)
            image.paste(glyphs, (round(run.x + left * scale), round(run.baseline + top * scale)), glyphs)


def ink_bounds(layout: TextLayout) -> tuple[float, float, float, float] | None:
    """The exact box of the pixels a text layout draws (for decorative glyphs)."""
    ink = layout.ink
    if ink is None:
        return None
    x0, y0 = int(ink[0]) - 2, int(ink[1]) - 2
    mask = Image.new("RGB", (int(ink[2]) - x0 + 4, int(ink[3]) - y0 + 4), "black")
    draw_text(mask, moved(layout, -x0, -y0), "#FFFFFF")
    box = mask.convert("L").getbbox()
    return (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0) if box else None


def encode(image: Image.Image, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """PNG bytes with no metadata chunk (no time, no text): the same image, the same bytes.

    8-bit RGB, RGBA or grey; every row has filter type 0, so deck.pdf copies the data as it is."""
    if image.mode not in _PNG_COLOR_TYPE:
        image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
    color_type, channels = _PNG_COLOR_TYPE[image.mode]
    width, height = image.size
    stride = width * channels
    compressor = zlib.compressobj(level)
    data = []
    for top in range(0, height, _BAND):  # a band at a time: no 6 MB copies of the image
        raw = image.crop((0, top, width, min(height, top + _BAND))).tobytes()
        data.append(compressor.compress(b"".join([b"\0" + raw[i:i + stride] for i in range(0, len(raw), stride)])))
    data.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"IDAT", b"".join(data)),
                     _chunk(b"IEND", b"")])


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
