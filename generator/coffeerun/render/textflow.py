"""How text flows on pages: message paragraphs reflowed, Japanese and Chinese lines broken between phrases."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from coffeerun import memo

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


_ATTRS = r"""[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*"""  # unquoted characters and quoted values
# What is never text to break: comments and declarations, elements whose text is code or not shown (whole,
# up to their end tag), and every other tag. Attribute values may hold `>` when quoted. One group around it all
# (re.split keeps what it matched), the second the skipped element's name.
_SKIPPED = "|".join(sorted(_SKIP - _VOID))
_MARKUP = re.compile(rf"(<!--.*?-->|<!{_ATTRS}>|<({_SKIPPED})(?=[\s/>]){_ATTRS}(?<!/)>.*?</\2\s*>"
                     rf"|</?[a-zA-Z]{_ATTRS}>)", re.S | re.I)
_REF = re.compile(r"(&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);)")


_KEPT_NODE = 2048  # characters: a longer text node (a transcript) is broken each time, not kept


def _break_text(text: str, language: str) -> str:
    """A text node with <wbr> between its phrases; character references stay as written and end a phrase (kept
    per process: a campaign's pages and its advocates' kits repeat most of their texts)."""
    return _break_kept(text, language) if len(text) <= _KEPT_NODE else _break(text, language)


@memo.table("textflow.break_text", 8192)
def _break_kept(text: str, language: str) -> str:
    return _break(text, language)


def _break(text: str, language: str) -> str:
    pieces = _REF.split(text)
    for i in range(0, len(pieces), 2):  # even: text between references, still escaped as the template wrote it
        if _SCRIPT.search(pieces[i]):
            plain = html.unescape(pieces[i])
            pieces[i] = "<wbr>".join(html.escape(p, quote=False) for p in phrases(plain, language))
    return "".join(pieces)


def break_phrases(markup: str, language: str) -> str:
    """HTML with <wbr> break opportunities between Japanese or Chinese phrases (other text untouched)."""
    if not uses_phrases(language) or not _SCRIPT.search(markup):
        return markup
    parts = _MARKUP.split(markup)  # text, markup, the skipped element's name (or None), text, …
    search = _SCRIPT.search
    parts[::3] = [_break_text(text, language) if search(text) else text for text in parts[::3]]
    del parts[2::3]
    return "".join(parts)
