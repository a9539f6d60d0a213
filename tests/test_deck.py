"""deck.pptx and deck.pdf: editable slides, the talk track in the notes, fixed dates, LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile

from PIL import Image

from tests.asset_project import (
    HUGE_QUOTE,
    JAPANESE_QUOTE,
    LONG_QUOTE,
    deck,
    notes_of,
    quote_layout,
    slide_pngs,
    slide_texts,
)

# --- the deck ------------------------------------------------------------------------------------

def test_deck_is_16_9_with_one_slide_per_png_and_every_quote_as_text(built):
    job, result = built
    presentation = deck(job)
    assert (presentation.slide_width, presentation.slide_height) == (12192000, 6858000)
    slides = list(presentation.slides)
    assert len(slides) == len(slide_pngs(job))
    texts = [slide_texts(s) for s in slides]
    model = job.campaign.model
    for n, quote in enumerate(model.quotes, 1):
        frame = result.frames[f"slides/{n + 1:02d}-quote-{n}.png"]
        shown = quote_layout(frame)
        if shown.truncated:
            assert shown.text.endswith("…") and shown.text[:-1].strip() in texts[n]
            assert quote.text in notes_of(slides[n])  # the full text, for the presenter
        else:
            assert quote.text in texts[n]
    assert model.title in texts[0]
    assert "Jordan Lee" in texts[-1] and "Account Executive" in texts[-1]
    for metric in model.metrics:
        assert any(metric.value in t and metric.label in t for t in texts)


def test_deck_text_is_editable_text_in_arial(built):
    job, _ = built
    slide = list(deck(job).slides)[3]  # the Japanese quote
    xml = slide.shapes._spTree.xml
    assert 'typeface="Arial"' in xml and JAPANESE_QUOTE in xml
    boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]
    assert len(boxes) >= 4  # name, role, mark, quote, highlight: each its own text box
    pictures = [s for s in slide.shapes if s.shape_type == 13]  # the photo and the two logos
    assert len(pictures) == 3 and all(p._element.nvPicPr.cNvPr.get("descr") for p in pictures)


def test_speaker_notes_carry_the_talk_track(built):
    job, _ = built
    notes = [notes_of(s) for s in deck(job).slides]
    assert all(n.strip() for n in notes), "every slide has notes"
    assert "changed" in notes[0] and "**" not in notes[0]  # the opener, as plain text
    finance, it = notes[1], notes[2]
    assert "POINT-EVERYWHERE" in finance and "POINT-FINANCE" in finance and "POINT-IT" not in finance
    assert "POINT-EVERYWHERE" in it and "POINT-IT" in it and "POINT-FINANCE" not in it
    assert all(p in notes[3] for p in ("POINT-EVERYWHERE", "POINT-FINANCE", "POINT-IT"))  # every audience
    assert "We already have a tool for this." in notes[-1] and "OBJECTION-ANSWER" in notes[-1]
    assert "ASK-TEXT" in notes[-1] and job.links.share_url in notes[-1]


def test_a_quote_too_long_for_the_slide_ends_in_an_ellipsis_and_is_whole_in_the_notes(built):
    job, result = built
    huge = quote_layout(result.frames["slides/06-quote-5.png"])
    assert huge.truncated and huge.text.endswith("…") and huge.size == huge.style.sizes[1]
    assert not huge.text[:-1].endswith((" ", ",", "."))  # a clean cut
    assert HUGE_QUOTE in notes_of(list(deck(job).slides)[5])
    two_words = quote_layout(result.frames["slides/03-quote-2.png"])
    assert not two_words.truncated and two_words.size == two_words.style.sizes[0]
    long = quote_layout(result.frames["slides/02-quote-1.png"])
    assert len(LONG_QUOTE) >= 590 and not long.truncated and long.size < long.style.sizes[0]


def test_pdf_has_one_16_9_page_per_slide_and_fixed_dates(built):
    from pypdf import PdfReader

    job, _ = built
    data = (job.downloads_dir / "deck.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == len(slide_pngs(job))
    assert {(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages} == {(960.0, 540.0)}
    assert reader.metadata.creation_date == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert "/ID" not in reader.trailer


def _words(text: str) -> list[str]:
    return re.sub(r"\s+", " ", text.replace("…", " ")).split()


def test_pdf_text_is_real_text_that_matches_the_slides(built):
    """Every word on every slide (Latin, Japanese, the highlight) is text in the PDF, on its page; the
    fonts are embedded subsets, and the file is far smaller than pictures of the slides."""
    from pypdf import PdfReader

    job, _ = built
    data = (job.downloads_dir / "deck.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(data))
    slides = list(deck(job).slides)
    for number, (page, slide) in enumerate(zip(reader.pages, slides, strict=True), 1):
        extracted = re.sub(r"\s+", "", page.extract_text())
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                shown = re.sub(r"\s+", "", shape.text_frame.text)
                # emoji are pictures in the PDF (a PDF cannot embed colour bitmap fonts as text)
                shown = "".join(c for c in shown if ord(c) < 0x1F000 and c not in "\u200d\ufe0f")
                assert shown in extracted, (number, shown)
    assert JAPANESE_QUOTE.replace(" ", "")[:12] in re.sub(r"\s+", "", reader.pages[3].extract_text())
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in (p["/Resources"].get("/Font") or {}).values()
             for f in [f.get_object()]}
    assert fonts and all("+" in name for name in fonts), fonts  # subsets, embedded
    assert len(data) < 600_000, len(data)


def test_qr_code_on_the_closing_slide_opens_the_share_link(built):
    import zxingcpp

    job, _ = built
    closing = Image.open(slide_pngs(job)[-1])
    codes = zxingcpp.read_barcodes(closing)
    assert [c.text for c in codes] == [job.links.share_url]


def test_deck_dates_come_from_the_file_timestamp(built):
    job, _ = built
    with zipfile.ZipFile(job.downloads_dir / "deck.pptx") as archive:
        infos = archive.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core
    properties = deck(job).core_properties
    assert properties.created == dt.datetime(2026, 1, 1) and properties.modified == dt.datetime(2026, 1, 1)


def test_libreoffice_opens_the_deck(built, tmp_path):
    job, _ = built
    office = shutil.which("libreoffice") or shutil.which("soffice")
    assert office, "LibreOffice is needed for this test (Debian: libreoffice-impress)"
    shutil.copy(job.downloads_dir / "deck.pptx", tmp_path / "deck.pptx")
    profile = (tmp_path / "profile").as_uri()
    run = subprocess.run([office, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                          "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")],
                         capture_output=True, text=True, timeout=300)
    converted = tmp_path / "deck.pdf"
    assert run.returncode == 0 and converted.is_file(), run.stdout + run.stderr
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", converted.read_bytes()))
    assert pages == len(slide_pngs(job))


def _audience_deck(job, audience: str):
    from pptx import Presentation

    return Presentation(str(job.downloads_dir / audience / "deck.pptx"))


def _shown_quotes(slides) -> list[str]:
    """The full text of the quote on each quote slide: as shown, or from the notes where it was cut."""
    out = []
    for slide in slides:
        shapes = {sh.name: sh.text_frame.text for sh in slide.shapes if sh.has_text_frame}
        text = shapes.get("quote") or shapes.get("quote_small")
        if text is None:
            continue
        if text.endswith("…"):
            lines = notes_of(slide).split("\n")
            text = lines[lines.index("Full quote (shortened on the slide):") + 1]
        out.append(" ".join(text.split()))
    return out


def test_each_audience_deck_holds_exactly_its_quotes_and_metrics(built):
    job, _ = built
    model = job.campaign.model
    for audience in ("finance", "it"):
        slides = list(_audience_deck(job, audience).slides)
        meant = [" ".join(q.text.split()) for q in model.quotes if not q.audiences or audience in q.audiences]
        assert _shown_quotes(slides) == meant, audience
        shown = "\n".join(slide_texts(s) for s in slides)
        assert all(m.value in shown for m in model.metrics if not m.audiences or audience in m.audiences)
        notes = "\n".join(notes_of(s) for s in slides)
        other = "POINT-IT" if audience == "finance" else "POINT-FINANCE"
        assert f"POINT-{audience.upper()}" in notes and "POINT-EVERYWHERE" in notes and other not in notes
        title = slide_texts(slides[0])
        assert ("Finance & Treasury" if audience == "finance" else "IT & Security") in title
    assert _shown_quotes(list(deck(job).slides)) == [" ".join(q.text.split()) for q in model.quotes]


def test_an_audience_decks_qr_code_opens_that_audiences_page(built):
    import zxingcpp

    job, _ = built
    for audience in ("finance", "it"):
        closing = list(_audience_deck(job, audience).slides)[-1]
        qr = next(s for s in closing.shapes if s.name == "qr")
        image = Image.open(io.BytesIO(qr.image.blob))
        codes = zxingcpp.read_barcodes(image.convert("RGB"))
        assert [c.text for c in codes] == [job.links.audience_url(audience)]
        assert job.links.audience_url(audience) in notes_of(closing)


def test_audience_pdfs_match_their_decks_and_share_the_whole_decks_slides(built):
    from pypdf import PdfReader

    job, _ = built
    for audience in ("finance", "it"):
        reader = PdfReader(job.downloads_dir / audience / "deck.pdf")
        slides = list(_audience_deck(job, audience).slides)
        assert len(reader.pages) == len(slides)
        for page, slide in zip(reader.pages, slides, strict=True):
            text = re.sub(r"\s+", "", page.extract_text())
            for shape in slide.shapes:
                if shape.has_text_frame and shape.text_frame.text.strip():
                    words = "".join(c for c in re.sub(r"\s+", "", shape.text_frame.text)
                                    if ord(c) < 0x1F000 and c not in "\u200d\ufe0f")
                    assert words in text, (audience, words)
    whole = [str(sl.shapes._spTree.xml) for sl in deck(job).slides]
    finance = [str(sl.shapes._spTree.xml) for sl in _audience_deck(job, "finance").slides]
    assert sum(x in whole for x in finance) == len(finance) - 2  # only the title and closing are its own


def test_a_highlight_is_the_big_pull_out_with_the_full_quote_beneath(built):
    _, result = built
    frame = result.frames["slides/02-quote-1.png"]
    pull, small = frame.texts["pull"], frame.texts["quote_small"]
    assert pull.text == "9 days → 3" and "quote" not in frame.texts
    assert pull.size > small.size and pull.block[3] < small.block[1]
    card = result.frames["cards/quote-1.png"]
    assert card.texts["pull"].size > card.texts["quote_small"].size


# --- the slide XML ---------------------------------------------------------------------------------

def _python_pptx_slide(prs, frame, language):
    """A slide built through python-pptx's own shape objects: the reference for the XML DeckWriter writes."""
    from lxml import etree
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    from coffeerun import langtag
    from coffeerun.render.assets.compose import ImageOp, RectOp, TextOp
    from coffeerun.render.assets.deck_pptx import LATIN, _px, east_asian_font, picture_png

    def rgb(color):
        return RGBColor.from_string(color.lstrip("#").upper())

    def rect(op, name=None):
        x, y, w, h = op.box
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE if op.radius else MSO_SHAPE.RECTANGLE,
                                       _px(x), _px(y), _px(w), _px(h))
        shape.name = name or op.id
        shape.fill.solid()
        shape.fill.fore_color.rgb = rgb(op.color)
        shape.line.fill.background()
        shape._element.remove(shape._element.find(qn("p:style")))
        if op.radius:
            shape.adjustments[0] = min(0.5, op.radius / max(1, min(w, h)))
        return shape

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.background.fill.solid()
    slide.background.fill.fore_color.rgb = rgb(frame.background)
    ea = east_asian_font(language)
    for op in frame.ops:
        if isinstance(op, RectOp):
            rect(op)
        elif isinstance(op, ImageOp):
            x, y, w, h = op.box
            picture = slide.shapes.add_picture(io.BytesIO(picture_png(op)), _px(x), _px(y), _px(w), _px(h))
            picture.name = op.id
            picture._element.nvPicPr.cNvPr.set("descr", op.alt)
        elif isinstance(op, TextOp):
            layout = op.layout
            if op.pill is not None:
                shape = rect(op.pill, op.id)
            else:
                shape = slide.shapes.add_textbox(*(_px(v) for v in layout.box))
                shape.name = op.id
            text_frame = shape.text_frame
            text_frame.word_wrap = True
            text_frame.auto_size = MSO_AUTO_SIZE.NONE
            text_frame.margin_left = text_frame.margin_right = text_frame.margin_top = text_frame.margin_bottom = 0
            text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE if op.pill is not None else {
                "top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[layout.style.valign]
            for i, text in enumerate(layout.text.split("\n")):
                paragraph = text_frame.paragraphs[0] if i == 0 else text_frame.add_paragraph()
                paragraph.alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}[
                    "center" if op.pill is not None else layout.style.align]
                paragraph.line_spacing = Pt(layout.line_pitch / 2)
                paragraph.space_before = paragraph.space_after = Pt(0)
                run = paragraph.add_run()
                run.text = text
                run.font.size = Pt(layout.size / 2)
                run.font.bold = layout.style.weight == "bold"
                run.font.color.rgb = rgb(op.color)
                run.font.name = "Arial"
                rpr = run._r.get_or_add_rPr()
                rpr.set("lang", langtag.office_tag(language))
                after = rpr.find(qn("a:latin"))
                for key, value in LATIN.items():
                    after.set(key, value)
                for tag, attrs in (("a:ea", ea), ("a:cs", LATIN)):
                    if attrs:
                        element = etree.SubElement(rpr, qn(tag))
                        for key, value in attrs.items():
                            element.set(key, value)
                        after.addnext(element)
                        after = element
    return slide


