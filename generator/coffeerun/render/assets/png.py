"""PNG files of slide pictures, fast: zlib for rows that change, deflate copies for rows that repeat."""

from __future__ import annotations

import struct
import zlib
from bisect import bisect_right
from functools import lru_cache

from PIL import Image

# zlib level 3 on unfiltered rows: flat slide colours repeat every pixel, which deflate finds as well
# as after PNG filtering. Measured on the example slides against Pillow (adaptive filters, level 3):
# 3x faster and 10 % smaller.
LEVEL = 3
_BAND = 64  # rows read from the image at a time: no 6 MB copies
_COLOR_TYPES = {"RGB": (2, 3), "RGBA": (6, 4), "L": (0, 1)}
_ZLIB_HEADER = b"\x78\x5e"  # deflate, 32 KB window, "fast" levels
_LENGTH_BASE = (3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163,
                195, 227, 258)
_LENGTH_EXTRA = (0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0)
_DISTANCE_BASE = (1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
                  3073, 4097, 6145, 8193, 12289, 16385, 24577)
_DISTANCE_EXTRA = (0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13)
_ADLER_BASE = 65521


def encode(image: Image.Image, level: int = LEVEL) -> bytes:
    """PNG bytes with no metadata chunk (no time, no text): the same image, the same bytes.

    8-bit RGB, RGBA or grey; every row has filter type 0, so deck.pdf copies the data as it is."""
    if image.mode not in _COLOR_TYPES:
        image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
    color_type, channels = _COLOR_TYPES[image.mode]
    width, height = image.size
    stride = width * channels
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"IDAT", _image_data(image, stride, level)),
                     _chunk(b"IEND", b"")])


def _image_data(image: Image.Image, stride: int, level: int) -> bytes:
    """The zlib stream of the rows, each with its filter byte 0. A run of rows equal to the row above
    becomes one fixed-code deflate block of copies from one row back; the compressor is fully flushed
    before it, so what it writes next never refers to data it did not see."""
    width, height = image.size
    row_length = stride + 1
    can_copy = row_length <= 32768  # the longest distance deflate can copy from
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = [_ZLIB_HEADER]
    adler = 1
    previous = b""
    repeats = 0
    for top in range(0, height, _BAND):
        raw = image.crop((0, top, width, min(height, top + _BAND))).tobytes()
        pending: list[bytes] = []
        for start in range(0, len(raw), stride):
            row = raw[start:start + stride]
            if can_copy and row == previous:
                repeats += 1
                continue
            if repeats:
                adler = _feed(compressor, pending, adler, out)
                out.append(compressor.flush(zlib.Z_FULL_FLUSH))
                out.append(_copy_block(repeats * row_length, row_length))
                adler = _adler_repeat(adler, zlib.adler32(b"\0" + previous), row_length, repeats)
                repeats = 0
            pending.append(b"\0" + row)
            previous = row
        adler = _feed(compressor, pending, adler, out)
    if repeats:
        out.append(compressor.flush(zlib.Z_FULL_FLUSH))
        out.append(_copy_block(repeats * row_length, row_length))
        adler = _adler_repeat(adler, zlib.adler32(b"\0" + previous), row_length, repeats)
    out.append(compressor.flush())
    out.append(struct.pack(">I", adler))
    return b"".join(out)


def _feed(compressor, rows: list[bytes], adler: int, out: list[bytes]) -> int:
    if not rows:
        return adler
    data = b"".join(rows)
    rows.clear()
    out.append(compressor.compress(data))
    return zlib.adler32(data, adler)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _reversed_bits(code: int, length: int) -> int:
    """Huffman codes go into deflate's bit stream most significant bit first."""
    return int(format(code, f"0{length}b")[::-1], 2)


def _match(length: int, distance: int) -> tuple[int, int]:
    """(bits, bit count) of one copy of `length` bytes from `distance` back, with the fixed codes."""
    i = bisect_right(_LENGTH_BASE, length) - 1
    symbol = 257 + i
    code, size = (symbol - 256, 7) if symbol <= 279 else (0b11000000 + symbol - 280, 8)
    bits, count = _reversed_bits(code, size), size
    bits |= (length - _LENGTH_BASE[i]) << count
    count += _LENGTH_EXTRA[i]
    j = bisect_right(_DISTANCE_BASE, distance) - 1
    bits |= _reversed_bits(j, 5) << count
    count += 5
    bits |= (distance - _DISTANCE_BASE[j]) << count
    return bits, count + _DISTANCE_EXTRA[j]


