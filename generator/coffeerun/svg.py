"""Authored SVG is rasterised (it can carry script), never published as it is."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image


def rasterise_svg(path: Path, width: int) -> Image.Image:
    """Render an SVG file to an RGBA image `width` pixels wide, without touching the network."""
    import resvg_py

    data = path.read_bytes()
    if b"<svg" not in data[:4096].lower() and b"<svg" not in data.lower():
        raise ValueError("not an SVG document")
    png = resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), width=width)
    image = Image.open(io.BytesIO(bytes(png)))
    image.load()
    return image.convert("RGBA")
