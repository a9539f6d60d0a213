"""coffeerun's words for pages and slides, one catalogue file per supported language (i18n/<code>.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from coffeerun import langtag, memo

if TYPE_CHECKING:
    from babel import Locale

FOLDER = Path(__file__).resolve().parent
SOURCE = "en"  # the language every other catalogue is translated from
SECTIONS = ("pages", "slides")
SUPPORTED: tuple[str, ...] = tuple(sorted(p.stem for p in FOLDER.glob("*.yaml")))


@memo.table("i18n.catalogue", 16)
def catalogue(code: str) -> dict[str, dict[str, str]]:
    """The words of one supported language (a base language code), by section."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load((FOLDER / f"{code}.yaml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    return {section: dict(data[section]) for section in SECTIONS}


def language(tag: str) -> str:
    """The supported language of a tag: its base language (`de-CH` -> `de`), else English.

    `check` refuses unsupported languages, so the fallback serves only pages outside a campaign."""
    code = langtag.base(tag)
    return code if code in SUPPORTED else SOURCE


def messages(tag: str) -> dict[str, str]:
    """Every page string for a language tag."""
    return catalogue(language(tag))["pages"]


def slide_strings(tag: str) -> dict[str, str]:
    """Every slide, card and preview string for a language tag."""
    return catalogue(language(tag))["slides"]


def language_problem(tag: str) -> str | None:
    """What is wrong with a campaign's `language` (with the supported ones and a did-you-mean), or None."""
    parsed = langtag.parse(tag)
    if parsed is not None and parsed.language in SUPPORTED:
        return None
    from babel import Locale, UnknownLocaleError

    listed = ", ".join(f"{code} ({Locale.parse(code).get_display_name(code)})" for code in SUPPORTED)
    accepted = f"the supported languages are {listed}, each with any region (e.g. en-GB, de-CH, es-MX)"
    near = langtag.suggest(tag, SUPPORTED)
    hint = f"; did you mean '{near}'?" if near else ""
    if parsed is not None and near:  # eng, fre, jp: a code for the right language, spelt another way
        meant = Locale.parse(langtag.base(near)).get_language_name("en")
        return f"'{tag}' is not how BCP-47 writes {meant}; {accepted}{hint}"
    if parsed is None:
        return f"'{tag}' is not a BCP-47 language tag; {accepted}{hint}"
    try:
        name = Locale.parse(parsed.language).get_language_name("en")
    except (UnknownLocaleError, ValueError):
        return f"'{tag}' is not a known language; {accepted}{hint}"
    return f"'{tag}' is {name}, a language coffeerun has no words for; {accepted}{hint}"


@memo.table("i18n.locale", 32)
def _locale(tag: str) -> Locale:
    """CLDR's locale for a tag with its region where CLDR has it (en-GB writes 5 March 2027)."""
    from babel import Locale, UnknownLocaleError

    code, parsed = language(tag), langtag.parse(tag)
    if parsed is not None and parsed.language == code and (parsed.script or parsed.region):
        try:
            return Locale.parse("-".join(p for p in (code, parsed.script, parsed.region) if p), sep="-")
        except (UnknownLocaleError, ValueError):
            pass
    return Locale.parse(code)


def format_date(value: dt.date, tag: str) -> str:
    """A date as people of that language write it in running text (CLDR's long format)."""
    from babel.dates import format_date as cldr_date

    return cldr_date(value, "long", locale=_locale(tag))


def decimal_mark(tag: str) -> str:
    """The decimal separator of a language: `1.5 MB` in English, `1,5 MB` in German, French, Spanish."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(_locale(tag))
