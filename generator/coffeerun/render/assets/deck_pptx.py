"""deck.pptx: editable text boxes, shapes and pictures from the frames, written as OOXML directly."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import struct
import time
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field

from coffeerun.render.assets.compose import Frame, ImageOp, RectOp, TextOp
from coffeerun.render.assets.images import png_bytes
from coffeerun.render.assets.pptx_parts import (CT_NOTES, CT_SLIDE, EMU_PER_PX, NS_A, NS_P, NS_R, REL, XML_HEAD,
                                                 DeckTemplate, attr_xml, deck_template, notes_xml, relationships,
                                                 text_xml)

# Arial is on every PowerPoint; LibreOffice maps it to Liberation Sans, the shipped font whose
# metrics are Arial's, so text measured for the PNGs wraps the same way in the deck.
LATIN = {"typeface": "Arial", "panose": "020B0604020202020204", "pitchFamily": "34", "charset": "0"}
EAST_ASIAN = {  # by language; LibreOffice falls back to Noto Sans CJK where these are missing
    "ja": {"typeface": "Yu Gothic", "charset": "-128"},
    "zh": {"typeface": "Microsoft YaHei", "charset": "-122"},
    "zh-tw": {"typeface": "Microsoft JhengHei", "charset": "-120"},
    "ko": {"typeface": "Malgun Gothic", "charset": "-127"},
}
LANGUAGE_TAGS = {"en": "en-US", "ja": "ja-JP", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT",
                 "pt": "pt-BR", "nl": "nl-NL", "zh": "zh-CN", "ko": "ko-KR", "sv": "sv-SE", "da": "da-DK"}
_ALIGN = {"left": "l", "center": "ctr", "right": "r"}
_ANCHOR = {"top": "t", "middle": "ctr", "bottom": "b"}
_DOS_EPOCH = 315532800  # 1980-01-01, the earliest date a zip entry can carry
_PICTURES: OrderedDict[str, bytes] = OrderedDict()  # picture key -> PNG bytes, per process
_PICTURES_KEPT = 128


def _emu(value: float) -> int:
    return round(value * EMU_PER_PX)


def _centipoints(px: float) -> int:
    """Pixels (half points) as python-pptx's Pt() writes them: whole EMU, then whole centipoints."""
    return int(px / 2 * 12700) // 127


def _attrs(values: dict[str, str]) -> str:
    return " ".join(f'{k}="{v}"' for k, v in values.items())


def east_asian_font(language: str) -> dict[str, str] | None:
    tag = language.lower()
    if tag.startswith("zh") and any(x in tag for x in ("tw", "hant", "hk", "mo")):
        return EAST_ASIAN["zh-tw"]
    return EAST_ASIAN.get(tag.split("-")[0])


def language_tag(language: str) -> str:
    return language if "-" in language else LANGUAGE_TAGS.get(language, language)


def picture_png(op: ImageOp) -> bytes:
    """The PNG of a picture in the deck, encoded once per process and picture key."""
    data = _PICTURES.get(op.key) if op.key else None
    if data is None:
        data = png_bytes(op.image)
        if op.key:
            _PICTURES[op.key] = data
            while len(_PICTURES) > _PICTURES_KEPT:
                _PICTURES.popitem(last=False)
    else:
        _PICTURES.move_to_end(op.key)
    return data


