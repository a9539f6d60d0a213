"""Field types that validate themselves; messages say what was found and what is accepted."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from coffeerun.markdown_text import markdown_problems
from coffeerun.problems import did_you_mean

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_ID = re.compile(ID_PATTERN)
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
PLACEHOLDERS = ("colleague", "share_link", "advocate", "account")
VIDEO_HOSTS = {
    "YouTube": ("youtube.com", "youtu.be", "youtube-nocookie.com"),
    "Vimeo": ("vimeo.com",),
    "Loom": ("loom.com",),
    "Wistia": ("wistia.com", "wistia.net", "wi.st"),
    "Vidyard": ("vidyard.com",),
}
VIDEO_FILES = (".mp4", ".webm")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_IMAGE_PIXELS = 24_000_000  # well below Pillow's decompression-bomb limit (~89 MP)


def fail(kind: str, message: str) -> PydanticCustomError:
    """An error whose message is shown as written (no context, so braces stay braces)."""
    return PydanticCustomError(kind, message)


def short(value: object, limit: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _text(value: str) -> str:
    if not value.strip():
        raise fail("blank", "is empty; fill it in")
    return value


def _id(value: str) -> str:
    if not _ID.match(value):
        raise fail("id", f"{short(value)} is not a valid id; use lowercase letters, digits and '-' "
                   "(at most 63, starting with a letter or digit), e.g. 'finance-team'")
    return value


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise fail("date", f"{short(value)} has a time; write just the date, YYYY-MM-DD")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise fail("date", f"{short(value)} is not a date; write YYYY-MM-DD, e.g. 2027-06-30")


def _color(value: str) -> str:
    if not _COLOR.match(value):
        raise fail("color", f"{short(value)} is not a color; write #RGB or #RRGGBB, e.g. \"#0B3D91\" (quoted)")
    return value


def _language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise fail("language", f"{short(value)} is not a BCP-47 language tag; e.g. en, de, ja, pt-BR")
    return value


def _https(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.hostname or " " in value:
        raise fail("url", f"{short(value)} is not an https link; write a full address starting with https://")
    return value


def video_host(url: str) -> str | None:
    """The name of the accepted video host of url, 'file' for a direct file, else None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for name, domains in VIDEO_HOSTS.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return name
    if parts.path.lower().endswith(VIDEO_FILES):
        return "file"
    return None


def _video(value: str) -> str:
    value = _https(value)
    if video_host(value) is None:
        hosts = ", ".join(VIDEO_HOSTS)
        raise fail("video", f"{short(value)} is not on an accepted video host; use a {hosts} page link, "
                   "or a direct https link to an .mp4 or .webm file")
    return value


def _markdown(value: str) -> str:
    problems = markdown_problems(value)
    if problems:
        raise fail("markdown", "; ".join(problems))
    return value


def _placeholders(value: str) -> str:
    for match in _PLACEHOLDER.finditer(value):
        word = match.group(1)
        if word not in PLACEHOLDERS:
            accepted = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            hint = did_you_mean(word, PLACEHOLDERS)
            raise fail("placeholder", f"unknown placeholder {{{word}}}; the placeholders are {accepted}{hint}")
    return value


def _root(info: ValidationInfo) -> Path | None:
    return (info.context or {}).get("root")


def resolve_inside(root: Path, value: str, areas: tuple[str, ...] = ("content", "campaigns")) -> Path:
    """The file value names under root, refusing anything outside root/<area> after resolving."""
    if not value.strip() or Path(value).is_absolute():
        raise fail("path", f"{short(value)} is not a project path; write it relative to the project root, "
                   "e.g. content/media/photo.jpg")
    target = (root / value).resolve()
    allowed = [(root / a).resolve() for a in areas]
    if not any(target == a or a in target.parents for a in allowed):
        raise fail("path", f"{short(value)} points outside {' and '.join(a + '/' for a in areas)}; "
                   "keep files in content/")
    if not target.is_file():
        where = target.parent
        near = sorted(p.name for p in where.iterdir()) if where.is_dir() else []
        raise fail("missing", f"file {short(value)} does not exist{did_you_mean(Path(value).name, near)}")
    return target


def check_image(path: Path, value: str, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> None:
    from PIL import Image, UnidentifiedImageError

    if path.suffix.lower() not in suffixes:
        raise fail("image", f"{short(value)} is not an accepted image; use {', '.join(suffixes)}")
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise fail("image", f"{short(value)} is {width}×{height} pixels; the limit is "
                           f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels: scale it down")
            if image.format not in ("JPEG", "PNG", "WEBP"):
                raise fail("image", f"{short(value)} is a {image.format} image; use JPEG, PNG or WebP")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise fail("image", f"{short(value)} is not a readable image ({type(exc).__name__}); "
                   "export it again as JPEG, PNG or WebP") from None
    except Image.DecompressionBombError:
        raise fail("image", f"{short(value)} is far too large to open safely; scale it down") from None


def _image(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None:
        check_image(resolve_inside(root, value), value)
    return value


def _file(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None:
        resolve_inside(root, value)
    return value


def _captions(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None:
        path = resolve_inside(root, value)
        if path.suffix.lower() != ".vtt":
            raise fail("captions", f"{short(value)} is not a WebVTT file; captions are a .vtt file")
        head = path.read_bytes()[:16].decode("utf-8-sig", "replace")
        if not head.startswith("WEBVTT"):
            raise fail("captions", f"{short(value)} does not start with WEBVTT; export the captions as WebVTT")
    return value


def is_transcript_path(value: str) -> bool:
    return "\n" not in value and value.strip().lower().endswith((".md", ".txt"))


def _transcript(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None and is_transcript_path(value):
        path = resolve_inside(root, value.strip())
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise fail("transcript", f"{short(value)} is not UTF-8 text; save it as UTF-8") from None
    return value


def _describe(description: str, *examples: Any, **extra: Any) -> Any:
    return Field(description=description, examples=list(examples), **extra)


Text = Annotated[str, AfterValidator(_text)]
Id = Annotated[str, AfterValidator(_id), Field(pattern=ID_PATTERN)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Color = Annotated[str, AfterValidator(_color), Field(pattern=_COLOR.pattern)]
Language = Annotated[str, AfterValidator(_language)]
HttpsUrl = Annotated[str, AfterValidator(_https), Field(pattern="^https://")]
VideoUrl = Annotated[str, AfterValidator(_video), Field(pattern="^https://")]
Markdown = Annotated[str, AfterValidator(_text), AfterValidator(_markdown)]
MessageText = Annotated[str, AfterValidator(_text), AfterValidator(_placeholders)]
ImagePath = Annotated[str, AfterValidator(_image)]
FilePath = Annotated[str, AfterValidator(_file)]
CaptionsPath = Annotated[str, AfterValidator(_captions)]
Transcript = Annotated[str, AfterValidator(_text), AfterValidator(_transcript)]
describe = _describe
