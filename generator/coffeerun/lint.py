"""Check warnings: text that YAML (a ` #` comment) or the slides (a box too small) would cut without a word."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from coffeerun import memo
from coffeerun.load import Document
from coffeerun.problems import Loc, Problem, field_path

# Keys whose value is prose a person wrote: a `#` in them is far more likely text than a comment.
PROSE_KEYS = frozenset({"title", "name", "text", "highlight", "value", "label", "pitch", "say", "question",
                        "answer", "opener", "ask", "subject", "body", "description", "role", "department"})
_COMMENT = re.compile(r"(\s+)#(.*)$")
_SCANNER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain_scalars(text: str) -> Iterator[tuple[int, int, int, int, str]]:
    """(start line, start col, end line, end col, value) of every plain (unquoted) scalar, 0-based."""
    try:
        for token in yaml.scan(text, Loader=_SCANNER):
            if isinstance(token, yaml.ScalarToken) and token.plain:
                yield (token.start_mark.line, token.start_mark.column, token.end_mark.line,
                       token.end_mark.column, token.value)
    except yaml.YAMLError:
        return  # a file that does not parse has its error reported already


def comment_cuts(text: str, doc: Document) -> list[Problem]:
    """A plain prose value followed on its line by ` #…`: YAML drops the rest as a comment.

    `title: Story  # the headline` (two spaces, then `# `) is a deliberate comment and passes;
    `text: We are the #1 team #winning` (one space, or a `#` glued to a word) is cut text.
    """
    prose = {(p.line - 1, p.col - 1): loc for loc, p in doc.values.items()
             if loc and isinstance(loc[-1], str) and loc[-1] in PROSE_KEYS}
    lines = text.split("\n")
    out = []
    for line, col, end_line, end_col, value in _plain_scalars(text):
        loc = prose.get((line, col))
        if loc is None or end_line >= len(lines):
            continue
        rest = lines[end_line][end_col:]
        match = _COMMENT.match(rest)
        if not match:
            continue
        gap, comment = match.group(1), match.group(2)
        if len(gap.replace("\t", "  ")) >= 2 and (comment == "" or comment[0].isspace()):
            continue
        cut = "#" + comment.rstrip()
        key = loc[-1]
        quoted = '"' + (value + gap + cut).replace("\\", "\\\\").replace('"', '\\"') + '"'
        out.append(Problem(doc.path, end_line + 1, end_col + len(gap) + 1, field_path(loc),
                           f"YAML reads {_clip(cut)!r} as a comment, so this text ends at {_clip(value)!r}; "
                           f"to keep the '#', put the whole value in quotes: {key}: {_clip(quoted, 60)}",
                           "warning"))
    return out


# --- lengths the slides and cards will cut --------------------------------------------------------

@dataclass(frozen=True)
class _Target:
    layout: str  # a layout of theme/slides/layouts.yaml
    where: str  # how a marketer names it


_CUTS = memo.mapping("lint.cuts", 2048)  # (layouts, language, layout, field, content) -> element id cut, or ""
_QUOTE = (_Target("quote", "the quote slide"), _Target("card", "the quote card"))
_TITLE = (_Target("title", "the title slide"), _Target("preview", "the link preview image"))


class _Measure:
    """Fits text into the real layout boxes with the real fonts, as the slide renderer does: a quote's
    slide and card get the content the slide builder makes of it, so the elements are the real ones."""

    def __init__(self, theme: Any, language: str):
        from coffeerun.render.assets.compose import Composer
        from coffeerun.render.assets.fonts import FontBook
        from coffeerun.render.colors import slide_palette

        self.theme, self.language = theme, language
        self.composer = Composer(theme, slide_palette("#000000", None, "#000000", None), FontBook(language))

    @staticmethod
    def content(target: _Target, owner: Any, field: str) -> dict[str, Any]:
        """What the slide builder puts on this layout for a quote (owner) or the campaign's title."""
        if target.layout in ("quote", "card"):
            from coffeerun.render.assets.slides import _Builder

            stand_in = SimpleNamespace(advocates={owner.by: SimpleNamespace(name="", title="")},
                                       account_logo=None, vendor_logo=None, picture=lambda _advocate: None)
            return _Builder.quote_content(stand_in, owner)  # type: ignore[arg-type]
        return {"title": getattr(owner, field)}

    def cut_element(self, target: _Target, owner: Any, field: str) -> dict[str, Any] | None:
        """The layout element that shows `owner.field` when it had to shorten it, else None (kept per process
        by content: campaigns of one account share most quotes)."""
        from coffeerun.render.assets.slides import SlideSpec

        text = getattr(owner, field)
        content = self.content(target, owner, field)
        key = (self.theme.digest, self.language, target.layout, field, repr(sorted(content.items())))
        element_id = _CUTS.get(key)
        if element_id is None:
            element_id = ""
            frame = self.composer.compose(SlideSpec(target.layout, "check", content))
            for op in frame.truncated():
                if op.layout.full_text.strip() == text.strip():
                    element_id = op.id.rsplit("-", 1)[0] if op.id not in self._ids(target) else op.id
                    break
            _CUTS[key] = element_id
        return next((e for e in self.theme.layout(target.layout)["elements"] if e["id"] == element_id), None)

    def _ids(self, target: _Target) -> set[str]:
        return {e["id"] for e in self.theme.layout(target.layout)["elements"]}

    def room(self, target: _Target, owner: Any, field: str, words: bool) -> int:
        """How many words (or characters) of the field fit, found by bisection on prefixes."""
        text = getattr(owner, field)
        units = text.split() if words else list(text)
        joiner = " " if words else ""
        low, high = 0, len(units)
        while low < high:
            mid = (low + high + 1) // 2
            shorter = owner.model_copy(update={field: joiner.join(units[:mid])})
            if self.cut_element(target, shorter, field) is not None:
                high = mid - 1
            else:
                low = mid
        return low


