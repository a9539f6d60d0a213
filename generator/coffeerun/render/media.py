"""Media for the pages: photos, posters and logos re-encoded with Pillow, video embeds, file sizes."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from coffeerun import i18n, memo
from coffeerun.fieldtypes import video_host
from coffeerun.files import eight_bit

PHOTO_SIZE = 256
POSTER_SIZE = (960, 540)
LOGO_HEIGHT = 96  # 2x of the 48px it is shown at
LOGO_MAX_WIDTH = 480
_ID = re.compile(r"^[A-Za-z0-9_-]{3,64}$")


MEDIA_REVISION = "1"  # bump when a change to the encoders below changes their output


@dataclass(frozen=True)
class Encoded:
    data: bytes
    width: int
    height: int


_MEMO = memo.mapping("media.encoded", 256)  # this process's encodings by key: the same logo on every site


def cached(encode: Callable[[Path], Encoded], source: Path) -> Encoded:
    """encode(source), reused by the content of source (see stored)."""
    import PIL

    from coffeerun import store
    from coffeerun.digests import file_digest

    k = store.key("media", MEDIA_REVISION, encode.__name__, PIL.__version__, file_digest(source))
    return stored(k, lambda: encode(source))


def stored(k: str, make: Callable[[], Encoded], shows: list[list[str]] | None = None) -> Encoded:
    """make(), reused by its key (from store.key): once per process, and across builds through the store
    (namespace `media`) of the campaign being rendered. `shows`: the people the picture shows, as [id, name,
    title], kept in its record so that a withdrawal's purge finds it by them (purge._names)."""
    from coffeerun import store

    if k in _MEMO:
        return _MEMO[k]
    reader = store.current()
    entry = reader.get("media", k)
    encoded = None
    if entry is not None:
        try:
            encoded = Encoded(entry.read("data"), int(entry.meta["width"]), int(entry.meta["height"]))
        except (OSError, KeyError, TypeError, ValueError):
            encoded = None
    if encoded is None:
        encoded = make()
        meta: dict[str, object] = {"width": encoded.width, "height": encoded.height}
        if shows:
            meta["shows"] = shows
        reader.keep("media", k, meta, {"data": encoded.data})
    _MEMO[k] = encoded
    return encoded


def _flatten(image, background: tuple[int, int, int] = (255, 255, 255)):
    from PIL import Image, ImageOps

    image = eight_bit(ImageOps.exif_transpose(image))
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, background)
        flat.paste(image, mask=image.getchannel("A"))
        return flat
    return image.convert("RGB")


def _webp(image, quality: int) -> bytes:
    out = io.BytesIO()
    # No EXIF, no ICC, no XMP: nothing about the source file travels into the site.
    image.save(out, "WEBP", quality=quality, method=6)
    return out.getvalue()


def photo(path: Path, size: int = PHOTO_SIZE) -> Encoded:
    """A square portrait, cropped around the upper middle where faces usually are."""
    from PIL import Image, ImageOps

    with Image.open(path) as source:
        image = _flatten(source)
    image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS, centering=(0.5, 0.35))
    return Encoded(_webp(image, 82), size, size)


def poster(path: Path, size: tuple[int, int] = POSTER_SIZE) -> Encoded:
    """A 16:9 still for a video facade."""
    from PIL import Image, ImageOps

    with Image.open(path) as source:
        image = _flatten(source)
    image = ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    return Encoded(_webp(image, 78), *size)


def logo(path: Path) -> Encoded:
    """A PNG logo at most LOGO_HEIGHT high; SVG is rasterised, never published as written."""
    from PIL import Image, ImageOps

    if path.suffix.lower() == ".svg":
        from coffeerun.svg import rasterise_svg

        image = rasterise_svg(path, LOGO_MAX_WIDTH * 2)
    else:
        with Image.open(path) as source:
            image = eight_bit(ImageOps.exif_transpose(source)).convert("RGBA")
    box = image.getchannel("A").getbbox()
    if box:
        image = image.crop(box)  # trim transparent margins so logos line up
    scale = min(LOGO_HEIGHT / image.height, LOGO_MAX_WIDTH / image.width, 1.0)
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # 256 colors with alpha: a quarter of the bytes of full RGBA, indistinguishable at logo size.
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
    return Encoded(out.getvalue(), image.width, image.height)


def favicon(path: Path, size: int = 64) -> Encoded:
    """A square icon from a logo: the whole logo if it is squarish, else its left square (the mark)."""
    from PIL import Image, ImageOps

    if path.suffix.lower() == ".svg":
        from coffeerun.svg import rasterise_svg

        image = rasterise_svg(path, 512)
    else:
        with Image.open(path) as source:
            image = eight_bit(ImageOps.exif_transpose(source)).convert("RGBA")
    box = image.getchannel("A").getbbox()
    if box:
        image = image.crop(box)
    if image.width > image.height * 1.6:
        image = image.crop((0, 0, image.height, image.height))
    image = ImageOps.pad(image, (size, size), Image.Resampling.LANCZOS, color=(0, 0, 0, 0))
    out = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
    return Encoded(out.getvalue(), size, size)


@dataclass(frozen=True)
class Embed:
    """How a video plays once clicked: an iframe of the privacy-enhanced player, or a <video>."""

    kind: str  # iframe | file | link
    host: str  # YouTube, Vimeo, …, or the file's host name
    page_url: str  # where the video is on its host (a link, opened only by a click)
    src: str = ""  # the iframe or file address, inserted by script on click
    mime: str = ""


