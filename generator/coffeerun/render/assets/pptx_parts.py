"""deck.pptx's fixed parts, taken once per process from a deck python-pptx writes; XML helpers."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

EMU_PER_PX = 6350  # 1920 px = 13.333 in = 12,192,000 EMU: 1 px = 0.5 pt
NOTES_MARKER = "COFFEERUN-NOTES-MARKER"
XML_HEAD = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_SLIDE = "application/vnd.openxmlformats-officedocument.presentationml.slide+xml"
CT_NOTES = "application/vnd.openxmlformats-officedocument.presentationml.notesSlide+xml"
_CTRL = re.compile("[\x00-\x08\x0b-\x1f]")
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def text_xml(value: str) -> str:
    """Element text as python-pptx writes it: control characters as _xHHHH_, then XML-escaped."""
    value = _NOT_XML.sub("", _CTRL.sub(lambda m: "_x%04X_" % ord(m.group()), value))
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr_xml(value: str) -> str:
    """An attribute value as lxml writes it."""
    value = _NOT_XML.sub("", _CTRL.sub(lambda m: "_x%04X_" % ord(m.group()), value))
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\t", "&#9;"))


def relationships(rels: list[tuple[str, str, str]]) -> bytes:
    """A .rels part: (id, type, target) in order."""
    body = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in rels)
    return (XML_HEAD + f'<Relationships xmlns="{NS_RELS}">{body}</Relationships>').encode("utf-8")


def notes_xml(template: "DeckTemplate", notes: list[str]) -> bytes:
    """The notes slide of `notes` (one paragraph each; a vertical tab is a line break)."""
    paragraphs = []
    for text in "\n".join(notes).split("\n"):
        pieces = re.split("\n|\v", text)
        body = "".join(("<a:br/>" if i else "") + (f"<a:r><a:t>{text_xml(piece)}</a:t></a:r>" if piece else "")
                       for i, piece in enumerate(pieces))
        paragraphs.append(f"<a:p>{body}</a:p>" if body else "<a:p/>")
    return template.notes_head + "".join(paragraphs).encode("utf-8") + template.notes_tail


@dataclass(frozen=True)
class DeckTemplate:
    """What every deck shares, cut out of a deck python-pptx wrote with one blank slide and notes."""

    static: dict[str, bytes]  # parts copied as they are
    notes_parts: dict[str, bytes]  # the notes master and its theme: only in decks with notes
    layout_target: str  # the blank layout, relative to a slide
    presentation_head: bytes  # ppt/presentation.xml before and after its slide list
    presentation_tail: bytes
    rels: list[tuple[str, str, str]]  # ppt/_rels/presentation.xml.rels without slides and notes master
    notes_master_target: str
    notes_head: bytes  # a notes slide before and after its paragraphs
    notes_tail: bytes
    defaults: list[tuple[str, str]]  # [Content_Types].xml: extension -> type
    overrides: dict[str, str]  # part name -> type, for the static parts
    notes_overrides: dict[str, str]

    def content_types(self, parts: dict[str, str], png: bool) -> bytes:
        defaults = sorted({*self.defaults, *([("png", "image/png")] if png else [])})
        body = "".join(f'<Default Extension="{ext}" ContentType="{kind}"/>' for ext, kind in defaults)
        body += "".join(f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in sorted(parts.items()))
        return (XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                + body + "</Types>").encode("utf-8")


@lru_cache(maxsize=1)
def deck_template() -> DeckTemplate:
    """Built once per process (about 0.1 s): python-pptx's default deck, 16:9, with one slide."""
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(1920 * EMU_PER_PX), Emu(1080 * EMU_PER_PX)
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    slide.notes_slide.notes_text_frame.text = NOTES_MARKER
    buffer = io.BytesIO()
    prs.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    slide_rels = _rels(parts.pop("ppt/slides/_rels/slide1.xml.rels"))
    layout_target = next(t for _, kind, t in slide_rels if kind.endswith("/slideLayout"))
    notes = parts.pop("ppt/notesSlides/notesSlide1.xml")
    marker = f"<a:p><a:r><a:t>{NOTES_MARKER}</a:t></a:r></a:p>".encode()
    notes_head, notes_tail = notes.split(marker)
    notes_rels = _rels(parts.pop("ppt/notesSlides/_rels/notesSlide1.xml.rels"))
    notes_master = next(t for _, kind, t in notes_rels if kind.endswith("/notesMaster"))
    presentation = parts.pop("ppt/presentation.xml")
    head, rest = presentation.split(b"<p:sldIdLst>")
    _, tail = rest.split(b"</p:sldIdLst>")
    rels = [r for r in _rels(parts.pop("ppt/_rels/presentation.xml.rels"))
            if not r[1].endswith(("/slide", "/notesMaster"))]
    types = parts.pop("[Content_Types].xml").decode("utf-8")
    defaults = re.findall(r'<Default Extension="([^"]+)" ContentType="([^"]+)"/>', types)
    overrides = dict(re.findall(r'<Override PartName="([^"]+)" ContentType="([^"]+)"/>', types))
    for name in ("ppt/slides/slide1.xml", "docProps/core.xml", "docProps/thumbnail.jpeg"):
        parts.pop(name, None)
    master_dir = "ppt/notesMasters/"
    master_name = master_dir + notes_master.rsplit("/", 1)[-1]
    master_rels = master_dir + "_rels/" + master_name.rsplit("/", 1)[-1] + ".rels"
    notes_parts = {master_name: parts.pop(master_name), master_rels: parts.pop(master_rels)}
    for _, kind, target in _rels(notes_parts[master_rels]):
        name = "ppt/" + target.replace("../", "")
        notes_parts[name] = parts.pop(name)
    notes_overrides = {"/" + n: overrides.pop("/" + n) for n in notes_parts if "/" + n in overrides}
    for name in ("/ppt/slides/slide1.xml", "/ppt/notesSlides/notesSlide1.xml"):
        del overrides[name]
    return DeckTemplate(parts, notes_parts, layout_target, head + b"<p:sldIdLst>", b"</p:sldIdLst>" + tail,
                        rels, notes_master.replace("../", ""), notes_head, notes_tail,
                        [d for d in defaults if d[0] != "png"], overrides, notes_overrides)


def _rels(data: bytes) -> list[tuple[str, str, str]]:
    return re.findall(r'<Relationship Id="([^"]+)" Type="([^"]+)" Target="([^"]+)"/>', data.decode("utf-8"))