def test_slide_xml_is_what_python_pptx_writes_for_the_same_shapes(built):
    from dataclasses import replace

    import pytest
    from lxml import etree
    from pptx import Presentation

    from coffeerun.render.assets.compose import RectOp, TextOp
    from coffeerun.render.assets.deck_pptx import DeckWriter

    _, result = built
    frames = list(result.frames.values())
    texts = [op for f in frames for op in f.ops if isinstance(op, TextOp)]
    odd = replace(texts[0], id='odd "id" & <more>', layout=replace(
        texts[0].layout, text='<b>&amp; "quoted"\ttab \x07 bell\x1f\n\nsecond line ü 山田\n'))
    empty = replace(texts[0], id="empty", layout=replace(texts[0].layout, text=""))
    pill = replace(texts[0], id="pill", pill=RectOp("pill", (10, 20, 300, 60), "#0b3d91", 30))
    extra = replace(frames[0], background="#ffffff", ops=[odd, empty, pill, RectOp("plain", (0, 0, 5, 5), "#000000")])
    for language in ("en-US", "ja"):
        writer, reference = DeckWriter(language), Presentation()
        for frame in [*frames, extra]:
            ours = writer.add(frame, [])
            theirs = _python_pptx_slide(reference, frame, language)
            assert etree.tostring(ours._element) == etree.tostring(theirs._element)  # the bytes saved, in order
            assert ours.part.rels.xml == theirs.part.rels.xml
    for bad in (replace(frames[0], background="white"), replace(extra, ops=[RectOp("r", (0, 0, 5, 5), "#abc")]),
                replace(extra, ops=[replace(texts[0], layout=replace(texts[0].layout, size=1))])):
        with pytest.raises(ValueError, match="a deck can hold"):  # as python-pptx refuses them
            DeckWriter("en-US").add(bad, [])


