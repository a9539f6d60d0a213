"""Text that always fits: measured wrapping, the largest size that fits, else a clean ellipsis."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from coffeerun import memo
from coffeerun.render.assets.fonts import Face, FontBook, clusters, font_for_run, is_emoji, load_font
from coffeerun.render.textflow import phrases

Box = tuple[int, int, int, int]
Line = tuple[int, list[str]]  # (paragraph number, segments)
ELLIPSIS = "…"
WRAP_SLACK = 0.985  # wrap a little short of the box so the deck's own text engines wrap the same way
# Line breaking around CJK text (kinsoku): no line starts with NO_START, none ends with NO_END.
NO_START = set("、。，．・：；？！ー）」』】〕〉》〙〗”’ゝゞ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ…‥％"
               ",.!?:;)]}%")
NO_END = set("（「『【〔〈《〘〖“‘([{")
_PHRASED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # kana and Han
_KANA = re.compile(r"[\u3040-\u30ff]")
TRAILING_PUNCTUATION = " \t,;:、。，—–-·"
# Layouts fitted in this process, by everything a layout depends on: the text, its box and style, and
# the face of every run of it. A build worker renders many campaigns that share quotes, names and
# labels; each is fitted once (the deck needs the layouts of slides whose PNGs came from the cache).
_FITTED = memo.mapping("layout.fitted", 4096)  # (text, box, style, runs) -> TextLayout


@dataclass(frozen=True)
class TextStyle:
    sizes: tuple[int, int]  # largest and smallest font size in px
    weight: str = "regular"
    align: str = "left"  # left | center | right
    valign: str = "top"  # top | middle | bottom
    line_height: float = 1.2  # distance between baselines, times the size
    max_lines: int | None = None


@dataclass(frozen=True)
class RunBox:
    """A run of one face: drawn with its pen at (x, baseline)."""

    text: str
    face: Face
    size: int
    x: float
    baseline: float
    width: float
    ink: tuple[float, float, float, float]  # the drawn pixels' box on the canvas; empty for spaces


@dataclass(frozen=True)
class LineBox:
    text: str
    x: float
    top: float
    width: float
    height: float
    baseline: float
    runs: tuple[RunBox, ...]


@dataclass(frozen=True)
class TextLayout:
    """Where every line and run of a text element goes, and which font draws it."""

    box: Box
    text: str  # the text as shown (ellipsised if it had to be); paragraphs separated by "\n"
    full_text: str
    size: int
    line_pitch: float
    style: TextStyle
    lines: tuple[LineBox, ...]
    truncated: bool
    missing: tuple[str, ...] = ()  # characters no font has; left out

    @property
    def block(self) -> tuple[float, float, float, float]:
        """The box of the lines' advances (x0, y0, x1, y1)."""
        if not self.lines:
            x, y, _, _ = self.box
            return (x, y, x, y)
        return (min(line.x for line in self.lines), self.lines[0].top,
                max(line.x + line.width for line in self.lines), self.lines[-1].top + self.lines[-1].height)

    @property
    def ink(self) -> tuple[float, float, float, float] | None:
        """The box of every drawn pixel, or None when nothing is drawn."""
        boxes = [r.ink for line in self.lines for r in line.runs if r.ink[2] > r.ink[0]]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    @property
    def faces(self) -> tuple[Face, ...]:
        return tuple(sorted({r.face for line in self.lines for r in line.runs}))


def _is_breakable(cluster: str) -> bool:
    """CJK characters and emoji: a line may break before or after each one."""
    cp = ord(cluster[0])
    return (0x2E80 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0xFF00 <= cp <= 0xFFEF
            or 0x20000 <= cp <= 0x3FFFF or is_emoji(cp))


def _breaking_space(cluster: str) -> bool:
    return cluster.isspace() and cluster not in ("\u00a0", "\u202f", "\u2007")


def _phrase_starts(paragraph: str) -> set[int] | None:
    """Offsets where a Japanese or Chinese phrase starts (BudouX), or None for text without those scripts:
    between such characters a line breaks only there, never inside a word (決|算)."""
    if not _PHRASED.search(paragraph):
        return None
    starts, at = set(), 0
    for phrase in phrases(paragraph, "ja" if _KANA.search(paragraph) else "zh"):
        starts.add(at)
        at += len(phrase)
    return starts


