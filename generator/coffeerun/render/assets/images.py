"""Pictures on the slides: logos (SVG rasterised once), photos, avatars, QR codes."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageOps

from coffeerun import memo
from coffeerun.files import eight_bit
from coffeerun.render.colors import rgb

LOGO_WIDTH = 1400  # SVG logos are rasterised once at this width, then scaled down per use
PHOTO_MAX = 640  # portraits are kept at most this large (avatars are at most 300 px across)
SUPERSAMPLE = 4
# Pictures are prepared once per process and file content, whatever the campaign: a worker renders
# many campaigns of the same accounts. Bounded, so that thousands of accounts stay within memory.
_SOURCES, _PREPARED = 8, 64


def _kept(name: str, size: int, fits: Callable[..., bool] = lambda _picture, *_args: True
          ) -> Callable[[Callable[..., Image.Image]], Callable[..., Image.Image]]:
    """A picture function of (path, digest, *args): its pictures kept once per process (memo table `name`, of
    `size`) and in the store (namespace media), by content and arguments, so the first campaign a worker renders
    rasterises no logo an earlier build did (50 ms each, for a changed campaign's title slide). One made where
    there is no store (validation) is handed to the first store there is. Logos only: an advocate's photo cut
    round would be kept where a withdrawal's purge cannot find it. A kept picture that is not an RGBA PNG of a
    size `fits(picture, *args)` allows is made again."""
    table = memo.mapping(name, size)  # (digest, args) -> [picture, the store it was handed to]

    def wrap(make: Callable[..., Image.Image]) -> Callable[..., Image.Image]:
        @functools.wraps(make)
        def kept(path: str, digest: str, *args: Any) -> Image.Image:
            from coffeerun import store
            from coffeerun.render.assets.png import encode

            reader = store.current()
            k = store.key("media", "picture", name, digest, args) if reader.store.root is not None else ""
            known = table.get((digest, args))
            if known is None:
                picture = _stored_picture(reader.get("media", k)) if k else None
                picture = picture if picture is not None and fits(picture, *args) else None
                known = table[(digest, args)] = [picture or make(path, digest, *args),
                                                 reader.store.root if picture is not None else None]
            if k and known[1] != reader.store.root:  # (a process may build with two stores: tests, serve)
                reader.keep("media", k, {}, {"data": encode(known[0])})
                known[1] = reader.store.root
            return known[0]
        return kept
    return wrap


def _stored_picture(entry: Any) -> Image.Image | None:
    if entry is None:
        return None
    try:
        opened = Image.open(io.BytesIO(entry.read("data")), formats=["PNG"])
        opened.load()
        return opened if opened.mode == "RGBA" and not opened.info else None
    except (OSError, KeyError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def _digest(path: Path) -> str:
    from coffeerun.digests import file_digest

    return file_digest(path)


@_kept("images.logo", _SOURCES)  # any size: a PNG logo keeps its own
def _logo(path: str, digest: str) -> Image.Image:
    file = Path(path)
    if file.suffix.lower() == ".svg":
        from coffeerun.svg import rasterise_svg

        image = rasterise_svg(file, LOGO_WIDTH)
    else:
        with Image.open(file) as opened:
            image = eight_bit(opened).convert("RGBA")
    trimmed = _trim(image)
    trimmed.info = {}  # no colour profile: the decks embed the pixels, the same whether made or kept
    return trimmed


def logo(path: Path) -> Image.Image:
    """The logo as RGBA, trimmed to what it draws; rasterised once per process and file content."""
    return _logo(str(path), _digest(path))


@_kept("images.fitted_logo", _PREPARED, lambda picture, width, height: picture.width <= width
       and picture.height <= height)
def _fitted_logo(path: str, digest: str, width: int, height: int) -> Image.Image:
    return contain(_logo(path, digest), width, height)


def fitted_logo(path: Path, width: int, height: int) -> Image.Image:
    """The logo scaled to fit inside width x height, once per process, file content and size."""
    return _fitted_logo(str(path), _digest(path), width, height)


@_kept("images.chip", _PREPARED, lambda picture, width, height, pad, card_height, *_: picture.height == card_height
       and 2 * pad < picture.width <= width + 2 * pad)
def _chip(path: str, digest: str, width: int, height: int, pad: int, card_height: int, color: str,
          radius: int) -> Image.Image:
    fitted = _fitted_logo(path, digest, width, height)
    card = Image.new("RGBA", (fitted.width + 2 * pad, card_height), (0, 0, 0, 0))
    fill = Image.new("RGBA", card.size, color)
    card.paste(fill, (0, 0), rounded_mask(card.width, card.height, radius))
    card.alpha_composite(fitted, (pad, (card_height - fitted.height) // 2))
    return card


def logo_chip(path: Path, width: int, height: int, pad: int, card_height: int, color: str,
              radius: int) -> Image.Image:
    """The logo fitted into width x height, on a rounded `color` card: `pad` wider on each side,
    `card_height` high."""
    return _chip(str(path), _digest(path), width, height, pad, card_height, color, radius)


@memo.table("images.aspect", 256)
def _aspect(path: str, digest: str) -> float:
    source = _logo(path, digest)
    return source.width / source.height


def logo_aspect(path: Path) -> float:
    """Width over height of what the logo draws."""
    return _aspect(str(path), _digest(path))


def _trim(image: Image.Image) -> Image.Image:
    """Cut transparent or plain background margins off a logo."""
    alpha = image.getchannel("A")
    box = alpha.point(lambda a: 255 if a > 8 else 0).getbbox()
    if box and box != (0, 0, *image.size):
        return image.crop(box)
    corner = image.getpixel((0, 0))
    plain = Image.new("RGBA", image.size, corner)
    diff = ImageChops.difference(image, plain).convert("L").point(lambda v: 255 if v > 24 else 0)
    box = diff.getbbox()
    return image.crop(box) if box else image


def contain(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scaled to fit inside width x height, keeping its proportions."""
    scale = min(width / image.width, height / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)  # a 1400 px logo: reduced first


@memo.table("images.photo", _SOURCES)
def _photo(path: str, digest: str) -> Image.Image:
    with Image.open(path) as opened:
        opened.draft("RGB", (PHOTO_MAX * 2, PHOTO_MAX * 2))  # a large JPEG is decoded at a fraction
        image = eight_bit(ImageOps.exif_transpose(opened)).convert("RGB")
    side = min(image.size)
    left = (image.width - side) // 2
    top = max(0, min(image.height - side, round((image.height - side) * 0.35)))  # faces sit high
    square = image.crop((left, top, left + side, top + side))
    if side > PHOTO_MAX:
        square = square.resize((PHOTO_MAX, PHOTO_MAX), Image.Resampling.LANCZOS)
    return square


def photo(path: Path) -> Image.Image:
    """A square crop of a portrait, a little above the middle where faces are, at most PHOTO_MAX wide."""
    return _photo(str(path), _digest(path))


@memo.table("images.photo_avatar", _PREPARED)  # not kept in the store: a withdrawal's purge could not find it
def _photo_avatar(path: str, digest: str, diameter: int, ring: str | None, ring_width: int) -> Image.Image:
    return avatar(_photo(path, digest), diameter, ring, ring_width)


def photo_avatar(path: Path, diameter: int, ring: str | None, ring_width: int) -> Image.Image:
    """The round portrait with its ring, once per process, photo content, size and ring."""
    return _photo_avatar(str(path), _digest(path), diameter, ring, ring_width)


@memo.table("images.circle_mask", 64)
def circle_mask(diameter: int) -> Image.Image:
    """An anti-aliased disc (drawn large, then scaled down)."""
    big = Image.new("L", (diameter * SUPERSAMPLE, diameter * SUPERSAMPLE), 0)
    ImageDraw.Draw(big).ellipse((0, 0, big.width - 1, big.height - 1), fill=255)
    return big.resize((diameter, diameter), Image.Resampling.LANCZOS)


@memo.table("images.rounded_mask", 64)
def rounded_mask(width: int, height: int, radius: int) -> Image.Image:
    """An anti-aliased rounded rectangle."""
    radius = min(radius, width // 2, height // 2)
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    ImageDraw.Draw(big).rounded_rectangle((0, 0, big.width - 1, big.height - 1),
                                          radius=radius * SUPERSAMPLE, fill=255)
    return big.resize((width, height), Image.Resampling.LANCZOS)


def avatar(face: Image.Image, diameter: int, ring: str | None, ring_width: int) -> Image.Image:
    """A round portrait (or initials disc) with an optional ring, as RGBA."""
    out = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    inner = diameter
    if ring and ring_width:
        out.paste(Image.new("RGBA", out.size, (*rgb(ring), 255)), (0, 0), circle_mask(diameter))
        inner = diameter - 2 * ring_width
    picture = face.resize((inner, inner), Image.Resampling.LANCZOS).convert("RGBA")
    offset = (diameter - inner) // 2
    out.paste(picture, (offset, offset), circle_mask(inner))
    return out


_MODULES = bytes.maketrans(b"\xff\x00", b"\x00\x01")  # zxing-cpp's light (255) and dark (0) to palette indexes


def qr_image(data: str, box: int) -> Image.Image:
    """The QR code of `data` (error correction M, the mask of lowest penalty as ISO/IEC 18004 asks), with its
    4-module quiet zone, at the largest whole module size <= box: one pixel per module, scaled up. zxing-cpp
    encodes it in 0.1 ms where segno took 5 ms, most of it choosing the mask. A two-colour palette image:
    the decks embed it at one bit per pixel, ten times faster than as RGB."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    matrix = code.to_image(scale=1, add_quiet_zones=True)
    modules = matrix.shape[1]
    scale = max(1, box // modules)
    image = Image.frombytes("P", (modules, matrix.shape[0]), bytes(cast(Any, matrix)).translate(_MODULES))
    image.putpalette([0xFF, 0xFF, 0xFF, 0x11, 0x18, 0x27])  # light #FFFFFF, dark #111827
    return image.resize((modules * scale, matrix.shape[0] * scale), Image.Resampling.NEAREST)


def png_bytes(image: Image.Image) -> bytes:
    """PNG bytes of a picture placed in the deck (deterministic, no metadata)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=4)
    return buffer.getvalue()