@dataclass
class SlideXml:
    """One slide's XML, its pictures in the order of their relationship ids (rId2, rId3, ...) and the
    elements it had to shorten, with their full text (for the speaker notes)."""

    xml: str
    pictures: list[bytes] = field(default_factory=list)
    shortened: list[tuple[str, str]] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        """For the render cache: a JSON header with the sizes, then the XML and the pictures."""
        xml = self.xml.encode("utf-8")
        header = json.dumps({"xml": len(xml), "pictures": [len(p) for p in self.pictures],
                             "shortened": self.shortened}, ensure_ascii=False).encode("utf-8")
        return b"".join([struct.pack(">I", len(header)), header, xml, *self.pictures])

    @classmethod
    def from_bytes(cls, data: bytes) -> "SlideXml":
        try:
            size = struct.unpack(">I", data[:4])[0]
            header = json.loads(data[4:4 + size])
            at = 4 + size
            xml = data[at:at + header["xml"]].decode("utf-8")
            at += header["xml"]
            pictures = []
            for length in header["pictures"]:
                pictures.append(data[at:at + length])
                at += length
        except (struct.error, KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a cached slide: {error}") from error
        if at != len(data):
            raise ValueError("not a cached slide: wrong length")
        return cls(xml, pictures, [(e, t) for e, t in header["shortened"]])


class SlideWriter:
    """The XML of one slide from its frame; it depends on nothing else but the language."""

    def __init__(self, language: str):
        self.lang = language_tag(language)
        ea = east_asian_font(language)
        latin = _attrs(LATIN)
        self.fonts = (f"<a:latin {latin}/>" + (f"<a:ea {_attrs(ea)}/>" if ea else "") + f"<a:cs {latin}/>")

    def write(self, frame: Frame) -> SlideXml:
        self.shapes: list[str] = []
        self.pictures: list[bytes] = []
        self.rids: dict[str, int] = {}
        for op in frame.ops:
            if isinstance(op, RectOp):
                self.shapes.append(self._rect(op, op.id, None))
            elif isinstance(op, ImageOp):
                self.shapes.append(self._picture(op))
            elif isinstance(op, TextOp):
                self.shapes.append(self._text(op))
        background = frame.background.lstrip("#").upper()
        xml = (XML_HEAD + f'<p:sld xmlns:a="{NS_A}" xmlns:p="{NS_P}" xmlns:r="{NS_R}"><p:cSld><p:bg><p:bgPr>'
               f'<a:solidFill><a:srgbClr val="{background}"/></a:solidFill><a:effectLst/></p:bgPr></p:bg>'
               '<p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
               '<p:grpSpPr/>' + "".join(self.shapes) + '</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/>'
               '</p:clrMapOvr></p:sld>')
        shortened = [(op.id, op.layout.full_text) for op in frame.truncated()]
        return SlideXml(xml, self.pictures, shortened)

    def _id(self) -> int:
        return len(self.shapes) + 2

    @staticmethod
    def _xfrm(x: float, y: float, w: float, h: float) -> str:
        return (f'<a:xfrm><a:off x="{_emu(x)}" y="{_emu(y)}"/><a:ext cx="{_emu(w)}" cy="{_emu(h)}"/>'
                '</a:xfrm>')

    def _rect(self, op: RectOp, name: str, body: str | None) -> str:
        x, y, w, h = op.box
        if op.radius:
            value = int(min(0.5, op.radius / max(1, min(w, h))) * 100000.0)
            geometry = f'<a:prstGeom prst="roundRect"><a:avLst><a:gd name="adj" fmla="val {value}"/></a:avLst></a:prstGeom>'
        else:
            geometry = '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        if body is None:
            body = '<a:bodyPr rtlCol="0" anchor="ctr"/><a:lstStyle/><a:p><a:pPr algn="ctr"/></a:p>'
        color = op.color.lstrip("#").upper()
        return (f'<p:sp><p:nvSpPr><p:cNvPr id="{self._id()}" name="{attr_xml(name)}"/><p:cNvSpPr/><p:nvPr/>'
                f'</p:nvSpPr><p:spPr>{self._xfrm(x, y, w, h)}{geometry}<a:solidFill><a:srgbClr val="{color}"/>'
                f'</a:solidFill><a:ln><a:noFill/></a:ln></p:spPr><p:txBody>{body}</p:txBody></p:sp>')

    def _picture(self, op: ImageOp) -> str:
        data = picture_png(op)
        digest = hashlib.sha1(data).hexdigest()
        if digest not in self.rids:
            self.rids[digest] = len(self.pictures) + 2
            self.pictures.append(data)
        x, y, w, h = op.box
        return (f'<p:pic><p:nvPicPr><p:cNvPr id="{self._id()}" name="{attr_xml(op.id)}" descr="{attr_xml(op.alt)}"/>'
                '<p:cNvPicPr><a:picLocks noChangeAspect="1"/></p:cNvPicPr><p:nvPr/></p:nvPicPr><p:blipFill>'
                f'<a:blip r:embed="rId{self.rids[digest]}"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
                f'<p:spPr>{self._xfrm(x, y, w, h)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>')

    def _text(self, op: TextOp) -> str:
        layout = op.layout
        pill = op.pill is not None
        align = _ALIGN["center" if pill else layout.style.align]
        size = _centipoints(layout.size)
        spacing = _centipoints(layout.line_pitch)
        bold = "1" if layout.style.weight == "bold" else "0"
        color = op.color.lstrip("#").upper()
        paragraphs = "".join(
            f'<a:p><a:pPr algn="{align}"><a:lnSpc><a:spcPts val="{spacing}"/></a:lnSpc><a:spcBef><a:spcPts val="0"/>'
            f'</a:spcBef><a:spcAft><a:spcPts val="0"/></a:spcAft></a:pPr><a:r><a:rPr sz="{size}" b="{bold}" '
            f'lang="{self.lang}"><a:solidFill><a:srgbClr val="{color}"/></a:solidFill>{self.fonts}</a:rPr>'
            + (f"<a:t>{text_xml(text)}</a:t>" if text else "<a:t/>") + "</a:r></a:p>"
            for text in layout.text.split("\n"))
        margins = 'wrap="square" lIns="0" rIns="0" tIns="0" bIns="0"'
        if pill:
            body = f'<a:bodyPr rtlCol="0" anchor="ctr" {margins}><a:noAutofit/></a:bodyPr><a:lstStyle/>{paragraphs}'
            return self._rect(op.pill, op.id, body)  # type: ignore[arg-type]
        x, y, w, h = layout.box
        return (f'<p:sp><p:nvSpPr><p:cNvPr id="{self._id()}" name="{attr_xml(op.id)}"/><p:cNvSpPr txBox="1"/>'
                f'<p:nvPr/></p:nvSpPr><p:spPr>{self._xfrm(x, y, w, h)}<a:prstGeom prst="rect"><a:avLst/>'
                f'</a:prstGeom><a:noFill/></p:spPr><p:txBody><a:bodyPr {margins} '
                f'anchor="{_ANCHOR[layout.style.valign]}"><a:noAutofit/></a:bodyPr><a:lstStyle/>{paragraphs}'
                '</p:txBody></p:sp>')


def _core(title: str, author: str, subject: str, language: str, timestamp: int) -> bytes:
    when = dt.datetime.fromtimestamp(max(timestamp, _DOS_EPOCH), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    w3c = 'xsi:type="dcterms:W3CDTF"'
    return (XML_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{text_xml(title[:255])}</dc:title><dc:subject>{text_xml(subject)}</dc:subject>"
            f"<dc:creator>{text_xml(author)}</dc:creator><cp:keywords></cp:keywords><dc:description></dc:description>"
            "<cp:lastModifiedBy>coffeerun</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f"<dcterms:created {w3c}>{when}</dcterms:created><dcterms:modified {w3c}>{when}</dcterms:modified>"
            f"<cp:category></cp:category><dc:language>{text_xml(language)}</dc:language>"
            f"<cp:lastPrinted>{when}</cp:lastPrinted></cp:coreProperties>").encode("utf-8")


def assemble(slides: list[SlideXml], notes: list[list[str]], language: str, title: str, author: str,
             subject: str, timestamp: int, thumbnail: bytes | None) -> bytes:
    """The deck's bytes: fixed dates, sorted zip entries, pictures stored once, the title slide as thumbnail."""
    template: DeckTemplate = deck_template()
    parts: dict[str, bytes] = dict(template.static)
    types = dict(template.overrides)
    media: dict[str, str] = {}  # sha1 -> part name
    rels = list(template.rels)
    ids: list[str] = []
    next_rid = 1 + max(int(r[0][3:]) for r in rels)
    with_notes = False
    for number, (slide, slide_notes) in enumerate(zip(slides, notes), 1):
        name = f"ppt/slides/slide{number}.xml"
        parts[name] = slide.xml.encode("utf-8")
        types["/" + name] = CT_SLIDE
        ids.append(f"rId{next_rid}")
        rels.append((f"rId{next_rid}", REL + "slide", f"slides/slide{number}.xml"))
        next_rid += 1
        slide_rels = [("rId1", REL + "slideLayout", template.layout_target)]
        for rid, data in enumerate(slide.pictures, 2):
            digest = hashlib.sha1(data).hexdigest()
            if digest not in media:
                media[digest] = f"ppt/media/image{len(media) + 1}.png"
                parts[media[digest]] = data
            slide_rels.append((f"rId{rid}", REL + "image", "../" + media[digest][4:]))
        if slide_notes:
            if not with_notes:
                with_notes = True
                rels.append((f"rId{next_rid}", REL + "notesMaster", template.notes_master_target))
                next_rid += 1
            notes_name = f"ppt/notesSlides/notesSlide{number}.xml"
            parts[notes_name] = notes_xml(template, slide_notes)
            types["/" + notes_name] = CT_NOTES
            parts[f"ppt/notesSlides/_rels/notesSlide{number}.xml.rels"] = relationships([
                ("rId1", REL + "notesMaster", "../" + template.notes_master_target),
                ("rId2", REL + "slide", f"../slides/slide{number}.xml")])
            slide_rels.append((f"rId{len(slide_rels) + 1}", REL + "notesSlide", f"../notesSlides/notesSlide{number}.xml"))
        parts[f"ppt/slides/_rels/slide{number}.xml.rels"] = relationships(slide_rels)
    if with_notes:
        parts.update(template.notes_parts)
        types.update(template.notes_overrides)
    slide_list = "".join(f'<p:sldId id="{256 + i}" r:id="{rid}"/>' for i, rid in enumerate(ids))
    parts["ppt/presentation.xml"] = template.presentation_head + slide_list.encode() + template.presentation_tail
    parts["ppt/_rels/presentation.xml.rels"] = relationships(rels)
    parts["docProps/core.xml"] = _core(title, author, subject, language_tag(language), timestamp)
    if thumbnail:
        parts["docProps/thumbnail.jpeg"] = thumbnail
    parts["[Content_Types].xml"] = template.content_types(types, bool(media))
    return deterministic_zip(parts, timestamp)


def deterministic_zip(parts: dict[str, bytes], timestamp: int) -> bytes:
    """A zip with [Content_Types].xml first, the rest sorted, and one fixed date on every entry."""
    date_time = time.gmtime(max(timestamp, _DOS_EPOCH))[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time)
            packed = name.lower().endswith((".png", ".jpeg", ".jpg"))  # already compressed: stored
            info.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, parts[name], compresslevel=6)
    return out.getvalue()


def build_deck(frames: list[Frame], notes: list[list[str]], language: str, title: str, author: str,
               subject: str, timestamp: int, thumbnail: bytes | None = None) -> bytes:
    """A deck of the frames, with `notes` as they are (nothing added for shortened text)."""
    writer = SlideWriter(language)
    return assemble([writer.write(frame) for frame in frames], notes, language, title, author, subject,
                    timestamp, thumbnail)
