"""Draw a frame with Pillow: the PNG slides, cards and preview (and the pages of deck.pdf)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from coffeerun.render.assets.compose import Frame, ImageOp, RectOp, TextOp
from coffeerun.render.assets.fonts import font_for_run
from coffeerun.render.assets.images import rounded_mask
from coffeerun.render.assets.layout import TextLayout, moved
from coffeerun.render.colors import rgb


def render(frame: Frame) -> Image.Image:
    image = Image.new("RGB", frame.size, frame.background)
    for op in frame.ops:
        if isinstance(op, RectOp):
            draw_rect(image, op)
        elif isinstance(op, ImageOp):
            x, y, _, _ = op.box
            picture = op.picture()
            image.paste(picture, (x, y), picture if picture.mode == "RGBA" else None)
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
            glyphs = Image.new("RGBA", (max(1, int(right - left)), max(1, int(bottom - top))), (0, 0, 0, 0))
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
