"""A minimal valid project written into a folder, and helpers to break one thing in it."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image

CAMPAIGN = "campaigns/spring.yaml"
ACCOUNT = "content/accounts/acme/account.yaml"
MARIA = "content/advocates/maria.yaml"
ROI = "content/resources/roi-calculator.yaml"
BRAND = "theme/brand.yaml"

FILES = {
    BRAND: """\
name: Vendor
product: Vendor Close
colors: {primary: "#1F2937", accent: "#F59E0B"}
""",
    ACCOUNT: """\
name: Acme Corp
logo: logo.png
colors:
  primary: "#0B3D91"
  accent: "#F5A623"
domain: acme.example
""",
    MARIA: """\
name: Maria Lopez
title: Controller
department: finance
photo: content/media/maria.png
consent:
  granted: 2026-10-01
  expires: 2027-10-01
""",
    ROI: """\
title: ROI calculator
url: https://vendor.example/roi
kind: other
description: Five questions, two minutes.
""",
    "content/media/steve.md": "Steve: we close in three days now.\n",
    "content/media/maria.vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n",
    "content/media/security.pdf": "%PDF-1.4\n%%EOF\n",
    CAMPAIGN: """\
title: Spring at Acme
account: acme
status: live
starts: 2026-11-01
expires: 2027-06-30
language: en
owner:
  name: Dana Whitfield
  email: dana@vendor.example
audiences:
  - id: finance
    name: Finance
    pitch: Close *faster*.
  - id: it
    name: IT
advocates:
  - id: steve
    name: Steve Konkol
    title: VP Treasury
    department: finance
    photo: content/media/steve.png
    consent:
      granted: 2026-10-14
      expires: 2027-10-14
  - use: maria
quotes:
  - by: steve
    text: We close in three days.
    audiences: [finance]
metrics:
  - value: "3 days"
    label: to close the books
    by: maria
videos:
  - by: steve
    title: Why I'd choose it again
    url: https://www.youtube.com/watch?v=aqz-KE-bpKQ
    transcript: content/media/steve.md
  - by: maria
    title: The direct file
    url: https://cdn.vendor.example/maria.mp4
    captions: content/media/maria.vtt
talk_track:
  opener: Start with the close.
  points:
    - say: Three days, not ten.
      audiences: [finance]
  objections:
    - question: We have a tool.
      answer: So did we.
  ask: Would 20 minutes help?
  messages:
    - channel: email
      subject: Worth 20 minutes?
      body: Hi {colleague}, see {share_link} — {advocate}
    - channel: chat
      body: Have a look at {share_link}
resources:
  - title: Close playbook
    url: https://vendor.example/playbook
    kind: guide
    description: See [the guide](https://vendor.example/guide).
  - title: Security overview
    file: content/media/security.pdf
    kind: doc
  - use: roi-calculator
contacts:
  - name: Jordan Lee
    role: Account Executive
    email: jordan@vendor.example
    booking: https://cal.vendor.example/jordan
""",
}


def png(path: Path, size: tuple[int, int] = (8, 8)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (11, 61, 145)).save(path, "PNG")


def png_header_only(path: Path, width: int, height: int, with_data: bool = True) -> None:
    """A PNG that declares width×height pixels but carries almost no data (a decompression bomb when
    large; a damaged image when the data is missing). Written by hand: nothing that big is allocated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if with_data:
        body += chunk(b"IDAT", zlib.compress(b"\x00" * 16))
    body += chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)


def write_project(root: Path) -> Path:
    """A small project that `coffeerun check --today 2026-11-23` accepts without a word."""
    for name, text in FILES.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    png(root / "content/media/steve.png")
    png(root / "content/media/maria.png")
    png(root / "content/accounts/acme/logo.png", (32, 16))
    return root


def edit(root: Path, name: str, old: str, new: str) -> None:
    """Replace exactly one occurrence of old in root/name."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(root: Path, name: str, marker: str) -> int:
    """The 1-based line of root/name on which marker is written (it must be there once)."""
    lines = (root / name).read_bytes().decode("utf-8", "replace").splitlines()
    found = [i for i, line in enumerate(lines, 1) if marker in line]
    assert len(found) == 1, f"{marker!r} is on lines {found} of {name}"
    return found[0]


# -- steps that break a project (each takes the project root) ------------------------------------------

Step = Callable[[Path], object]


def sub(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: edit(root, name, old, new)


def write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return run


def both(*steps: Step) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        for step in steps:
            step(root)
    return run


def link(name: str, target: Callable[[Path], Path | str]) -> Callable[[Path], None]:
    """name replaced by a symbolic link to target(root)."""
    def run(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(target(root))
    return run


def fifo(name: str) -> Callable[[Path], None]:
    """name replaced by a named pipe: reading it would wait forever."""
    def run(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        os.mkfifo(path)
    return run


# -- documents that carry a link ----------------------------------------------------------------------

def office_document(part: str, text: str) -> bytes:
    """An OOXML document (a zip) whose `part` holds text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as doc:
        doc.writestr("[Content_Types].xml", "<Types/>")
        doc.writestr(part, f"<x><t>{text}</t></x>")
    return buffer.getvalue()


def pdf_link_annotation(url: str) -> bytes:
    """A blank page whose only mention of url is a link annotation."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    action = DictionaryObject({NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(url)})
    writer.add_annotation(0, DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(9), FloatObject(9)]),
        NameObject("/A"): action}))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_page_text(text: str) -> bytes:
    """A one-page PDF that shows text from a compressed content stream (not in its raw bytes)."""
    stream = zlib.compress(f"BT /F1 10 Tf 20 100 Td ({text}) Tj ET".encode("latin-1"))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 200] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
