"""deck.pptx with python-pptx: editable text boxes, shapes and pictures from the same frames as the PNGs.

Each slide's shapes are written as the XML python-pptx itself writes for them, parsed once per slide:
building them through its objects (an XPath query per attribute) took most of a deck's time. python-pptx
still owns the package: slides, notes, pictures, relationships and the saved parts.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import itertools
import re
import time
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

from coffeerun import langtag, memo
from coffeerun.render.assets.compose import Frame, ImageOp, RectOp, TextOp
from coffeerun.render.assets.images import png_bytes

if TYPE_CHECKING:
    from pptx.util import Emu

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
_ALIGN = {"left": "l", "center": "ctr", "right": "r"}
_ANCHOR = {"top": "t", "middle": "ctr", "bottom": "b"}
_DOS_EPOCH = 315532800  # 1980-01-01, the earliest date a zip entry can carry
_PICTURES = memo.mapping("deck.pictures", 128)  # picture key -> PNG bytes, per process
_XML = memo.mapping("deck.package_xml", 512)  # what a package's relationships and content types are -> XML


def _px(value: float) -> Emu:
    from pptx.util import Emu

    return Emu(round(value * EMU_PER_PX))


def east_asian_font(language: str) -> dict[str, str] | None:
    """The East Asian typeface of a deck in a CJK language; None for other languages."""
    if langtag.base(language) not in ("ja", "zh", "ko"):
        return None
    return EAST_ASIAN[langtag.han_variant(language)]


def picture_png(op: ImageOp) -> bytes:
    """The PNG of a picture in the deck, encoded once per process and picture key (logos, photos and
    QR codes recur across a worker's campaigns)."""
    if op.png is not None:
        return op.png
    data = _PICTURES.get(op.key) if op.key else None
    if data is None:
        data = png_bytes(op.picture())
        if op.key:
            _PICTURES[op.key] = data
    return data


_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NAMESPACES = " ".join(f'xmlns:{p}="{uri}"' for p, uri in (
    ("a", _DRAWING),
    ("p", "http://schemas.openxmlformats.org/presentationml/2006/main"),
    ("r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships")))
_CONTROL = re.compile(r"[\x00-\x08\x0B-\x1F]")
_HEX = re.compile(r"[0-9A-Fa-f]{6}")
_FONT_SIZE, _SPACING = (100, 400000), (0, 158400)  # centipoints: ST_TextFontSize, ST_TextSpacingPoint


def _text(value: str) -> str:
    """Run text as python-pptx writes it: control characters (but tab) as _xHHHH_, then XML-escaped."""
    return xml_escape(_CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value))


def _attr(value: str) -> str:
    return xml_escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _quoted(value: str) -> str:
    return f'"{_attr(value)}"'


def _centipoints(px: float, low: int, high: int) -> int:
    """A length of the slide in px (1 px = 0.5 pt) as python-pptx stores a Pt of it: whole centipoints,
    refused outside the format's range (low..high centipoints), as python-pptx refuses it."""
    value = int(px / 2 * 12700) // 127
    if not low <= value <= high:
        raise ValueError(f"{px} px is outside what a deck can hold ({low / 50:g} to {high / 50:g} px)")
    return value


def _fill(color: str) -> str:
    value = color.lstrip("#")
    if not _HEX.fullmatch(value):
        raise ValueError(f"not a colour a deck can hold: {color!r} (#RRGGBB)")
    return f'<a:solidFill><a:srgbClr val="{value.upper()}"/></a:solidFill>'


def _xfrm(x: float, y: float, w: float, h: float) -> str:
    return f'<a:xfrm><a:off x="{_px(x)}" y="{_px(y)}"/><a:ext cx="{_px(w)}" cy="{_px(h)}"/></a:xfrm>'


def _rect_xml(shape_id: int, op: RectOp, name: str | None = None, text_body: str = "") -> str:
    """A filled rectangle, rounded by op.radius, without outline or theme style; text_body: its text."""
    x, y, w, h = op.box
    if op.radius:
        adjust = int(min(0.5, op.radius / max(1, min(w, h))) * 100000.0)
        geometry = (f'<a:prstGeom prst="roundRect"><a:avLst><a:gd name="adj" fmla="val {adjust}"/></a:avLst>'
                    "</a:prstGeom>")
    else:
        geometry = '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
    text_body = text_body or '<a:bodyPr rtlCol="0" anchor="ctr"/><a:lstStyle/><a:p><a:pPr algn="ctr"/></a:p>'
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{_attr(name or op.id)}"/><p:cNvSpPr/><p:nvPr/>'
            f"</p:nvSpPr><p:spPr>{_xfrm(x, y, w, h)}{geometry}{_fill(op.color)}<a:ln><a:noFill/></a:ln></p:spPr>"
            f"<p:txBody>{text_body}</p:txBody></p:sp>")