def test_a_saved_deck_holds_every_part_as_python_pptx_itself_saves_it(built):
    from coffeerun.render.assets.deck_pptx import DeckWriter, SharedDeck

    _, result = built
    frames = list(result.frames.values())
    shared = SharedDeck("en-US")
    for i, frame in enumerate([*frames, *frames]):  # each picture on two slides: one media part
        shared.add(f"slide-{i}", frame)
    keys = list(shared.slides)
    for wanted in (keys, keys[::2], keys):  # the second whole deck is saved from what the first kept
        data = shared.save(wanted, [[f"note {k}"] for k in wanted], "Title", "Author", "Subject", 1_700_000_000,
                           None)
        ours = zipfile.ZipFile(io.BytesIO(data))
        theirs_bytes = io.BytesIO()
        with shared.holding(wanted) as prs:  # python-pptx's own save of the same presentation
            prs.save(theirs_bytes)
        theirs = zipfile.ZipFile(theirs_bytes)
        assert sorted(ours.namelist()) == sorted(theirs.namelist())
        assert all(ours.read(name) == theirs.read(name) for name in theirs.namelist())
    media = [n for n in ours.namelist() if n.startswith("ppt/media/")]
    pictures = {op.key or id(op) for f in frames for op in f.ops if type(op).__name__ == "ImageOp"}
    assert len(media) == len(pictures)
    mixed = SharedDeck("en-US")  # a notes page python-pptx makes between ours takes no name of theirs
    mixed.add("a", frames[0])
    mixed.writer.add(frames[1 % len(frames)], ["its own note"])
    mixed.add("b", frames[0])
    package = mixed.writer.prs.part.package
    names = [str(part.partname) for part in package.iter_parts()]
    assert len(names) == len(set(names)) and sum("notesSlide" in n for n in names) == 3
    single = DeckWriter("en-US")
    single.add(frames[0], ["one note"])
    assert zipfile.ZipFile(io.BytesIO(single.save("T", "A", "S", 1_700_000_000, None))).testzip() is None

