"""Pages and slides follow one rule each: text color on a brand color, initials; memo tables are bounded."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from coffeerun import memo
from coffeerun.render import colors, media
from coffeerun.render.assets import slides
from coffeerun.render.colors import contrast, palette, slide_palette

SWEEP = ["#" + "".join(c) for c in itertools.product("0369cf", repeat=3)] + [
    "#777777", "#767676", "#787878", "#0B3D91", "#F5A623", "#5B21B6", "#A4161A", "#7BD389", "#1F2937"]


@pytest.mark.parametrize("color", SWEEP)
def test_pages_and_slides_give_the_same_text_color_on_a_brand_color(color):
    page = palette(color, None)
    slide = slide_palette(color, None, "#1F2937", None)
    assert page.on_primary == slide["on-primary"]
    assert page.on_accent == colors.text_on(page.accent)
    assert slide["on-accent"] == colors.text_on(slide["accent"])
    for background in (slide["primary"], slide["primary-deep"], slide["accent"]):
        assert contrast(colors.text_on(background), background) >= 4.5


def test_mid_grey_gets_black_text_on_pages_and_slides():
    assert palette("#777777", None).on_primary == "#000000"
    assert slide_palette("#777777", None, "#777777", None)["on-primary"] == "#000000"


@pytest.mark.parametrize("color", SWEEP)
def test_every_slide_text_color_reaches_its_contrast(color):
    p = slide_palette(color, "#F2C14E", "#1F2937", None)
    for fg, bg in (("on-primary", "primary"), ("on-primary-muted", "primary"), ("on-deep", "primary-deep"),
                   ("on-deep-muted", "primary-deep"), ("primary-on-tint", "tint"), ("primary-on-paper", "paper"),
                   ("on-accent", "accent")):
        assert contrast(p[fg], p[bg]) >= 4.5, (color, fg, p[fg], bg, p[bg])


@pytest.mark.parametrize(("name", "expected"), [
    ("山田 太郎", "山田"),  # family name before the space
    ("山田太郎", "山"),  # no space: where the family name ends is unknown
    ("김 민준", "김"),
    ("王 小明", "王"),
    ("Steve Konkol", "SK"),
    ("Jean-Luc Picard", "JP"),
    ("Mary-Kate", "MK"),
    ("émile zola", "ÉZ"),
    ("Ludwig van Beethoven", "LB"),
    ("(Bob) Smith", "BS"),
    ("Σωκράτης Παππάς", "ΣΠ"),
    ("  ", "?"),
])
def test_initials_for_latin_and_cjk_names(name, expected):
    assert media.initials(name) == expected


def test_pages_and_slides_use_the_same_initials_function():
    from coffeerun.render import context

    assert slides.initials is media.initials
    assert context.media.initials is media.initials


def test_slide_avatar_without_photo_shows_the_same_initials_as_the_pages(tmp_path):
    from coffeerun.render.assets.theme import load_theme
    from tests.asset_project import CAMPAIGN, make_job, make_project

    root = make_project(tmp_path / "project", CAMPAIGN.replace("name: Ben Okafor", "name: 山田 太郎"))
    job = make_job(root, tmp_path / "out", None)
    specs = slides.build_slides(job, load_theme(job.project))
    items = [item for spec in specs.all() for value in spec.content.values()
             for item in (value if isinstance(value, list) else [value])]
    texts = {item.text for item in items if isinstance(item, slides.Picture) and item.kind == "initials"}
    assert texts == {"山田"}


def test_every_memo_table_is_bounded_and_registered():
    import coffeerun.files
    import coffeerun.render.assets.campaign
    import coffeerun.render.assets.poster
    import coffeerun.render.engine
    import coffeerun.svg  # noqa: F401

    sizes = memo.MEMO.sizes()
    for name in ("fonts.loaded", "fonts.font_info", "images.logo", "layout.segments", "svg.render",
                 "engine.jinja_envs", "deck.pictures", "slides.load", "i18n.catalogue", "media.encoded",
                 "pdf.subsets", "files.checked_images"):
        assert name in sizes
    assert all(0 < bound < 10_000 for _, bound in sizes.values())


def test_no_module_keeps_a_memo_of_its_own():
    """A module-level dict that fills as the process works is a memo: it belongs in the registry (memo.py),
    bounded. The one exception is the pages of the site MkDocs is building (set and emptied per site)."""
    import re

    package = Path(__file__).resolve().parent.parent / "generator" / "coffeerun"
    own = re.compile(r"^_[A-Z_]+(?:: [^=]+)? = (?:\{\}|dict\(\)|OrderedDict\(\))", re.M)
    found = [f"{path.relative_to(package)}: {line}" for path in sorted(package.rglob("*.py"))
             for line in own.findall(path.read_text(encoding="utf-8"))]
    assert [f for f in found if not f.startswith("render/engine/__init__.py: _PAGES")] == []


def test_a_bounded_table_keeps_its_most_recent_entries():
    table = memo.BoundedDict(3)
    for n in range(5):
        table[n] = n
    table.get(2)
    table[5] = 5
    assert list(table) == [4, 2, 5]
    registry = memo.Memo()
    square = registry.table("square", 2)(lambda n: n * n)
    for n in (1, 2, 3, 1):
        square(n)
    assert registry.sizes() == {"square": (2, 2)}
    registry.clear()
    assert registry.sizes() == {"square": (0, 2)}
    with pytest.raises(ValueError, match="already registered"):
        registry.table("square", 4)(abs)