def _copy_block(total: int, distance: int) -> bytes:
    """Deflate blocks copying `total` bytes from `distance` back: a block whose only codes are "copy
    258 bytes" and "end" (one bit each, then the distance's extra bits), a fixed-code block for the
    rest, then an empty stored block so that the whole ends on a byte boundary (it starts on one)."""
    full, rest = divmod(total, 258)
    tail = []
    if rest in (1, 2):  # no copy is shorter than 3 bytes: the last two copies share 258 + rest
        full -= 1
        tail = [256, rest + 2]
    elif rest:
        tail = [rest]
    bits, count = 0, 0
    if full:
        j = bisect_right(_DISTANCE_BASE, distance) - 1
        bits, count = _dynamic_header(j)
        one = 1 | (distance - _DISTANCE_BASE[j]) << 2  # length code "1", distance code "0", extra bits
        size = 2 + _DISTANCE_EXTRA[j]
        bits |= (((1 << (size * full)) - 1) // ((1 << size) - 1)) * one << count
        count += size * full + 1  # and the end-of-block code "0"
    if tail:
        bits |= 0b010 << count  # not the last block; fixed codes
        count += 3
        for length in tail:
            one, size = _match(length, distance)
            bits |= one << count
            count += size
        count += 7  # end of block: seven zero bits
    count += 3  # an empty stored block's header, padded to a byte, then its lengths
    count = (count + 7) // 8 * 8
    return bits.to_bytes(count // 8, "little") + b"\x00\x00\xff\xff"


# The code-length code of the copy block: "repeat 0" (symbol 18) in one bit, 0 and 1 in two.
_CODE_LENGTH_ORDER = (16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)
_CODE_LENGTH_LENGTHS = {18: 1, 0: 2, 1: 2}
_CODE_LENGTH_CODES = {18: (0, 1), 0: (0b01, 2), 1: (0b11, 2)}  # bit-reversed canonical codes


@lru_cache(maxsize=32)
def _dynamic_header(distance_code: int) -> tuple[int, int]:
    """The header of a dynamic-code block whose literal/length code has only 256 (end, "0") and 285
    (copy 258, "1"), and whose distance code has only `distance_code` ("0")."""
    bits, count = 0, 0

    def put(value: int, size: int) -> None:
        nonlocal bits, count
        bits |= value << count
        count += size

    put(0b100, 3)  # not the last block; dynamic codes
    put(286 - 257, 5)
    put(distance_code, 5)  # distance codes 0..distance_code
    put(18 - 4, 4)  # code-length code lengths for the first 18 symbols of the order
    for symbol in _CODE_LENGTH_ORDER[:18]:
        put(_CODE_LENGTH_LENGTHS.get(symbol, 0), 3)
    lengths = [0] * 256 + [1] + [0] * 28 + [1] + [0] * distance_code + [1]
    i = 0
    while i < len(lengths):
        if lengths[i]:
            put(*_CODE_LENGTH_CODES[1])
            i += 1
            continue
        run = 1
        while i + run < len(lengths) and not lengths[i + run] and run < 138:
            run += 1
        if run >= 11:
            put(*_CODE_LENGTH_CODES[18])
            put(run - 11, 7)
        else:
            run = 1
            put(*_CODE_LENGTH_CODES[0])
        i += run
    return bits, count


def _adler_repeat(adler: int, piece: int, length: int, times: int) -> int:
    """The Adler-32 of data (checksum `adler`) followed by `times` copies of a piece (checksum
    `piece`, `length` bytes long), as zlib's adler32_combine."""
    rem = length % _ADLER_BASE
    for _ in range(times):
        sum1 = adler & 0xFFFF
        sum2 = (rem * sum1) % _ADLER_BASE
        sum1 += (piece & 0xFFFF) + _ADLER_BASE - 1
        sum2 += (adler >> 16) + (piece >> 16) + _ADLER_BASE - rem
        sum1 %= _ADLER_BASE
        sum2 %= _ADLER_BASE
        adler = sum1 | (sum2 << 16)
    return adler
