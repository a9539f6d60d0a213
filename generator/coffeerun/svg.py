"""Authored SVG is rasterised (it can carry script), never published as it is."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from coffeerun import memo


def rasterise_svg(path: Path, width: int) -> Image.Image:
    """Render an SVG file to an RGBA image `width` pixels wide, without touching the network.

    The same document at the same width is rendered once per process (a new image each call)."""
    data = path.read_bytes()
    if b"<svg" not in data[:4096].lower() and b"<svg" not in data.lower():
        raise ValueError("not an SVG document")
    image = Image.open(io.BytesIO(_render(data, width)))
    image.load()
    return image.convert("RGBA")


@memo.table("svg.render", 64)
def _render(data: bytes, width: int) -> bytes:
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), width=width))