@memo.table("layout.segments", 4096)
def segments(paragraph: str) -> tuple[str, ...]:
    """Unbreakable pieces of a paragraph, each with the spaces that follow it."""
    parts = clusters(paragraph)
    starts = _phrase_starts(paragraph)
    out: list[str] = []
    current = ""
    offset = 0
    for i, c in enumerate(parts):
        if i > 0:
            offset += len(parts[i - 1])
        if current and i > 0:
            prev = parts[i - 1]
            if _breaking_space(prev) and not _breaking_space(c):
                brk = True
            elif c.isspace():
                brk = False
            elif is_emoji(ord(prev[0])) and is_emoji(ord(c[0])):
                brk = False  # a row of emoji stays together
            elif _is_breakable(prev) or _is_breakable(c):
                brk = c[0] not in NO_START and prev[-1] not in NO_END
                if starts is not None and (_PHRASED.match(prev[-1]) or _PHRASED.match(c[0])):
                    brk = brk and offset in starts
            else:
                brk = False
            if brk:
                out.append(current)
                current = ""
        current += c
    if current:
        out.append(current)
    return tuple(out)


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain text field; runs of spaces and tabs count as one space (not no-break ones)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [p for p in (re.sub(r"[ \t\u3000]+", " ", line).strip() for line in lines) if p]


@memo.table("layout.run_widths", 8192)
def _run_width(face: Face, size: int, run: str) -> float:
    """The advance of a run of one face (per process: the campaigns a worker checks and renders share words)."""
    font, scale = font_for_run(face, size, run)
    return font.getlength(run) * scale


