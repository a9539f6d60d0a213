"""Slide-ready assets: slide PNGs, quote cards and the preview image; fitting, fonts and the cache."""

from __future__ import annotations

import io
import shutil
import struct
import unicodedata
import zlib
from pathlib import Path

import pytest
from PIL import Image

from coffeerun.render.assets import build_assets
from coffeerun.render.assets.fonts import clusters, coverage
from tests.asset_project import CAMPAIGN, deck, make_job, make_project, quote_layout, slide_pngs, tree

# --- files and sizes -----------------------------------------------------------------------------

def test_every_image_has_its_size_and_name(built):
    job, result = built
    names = [p.name for p in slide_pngs(job)]
    assert names == ["01-title.png", "02-quote-1.png", "03-quote-2.png", "04-quote-3.png", "05-quote-4.png",
                     "06-quote-5.png", "07-metric-1.png", "08-metric-2.png", "09-closing.png"]
    for path in slide_pngs(job):
        assert Image.open(path).size == (1920, 1080), path
    cards = sorted((job.downloads_dir / "cards").glob("*.png"))
    assert [p.name for p in cards] == [f"quote-{n}.png" for n in range(1, 6)]
    for path in cards:
        assert Image.open(path).size == (1080, 1080), path
    assert Image.open(job.preview_image).size == (1200, 630)
    decks = [job.downloads_dir / folder / f"deck.{ext}" for folder in ("", "finance", "it") for ext in ("pptx", "pdf")]
    assert set(result.paths) == {*slide_pngs(job), *cards, job.preview_image, *decks}
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in result.paths)  # readable by the web server


def test_png_encoder_round_trips_every_mode_and_width():
    import random

    from coffeerun.render.assets.png import encode

    noise = random.Random(7)  # noqa: S311 - reproducible test pixels, not a secret
    images = [Image.new("RGB", (w, h), "#123456") for w in (1, 2, 85, 1920) for h in (1, 2, 65, 300)]
    striped = Image.new("RGB", (300, 200), "white")
    for y in range(0, 200, 7):
        striped.paste(Image.frombytes("RGB", (300, 1), bytes(noise.randrange(256) for _ in range(900))), (0, y))
    images += [striped, striped.convert("RGBA"), striped.convert("L"), striped.convert("P")]
    for image in images:
        data = encode(image)
        back = Image.open(io.BytesIO(data))
        back.load()
        assert back.size == image.size and back.mode in ("RGB", "RGBA", "L")
        assert back.convert("RGBA").tobytes() == image.convert("RGBA").tobytes(), image
        assert encode(image) == data


