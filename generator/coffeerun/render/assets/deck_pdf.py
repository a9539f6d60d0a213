"""deck.pdf: the slide PNGs, one 16:9 page each, their compressed data copied in without re-encoding."""

from __future__ import annotations

import io
import struct
import time
import zlib

from PIL import Image

PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 960, 540  # 13.333 in x 7.5 in


class PngData:
    """The parts of a PNG that a PDF image needs: size, colors, and the zlib stream of its IDAT chunks."""

    def __init__(self, png: bytes):
        if png[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("not a PNG")
        pos, idat, header = 8, [], None
        while pos < len(png):
            length, kind = struct.unpack(">I4s", png[pos:pos + 8])
            body = png[pos + 8:pos + 8 + length]
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat.append(body)
            pos += 12 + length
        if header is None:
            raise ValueError("PNG without IHDR")
        self.width, self.height, depth, color_type, _, _, interlace = header
        if depth == 8 and color_type == 2 and interlace == 0:  # 8-bit RGB: copied as it is
            self.data = b"".join(idat)
            self.predictor = True
        else:  # anything else is decoded once and stored as plain RGB
            with Image.open(io.BytesIO(png)) as image:
                raw = image.convert("RGB").tobytes()
            self.data = zlib.compress(raw, 6)
            self.predictor = False


def _date(timestamp: int) -> bytes:
    return time.strftime("D:%Y%m%d%H%M%SZ", time.gmtime(timestamp)).encode("ascii")


def _text(value: str) -> bytes:
    """A PDF text string: UTF-16BE with its byte order mark, in hex."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def build_pdf(pngs: list[bytes], title: str, author: str, timestamp: int, producer: str) -> bytes:
    """A PDF with one page per PNG; fixed dates, no random document ID: the same input, the same bytes."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages = add(b"")
    info = add(b"<< /Title " + _text(title) + b" /Author " + _text(author) + b" /Producer " + _text(producer)
               + b" /CreationDate (" + _date(timestamp) + b") /ModDate (" + _date(timestamp) + b") >>")
    kids = []
    for png in pngs:
        image = PngData(png)
        parms = (b" /DecodeParms << /Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns %d >>" % image.width
                 if image.predictor else b"")
        xobject = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                      b"/BitsPerComponent 8 /Filter /FlateDecode%s /Length %d >>\nstream\n%s\nendstream"
                      % (image.width, image.height, parms, len(image.data), image.data))
        content = b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (PAGE_WIDTH_PT, PAGE_HEIGHT_PT)
        stream = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /XObject "
                        b"<< /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                        % (pages, PAGE_WIDTH_PT, PAGE_HEIGHT_PT, xobject, stream)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R /PageMode /UseNone >>" % pages
    objects[pages - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                          + b"] /Count %d >>" % len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, catalog, info, xref))
    return out.getvalue()
