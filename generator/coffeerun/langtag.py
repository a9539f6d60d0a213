"""BCP-47 language tags: parsed and normalised once, read the same way by pages, slides, fonts and decks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from coffeerun import memo

# RFC 5646: language[-script][-region](-variant)*(-extension)*[-x-private]; case does not matter.
_TAG = re.compile(r"""^(?P<language>[a-z]{2,3})
    (?:-(?P<script>[a-z]{4}))?
    (?:-(?P<region>[a-z]{2}|\d{3}))?
    (?P<rest>(?:-(?:[a-z0-9]{5,8}|\d[a-z0-9]{3}))*
             (?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*
             (?:-x(?:-[a-z0-9]{1,8})+)?)$""", re.I | re.X)
PATTERN = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"  # the JSON Schema's looser form of the same
# The region the Office file format wants beside a bare language (a deck's language property).
OFFICE_REGION = {"en": "US", "ja": "JP", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "pt": "BR", "nl": "NL",
                 "zh": "CN", "ko": "KR", "sv": "SE", "da": "DK"}


@dataclass(frozen=True)
class LanguageTag:
    """A well-formed tag in its canonical case: `en`, `en-GB`, `zh-Hant-TW`, `de-CH-1996`."""

    language: str  # lowercase primary subtag: the base language
    script: str = ""  # Title case, e.g. Hant
    region: str = ""  # uppercase, e.g. GB or 419
    rest: str = ""  # variants, extensions, private use: lowercase, with their leading '-'

    def __str__(self) -> str:
        return "-".join(p for p in (self.language, self.script, self.region) if p) + self.rest

    def prefixes(self) -> list[str]:
        """The tag and each shorter form, longest first: zh-Hant-TW, zh-Hant, zh."""
        parts = str(self).split("-")
        return ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]


@memo.table("langtag.parse", 64)
def parse(text: str) -> LanguageTag | None:
    """The tag written in text, or None when it is not a well-formed BCP-47 tag."""
    found = _TAG.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        return None
    return LanguageTag(found["language"].lower(), (found["script"] or "").title(),
                       (found["region"] or "").upper(), (found["rest"] or "").lower())


def normalise(text: str) -> str:
    """The canonical form of a tag (`EN-gb` -> `en-GB`); text as it is when it is not a tag."""
    tag = parse(text)
    return str(tag) if tag else text


def base(text: str) -> str:
    """The base language of a tag, lowercase: 'de-CH' -> 'de'."""
    tag = parse(text)
    return tag.language if tag else text.split("-", 1)[0].lower()


def best_match(text: str, available: Iterable[str]) -> str | None:
    """The longest prefix of the tag among available names (any case), as available spells it."""
    tag = parse(text)
    known = {name.lower(): name for name in available}
    for prefix in tag.prefixes() if tag else []:
        if prefix.lower() in known:
            return known[prefix.lower()]
    return None


def han_variant(text: str) -> str:
    """Which glyphs CJK text of this tag wants: JP, KR, SC (Simplified) or TC (Traditional Chinese)."""
    tag = parse(text) or LanguageTag("en")
    if tag.language == "zh":
        traditional = tag.script == "Hant" or (not tag.script and tag.region in ("TW", "HK", "MO"))
        return "TC" if traditional else "SC"
    return {"ko": "KR"}.get(tag.language, "JP")


def office_tag(text: str) -> str:
    """The language property of an Office document: a region is always given (`en` -> `en-US`)."""
    tag = parse(text)
    if tag is None:
        return "en-US"
    if tag.region:
        return f"{tag.language}-{tag.region}"
    region = OFFICE_REGION.get(tag.language)
    return f"{tag.language}-{region}" if region else tag.language


def suggest(text: str, supported: Iterable[str]) -> str | None:
    """The supported language a near miss was meant as: `eng`/`fre` (ISO 639-2), `jp` (a country),
    `English`/`français` (a language's name), `en_US` (underscore), or None."""
    from babel import Locale
    from babel.core import get_global
    from babel.languages import get_official_languages

    pool = sorted(supported)
    word = text.strip()
    tag = parse(word.replace("_", "-"))
    if tag is not None and tag.language in pool and word != str(tag):
        return str(tag)
    lowered = word.lower()
    alias = get_global("language_aliases").get(lowered)
    if alias and base(alias) in pool:
        return base(alias)
    if len(lowered) == 2:
        for language in get_official_languages(lowered.upper()):
            if language in pool:
                return language
    for code in pool:
        locale = Locale.parse(code)
        names = {(locale.english_name or "").lower(), (locale.get_display_name(code) or "").lower()}
        if lowered in names:
            return code
    return None