@dataclass
class Fitter:
    """Measures with one font book; caches widths per (piece, size, weight)."""

    book: FontBook
    _widths: dict[tuple[str, int, str], float] = field(default_factory=dict)

    def width(self, text: str, size: int, weight: str) -> float:
        key = (text, size, weight)
        if key not in self._widths:
            total = 0.0  # added in order (sum() of floats rounds differently from Python 3.12 on)
            for run, face in self.book.runs(text, weight):
                if face is not None:
                    total += _run_width(face, size, run)
            self._widths[key] = total
        return self._widths[key]

    def _drop_missing(self, text: str, weight: str) -> str:
        return "".join(c for c in clusters(text) if c.isspace() or self.book.face_for(c, weight) is not None)

    def _split_long(self, seg: str, size: int, weight: str, limit: float) -> list[str]:
        """A word wider than the line (a URL, a long name), cut between characters."""
        pieces, current, width = [], "", 0.0
        for c in clusters(seg):
            w = self.width(c, size, weight)
            if current and width + w > limit and not c.isspace():
                pieces.append(current)
                current, width = "", 0.0
            current += c
            width += w
        last = clusters(current.strip())
        if pieces and len(last) == 1 and len(clusters(pieces[-1])) > 2:  # no lone character at the end
            head = clusters(pieces[-1])
            pieces[-1], current = "".join(head[:-1]), head[-1] + current
        return [*pieces, current]

    def wrap(self, paras: list[str], size: int, weight: str, limit: float) -> list[Line]:
        """Greedy wrapping: lines as (paragraph number, segments)."""
        lines: list[Line] = []
        for n, para in enumerate(paras):
            current: list[str] = []
            used = 0.0  # width of the segments on the line, with their spaces
            for seg in segments(para):
                body = seg.rstrip()
                width = self.width(body, size, weight)
                if current and used + width > limit:
                    lines.append((n, current))
                    current, used = [], 0.0
                if not current and width > limit:
                    *full, seg = self._split_long(seg, size, weight, limit)
                    lines.extend((n, [piece]) for piece in full)
                    body = seg.rstrip()
                current.append(seg)
                used += self.width(body, size, weight) + self.width(seg[len(body):], size, weight)
            lines.append((n, current))
            self._no_lone_character(lines, size, weight, limit)
        return lines

    def _no_lone_character(self, lines: list[Line], size: int, weight: str, limit: float) -> None:
        """A paragraph's last line of one character takes the last piece of the line above with it,
        when that piece fits beside it and the line above keeps something."""
        if len(lines) < 2 or lines[-2][0] != lines[-1][0]:
            return
        (n, above), (_, last) = lines[-2], lines[-1]
        if len(above) < 2 or len(clusters("".join(last).strip())) != 1:
            return
        moved = [above[-1], *last]
        if self.width("".join(moved).rstrip(), size, weight) <= limit:
            lines[-2:] = [(n, above[:-1]), (n, moved)]

    def fit(self, text: str, box: Box, style: TextStyle) -> TextLayout:
        """The largest size whose wrapped lines fit the box, else the smallest with an ellipsis."""
        weight = style.weight
        before = set(self.book.missing)
        runs = tuple(self.book.runs(text, weight))  # notes each character no font has in the book
        missing = tuple(sorted(self.book.missing - before))
        known = (text, box, style, runs, tuple(self.book.runs(ELLIPSIS, weight)))
        layout = _FITTED.get(known)
        if layout is not None:
            return layout if layout.missing == missing else replace(layout, missing=missing)
        layout = self._fit(text, self._drop_missing(text, weight), box, style, missing)
        _FITTED[known] = layout
        return layout

    def _fit(self, text: str, clean: str, box: Box, style: TextStyle, missing: tuple[str, ...]) -> TextLayout:
        weight = style.weight
        paras = paragraphs(clean)
        _, _, w, h = box
        limit = w * WRAP_SLACK
        best = self._search(paras, style, limit, h)
        truncated = best is None
        if best is None:
            size = min(style.sizes)
            room = max(1, int((h + 0.5) // (size * style.line_height)))
            if style.max_lines:
                room = min(room, style.max_lines)
            lines = self._ellipsise(self.wrap(paras, size, weight, limit), room, size, weight, limit)
        else:
            size, lines = best
        shown = self._shown_text(lines)
        return self._place(box, style, size, lines, shown, text, truncated, missing)

    def _fits(self, paras: list[str], size: int, style: TextStyle, limit: float, height: int) -> list[Line] | None:
        """The wrapped lines at `size`, or None when they are too many for the box or for max_lines."""
        lines = self.wrap(paras, size, style.weight, limit)
        if style.max_lines and len(lines) > style.max_lines:
            return None
        return lines if len(lines) * size * style.line_height <= height + 0.5 else None

    def _search(self, paras: list[str], style: TextStyle, limit: float, height: int) -> tuple[int, list[Line]] | None:
        """The largest size that fits, as (size, lines), else None. Widths scale almost linearly with
        the size, so the widths at the largest size predict the answer; exact wrapping then checks the
        prediction and its neighbours: few sizes are measured (and loaded) at all."""
        largest, smallest = max(style.sizes), min(style.sizes)
        lines = self._fits(paras, largest, style, limit, height)
        if lines is not None:
            return largest, lines
        if smallest >= largest:
            return None
        guess = self._predict(paras, style, limit, height)
        lines = self._fits(paras, guess, style, limit, height)
        if lines is not None:
            best = (guess, lines)
            for size in range(guess + 1, largest):
                lines = self._fits(paras, size, style, limit, height)
                if lines is None:
                    break
                best = (size, lines)
            return best
        for size in range(guess - 1, smallest - 1, -1):
            lines = self._fits(paras, size, style, limit, height)
            if lines is not None:
                return size, lines
        return None

    def _predict(self, paras: list[str], style: TextStyle, limit: float, height: int) -> int:
        """The largest size below the largest that would fit if widths were exactly proportional to
        the size: the widths measured at the largest size, scaled."""
        largest, smallest, weight = max(style.sizes), min(style.sizes), style.weight
        pieces = []
        for para in paras:
            pieces.append([(self.width(seg.rstrip(), largest, weight),
                            self.width(seg[len(seg.rstrip()):], largest, weight)) for seg in segments(para)])
        low, high, best = smallest, largest - 1, smallest
        while low <= high:
            mid = (low + high) // 2
            room = limit * largest / mid  # the line's length in widths at the largest size
            count = 0
            for para_pieces in pieces:
                count += 1
                used, started = 0.0, False
                for body, space in para_pieces:
                    if started and used + body > room:
                        count += 1
                        used, started = 0.0, False
                    if not started and body > room:  # a word longer than a line is cut
                        count += int(body // room)
                        body %= room
                    used += body + space
                    started = True
            if (not style.max_lines or count <= style.max_lines) and count * mid * style.line_height <= height + 0.5:
                best, low = mid, mid + 1
            else:
                high = mid - 1
        return best

    def _ellipsise(self, lines: list[Line], room: int, size: int, weight: str, limit: float) -> list[Line]:
        kept = [(n, list(segs)) for n, segs in lines[:room]]
        last = kept[-1][1]
        while True:
            body = "".join(last).rstrip(TRAILING_PUNCTUATION)
            if self.width(body + ELLIPSIS, size, weight) <= limit or not body:
                break
            if len(last) > 1:
                last.pop()
            else:
                last[0] = "".join(clusters(last[0])[:-1])
        kept[-1] = (kept[-1][0], [body + ELLIPSIS] if body else [ELLIPSIS])
        return kept

    @staticmethod
    def _shown_text(lines: list[Line]) -> str:
        """The text as shown, with its paragraph breaks (not the soft line breaks)."""
        paras: dict[int, str] = {}
        for n, segs in lines:
            paras[n] = paras.get(n, "") + "".join(segs)
        return "\n".join(p.rstrip() for p in paras.values())

    def _place(self, box: Box, style: TextStyle, size: int, lines: list[Line], shown: str,
               full: str, truncated: bool, missing: tuple[str, ...]) -> TextLayout:
        x, y, w, h = box
        pitch = size * style.line_height
        primary, _ = load_font(self.book.primary[style.weight], size, False)
        _, descent = primary.getmetrics()
        block = pitch * len(lines)
        top = {"top": y, "middle": y + (h - block) / 2, "bottom": y + h - block}[style.valign]
        placed = []
        for i, (_, segs) in enumerate(lines):
            text = "".join(segs).rstrip()
            line_top = top + i * pitch
            # Any leading goes above the text, as LibreOffice and PowerPoint place it with exact spacing.
            baseline = line_top + pitch - descent
            width = sum(self.width(run, size, style.weight) for run, _ in self.book.runs(text, style.weight))
            left = {"left": x, "center": x + (w - width) / 2, "right": x + w - width}[style.align]
            pen, runs = left, []
            for run, face in self.book.runs(text, style.weight):
                if face is None:
                    continue
                font, scale = font_for_run(face, size, run)
                advance = font.getlength(run) * scale
                if run.isspace():
                    ink = (pen, baseline, pen, baseline)
                else:
                    ink_left, ink_top, ink_right, ink_bottom = font.getbbox(run, anchor="ls")
                    ink = (pen + ink_left * scale, baseline + ink_top * scale, pen + ink_right * scale,
                           baseline + ink_bottom * scale)
                runs.append(RunBox(run, face, size, pen, baseline, advance, ink))
                pen += advance
            placed.append(LineBox(text, left, line_top, width, pitch, baseline, tuple(runs)))
        return TextLayout(box, shown, full, size, pitch, style, tuple(placed), truncated, missing)


def moved(layout: TextLayout, dx: float, dy: float) -> TextLayout:
    """The same layout, shifted on the canvas."""
    if not dx and not dy:
        return layout
    x, y, w, h = layout.box
    lines = tuple(
        LineBox(line.text, line.x + dx, line.top + dy, line.width, line.height, line.baseline + dy, tuple(
            RunBox(r.text, r.face, r.size, r.x + dx, r.baseline + dy, r.width,
                   (r.ink[0] + dx, r.ink[1] + dy, r.ink[2] + dx, r.ink[3] + dy)) for r in line.runs))
        for line in layout.lines)
    return TextLayout((round(x + dx), round(y + dy), w, h), layout.text, layout.full_text, layout.size,
                      layout.line_pitch, layout.style, lines, layout.truncated, layout.missing)