def _count(text: str, words: bool) -> tuple[int, str]:
    if words:
        return len(text.split()), "words"
    return len(text), "characters"


def _spaced(text: str) -> bool:
    """Counted in words when the text is written with spaces between words (not Japanese or Chinese)."""
    return len(text.split()) > 1 and not re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text)


def length_cuts(doc: Document, campaign: Any, measure: _Measure) -> list[Problem]:
    """Quotes, highlights and the title (of a valid campaign) that the slides or cards would shorten."""
    checks: list[tuple[Loc, Any, str, tuple[_Target, ...], str]] = [
        (("title",), campaign, "title", _TITLE, "the pages show it whole")]
    for i, quote in enumerate(campaign.quotes):
        checks.append((("quotes", i, "text"), quote, "text", _QUOTE, "the pages and the speaker notes keep it whole"))
        if quote.highlight:
            checks.append((("quotes", i, "highlight"), quote, "highlight", _QUOTE, "it is the short pull-out"))
    out = []
    for loc, owner, field, targets, whole in checks:
        cut_on = [(t, e) for t in targets if (e := measure.cut_element(t, owner, field)) is not None]
        if not cut_on:
            continue
        text = getattr(owner, field)
        words = _spaced(text)
        room = min(measure.room(t, owner, field, words) for t, _ in cut_on)
        count, unit = _count(text, words)
        lines = cut_on[0][1].get("max_lines")
        fit = f"about {room} {unit} fit" + (f" on {lines} line{'s' if lines != 1 else ''}" if lines else "")
        places = " and ".join(t.where for t, _ in cut_on)
        pos = doc.pos(loc)
        out.append(Problem(doc.path, pos.line, pos.col, field_path(loc),
                           f"{count} {unit} will be cut with '…' on {places} ({fit} at the smallest type size "
                           f"of theme/slides/layouts.yaml); shorten it ({whole})", "warning"))
    return out


def campaign_warnings(file: Path, doc: Document, campaign: Any, theme: Callable[[], Any],
                      slides: bool = True) -> list[Problem]:
    """Every check warning of one campaign file: cut comments in its text; text cut on slides (when the
    campaign is valid: `campaign` is its model, else None; and when slides are made: see validate_project)."""
    try:
        found = comment_cuts(file.read_text(encoding="utf-8-sig"), doc)
    except (OSError, UnicodeDecodeError):
        return []
    if campaign is None or not slides:
        return found
    try:
        measure = _Measure(theme(), campaign.language)
    except Exception:  # noqa: BLE001 - a broken slide theme is reported by the build, not here
        return found
    return found + length_cuts(doc, campaign, measure)


def file_warnings(file: Path, doc: Document) -> list[Problem]:
    """Cut comments in a reusable advocate or resource file."""
    try:
        return comment_cuts(file.read_text(encoding="utf-8-sig"), doc)
    except (OSError, UnicodeDecodeError):
        return []