def test_pngs_carry_no_metadata_chunks(built):
    job, _ = built
    for path in [*slide_pngs(job), job.preview_image]:
        data = path.read_bytes()
        for chunk in (b"tIME", b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
            assert chunk not in data, (path, chunk)


# --- text that fits, with real glyphs --------------------------------------------------------------

def _base_characters(text: str) -> list[str]:
    """The characters a font must have: not joiners, variation selectors, skin tones or marks."""
    out = []
    for cluster in clusters(text):
        for ch in cluster:
            cp = ord(ch)
            if ch.isspace() or cp in (0x200D, 0x20E3) or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF:
                continue
            if unicodedata.category(ch).startswith("M"):
                continue
            out.append(ch)
    return out


@pytest.mark.parametrize("name", ["slides/02-quote-1.png", "slides/04-quote-3.png", "slides/05-quote-4.png",
                                  "slides/06-quote-5.png", "cards/quote-1.png", "cards/quote-3.png",
                                  "cards/quote-4.png", "slides/01-title.png", "slides/09-closing.png",
                                  "preview.png"])
def test_text_stays_in_the_safe_area_and_every_glyph_is_in_its_font(built, name):
    _, result = built
    frame = result.frames[name]
    x0, y0, x1, y1 = frame.safe
    for element, layout in frame.texts.items():
        ink = layout.ink
        assert ink is not None, element
        assert x0 <= ink[0] and ink[2] <= x1 and y0 <= ink[1] and ink[3] <= y1, (name, element, ink, frame.safe)
        _, _, bw, bh = layout.box
        assert len(layout.lines) * layout.line_pitch <= bh + 0.5, (name, element)
        for line in layout.lines:
            assert line.width <= bw + 0.5, (name, element, line.text)
            for run in line.runs:
                missing = [c for c in _base_characters(run.text) if ord(c) not in coverage(run.face)]
                assert not missing, (name, element, run.face.family, missing)


def test_japanese_and_emoji_runs_use_fonts_that_have_them(built):
    _, result = built
    japanese = quote_layout(result.frames["slides/04-quote-3.png"])
    families = {run.face.family for line in japanese.lines for run in line.runs}
    assert any("CJK" in f for f in families), families
    emoji = quote_layout(result.frames["slides/05-quote-4.png"])
    runs = [run for line in emoji.lines for run in line.runs if "🚀" in run.text or "👩" in run.text]
    assert runs and all(run.face.family != "Liberation Sans" for run in runs)
    drawn = "".join(line.text for line in emoji.lines).replace(" ", "")
    assert "👩\u200d💻" in drawn and "👍🏽" in drawn  # sequences kept whole


def test_characters_no_font_has_are_left_out_with_a_warning(tmp_path):
    unknown = "\U0010FFFD"  # a private-use code point no font draws
    project = make_project(tmp_path / "p", CAMPAIGN.replace("Life changing.", f"Life {unknown} changing."))
    result = build_assets(make_job(project, tmp_path / "out", None))
    assert any("U+10FFFD" in w for w in result.warnings), result.warnings
    layout = quote_layout(result.frames["slides/03-quote-2.png"])
    assert unknown not in "".join(line.text for line in layout.lines)


# --- cache and determinism -----------------------------------------------------------------------

def test_an_unchanged_campaign_renders_nothing_the_second_time(built, tmp_path):
    job, first = built
    again = make_job(job.project.root, tmp_path / "again", job.cache_dir)
    second = build_assets(again)
    assert second.rendered == []
    assert sorted(second.reused) == sorted(first.rendered)
    assert tree(again.kit_dir) == tree(job.kit_dir)
    assert tree(again.share_dir) == tree(job.share_dir)


def test_a_changed_quote_renders_only_what_shows_it(built, tmp_path):
    job, _ = built
    project = make_project(tmp_path / "p", CAMPAIGN.replace("Life changing.", "Life changing, truly."))
    shutil.copytree(job.cache_dir, tmp_path / "cache")
    result = build_assets(make_job(project, tmp_path / "out", tmp_path / "cache"))
    decks = ["deck.pdf", "deck.pptx", "it/deck.pdf", "it/deck.pptx"]  # quote 2 is for IT only
    assert sorted(result.rendered) == sorted(["cards/quote-2.png", *decks, "slides/03-quote-2.png"])


def test_a_campaign_sharing_the_quotes_reuses_their_slides_and_cards(built, tmp_path):
    job, _ = built
    title = "How Acme's finance team closes the books in three days, without the weekend"
    project = make_project(tmp_path / "p", CAMPAIGN.replace(title, "Acme closes the books in three days"))
    shutil.copytree(job.cache_dir, tmp_path / "cache")
    shared = make_job(project, tmp_path / "shared", tmp_path / "cache")
    result = build_assets(shared)
    decks = [f"{folder}deck.{ext}" for folder in ("", "finance/", "it/") for ext in ("pdf", "pptx")]
    assert sorted(result.rendered) == sorted([*decks, "preview.png", "slides/01-title.png"])
    fresh = make_job(project, tmp_path / "fresh", None)
    build_assets(fresh)  # the deck from cached slides is the deck drawn from scratch
    assert tree(fresh.kit_dir) == tree(shared.kit_dir)


def _retitled(job, tmp_path, monkeypatch):
    """The campaign retitled, built with a copy of the first build's store: (its job, the slides composed)."""
    from coffeerun.render.assets.compose import Composer

    title = "How Acme's finance team closes the books in three days, without the weekend"
    project = make_project(tmp_path / "p", CAMPAIGN.replace(title, "Acme closes the books in three days"))
    if not (tmp_path / "cache").exists():
        shutil.copytree(job.cache_dir, tmp_path / "cache")
    retitled = make_job(project, tmp_path / "retitled", tmp_path / "cache")
    fresh = make_job(project, tmp_path / "fresh", None)
    composed: list[str] = []
    compose = Composer.compose

    def counting(self, spec):
        composed.append(spec.name)
        return compose(self, spec)

    with monkeypatch.context() as patched:
        patched.setattr(Composer, "compose", counting)
        build_assets(retitled)
    build_assets(fresh)
    assert tree(fresh.kit_dir) == tree(retitled.kit_dir)
    return retitled, composed


def test_decks_remade_from_kept_frames_compose_only_the_slides_that_changed(built, tmp_path, monkeypatch):
    job, _ = built
    _, composed = _retitled(job, tmp_path, monkeypatch)  # every deck is made again, from the kept frames
    # the retitled title slides and preview; the audiences' closing slides are no image: composed each time
    assert sorted(composed) == sorted([*UNKEPT, "01-title", "preview"])


UNKEPT = ["01-title", "01-title", "08-closing", "08-closing"]  # the two audience decks' first and last slides


@pytest.mark.parametrize("spoil", ["font", "picture size", "picture bytes", "picture chunk", "colour", "alignment",
                                   "font size", "run size", "box", "box off the canvas", "noncharacter",
                                   "character its face lacks", "operation of no layout"])
def test_a_kept_frame_with_anything_a_fresh_one_would_not_have_is_composed_again(built, tmp_path, monkeypatch,
                                                                                 spoil):
    import json

    from coffeerun.store import Store

    job, _ = built
    shutil.copytree(job.cache_dir, tmp_path / "cache")
    store = Store(tmp_path / "cache")
    quotes = []  # the quote slides' records: the retitled campaign's decks need their frames as kept
    for path in sorted((tmp_path / "cache" / "assets").rglob("*.json")):
        entry = store.get("assets", path.stem)
        if entry is not None and "frame" in entry.meta and Image.open(entry.path("data")).size == (1920, 1080) \
                and any(op[1] == "quote" for op in entry.meta["frame"]["ops"]):
            quotes.append((path.stem, entry))
    key, entry = quotes[0]
    meta, files = json.loads(json.dumps(entry.meta)), {name: Path(entry.path(name)) for name in entry.files}
    ops = meta["frame"]["ops"]
    text = next(op for op in ops if op[0] == "text")
    image = next(op for op in ops if op[0] == "image")
    if spoil == "font":
        meta["frame"]["faces"][0][0] = "/etc/passwd"
    elif spoil in ("picture size", "picture bytes"):
        buffer = io.BytesIO()
        Image.new("RGBA", (3, 3) if spoil == "picture size" else tuple(image[2][2:])).save(buffer, "PNG")
        files[image[5]] = buffer.getvalue()[:-30] if spoil == "picture bytes" else buffer.getvalue()
    elif spoil == "picture chunk":
        png = files[image[5]].read_bytes()
        chunk = b"tEXtComment\0hi"
        files[image[5]] = png[:33] + struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk)) \
            + png[33:]
    elif spoil == "colour":
        text[2] = "not a colour"
    elif spoil == "alignment":
        text[5][5][2] = "justify"
    elif spoil == "font size":
        text[5][3] = 10**7
    elif spoil == "run size":
        text[5][6][0][6][0][2] += 1
    elif spoil == "box":
        image[2] = [x + 0.5 for x in image[2]]
    elif spoil == "box off the canvas":
        text[5][0][0] = 10**5
    elif spoil == "noncharacter":  # (a lone surrogate fails the record's checksum itself)
        text[5][1] += "\uffff"
    elif spoil == "character its face lacks":
        text[5][6][0][6][0][0] = "\U0010fffd"
    else:
        image[1] = "not-in-the-layout"
    store.put("assets", key, meta, files)
    _, composed = _retitled(job, tmp_path, monkeypatch)  # the same decks as a fresh build: it is composed again
    spoiled = [name for name in composed if "-quote-" in name]  # a slide: its image is "slides/0N-quote-M.png"
    assert len(spoiled) == 1 and sorted(composed) == sorted([*UNKEPT, "01-title", "preview", *spoiled])


