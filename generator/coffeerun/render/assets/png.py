"""PNG files of slide pictures: unfiltered rows through zlib, because Pillow cannot skip PNG filtering.

Pillow's PNG writer always tries every row filter (about 18 ms of a 1920x1080 slide's 27 ms, at any
compress_level). A slide is flat colour and anti-aliased text, which deflate compresses as well
without filters: measured on the example slides, unfiltered rows at zlib level 1 take 11 ms and are
9 % smaller than Pillow's PNG at compress_level=1.

The deflate is zlib-ng's (the zlib-ng package: the library Pillow's own wheels compress with), one fresh
compressor per image: at level 3 it took 0.45 s for 80 slides and cards where zlib's level 1 took 0.96 s,
and the files are 6 % smaller. Its bytes are those of its version (in the image key) on this processor
family, as Pillow's are. ISA-L's deflate (the isal package) was faster still, but the same pixels did not
always give the same bytes (a build's second image could differ from a fresh process's), so it is not used:
the same input must give the same bytes.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image
from zlib_ng import zlib_ng

LEVEL = 3
_BAND = 64  # rows read from the image at a time, not a 6 MB copy of the whole picture
_COLOR_TYPES = {"RGB": (2, 3), "RGBA": (6, 4), "L": (0, 1)}


def encode(image: Image.Image, level: int = LEVEL) -> bytes:
    """PNG bytes with no metadata chunk (no time, no text): the same image, the same bytes."""
    if image.mode not in _COLOR_TYPES:
        image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
    color_type, channels = _COLOR_TYPES[image.mode]
    width, height = image.size
    stride = width * channels
    compressor = zlib_ng.compressobj(level)
    data = []
    for top in range(0, height, _BAND):
        raw = image.crop((0, top, width, min(height, top + _BAND))).tobytes()
        data.append(compressor.compress(b"".join(b"\0" + raw[i:i + stride] for i in range(0, len(raw), stride))))
    data.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"IDAT", b"".join(data)),
                     _chunk(b"IEND", b"")])


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
