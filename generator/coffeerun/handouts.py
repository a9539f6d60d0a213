"""Files handed out on the share site (`resources[].file`): recognised by content and name, images
stripped of metadata, and their text searched for private links that must not travel with them."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

# Markup a browser would run as part of the private site if it were served from it.
ACTIVE_SUFFIXES = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml", ".svg", ".svgz", ".xml", ".xsl",
                   ".xslt", ".rss", ".atom", ".rdf", ".js", ".mjs", ".cjs", ".swf", ".hta", ".php", ".jsp", ".asp",
                   ".aspx", ".vbs", ".wasm")
_ZIP, _OLE, _GZIP, _7Z = (b"PK\x03\x04", b"PK\x05\x06"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), \
    (b"\x1f\x8b",), (b"7z\xbc\xaf\x27\x1c",)
# suffix -> (what it is, the magic numbers its content starts with; None: text)
KINDS: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("a PDF", (b"%PDF-",)),
    **dict.fromkeys((".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".key", ".pages", ".numbers"),
                    ("an office document", _ZIP)),
    **dict.fromkeys((".doc", ".xls", ".ppt"), ("an older office document", _OLE)),
    ".rtf": ("an RTF document", (b"{\\rtf",)),
    ".zip": ("a zip archive", _ZIP), ".gz": ("a gzip archive", _GZIP), ".tgz": ("a gzip archive", _GZIP),
    ".7z": ("a 7-Zip archive", _7Z),
    **dict.fromkeys((".txt", ".md", ".csv", ".tsv"), ("text", None)),
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".webp"), ("an image", None)),
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
# The start of a document a browser sniffs as HTML or XML (WHATWG MIME sniffing), after spaces and a BOM.
_MARKUP = re.compile(rb"^(?:\xef\xbb\xbf)?[\s\x00]*<(?:!doctype\s+html|html|head|body|script|iframe|svg|\?xml|!--|"
                     rb"h1|div|font|table|a\s|style|title|b\s|br|p[\s>]|meta|object|embed|form|img|rss|feed)", re.I)
MAX_SCANNED = 50_000_000  # bytes of decompressed zip members searched for links (a zip bomb stops here)
MAX_PDF_PAGES = 500
MAX_PAGE_CONTENT = 1_000_000  # bytes of drawing operations on one PDF page whose text is extracted


class RefusedHandoutError(ValueError):
    """A file that may not be handed out; the message says why and what is accepted."""


def accepted() -> str:
    return ", ".join(s.lstrip(".") for s in KINDS)


def check_handout(path: Path, shown: str) -> None:
    """Raise RefusedHandoutError unless path is a document, spreadsheet, presentation, PDF, image, text or
    archive by its name and by its content."""
    suffix = path.suffix.lower()
    if suffix in ACTIVE_SUFFIXES:
        raise RefusedHandoutError(f"{shown} is a {suffix} file, which a browser would run as part of the private site; "
                             "hand out a PDF, an image (png, jpg, webp) or an office document")
    if suffix not in KINDS:
        raise RefusedHandoutError(f"{shown} is not a kind of file to hand out ({suffix or 'no extension'}); the "
                                  "accepted kinds are documents, spreadsheets, presentations, PDFs, images, text and "
                                  f"archives: {accepted()}")
    with path.open("rb") as file:
        head = file.read(1024)
    what, magic = KINDS[suffix]
    if _MARKUP.match(head):
        raise RefusedHandoutError(f"{shown} is named {suffix} but its content is HTML or XML, which a browser would "
                                  f"run; hand out {what} that is really one")
    if magic is not None and not head.startswith(magic):
        raise RefusedHandoutError(f"{shown} is named {suffix} but its content is not {what}; export it again")
    if what == "text" and b"\x00" in head:
        raise RefusedHandoutError(f"{shown} is named {suffix} but its content is not text; export it again")


# -- metadata -----------------------------------------------------------------------------------

def _jpeg_without_metadata(data: bytes) -> bytes:
    """The JPEG with its EXIF, XMP, IPTC and comment segments removed; the image data untouched."""
    out, i = bytearray(data[:2]), 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            out += data[i:i + 2]
            i += 2
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        segment = data[i:i + 2 + length]
        icc = marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00"
        adobe = marker == 0xEE  # colour transform of CMYK files: needed to decode them
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE) or icc or adobe:
            out += segment
        i += 2 + length
    return bytes(out + data[i:])


_PNG_METADATA = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def _png_without_metadata(data: bytes) -> bytes:
    out, i = bytearray(data[:8]), 8
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        chunk = data[i:i + 12 + length]
        if kind not in _PNG_METADATA:
            out += chunk
        i += 12 + length
    return bytes(out)


def _webp_without_metadata(data: bytes) -> bytes:
    chunks, i = [], 12
    while i + 8 <= len(data):
        kind, length = data[i:i + 4], struct.unpack("<I", data[i + 4:i + 8])[0]
        chunk = bytearray(data[i:i + 8 + length + (length & 1)])
        if kind == b"VP8X" and len(chunk) > 8:
            chunk[8] &= ~0x0C & 0xFF  # no EXIF, no XMP
        if kind not in (b"EXIF", b"XMP "):
            chunks.append(bytes(chunk))
        i += 8 + length + (length & 1)
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _oriented(data: bytes) -> bool:
    """True when EXIF says the picture is stored rotated or mirrored (stripping EXIF would turn it)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.getexif().get(0x0112, 1) not in (1, None)