def _seconds(value: str) -> int | None:
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", value or "")
    if not value or not match:
        return None
    h, m, s = (int(g) if g else 0 for g in match.groups())
    return h * 3600 + m * 60 + s


def _segments(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _youtube(parts) -> str | None:
    segs, query = _segments(parts.path), parse_qs(parts.query)
    host = (parts.hostname or "").lower()
    if host == "youtu.be" and segs:
        vid = segs[0]
    elif query.get("v"):
        vid = query["v"][0]
    elif len(segs) >= 2 and segs[0] in ("embed", "shorts", "live", "v", "e"):
        vid = segs[1]
    else:
        return None
    if not _ID.match(vid):
        return None
    src = f"https://www.youtube-nocookie.com/embed/{vid}?autoplay=1"
    start = _seconds((query.get("t") or query.get("start") or [""])[0])
    return src + (f"&start={start}" if start else "")


def _vimeo(parts) -> str | None:
    segs, query = _segments(parts.path), parse_qs(parts.query)
    numbers = [i for i, s in enumerate(segs) if s.isdigit()]
    if not numbers:
        return None
    i = numbers[-1]
    vid = segs[i]
    unlisted = query.get("h", [""])[0] or (segs[i + 1] if i + 1 < len(segs) else "")
    src = f"https://player.vimeo.com/video/{vid}?dnt=1&autoplay=1"
    return src + (f"&h={unlisted}" if unlisted and _ID.match(unlisted) else "")


def _last_id(parts, markers: tuple[str, ...]) -> str | None:
    segs = _segments(parts.path)
    for i, seg in enumerate(segs[:-1]):
        if seg in markers:
            vid = segs[i + 1].split(".")[0]
            return vid if _ID.match(vid) else None
    return None


def embed(url: str) -> Embed:
    parts = urlsplit(url)
    name = video_host(url) or "file"
    src = None
    if name == "YouTube":
        src = _youtube(parts)
    elif name == "Vimeo":
        src = _vimeo(parts)
    elif name == "Loom":
        vid = _last_id(parts, ("share", "embed"))
        src = f"https://www.loom.com/embed/{vid}?autoplay=1" if vid else None
    elif name == "Wistia":
        vid = _last_id(parts, ("medias", "iframe"))
        src = f"https://fast.wistia.net/embed/iframe/{vid}?autoPlay=true" if vid else None
    elif name == "Vidyard":
        segs = _segments(parts.path)
        host = (parts.hostname or "").lower()
        vid = _last_id(parts, ("watch", "share")) or (segs[0].split(".")[0] if host == "play.vidyard.com" and segs
                                                      else None)
        src = f"https://play.vidyard.com/{vid}?autoplay=1" if vid and _ID.match(vid) else None
    elif name == "file":
        mime = "video/webm" if parts.path.lower().endswith(".webm") else "video/mp4"
        return Embed("file", (parts.hostname or "").lower(), url, url, mime)
    if src is None:
        return Embed("link", name, url)
    return Embed("iframe", name, url, src)


def frame_origin(src: str) -> str:
    parts = urlsplit(src)
    return f"{parts.scheme}://{parts.hostname}"


def human_size(size: int, language: str = "en") -> str:
    if size < 1000:
        text = f"{size} B"
    elif size < 1_000_000:
        text = f"{max(1, round(size / 1000))} KB"
    else:
        text = f"{size / 1_000_000:.1f} MB"
    return text.replace(".", i18n.decimal_mark(language))


# Avatar backgrounds (white initials on each reach 4.5:1); classes cr-hue-0 … cr-hue-7 in site.css.
AVATAR_COLORS = ("#1d4ed8", "#7c3aed", "#b91c1c", "#0f766e", "#a21caf", "#c2410c", "#166534", "#334155")


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (0x2E80 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF
            or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF)


def initials(name: str) -> str:
    """What an avatar shows for a person without a photo, on pages and slides alike.

    Latin and other alphabets: the first letters of the first and last names (Jean-Luc Picard: JP,
    Mary-Kate: MK). Chinese, Japanese and Korean names: the family name as written before the first
    space, at most two characters (山田 太郎: 山田, 김 민준: 김), as people there address each other;
    without a space the family name cannot be told apart, so its first character (山田太郎: 山)."""
    text = unicodedata.normalize("NFC", name).strip()
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    if not words:
        return "?"
    first = next(c for c in words[0] if c.isalnum())
    if _is_cjk(first):
        family = [c for c in words[0] if c.isalnum()]
        return "".join(family[:2]) if len(words) > 1 else first
    parts = [p for w in words for p in w.split("-") if any(c.isalnum() for c in p)]
    letters = [next(c for c in p if c.isalnum()) for p in (parts[0], parts[-1])][: min(2, len(parts))]
    return "".join(letters).upper()


def avatar_color(key: str) -> str:
    """The CSS class of a stable avatar color for key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return f"cr-hue-{digest[0] % len(AVATAR_COLORS)}"


def unique_name(wanted: str, taken: set[str]) -> str:
    """wanted, or wanted with -2, -3 … before the suffix if it is taken; recorded in taken."""
    path = Path(wanted)
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = path.with_name(f"{path.stem}-{n}{path.suffix}").as_posix()
    taken.add(name)
    return name
