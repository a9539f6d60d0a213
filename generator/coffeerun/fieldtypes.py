"""Field types that validate themselves; messages say what was found and what is accepted."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, ValidationInfo

from coffeerun.files import (
    IMAGE_SUFFIXES,
    MAX_IMAGE_PIXELS,
    captions_file,
    check_image,
    fail,
    image_file,
    plain_file,
    resolve_inside,
    short,
    transcript_file,
)
from coffeerun.markdown_text import markdown_problems
from coffeerun.problems import did_you_mean, one_of

__all__ = ["IMAGE_SUFFIXES", "MAX_IMAGE_PIXELS", "check_image", "fail", "resolve_inside", "short"]

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DURATION_PATTERN = r"^(?:\d{1,2}:[0-5]\d|[0-5]?\d):[0-5]\d$"
_ID = re.compile(ID_PATTERN)
_COLOR = re.compile(COLOR_PATTERN)
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
_DATE = re.compile(DATE_PATTERN)
CURRENCY_PATTERN = r"^[A-Z]{3}$"
_CURRENCY = re.compile(CURRENCY_PATTERN)
_PLACEHOLDER = re.compile(r"\{([^{}\n]{0,40})\}")
PLACEHOLDERS = ("colleague", "share_link", "advocate", "account")
VIDEO_HOSTS = {
    "YouTube": ("youtube.com", "youtu.be", "youtube-nocookie.com"),
    "Vimeo": ("vimeo.com",),
    "Loom": ("loom.com",),
    "Wistia": ("wistia.com", "wistia.net", "wi.st"),
    "Vidyard": ("vidyard.com",),
}
VIDEO_FILES = (".mp4", ".webm")
MAX_MARKDOWN = 10_000  # characters in one Markdown field; rendering time grows faster than length
MAX_TEXT = 5_000  # characters in one plain text field (names, quotes, labels): slides and cards fit them
MAX_MESSAGE = 5_000  # a ready-to-send note
MAX_TRANSCRIPT = 200_000  # a transcript written inline (a file may hold up to 1 MB)
MAX_BRACKETS = 200


@dataclass(frozen=True)
class JsonSchemaExtra:
    """Keywords for the JSON Schema only (pattern, minLength): validation keeps our own, friendlier
    message instead of pydantic's."""

    items: tuple[tuple[str, Any], ...]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema.update(self.items)
        return schema


def _json(**keywords: Any) -> JsonSchemaExtra:
    return JsonSchemaExtra(tuple(keywords.items()))


def _scalar_text(value: Any) -> Any:
    """Numbers and dates written in a text field are text, exactly as written (3.10 stays 3.10)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return getattr(value, "source", str(value))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise fail("blank", "is empty; fill it in")
    return value


def _at_most(limit: int, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise fail("too_long", f"is {len(value):,} characters; {what} may be at most {limit:,} (link to a longer "
                       "document instead)")
        return value
    return AfterValidator(check)


def _suggest_id(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:63]
    return f"; did you mean '{slug}'?" if slug and slug != value and _ID.match(slug) else ""


def _id(value: str) -> str:
    if not _ID.match(value):
        raise fail("id", f"{short(value)} is not a valid id; use lowercase letters, digits and '-' (at most 63, "
                   f"starting with a letter or digit), e.g. 'finance-team'{_suggest_id(value)}")
    return value


def parse_date(value: Any) -> dt.date | None:
    """A date object, or an ISO date string, as a date; else None."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise fail("date", f"{short(value)} has a time; write just the date, YYYY-MM-DD")
    parsed = parse_date(value)
    if parsed is not None:
        return parsed
    if isinstance(value, str) and _DATE.match(value.strip()):
        raise fail("date", f"{short(value)} is not a real day of the calendar; write YYYY-MM-DD, e.g. 2027-06-30")
    raise fail("date", f"{short(value)} is not a date; write YYYY-MM-DD, e.g. 2027-06-30")


def _color(value: str) -> str:
    if not _COLOR.match(value):
        raise fail("color", f"{short(value)} is not a color; write #RGB or #RRGGBB, e.g. \"#0B3D91\" (quoted)")
    return value


def _duration(value: str) -> str:
    if not re.match(DURATION_PATTERN, value):
        raise fail("duration", f"{short(value)} is not a running time; write minutes:seconds, e.g. \"2:45\", "
                   "or hours:minutes:seconds, e.g. \"1:02:45\"")
    return value


def _language(value: str) -> str:
    from coffeerun import i18n, langtag

    problem = i18n.language_problem(value)
    if problem:
        raise fail("language", problem)
    return langtag.normalise(value)


def _currency(value: str) -> str:
    if not _CURRENCY.match(value):
        raise fail("currency", f"{short(value)} is not a currency code; write the three capital letters of "
                   f"ISO 4217, e.g. USD, EUR, JPY{_suggest_currency(value)}")
    return value


def _amount(value: Any) -> Any:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or value != value or value in (float("inf"), float("-inf")) or value < 0:
        raise fail("amount", f"{short(value)} is not an amount; write a number of at least 0 with no separators "
                   "or currency sign, e.g. 120000 (the currency goes in `currency`)")
    return value


def _suggest_currency(value: str) -> str:
    letters = re.sub(r"[^A-Za-z]", "", value).upper()
    return f"; did you mean '{letters}'?" if _CURRENCY.match(letters) else ""