def test_a_logo_is_rasterised_once_and_a_kept_raster_that_is_not_a_png_is_made_again(built, tmp_path,
                                                                                     monkeypatch):
    from coffeerun import svg
    from coffeerun.memo import MEMO
    from coffeerun.store import Store

    job, _ = built
    shutil.copytree(job.cache_dir, tmp_path / "cache")
    rasterise = svg.rasterise_svg

    def retitled(title: str) -> list[str]:
        """The logos rasterised by a new process building the retitled campaign with the store."""
        rasterised: list[str] = []
        MEMO.clear()
        project = make_project(tmp_path / title, CAMPAIGN.replace("How Acme's finance team", title))
        kept = make_job(project, tmp_path / title / "out", tmp_path / "cache")
        with monkeypatch.context() as patched:
            patched.setattr(svg, "rasterise_svg", lambda path, width: rasterised.append(path.name) or rasterise(path,
                                                                                                             width))
            build_assets(kept)
        MEMO.clear()
        fresh = make_job(project, tmp_path / title / "fresh", None)
        build_assets(fresh)
        assert tree(fresh.kit_dir) == tree(kept.kit_dir)
        return rasterised

    assert retitled("Acme") == []  # the brand's logo and the account's, both from the store
    store = Store(tmp_path / "cache")
    spoiled = 0
    for path in sorted((tmp_path / "cache" / "media").rglob("*.json")):
        entry = store.get("media", path.stem)
        if entry is not None and "width" not in entry.meta:  # a slide logo (the pages' media give their size)
            store.put("media", path.stem, entry.meta, {"data": b"not a png"} if spoiled else {})  # or no file
            spoiled += 1
    assert spoiled
    assert retitled("Acme Corp") == ["logo.svg", "logo.svg"]


