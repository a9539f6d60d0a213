"""A minimal font-file reader: which characters a face has, its family name, its colour-bitmap strike."""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_right
from pathlib import Path

# The cmap subtable to read, best first (as fontTools' getBestCmap): full Unicode, then the BMP.
CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


class Coverage:
    """The code points of a cmap, as sorted ranges: small (a CJK font's 45,000 characters take about
    100 KB) and quick to ask (`cp in coverage`)."""

    __slots__ = ("count", "ends", "starts")

    def __init__(self, ranges: list[tuple[int, int]]):
        self.starts, self.ends = array("I"), array("I")
        for start, end in sorted(ranges):
            if self.ends and start <= self.ends[-1] + 1:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)
        self.count = sum(e - s + 1 for s, e in zip(self.starts, self.ends, strict=True))

    def __contains__(self, cp: object) -> bool:
        if not isinstance(cp, int):
            return False
        i = bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        for start, end in zip(self.starts, self.ends, strict=True):
            yield from range(start, end + 1)


class FontFile:
    """One face of a .ttf/.otf (or of a .ttc/.otc collection), read once: its coverage, family and
    colour-bitmap strike. Only the cmap, name and CBLC/sbix tables are read from the file."""

    def __init__(self, path: str | Path, index: int = 0):
        self.path = str(path)
        with open(self.path, "rb") as handle:
            self._handle = handle
            head = self._read(0, 12)
            offset = 0
            if head[:4] == b"ttcf":
                count = struct.unpack(">I", head[8:12])[0]
                if not 0 <= index < count:
                    raise ValueError(f"{path}: no face {index} in a collection of {count}")
                offset = struct.unpack(">I", self._read(12 + 4 * index, 4))[0]
                head = self._read(offset, 12)
            tables = struct.unpack(">H", head[4:6])[0]
            directory = self._read(offset + 12, 16 * tables)
            self.tables = {directory[i:i + 4].decode("latin-1"): struct.unpack(">II", directory[i + 8:i + 16])
                           for i in range(0, 16 * tables, 16)}
            self.coverage = self._coverage()
            self.family = self._family()
            self.bitmap_size = self._strike()
        del self._handle

    def _read(self, offset: int, length: int) -> bytes:
        self._handle.seek(offset)
        data = self._handle.read(length)
        if len(data) != length:
            raise ValueError(f"{self.path}: truncated font file")
        return data

    def _table(self, tag: str) -> bytes | None:
        if tag not in self.tables:
            return None
        offset, length = self.tables[tag]
        return self._read(offset, length)

    # --- cmap ------------------------------------------------------------------------------------

    def _coverage(self) -> Coverage:
        data = self._table("cmap")
        if data is None:
            return Coverage([])
        count = struct.unpack(">H", data[2:4])[0]
        subtables: dict[tuple[int, int], int] = {}  # (platform, encoding) -> offset
        for i in range(count):
            platform, encoding, offset = struct.unpack(">HHI", data[4 + 8 * i:12 + 8 * i])
            subtables.setdefault((platform, encoding), offset)
        for preference in CMAP_PREFERENCES:
            if preference in subtables:
                ranges = _cmap_ranges(data, subtables[preference])
                if ranges is not None:
                    return Coverage(ranges)
        return Coverage([])

    # --- name ------------------------------------------------------------------------------------

    def _family(self) -> str:
        """The typographic family (name 16), else the family (name 1); English first, as fontTools'
        getDebugName."""
        data = self._table("name")
        stem = Path(self.path).stem
        if data is None:
            return stem
        count, strings = struct.unpack(">HH", data[2:6])
        for wanted in (16, 1):
            english = some = None
            for i in range(count):
                platform, encoding, language, name_id, length, offset = struct.unpack(
                    ">HHHHHH", data[6 + 12 * i:18 + 12 * i])
                if name_id != wanted:
                    continue
                raw = data[strings + offset:strings + offset + length]
                try:
                    if platform in (0, 3):
                        text = raw.decode("utf-16-be")
                    elif platform == 1 and encoding == 0:
                        text = raw.decode("mac_roman")
                    else:
                        continue
                except UnicodeDecodeError:
                    continue
                some = text
                if (platform, language) in ((1, 0), (3, 0x409)):
                    english = text
                    break
            if english or some:
                return english or some  # type: ignore[return-value]
        return stem

    # --- colour bitmaps ----------------------------------------------------------------------------

    def _strike(self) -> int:
        """The largest strike (ppem) of a colour bitmap font (CBLC or sbix); 0 for outline fonts."""
        if "CBLC" in self.tables:
            data = self._table("CBLC") or b""
            sizes = struct.unpack(">I", data[4:8])[0]
            return max((data[8 + 48 * i + 45] for i in range(sizes)), default=0)
        if "sbix" in self.tables:
            data = self._table("sbix") or b""
            strikes = struct.unpack(">I", data[4:8])[0]
            offsets = struct.unpack(f">{strikes}I", data[8:8 + 4 * strikes])
            return max((struct.unpack(">H", data[o:o + 2])[0] for o in offsets), default=0)
        return 0


def _cmap_ranges(data: bytes, offset: int) -> list[tuple[int, int]] | None:
    """Ranges of code points that map to a glyph other than .notdef; None for an unknown format."""
    fmt = struct.unpack(">H", data[offset:offset + 2])[0]
    if fmt in (12, 13):
        groups = struct.unpack(">I", data[offset + 12:offset + 16])[0]
        body = data[offset + 16:offset + 16 + 12 * groups]
        out = []
        for start, end, glyph in struct.iter_unpack(">III", body):
            if fmt == 13 and glyph == 0:
                continue
            if fmt == 12 and glyph == 0:
                start += 1  # the first character maps to .notdef
            if start <= end:
                out.append((start, min(end, 0x10FFFF)))
        return out
    if fmt == 4:
        segments = struct.unpack(">H", data[offset + 6:offset + 8])[0] // 2
        at = offset + 14
        ends = struct.unpack(f">{segments}H", data[at:at + 2 * segments])
        starts = struct.unpack(f">{segments}H", data[at + 2 * segments + 2:at + 4 * segments + 2])
        deltas = struct.unpack(f">{segments}H", data[at + 4 * segments + 2:at + 6 * segments + 2])
        range_at = at + 6 * segments + 2
        range_offsets = struct.unpack(f">{segments}H", data[range_at:range_at + 2 * segments])
        out = []
        for i, (start, end, delta, range_offset) in enumerate(zip(starts, ends, deltas, range_offsets, strict=True)):
            if start == 0xFFFF or start > end:
                continue
            if range_offset == 0:
                zero = (-delta) & 0xFFFF  # the one character that would map to glyph 0
                if start <= zero <= end:
                    out += [(start, zero - 1), (zero + 1, end)]
                else:
                    out.append((start, end))
                continue
            base = range_at + 2 * i + range_offset
            glyphs = struct.unpack(f">{end - start + 1}H", data[base:base + 2 * (end - start + 1)])
            out += [(start + k, start + k) for k, glyph in enumerate(glyphs) if glyph and (glyph + delta) & 0xFFFF]
        return [(s, e) for s, e in out if s <= e]
    if fmt == 6:
        first, count = struct.unpack(">HH", data[offset + 6:offset + 10])
        glyphs = struct.unpack(f">{count}H", data[offset + 10:offset + 10 + 2 * count])
        return [(first + k, first + k) for k, glyph in enumerate(glyphs) if glyph]
    if fmt == 0:
        return [(k, k) for k, glyph in enumerate(data[offset + 6:offset + 262]) if glyph]
    return None
