"""Markdown fields: rendered without raw HTML, sanitised, links limited to https, http and mailto."""

from __future__ import annotations

import html
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3

from coffeerun import memo

LINK_SCHEMES = ("https", "http", "mailto")
_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "blockquote", "br", "hr",
         "h3", "h4", "h5", "h6"}


@lru_cache(maxsize=1)
def _engine() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    # Raw HTML is shown as text: without these two, python-markdown passes it through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)


_AMP = "\ue000"


@memo.table("markdown.html", 4096)
def _raw_html(text: str) -> str:
    # `&amp;` is shown as written, like in every text: python-markdown would pass entities
    # through, so every `&` travels as a private-use character and comes back escaped.
    engine = _engine()
    engine.reset()
    out = engine.convert(text.replace(_AMP, "\ufffd").replace("&", _AMP))
    return out.replace(_AMP, "&amp;")


def markdown_problems(text: str) -> list[str]:
    """What is wrong with a Markdown field: links with another scheme, images."""
    parser = _Links()
    rendered = _raw_html(text)
    parser.feed(rendered)
    problems = []
    if "<img" in rendered:
        problems.append("images are not allowed in Markdown text (they would load from another host); "
                        "link to the picture instead")
    for url in parser.urls:
        url = html.unescape(url).strip()
        scheme = urlsplit(url).scheme.lower()
        if scheme not in LINK_SCHEMES:
            found = f"scheme '{scheme}:'" if scheme else "no scheme"
            problems.append(f"link '{url[:80]}' has {found}; links must start with https://, http:// or mailto:")
    return problems


@memo.table("markdown.safe", 4096)
def render_markdown(text: str) -> str:
    """Safe HTML for a Markdown field; images become links, nothing loads from another host."""
    rendered = _raw_html(text)
    return nh3.clean(
        rendered,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def render_inline(text: str) -> str:
    """Like render_markdown, without the wrapping paragraph for one-paragraph text."""
    out = render_markdown(text)
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        return out[3:-4]
    return out


def plain_text(text: str) -> str:
    """Markdown reduced to its words, for slides and notes."""
    return html.unescape(nh3.clean(render_markdown(text), tags=set())).strip()
