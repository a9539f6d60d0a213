"""deck.pptx with python-pptx: editable text boxes, shapes and pictures from the same frames as the PNGs."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from coffeerun import langtag, memo
from coffeerun.render.assets.compose import Frame, ImageOp, RectOp, TextOp
from coffeerun.render.assets.images import png_bytes

EMU_PER_PX = 6350  # 1920 px = 13.333 in = 12,192,000 EMU: 1 px = 0.5 pt
# Arial is on every PowerPoint; LibreOffice maps it to Liberation Sans, the shipped font whose
# metrics are Arial's, so text measured for the PNGs wraps the same way in the deck.
LATIN = {"typeface": "Arial", "panose": "020B0604020202020204", "pitchFamily": "34", "charset": "0"}
EAST_ASIAN = {  # by Han variant; LibreOffice falls back to Noto Sans CJK where these are missing
    "JP": {"typeface": "Yu Gothic", "charset": "-128"},
    "SC": {"typeface": "Microsoft YaHei", "charset": "-122"},
    "TC": {"typeface": "Microsoft JhengHei", "charset": "-120"},
    "KR": {"typeface": "Malgun Gothic", "charset": "-127"},
}
_ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
_ANCHOR = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}
_DOS_EPOCH = 315532800  # 1980-01-01, the earliest date a zip entry can carry
_PICTURES = memo.mapping("deck.pictures", 128)  # picture key -> PNG bytes, per process


def _px(value: float) -> Emu:
    return Emu(round(value * EMU_PER_PX))


def _rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def east_asian_font(language: str) -> dict[str, str] | None:
    """The East Asian typeface of a deck in a CJK language; None for other languages."""
    if langtag.base(language) not in ("ja", "zh", "ko"):
        return None
    return EAST_ASIAN[langtag.han_variant(language)]


def picture_png(op: ImageOp) -> bytes:
    """The PNG of a picture in the deck, encoded once per process and picture key (logos, photos and
    QR codes recur across a worker's campaigns)."""
    data = _PICTURES.get(op.key) if op.key else None
    if data is None:
        data = png_bytes(op.image)
        if op.key:
            _PICTURES[op.key] = data
    return data


class DeckWriter:
    def __init__(self, language: str):
        self.language = language
        self.lang_tag = langtag.office_tag(language)
        self.ea = east_asian_font(language)
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = _px(1920), _px(1080)

    def add(self, frame: Frame, notes: list[str]) -> Any:
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[6])  # blank
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = _rgb(frame.background)
        for op in frame.ops:
            if isinstance(op, RectOp):
                self._rect(slide, op)
            elif isinstance(op, ImageOp):
                self._picture(slide, op)
            elif isinstance(op, TextOp):
                self._text(slide, op)
        if notes:
            slide.notes_slide.notes_text_frame.text = "\n".join(notes)
        return slide

    def _rect(self, slide, op: RectOp, name: str | None = None):
        x, y, w, h = op.box
        kind = MSO_SHAPE.ROUNDED_RECTANGLE if op.radius else MSO_SHAPE.RECTANGLE
        shape = slide.shapes.add_shape(kind, _px(x), _px(y), _px(w), _px(h))
        shape.name = name or op.id
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(op.color)
        shape.line.fill.background()
        style = shape._element.find(qn("p:style"))
        if style is not None:  # no theme line, shadow or font: everything is set on the shape
            shape._element.remove(style)
        if op.radius:
            shape.adjustments[0] = min(0.5, op.radius / max(1, min(w, h)))
        return shape

    def _picture(self, slide, op: ImageOp) -> None:
        x, y, w, h = op.box
        picture = slide.shapes.add_picture(io.BytesIO(picture_png(op)), _px(x), _px(y), _px(w), _px(h))
        picture.name = op.id
        picture._element.nvPicPr.cNvPr.set("descr", op.alt)

    def _text(self, slide, op: TextOp) -> None:
        layout = op.layout
        if op.pill is not None:  # the text lives in its rounded shape, like on the PNG
            shape = self._rect(slide, op.pill, op.id)
        else:
            x, y, w, h = layout.box
            shape = slide.shapes.add_textbox(_px(x), _px(y), _px(w), _px(h))
            shape.name = op.id
        frame = shape.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE if op.pill is not None else _ANCHOR[layout.style.valign]
        for i, text in enumerate(layout.text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.alignment = _ALIGN["center" if op.pill is not None else layout.style.align]
            paragraph.line_spacing = Pt(layout.line_pitch / 2)
            paragraph.space_before = paragraph.space_after = Pt(0)
            run = paragraph.add_run()
            run.text = text
            self._font(run, layout.size, layout.style.weight == "bold", op.color)

    def _font(self, run, size_px: int, bold: bool, color: str) -> None:
        font = run.font
        font.size = Pt(size_px / 2)
        font.bold = bold
        font.color.rgb = _rgb(color)
        font.name = LATIN["typeface"]
        rpr = run._r.get_or_add_rPr()
        rpr.set("lang", self.lang_tag)
        latin = rpr.find(qn("a:latin"))
        for key, value in LATIN.items():
            latin.set(key, value)
        after = latin
        for tag, attrs in (("a:ea", self.ea), ("a:cs", LATIN)):
            if attrs:
                element = etree.SubElement(rpr, qn(tag))
                for key, value in attrs.items():
                    element.set(key, value)
                after.addnext(element)
                after = element

    def save(self, title: str, author: str, subject: str, timestamp: int, thumbnail: bytes | None) -> bytes:
        """The deck's bytes: fixed dates, sorted zip entries, the title slide as thumbnail."""
        when = dt.datetime.fromtimestamp(max(timestamp, _DOS_EPOCH), dt.timezone.utc).replace(tzinfo=None)
        props = self.prs.core_properties
        props.title, props.author, props.subject = title[:255], author[:255], subject[:255]  # the format's limit
        props.last_modified_by, props.revision, props.language = "coffeerun", 1, self.lang_tag
        props.created = props.modified = props.last_printed = when
        props.keywords = props.comments = props.category = ""
        entries = package_entries(self.prs)
        if thumbnail:
            entries["docProps/thumbnail.jpeg"] = thumbnail
        return zip_entries(entries, timestamp)


class SharedDeck:
    """Every distinct slide of a campaign's decks (the whole campaign's and one per audience), drawn into
    one presentation once; each deck is saved from it with its own slides, in its order, and its own
    notes. A quote or metric slide shared by several decks is built once."""

    def __init__(self, language: str):
        self.writer = DeckWriter(language)
        self.slides: dict[str, Any] = {}  # slide key -> slide
        self._ids = {}  # slide key -> its sldId element

    def add(self, key: str, frame: Frame) -> None:
        if key not in self.slides:
            slide = self.slides[key] = self.writer.add(frame, [])
            self._ids[key] = self.writer.prs.slides._sldIdLst[-1]
            slide.notes_slide  # noqa: B018 - made now, in slide order: stable part names

    def save(self, keys: list[str], notes: list[list[str]], title: str, author: str, subject: str,
             timestamp: int, thumbnail: bytes | None) -> bytes:
        prs = self.writer.prs
        id_list, part = prs.slides._sldIdLst, prs.part
        rels = part.rels._rels  # python-pptx saves every part reachable by a relationship
        everything = list(id_list)
        wanted = [self._ids[k] for k in keys]
        dropped = {e.rId: rels.pop(e.rId) for e in everything if e not in wanted}
        for element in everything:
            id_list.remove(element)
        for element in wanted:
            id_list.append(element)
        try:  # the slide parts keep their names (python-pptx keeps the references it has written)
            for key, lines in zip(keys, notes):
                self.slides[key].notes_slide.notes_text_frame.text = "\n".join(lines)
            return self.writer.save(title, author, subject, timestamp, thumbnail)
        finally:
            for element in wanted:
                id_list.remove(element)
            for element in everything:
                id_list.append(element)
            rels.update(dropped)


def package_entries(prs: Any) -> dict[str, bytes]:
    """What python-pptx's save writes, as zip member -> bytes: every part reachable from the
    presentation, its relationships and the content types (written by us into one deterministic zip,
    not zipped by python-pptx and zipped again)."""
    from pptx.opc.oxml import serialize_part_xml
    from pptx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
    from pptx.opc.serialized import _ContentTypesItem

    package = prs.part.package
    parts = list(package.iter_parts())
    entries = {CONTENT_TYPES_URI.membername: serialize_part_xml(_ContentTypesItem.xml_for(parts)),
               PACKAGE_URI.rels_uri.membername: package._rels.xml}
    for part in parts:
        entries[part.partname.membername] = part.blob
        if part._rels:
            entries[part.partname.rels_uri.membername] = part.rels.xml
    return entries


def zip_entries(entries: dict[str, bytes], timestamp: int) -> bytes:
    """A zip with [Content_Types].xml first, the rest sorted, and one fixed date on every entry."""
    date_time = time.gmtime(max(timestamp, _DOS_EPOCH))[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in sorted(entries, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time)
            packed = name.lower().endswith((".png", ".jpeg", ".jpg"))  # already compressed: stored
            info.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, entries[name], compresslevel=6)
    return out.getvalue()


def build_deck(frames: list[Frame], notes: list[list[str]], language: str, title: str, author: str,
               subject: str, timestamp: int, thumbnail: bytes | None = None) -> bytes:
    writer = DeckWriter(language)
    for frame, slide_notes in zip(frames, notes):
        writer.add(frame, slide_notes)
    return writer.save(title, author, subject, timestamp, thumbnail)