def _picture_xml(shape_id: int, op: ImageOp, rid: str) -> str:
    x, y, w, h = op.box
    return (f'<p:pic><p:nvPicPr><p:cNvPr id="{shape_id}" name="{_attr(op.id)}" descr={_quoted(op.alt)}/>'
            '<p:cNvPicPr><a:picLocks noChangeAspect="1"/></p:cNvPicPr><p:nvPr/></p:nvPicPr>'
            f'<p:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
            f'<p:spPr>{_xfrm(x, y, w, h)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>')


class DeckWriter:
    def __init__(self, language: str):
        from pptx import Presentation  # python-pptx is loaded by what writes a deck, not by what reads a frame

        self.language = language
        self.lang_tag = langtag.office_tag(language)
        self.ea = east_asian_font(language)
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = _px(1920), _px(1080)
        self._image_parts: dict[str, Any] = {}  # sha1 of a picture -> its part in this presentation
        self._media_taken = {part.partname.idx for part in self.prs.part.package.iter_parts()  # the template's
                             if part.partname.startswith("/ppt/media/image")}

    def add(self, frame: Frame, notes: list[str]) -> Any:
        """One slide: its shapes written as the XML python-pptx would write for them (the same bytes), in
        one parse, since building them through python-pptx's objects took most of a deck's time."""
        from pptx.oxml import parse_xml

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[6])  # blank
        xml = []
        for shape_id, op in enumerate(frame.ops, 2):  # 1 is the slide's own shape tree
            if isinstance(op, RectOp):
                xml.append(_rect_xml(shape_id, op))
            elif isinstance(op, ImageOp):
                xml.append(_picture_xml(shape_id, op, self._image_rid(slide, picture_png(op))))
            elif isinstance(op, TextOp):
                xml.append(self._text_xml(shape_id, op))
        tree = slide.shapes._spTree
        shapes = "".join(xml)
        parsed = parse_xml(f"<p:spTree {_NAMESPACES}>{shapes}</p:spTree>")
        if "<a:t></a:t>" in shapes:  # an empty run: python-pptx writes <a:t></a:t>, a parse gives <a:t/>
            for element in parsed.iter(f"{{{_DRAWING}}}t"):
                element.text = element.text or ""
        tree.extend(list(parsed))
        background = parse_xml(f"<p:bg {_NAMESPACES}><p:bgPr>{_fill(frame.background)}<a:effectLst/></p:bgPr></p:bg>")
        tree.getparent().insert(0, background)
        if notes:
            slide.notes_slide.notes_text_frame.text = "\n".join(notes)
        return slide

    def _image_rid(self, slide: Any, png: bytes) -> str:
        """The relationship of a slide to a picture, one part per distinct picture in the presentation, named
        as python-pptx names them (its own look-up walks every part of the package for each picture)."""
        from pptx.opc.constants import RELATIONSHIP_TYPE
        from pptx.opc.packuri import PackURI
        from pptx.parts.image import Image as PictureBlob
        from pptx.parts.image import ImagePart

        picture = PictureBlob.from_blob(png)
        part = self._image_parts.get(picture.sha1)
        if part is None:
            number = next(n for n in itertools.count(len(self._image_parts) + 1) if n not in self._media_taken)
            self._media_taken.add(number)
            name = PackURI(f"/ppt/media/image{number}.{picture.ext}")
            part = ImagePart(name, picture.content_type, slide.part.package, picture.blob, picture.filename)
            self._image_parts[picture.sha1] = part
        return slide.part.relate_to(part, RELATIONSHIP_TYPE.IMAGE)

    def _text_xml(self, shape_id: int, op: TextOp) -> str:
        layout = op.layout
        pill = op.pill is not None
        align = _ALIGN["center" if pill else layout.style.align]
        paragraph = (f'<a:pPr algn="{align}"><a:lnSpc><a:spcPts val="{_centipoints(layout.line_pitch, *_SPACING)}"/>'
                     "</a:lnSpc>"
                     '<a:spcBef><a:spcPts val="0"/></a:spcBef><a:spcAft><a:spcPts val="0"/></a:spcAft></a:pPr>')
        run = self._run_properties(layout.size, layout.style.weight == "bold", op.color)
        body = "".join(f"<a:p>{paragraph}<a:r>{run}<a:t>{_text(line)}</a:t></a:r></a:p>"
                       for line in layout.text.split("\n"))
        insets = 'lIns="0" rIns="0" tIns="0" bIns="0"'
        if op.pill is not None:  # the text lives in its rounded shape, like on the PNG
            return _rect_xml(shape_id, op.pill, op.id,
                             f'<a:bodyPr rtlCol="0" anchor="ctr" wrap="square" {insets}><a:noAutofit/></a:bodyPr>'
                             f"<a:lstStyle/>{body}")
        x, y, w, h = layout.box
        return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{_attr(op.id)}"/><p:cNvSpPr txBox="1"/><p:nvPr/>'
                f"</p:nvSpPr><p:spPr>{_xfrm(x, y, w, h)}"
                '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/></p:spPr>'
                f'<p:txBody><a:bodyPr wrap="square" {insets} anchor="{_ANCHOR[layout.style.valign]}"><a:noAutofit/>'
                f"</a:bodyPr><a:lstStyle/>{body}</p:txBody></p:sp>")

    def _run_properties(self, size_px: int, bold: bool, color: str) -> str:
        fonts = [("latin", LATIN), ("ea", self.ea), ("cs", LATIN)]
        faces = "".join(f"<a:{tag} {' '.join(f'{k}={_quoted(v)}' for k, v in attrs.items())}/>"
                        for tag, attrs in fonts if attrs)
        return (f'<a:rPr sz="{_centipoints(size_px, *_FONT_SIZE)}" b="{int(bold)}" lang="{_attr(self.lang_tag)}">'
                f"{_fill(color)}{faces}</a:rPr>")

    def save(self, title: str, author: str, subject: str, timestamp: int, thumbnail: bytes | None) -> bytes:
        """The deck's bytes: fixed dates, sorted zip entries, the title slide as thumbnail."""
        when = dt.datetime.fromtimestamp(max(timestamp, _DOS_EPOCH), dt.UTC).replace(tzinfo=None)
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
        self._ids: dict[str, Any] = {}  # slide key -> its sldId element
        self._notes: Any = None  # a notes page as python-pptx makes it, before any text

    def add(self, key: str, frame: Frame) -> None:
        if key not in self.slides:
            slide = self.slides[key] = self.writer.add(frame, [])
            self._ids[key] = self.writer.prs.slides._sldIdLst[-1]
            self._add_notes(slide)  # made now, in slide order: stable part names

    def _add_notes(self, slide: Any) -> None:
        """The slide's notes page, still without text: python-pptx makes the first from the notes master;
        every later one is a copy of that (the same XML, without cloning the master's placeholders again)."""
        if self._notes is None:
            self._notes = copy.deepcopy(slide.notes_slide._element)
            return
        from pptx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
        from pptx.opc.packuri import PackURI
        from pptx.parts.slide import NotesSlidePart

        part = slide.part
        package = part.package
        # named by its slide's number, which no notes page made earlier can have (python-pptx numbers them in
        # the order made, and its next_partname walks every part of the package)
        name = PackURI(f"/ppt/notesSlides/notesSlide{part.partname.idx}.xml")
        notes = NotesSlidePart(name, CONTENT_TYPE.PML_NOTES_SLIDE, package, copy.deepcopy(self._notes))
        notes.relate_to(package.presentation_part.notes_master_part, RELATIONSHIP_TYPE.NOTES_MASTER)
        notes.relate_to(part, RELATIONSHIP_TYPE.SLIDE)
        part.relate_to(notes, RELATIONSHIP_TYPE.NOTES_SLIDE)

    def save(self, keys: list[str], notes: list[list[str]], title: str, author: str, subject: str,
             timestamp: int, thumbnail: bytes | None) -> bytes:
        with self.holding(keys):  # the slide parts keep their names (python-pptx keeps the references written)
            for key, lines in zip(keys, notes, strict=True):
                self.slides[key].notes_slide.notes_text_frame.text = "\n".join(lines)
            return self.writer.save(title, author, subject, timestamp, thumbnail)

    @contextlib.contextmanager
    def holding(self, keys: list[str]) -> Iterator[Any]:
        """The presentation with just these slides, in this order, meanwhile (python-pptx saves every part
        reachable by a relationship)."""
        prs = self.writer.prs
        id_list, rels = prs.slides._sldIdLst, prs.part.rels._rels
        everything = list(id_list)
        wanted = [self._ids[k] for k in keys]
        dropped = {e.rId: rels.pop(e.rId) for e in everything if e not in wanted}
        for element in everything:
            id_list.remove(element)
        for element in wanted:
            id_list.append(element)
        try:
            yield prs
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
    types_key = ("types", *sorted((str(part.partname), part.content_type) for part in parts))
    types = _XML.get(types_key)
    if types is None:
        types = _XML[types_key] = serialize_part_xml(_ContentTypesItem.xml_for(parts))
    entries = {CONTENT_TYPES_URI.membername: types, PACKAGE_URI.rels_uri.membername: _rels_xml(package._rels)}
    for part in parts:
        entries[part.partname.membername] = part.blob
        if part._rels:
            entries[part.partname.rels_uri.membername] = _rels_xml(part.rels)
    return entries


def _rels_xml(rels: Any) -> bytes:
    """python-pptx's XML of a part's relationships, kept by what it is made of: a deck's layouts, master and
    slides relate the same way in every deck of a worker, and python-pptx builds it one element at a time."""
    key = ("rels", *sorted((rel.rId, rel.reltype, rel.target_ref, rel.is_external) for rel in rels.values()))
    xml = _XML.get(key)
    if xml is None:
        xml = _XML[key] = rels.xml
    return xml


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
            target.writestr(info, entries[name], compresslevel=1)
    return out.getvalue()


def build_deck(frames: list[Frame], notes: list[list[str]], language: str, title: str, author: str,
               subject: str, timestamp: int, thumbnail: bytes | None = None) -> bytes:
    writer = DeckWriter(language)
    for frame, slide_notes in zip(frames, notes, strict=True):
        writer.add(frame, slide_notes)
    return writer.save(title, author, subject, timestamp, thumbnail)
