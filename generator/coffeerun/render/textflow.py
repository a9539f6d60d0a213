"""How text flows on pages: message paragraphs reflowed, Japanese and Chinese lines broken between phrases."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser

_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d{1,3}[.)])\s")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_PARAGRAPH_BREAK = re.compile(r"(\n[ \t]*\n+)")


def reflow(text: str) -> str:
    """A single line break inside a paragraph becomes a space (none next to a Japanese or Chinese
    character); blank lines and list items keep their breaks. For text written in a YAML block
    with its lines wrapped by hand, so an email app wraps it to its own width."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for part in _PARAGRAPH_BREAK.split(text):
        if _PARAGRAPH_BREAK.fullmatch(part):
            out.append(part)
            continue
        lines = part.split("\n")
        joined = lines[0]
        for line in lines[1:]:
            if _LIST_ITEM.match(line) or not joined.strip() or joined.endswith("  "):
                joined += "\n" + line
                continue
            rest = line.lstrip()
            joined = joined.rstrip()
            glue = "" if joined and rest and (_CJK.match(joined[-1]) or _CJK.match(rest[0])) else " "
            joined += glue + rest
        out.append(joined)
    return "".join(out)


# --- phrase breaks for Japanese and Chinese -----------------------------------------------------

_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SKIP = {"script", "style", "code", "pre", "textarea", "title", "svg", "kbd", "samp", "select", "option"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@lru_cache(maxsize=4)
def _parser(language: str):
    import budoux

    base = language.split("-")[0].lower()
    if base == "zh":
        traditional = any(t in language.lower() for t in ("hant", "-tw", "-hk", "-mo"))
        return budoux.load_default_traditional_chinese_parser() if traditional \
            else budoux.load_default_simplified_chinese_parser()
    return budoux.load_default_japanese_parser()


def uses_phrases(language: str) -> bool:
    """Languages written without spaces, whose lines break between phrases found by BudouX."""
    return language.split("-")[0].lower() in ("ja", "zh")


@lru_cache(maxsize=8192)
def phrases(text: str, language: str) -> tuple[str, ...]:
    """The text in phrases (BudouX); a last phrase of one character stays with the one before it, so no
    line ends with a lone character."""
    if not _SCRIPT.search(text):
        return (text,)
    parts = list(_parser(language).parse(text))
    if len(parts) > 1 and len(parts[-1].strip()) <= 1:
        parts[-2:] = [parts[-2] + parts[-1]]
    return tuple(p for p in parts if p)


class _Breaker(HTMLParser):
    """Copies HTML as it is, inserting <wbr> between the phrases of each text node."""

    def __init__(self, language: str):
        super().__init__(convert_charrefs=False)
        self.language = language
        self.out: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.out.append(self.get_starttag_text() or "")
        if tag in _SKIP and tag not in _VOID:
            self.skipping.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.skipping or not _SCRIPT.search(data):
            self.out.append(data)
            return
        # Text nodes are still escaped here (convert_charrefs=False): phrases are found in the plain
        # text and each is escaped again, so nothing the template escaped comes back as markup.
        plain = html.unescape(data)
        self.out.append("<wbr>".join(html.escape(p, quote=False) for p in phrases(plain, self.language)))

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")


def break_phrases(markup: str, language: str) -> str:
    """HTML with <wbr> break opportunities between Japanese or Chinese phrases (other text untouched)."""
    if not uses_phrases(language) or not _SCRIPT.search(markup):
        return markup
    breaker = _Breaker(language)
    breaker.feed(markup)
    breaker.close()
    return "".join(breaker.out)