def test_two_builds_are_byte_identical_without_the_cache(built, tmp_path):
    job, _ = built
    other = make_job(job.project.root, tmp_path / "other", None)
    result = build_assets(other)
    assert len(result.rendered) == len(result.paths)
    assert tree(other.kit_dir) == tree(job.kit_dir)
    assert tree(other.share_dir) == tree(job.share_dir)


# --- the real example project, and LibreOffice ---------------------------------------------------------

def test_example_campaigns_render_and_fit(example_project, tmp_path):
    for campaign_id in ("northwind-treasury-close", "kaede-getsuji-kessan"):
        job = make_job(example_project, tmp_path / campaign_id, None, campaign_id)
        result = build_assets(job)
        assert not result.warnings, result.warnings
        if job.campaign.model.language == "ja":  # an East Asian font named for the Japanese text
            xml = list(deck(job).slides)[1].shapes._spTree.xml
            assert '<a:ea typeface="Yu Gothic"' in xml and 'lang="ja-JP"' in xml
        for name, frame in result.frames.items():
            x0, y0, x1, y1 = frame.safe
            for element, layout in frame.texts.items():
                ink = layout.ink
                assert ink and x0 <= ink[0] and ink[2] <= x1 and y0 <= ink[1] and ink[3] <= y1, (name, element)
                assert not layout.truncated or element == "quote", (name, element, layout.text)


def test_layouts_fitted_for_an_earlier_campaign_equal_fresh_ones(example_project, tmp_path):
    from coffeerun.render.assets import layout

    ids = ("kaede-getsuji-kessan", "northwind-treasury-close")
    warm = {}
    for campaign_id in ids:  # fitted once, then every text of the campaign comes from the memo
        build_assets(make_job(example_project, tmp_path / "first" / campaign_id, None, campaign_id))
        fitted = len(layout._FITTED)
        warm[campaign_id] = build_assets(make_job(example_project, tmp_path / "warm" / campaign_id, None, campaign_id))
        assert len(layout._FITTED) == fitted > 0
    for campaign_id in ids:
        layout._FITTED.clear()
        fresh = build_assets(make_job(example_project, tmp_path / "fresh" / campaign_id, None, campaign_id))
        assert fresh.frames.keys() == warm[campaign_id].frames.keys()
        for name, frame in fresh.frames.items():
            assert frame.texts == warm[campaign_id].frames[name].texts, name
        assert tree(tmp_path / "fresh" / campaign_id) == tree(tmp_path / "warm" / campaign_id)


def test_pdfs_made_after_other_campaigns_in_one_process_equal_fresh_ones(example_project, tmp_path):
    from coffeerun.render.assets import deck_pdf

    def pdfs(folder):
        return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.pdf")}

    ids = ("kaede-getsuji-kessan", "northwind-treasury-close", "kaede-getsuji-kessan")
    warm = []
    for n, campaign_id in enumerate(ids):  # each PDF's fonts copied from what an earlier PDF read
        build_assets(make_job(example_project, tmp_path / f"warm-{n}", None, campaign_id))
        warm.append(pdfs(tmp_path / f"warm-{n}"))
    assert deck_pdf._FONTS and deck_pdf._FPDF_SUBSETS
    for n, campaign_id in enumerate(ids):
        for table in (deck_pdf._FONTS, deck_pdf._FPDF_SUBSETS, deck_pdf._SUBSETS):
            table.clear()
        build_assets(make_job(example_project, tmp_path / f"fresh-{n}", None, campaign_id))
        assert warm[n] and pdfs(tmp_path / f"fresh-{n}") == warm[n], campaign_id


def test_qr_image_reads_back_as_its_link_at_level_m_with_a_four_module_quiet_zone():
    import zxingcpp

    from coffeerun.render.assets.images import qr_image

    for url in ("https://a.example/s/" + "k" * n for n in (1, 40, 90, 300)):
        for box in (50, 120, 333):
            ours = qr_image(url, box)
            assert ours.mode == "P"
            assert {c for _, c in ours.convert("RGB").getcolors()} == {(0xFF, 0xFF, 0xFF), (0x11, 0x18, 0x27)}
            gray = ours.convert("L")
            found = zxingcpp.read_barcode(gray)
            assert found is not None and found.text == url
            assert found.format == zxingcpp.BarcodeFormat.QRCode and found.ec_level == "M"
            rows = [[gray.getpixel((x, y)) for x in range(ours.width)] for y in range(ours.height)]
            first_dark = next(y for y, row in enumerate(rows) if min(row) < 128)
            top = rows[first_dark]
            left = top.index(min(top))
            module = (top.index(255, left) - left) // 7  # the finder pattern's top edge: 7 dark modules
            assert module >= 1 and ours.width % module == 0
            assert first_dark == left == 4 * module  # the quiet zone, 4 modules wide
            assert ours.width <= box or module == 1  # whole modules, no larger than the box
