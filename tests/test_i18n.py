"""One catalogue of words for pages and slides: every language complete, unsupported languages refused."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest
from tests.asset_project import CAMPAIGN, deck, make_job, make_project, notes_of, slide_texts

from coffeerun import api, i18n, langtag
from coffeerun.render.assets import build_assets
from coffeerun.render.pages import render_pages

TODAY = dt.date(2026, 11, 23)


def _slots(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_supported_languages_are_the_catalogue_files():
    assert i18n.SUPPORTED == ("de", "en", "es", "fr", "ja")


@pytest.mark.parametrize("code", i18n.SUPPORTED)
def test_every_language_has_every_string_with_the_same_slots(code):
    source, own = i18n.catalogue("en"), i18n.catalogue(code)
    for section in i18n.SECTIONS:
        assert own[section].keys() == source[section].keys(), (code, section)
        for key, text in source[section].items():
            assert isinstance(own[section][key], str) and own[section][key].strip(), (code, key)
            assert _slots(own[section][key]) == _slots(text), (code, section, key)


@pytest.mark.parametrize("code", ["fr", "es"])
def test_french_and_spanish_are_translated_not_copied(code):
    source, own = i18n.catalogue("en"), i18n.catalogue(code)
    for section in i18n.SECTIONS:
        same = [k for k, text in source[section].items() if own[section][k] == text and len(_strip(text)) > 12]
        assert not same, (code, section, same)


def test_french_puts_a_no_break_space_before_double_punctuation():
    for section in i18n.catalogue("fr").values():
        for key, text in section.items():
            assert not re.search(r" [;:!?]", text), (key, text)


@pytest.mark.parametrize(("tag", "language"), [("en", "en"), ("en-GB", "en"), ("EN-us", "en"), ("de-CH", "de"),
                                               ("fr-CA", "fr"), ("es-419", "es"), ("ja-JP", "ja")])
def test_a_region_tag_of_a_supported_language_is_accepted(tag, language):
    assert i18n.language_problem(tag) is None
    assert i18n.language(tag) == language


def test_tags_are_normalised_to_their_canonical_case():
    assert langtag.normalise("EN-us") == "en-US"
    assert langtag.normalise("zh-hant-tw") == "zh-Hant-TW"
    assert langtag.normalise("de-ch-1996") == "de-CH-1996"
    assert langtag.parse("en_US") is None and langtag.parse("english") is None


def test_one_tag_reading_for_theme_fonts_and_decks():
    from coffeerun.render import engine
    from coffeerun.render.assets.deck_pptx import east_asian_font

    assert engine.theme_language("de-CH") == "de" and engine.theme_language("pt-BR") == "pt-BR"
    assert engine.theme_language("zh-Hant-TW") == "zh-Hant" and engine.theme_language("tlh") == "en"
    assert [langtag.han_variant(t) for t in ("ja", "zh-TW", "zh-Hant", "zh", "ko-KR")] == ["JP", "TC", "TC", "SC", "KR"]
    assert langtag.office_tag("en") == "en-US" and langtag.office_tag("fr-CA") == "fr-CA"
    assert east_asian_font("ja-JP")["typeface"] == "Yu Gothic" and east_asian_font("fr") is None


@pytest.mark.parametrize(("value", "start", "hint"), [
    ("pt-BR", "'pt-BR' is Portuguese, a language coffeerun has no words for", None),
    ("no", "'no' is Norwegian", None),
    ("eng", "'eng' is not how BCP-47 writes English", "en"),
    ("jp", "'jp' is not how BCP-47 writes Japanese", "ja"),
    ("en_US", "'en_US' is not a BCP-47 language tag", "en-US"),
    ("English", "'English' is not a BCP-47 language tag", "en"),
    ("français", "'français' is not a BCP-47 language tag", "fr"),
])
def test_an_unsupported_language_is_a_check_error_at_its_line(tmp_path: Path, value, start, hint):
    root = make_project(tmp_path / "project", CAMPAIGN.replace("status: live", f"status: live\nlanguage: {value}"))
    result = api.check(root, TODAY)
    [problem] = result.problems.errors
    line = 1 + CAMPAIGN.replace("status: live", "status: live\nlanguage:").splitlines().index("language:")
    assert (problem.path, problem.line, problem.field) == ("campaigns/acme-close.yaml", line, "language")
    assert problem.message.startswith(start)
    assert "de (Deutsch), en (English), es (español), fr (français), ja (日本語)" in problem.message
    assert (f"did you mean '{hint}'?" in problem.message) if hint else "did you mean" not in problem.message


def test_a_region_tag_is_stored_in_its_canonical_form(tmp_path: Path):
    root = make_project(tmp_path / "project", CAMPAIGN.replace("status: live", "status: live\nlanguage: en-gb"))
    result = api.check(root, TODAY)
    assert not result.problems.errors
    assert result.campaigns[0].model.language == "en-GB"


def _strip(text: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "", text).strip()


def _english_pieces(language: str) -> set[str]:
    """Every run of English words of the catalogue that the other language writes differently."""
    source, own = i18n.catalogue("en"), i18n.catalogue(language)
    pieces = set()
    for section in i18n.SECTIONS:
        for key, text in source[section].items():
            if own[section][key] == text:
                continue
            for piece in re.split(r"\{[a-z_]+\}", text):
                piece = piece.strip(" .,:;·×…()\u00a0")
                if len(piece) >= 8 and piece not in own[section][key]:
                    pieces.add(piece)
    return pieces


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_pages_and_slides_have_no_english_string_left(tmp_path: Path, language):
    root = make_project(tmp_path / "project", CAMPAIGN.replace("status: live", f"status: live\nlanguage: {language}"))
    job = make_job(root, tmp_path / "out", None)
    result = build_assets(job)
    assert not [w for w in result.warnings if "font" not in w]
    render_pages(job)
    pages = "\n".join(p.read_text(encoding="utf-8") for folder in (job.share_dir, job.kit_dir)
                      for p in folder.rglob("*.html"))
    slides = "\n".join(slide_texts(s) + "\n" + notes_of(s) for s in deck(job).slides)
    english = _english_pieces(language)
    assert len(english) > 100
    for where, text in (("pages", pages), ("slides", slides)):
        left = sorted(piece for piece in english if piece in text)
        assert not left, (where, left)
    assert f'<html lang="{language}"' in pages
    assert "Skip to content" not in pages  # Material's own words follow the same language
    assert i18n.slide_strings(language)["next_steps"] in slides
    assert i18n.messages(language)["kit_nav_talk"] in pages


def test_brand_footer_per_language_and_unsupported_footer_languages(tmp_path: Path):
    root = make_project(tmp_path / "project")
    brand = root / "theme" / "brand.yaml"
    text = brand.read_text(encoding="utf-8")
    result = api.check(root, TODAY)
    assert result.brand.footer_in("fr-CA").startswith("Tallybrook Close est un produit")
    assert result.brand.footer_in("ja").startswith("Tallybrook Close は")
    from coffeerun.models import Brand

    colors = {"primary": "#123456"}
    plain = Brand(name="T", product="P", colors=colors, footer="© T")
    assert plain.footer_in("ja") == "© T" and Brand(name="T", product="P", colors=colors).footer_in("en") is None
    other = Brand(name="T", product="P", colors=colors, footer={"en": "Made by T", "*": "© T"})
    assert other.footer_in("en-GB") == "Made by T" and other.footer_in("fr") == "© T"
    brand.write_text(text.replace("\n  es: >-", "\n  pt: >-"), encoding="utf-8")
    [problem] = api.check(root, TODAY).problems.errors
    assert problem.path == "theme/brand.yaml" and "'pt' is Portuguese" in problem.message
