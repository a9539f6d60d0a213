"""Files named in YAML: kept inside content/ or campaigns/, images opened and verified, size-bounded."""

from __future__ import annotations

import errno
import os
import stat
import warnings
from pathlib import Path

from pydantic_core import PydanticCustomError

from coffeerun import memo
from coffeerun.problems import did_you_mean

AREAS = ("content", "campaigns")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_FORMAT_OF = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
MAX_IMAGE_PIXELS = 24_000_000  # well below Pillow's decompression-bomb limit (~89 MP)
MAX_IMAGE_BYTES = 30_000_000
MAX_TEXT_BYTES = 1_000_000  # transcripts and captions
MAX_FILE_BYTES = 100_000_000  # resource files copied into the share site


def fail(kind: str, message: str) -> PydanticCustomError:
    """An error whose message is shown as written (no context, so braces stay braces)."""
    return PydanticCustomError(kind, message)


def short(value: object, limit: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def resolve_inside(root: Path, value: str, areas: tuple[str, ...] = AREAS) -> Path:
    """The regular file value names under root, refusing anything outside root/<area> after resolving
    `..` and symbolic links (the areas themselves are not followed out of the project)."""
    areas_text = " or ".join(a + "/" for a in areas)
    if not value.strip() or "\x00" in value or Path(value).is_absolute() or "\\" in value:
        raise fail("path", f"{short(value)} is not a project path; write it relative to the project root "
                   "with '/' between folders, e.g. content/media/photo.jpg")
    root = root.resolve()
    try:
        target = Path(os.path.realpath(root / value, strict=False))
    except (OSError, RuntimeError, ValueError):
        raise fail("path", f"{short(value)} cannot be followed (a loop of symbolic links?)") from None
    def inside(path: Path) -> bool:
        return any(path.is_relative_to(root / a) and path != root / a for a in areas)

    if not inside(target):
        linked = " (through a symbolic link)" if inside(Path(os.path.normpath(root / value))) else ""
        raise fail("path", f"{short(value)} points outside {areas_text}{linked}; keep the file in content/")
    try:
        info = target.stat()
    except OSError as exc:
        if os.path.lexists(root / value) or exc.errno == errno.ELOOP:
            raise fail("no_file", f"{short(value)} is a symbolic link that leads nowhere (to a missing file or "
                       "in a loop); link to a real file or copy the file here") from None
        where = target.parent
        try:
            near = sorted(p.name for p in where.iterdir()) if where.is_dir() else []
        except OSError:
            near = []
        raise fail("no_file", f"file {short(value)} does not exist{did_you_mean(Path(value).name, near)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise fail("no_file", f"{short(value)} is a folder or a special file, not a file")
    return target


def check_size(path: Path, value: str, limit: int, what: str) -> None:
    size = path.stat().st_size
    if size > limit:
        raise fail("size", f"{short(value)} is {_megabytes(size)}; {what} may be at most {_megabytes(limit)}")


_CHECKED = memo.mapping("files.checked_images", 4096)  # (file, stat, value, suffixes) -> None or (kind, message)


def check_image(path: Path, value: str, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> None:
    """Open and verify an image: accepted suffix and format, pixel bound, not damaged.

    A file named by many campaigns is decoded once per process (until it changes)."""
    info = path.stat()
    key = (str(path), info.st_size, info.st_mtime_ns, info.st_ino, value, suffixes)
    if key not in _CHECKED:
        try:
            _check_image(path, value, suffixes)
            _CHECKED[key] = None
        except PydanticCustomError as exc:
            _CHECKED[key] = (exc.type, exc.message_template)
    found = _CHECKED[key]
    if found is not None:
        raise fail(*found)


def _check_image(path: Path, value: str, suffixes: tuple[str, ...]) -> None:
    from PIL import Image, UnidentifiedImageError

    accepted = ", ".join(s.lstrip(".") for s in suffixes)
    if path.suffix.lower() not in suffixes:
        raise fail("image", f"{short(value)} is not an accepted image file; use {accepted}")
    check_size(path, value, MAX_IMAGE_BYTES, "an image")
    formats = {_FORMAT_OF[s] for s in suffixes}
    names = ", ".join(sorted(formats)).replace("WEBP", "WebP")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                kind = image.format
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise fail("image", f"{short(value)} declares so many pixels that opening it is unsafe (a "
                   f"decompression bomb); the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels") from None
    except UnidentifiedImageError:
        raise fail("image", f"{short(value)} is not an image (its content is not {names}); "
                   "export it again as an image file") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise fail("image", f"{short(value)} cannot be read as an image ({exc}); export it again") from None
    if kind not in formats:
        raise fail("image", f"{short(value)} is a {kind} image; use {names}")
    if width * height > MAX_IMAGE_PIXELS:
        raise fail("image", f"{short(value)} is {width}×{height} pixels; the limit is "
                   f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels: scale it down")
    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.load()
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for damaged data
        raise fail("image", f"{short(value)} is damaged or cut short ({type(exc).__name__}: {exc}); "
                   "export it again") from None


_WIDE_GREY = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")


def eight_bit(image):
    """16-bit (and 32-bit) grey pictures scaled to 8 bits: Pillow's convert() clips them instead, turning a
    16-bit photo white or posterised. Other modes are returned as they are (Pillow reduces 16-bit
    colour PNGs to 8 bits itself when it opens them)."""
    if image.mode not in _WIDE_GREY:
        return image
    wide = image.convert("F")
    sixteen = image.mode.startswith("I;16") or wide.getextrema()[1] > 255  # "I": from the values it holds
    scale = 255 / 65535 if sixteen else 1.0
    return wide.point(lambda value: value * scale).convert("L")


def check_text_file(path: Path, value: str, what: str) -> str:
    """A UTF-8 text file of bounded size; its text."""
    check_size(path, value, MAX_TEXT_BYTES, what)
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("encoding", f"{short(value)} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise fail("no_file", f"{short(value)} cannot be read: {exc.strerror}") from None


def image_file(root: Path, value: str) -> Path:
    path = resolve_inside(root, value)
    check_image(path, value)
    return path


def plain_file(root: Path, value: str) -> Path:
    """A file to hand out: under content/, a kind colleagues may download (by name and content)."""
    from coffeerun.handouts import IMAGE_SUFFIXES as HANDOUT_IMAGES
    from coffeerun.handouts import RefusedHandoutError, check_handout

    path = resolve_inside(root, value)
    if path.is_relative_to(root.resolve() / "campaigns"):
        raise fail("file", f"{short(value)} is under campaigns/, which holds the campaign files, not files to "
                   "hand out; put it in content/media/")
    check_size(path, value, MAX_FILE_BYTES, "a file to hand out")
    try:
        check_handout(path, short(value))
    except RefusedHandoutError as exc:
        raise fail("file", str(exc)) from None
    except OSError as exc:
        raise fail("no_file", f"{short(value)} cannot be read: {exc.strerror}") from None
    if path.suffix.lower() in HANDOUT_IMAGES:
        check_image(path, value, HANDOUT_IMAGES)
    return path


def captions_file(root: Path, value: str) -> Path:
    path = resolve_inside(root, value)
    if path.suffix.lower() != ".vtt":
        raise fail("captions", f"{short(value)} is not a WebVTT file; captions are a .vtt file")
    if not check_text_file(path, value, "a captions file").startswith("WEBVTT"):
        raise fail("captions", f"{short(value)} does not start with WEBVTT; export the captions as WebVTT")
    return path


def transcript_file(root: Path, value: str) -> Path:
    path = resolve_inside(root, value)
    if not check_text_file(path, value, "a transcript").strip():
        raise fail("transcript", f"{short(value)} is empty; write the transcript into it")
    return path
