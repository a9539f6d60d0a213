"""A minimal valid project written into a folder, and helpers to break one thing in it."""

from __future__ import annotations

import struct
import zlib
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