def _https(value: str) -> str:
    value = value.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() != "https" or not host or any(c.isspace() for c in value):
        found = f" (it starts with '{parts.scheme}:')" if parts is not None and parts.scheme else ""
        raise fail("url", f"{short(value)} is not an https link{found}; write a full address starting "
                   "with https://")
    return value


def video_host(url: str) -> str | None:
    """The name of the accepted video host of url, 'file' for a direct file, else None."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    for name, domains in VIDEO_HOSTS.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return name
    if parts.path.lower().endswith(VIDEO_FILES):
        return "file"
    return None


def _video(value: str) -> str:
    value = _https(value)
    if video_host(value) is None:
        raise fail("video", f"{short(value)} is not on an accepted video host; use a {one_of(VIDEO_HOSTS)} "
                   "page link, or a direct https link to an .mp4 or .webm file")
    return value


def _markdown(value: str) -> str:
    if len(value) > MAX_MARKDOWN:
        raise fail("markdown", f"is {len(value):,} characters; Markdown text may be at most {MAX_MARKDOWN:,} "
                   "(link to a longer document instead)")
    if value.count("[") > MAX_BRACKETS:  # python-markdown's link search is quadratic in them
        raise fail("markdown", f"has {value.count('['):,} '[' characters; Markdown text may have at most "
                   f"{MAX_BRACKETS} (each link takes one)")
    problems = markdown_problems(value)
    if problems:
        raise fail("markdown", "; ".join(problems))
    return value


def _placeholders(value: str) -> str:
    unknown = [m.group(1) for m in _PLACEHOLDER.finditer(value) if m.group(1) not in PLACEHOLDERS]
    if unknown:
        accepted = one_of("{" + p + "}" for p in PLACEHOLDERS)
        found = ", ".join("{" + w + "}" for w in dict.fromkeys(unknown))
        hint = did_you_mean(unknown[0].strip().replace(" ", "_"), PLACEHOLDERS)
        raise fail("placeholder", f"unknown placeholder {found}; the placeholders are {accepted}{hint}")
    return value


def _email(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise fail("blank", "is empty; fill in an email address, e.g. dana@vendor.example")
    return value


def _root(info: ValidationInfo) -> Path | None:
    return (info.context or {}).get("root")


def _image(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None:
        image_file(root, value)
    return value


def _file(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None:
        plain_file(root, value)
    return value


def _captions(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None:
        captions_file(root, value)
    return value


def is_transcript_path(value: str) -> bool:
    return "\n" not in value and value.strip().lower().endswith((".md", ".txt"))


def _transcript(value: str, info: ValidationInfo) -> str:
    root = _root(info)
    if root is not None and is_transcript_path(value):
        transcript_file(root, value.strip())
    return value


def _describe(description: str, *examples: Any, **extra: Any) -> Any:
    return Field(description=description, examples=list(examples), **extra)


_AS_TEXT = BeforeValidator(_scalar_text)
_FILLED = _json(minLength=1, pattern=r"\S")
_PATH = _json(pattern=r"^(content|campaigns)/")
Text = Annotated[str, _AS_TEXT, AfterValidator(_text), _at_most(MAX_TEXT, "this text"), _FILLED]
Id = Annotated[str, _AS_TEXT, AfterValidator(_id), _json(pattern=ID_PATTERN)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Color = Annotated[str, AfterValidator(_color), _json(pattern=COLOR_PATTERN)]
Duration = Annotated[str, _AS_TEXT, AfterValidator(_duration), _json(pattern=DURATION_PATTERN)]
Language = Annotated[str, AfterValidator(_language), _json(pattern=LANGUAGE_PATTERN)]
Amount = Annotated[float, BeforeValidator(_amount), _json(minimum=0)]
Currency = Annotated[str, AfterValidator(_currency), _json(pattern=CURRENCY_PATTERN)]
ANY_LANGUAGE = "*"


def _per_language(value: Any) -> Any:
    """One line for every language (plain text) or one per language; `*` stands for the others."""
    return value if isinstance(value, dict) else {ANY_LANGUAGE: value}


def _language_or_any(value: str) -> str:
    return value if value == ANY_LANGUAGE else _language(value)


PerLanguageText = Annotated[dict[Annotated[str, AfterValidator(_language_or_any)], Text],
                            BeforeValidator(_per_language)]
HttpsUrl = Annotated[str, AfterValidator(_https), _json(pattern="^https://", format="uri")]
VideoUrl = Annotated[str, AfterValidator(_video), _json(pattern="^https://", format="uri")]
Email = Annotated[EmailStr, BeforeValidator(_email)]
Markdown = Annotated[str, _AS_TEXT, AfterValidator(_text), AfterValidator(_markdown),
                     _json(minLength=1, maxLength=MAX_MARKDOWN, pattern=r"\S")]
MessageText = Annotated[str, _AS_TEXT, AfterValidator(_text), _at_most(MAX_MESSAGE, "a message"),
                        AfterValidator(_placeholders), _FILLED, _json(maxLength=MAX_MESSAGE)]
ImagePath = Annotated[str, AfterValidator(_image), _PATH]
FilePath = Annotated[str, AfterValidator(_file), _PATH]
CaptionsPath = Annotated[str, AfterValidator(_captions), _PATH]
Transcript = Annotated[str, _AS_TEXT, AfterValidator(_text), _at_most(MAX_TRANSCRIPT, "a transcript"),
                       AfterValidator(_transcript), _FILLED]
describe = _describe