def handout_content(path: Path) -> bytes | Path:
    """What is published for a handout: an image without EXIF (GPS, camera, owner), XMP or comments,
    turned upright first when it is stored rotated; any other file as it is."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        return path
    data = path.read_bytes()
    if suffix in (".jpg", ".jpeg", ".webp") and _oriented(data):
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(data)) as image:
            upright, icc = ImageOps.exif_transpose(image), image.info.get("icc_profile")
            buffer = io.BytesIO()
            upright.save(buffer, "JPEG" if suffix != ".webp" else "WEBP", quality=95, icc_profile=icc)
            return buffer.getvalue()
    strip = {".png": _png_without_metadata, ".webp": _webp_without_metadata}.get(suffix, _jpeg_without_metadata)
    return strip(data)


# -- text that could carry a private link ---------------------------------------------------------

def _zip_members(data: bytes, budget: list[int], depth: int = 0) -> Iterator[bytes]:
    """Every member's bytes, and those of documents inside (two levels), within one shared budget."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or budget[0] <= 0:
                    continue
                with archive.open(info) as member:
                    chunk = member.read(budget[0])
                budget[0] -= len(chunk)
                yield chunk
                if chunk[:4] in _ZIP and depth < 2:  # a document inside an archive
                    yield from _zip_members(chunk, budget, depth + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError):
        return  # damaged or encrypted: the raw bytes were searched already


def _pdf_text(data: bytes) -> Iterator[bytes]:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        for page in reader.pages[:MAX_PDF_PAGES]:
            contents = page.get_contents()
            drawn = contents.get_data() if contents is not None else b""
            # Extracting text costs time per drawing operation: a page of millions is searched as it is.
            yield drawn if len(drawn) > MAX_PAGE_CONTENT else page.extract_text().encode("utf-8", "replace")
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A") or {}
                uri = action.get_object().get("/URI") if hasattr(action, "get_object") else None
                if uri:
                    yield str(uri).encode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - a damaged PDF is still handed out; its raw bytes were searched
        return


def text_blobs(path: Path) -> Iterator[bytes]:
    """The file's bytes, and the text inside its containers: zip members (OOXML, ODF, archives), PDF
    page text and link annotations, UTF-16 text."""
    data = path.read_bytes()
    yield data
    if data[:4] in _ZIP:
        yield from _zip_members(data, [MAX_SCANNED])
    elif data[:5] == b"%PDF-":
        yield from _pdf_text(data)
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        yield data.decode("utf-16", "replace").encode("utf-8", "replace")


_RUN = re.compile(rb"(?<![a-z2-7])[a-z2-7]{32,200}(?![a-z2-7])")  # longer runs are encoded data, not links
RUN_TEXT = re.compile(r"[a-z2-7]{32,200}")  # one run, as link_runs gives it


def link_runs(path: Path) -> list[str]:
    """Every run of the tokens' alphabet, 32 to 200 letters, in the file and the text inside it, in lower case
    (a token may be written in any case): what named_links looks tokens up in. By file content, so a build
    keeps them (validcache.py) and reads no document twice."""
    return sorted({run.decode("ascii") for blob in text_blobs(path) for run in _RUN.findall(blob.lower())})


def named_links(runs: Iterable[str], tokens: set[str]) -> set[str]:
    """The tokens among `tokens` that these runs (link_runs) name: every 32-letter window of every run is
    looked up (a token may touch other letters)."""
    found: set[str] = set()
    for text in runs:
        found.update(w for w in (text[i:i + 32] for i in range(len(text) - 31)) if w in tokens)
    return found
