"""Authored SVG is rasterised (it can carry script), never published as it is; without access to any
other file or to the network, and never drawn larger than MAX_PIXELS."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import cast

from PIL import Image

from coffeerun import memo

MAX_PIXELS = 16_000_000
LARGEST_WIDTH = 1400  # the widest a logo is rasterised (render/assets/images.LOGO_WIDTH); check uses it
_RASTER_DATA = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp);base64,", re.I)
_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0,
          "em": 16.0, "ex": 8.0}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z%]*)\s*$")


class UnsafeSvgError(ValueError):
    """An SVG that would read another file or the network, or draw too many pixels."""


def _length(value: str | None) -> float | None:
    if value is None:
        return None
    found = _LENGTH.match(value)
    if not found or found.group(2) not in _UNITS:
        return None  # a percentage or no length: the viewBox decides
    return float(found.group(1)) * _UNITS[found.group(2)]


def _external(value: str) -> bool:
    """True for a reference that leaves the document: anything but `#id` and an embedded raster image."""
    value = value.strip()
    return bool(value) and not value.startswith("#") and not _RASTER_DATA.match(value)


def _clip(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:59] + "…")


def safe_document(data: bytes) -> tuple[str, float]:
    """The SVG as text with nothing outside it referenced, and its height over its width.

    Raises UnsafeSvgError for references to other files or hosts (<image>, <use>, CSS url() and @import,
    xml-stylesheet, entities) and for filters, ValueError for what is not an SVG document."""
    from lxml import etree

    if b"<svg" not in data.lower():
        raise ValueError("not an SVG document")
    if b"<!entity" in data.lower():
        raise UnsafeSvgError("it declares XML entities, which may read other files; export the SVG again without "
                             "a DOCTYPE")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not a well-formed SVG document ({exc})") from None
    if etree.QName(root).localname != "svg":
        raise ValueError("not an SVG document (its top element is not <svg>)")
    for node in root.iter():
        if isinstance(node, etree._ProcessingInstruction):
            raise UnsafeSvgError("it has a processing instruction (e.g. xml-stylesheet), which may load another file")
        if not isinstance(node.tag, str):
            continue
        for name, raw in node.attrib.items():
            value = cast(str, raw)  # lxml gives every attribute value as str; its stubs say str | bytes
            local = etree.QName(name).localname
            if local == "href" and _external(value):
                raise UnsafeSvgError(f"it refers to {_clip(value)} in <{etree.QName(node).localname}>: another file "
                                "or address; embed images as data:image/png;base64 instead")
            for ref in _URL.findall(value):
                if _external(ref):
                    raise UnsafeSvgError(f"it refers to {_clip(ref)} with url(): another file or address")
        if etree.QName(node).localname == "filter":  # a huge region or radius takes minutes and gigabytes
            raise UnsafeSvgError("it uses an SVG filter (blur, shadow, ...), which can take minutes to draw; export "
                                 "the logo with its effects flattened")
        style = (node.text or "") if etree.QName(node).localname == "style" else ""
        if "@import" in style.lower() or any(_external(ref) for ref in _URL.findall(style)):
            raise UnsafeSvgError("its <style> loads another file or address (@import or url())")
    text = etree.tostring(root, encoding="unicode")  # the element alone: no DOCTYPE, nothing before it
    return text, _aspect(root)


def _aspect(root) -> float:
    """Height over width as resvg sizes the document: width/height attributes, else the viewBox."""
    box = None
    try:
        parts = [float(x) for x in re.split(r"[\s,]+", (root.get("viewBox") or "").strip()) if x]
        if len(parts) == 4 and parts[2] > 0 and parts[3] > 0:
            box = parts[2], parts[3]
    except ValueError:
        box = None
    given_width, given_height = _length(root.get("width")), _length(root.get("height"))
    box_width, box_height = box if box else (100.0, 100.0)
    if given_width is None and given_height is None:
        width, height = box_width, box_height
    elif given_width is None:
        height = given_height or 0.0
        width = height * box_width / box_height if box else 100.0
    else:
        width = given_width
        height = given_height if given_height is not None else (width * box_height / box_width if box else 100.0)
    if width <= 0 or height <= 0:
        raise ValueError("it has no size (width or height is 0)")
    return height / width


def check_drawn_size(aspect: float, width: int) -> None:
    height = round(width * aspect)
    if width * height > MAX_PIXELS:
        raise UnsafeSvgError(f"drawn {width} pixels wide it would be {width}×{height} pixels, more than "
                        f"{MAX_PIXELS // 1_000_000} megapixels; crop its canvas (viewBox) to what it draws")


def check_svg(path: Path) -> None:
    """What check does for an SVG logo: safe, within the size limit at the largest width the build uses,
    and renderable."""
    text, aspect = safe_document(path.read_bytes())
    check_drawn_size(aspect, LARGEST_WIDTH)
    _render(text, 64)


def rasterise_svg(path: Path, width: int) -> Image.Image:
    """Render an SVG file to an RGBA image `width` pixels wide, without touching files or the network.

    The same document at the same width is rendered once per process (a new image each call)."""
    text, aspect = safe_document(path.read_bytes())
    check_drawn_size(aspect, width)
    image = Image.open(io.BytesIO(_render(text, width)))
    image.load()
    return image.convert("RGBA")


@memo.table("svg.render", 64)
def _render(text: str, width: int) -> bytes:
    import resvg_py

    with tempfile.TemporaryDirectory(prefix="coffeerun-svg-") as nothing:  # relative references find nothing
        return bytes(resvg_py.svg_to_bytes(svg_string=text, width=width, resources_dir=nothing))
