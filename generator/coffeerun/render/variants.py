"""Attributed share pages as copies of one pattern: MkDocs builds each share page once more under a pattern
folder, with stand-ins where the sharer goes, and every advocate's copy is that final HTML with the
stand-ins filled. One copy per site is also built as it is and must come out byte for byte the same, and
no copy may keep a stand-in; otherwise the site is built again with every copy made by MkDocs."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

from coffeerun.tokens import FROM


def _html(docs_path: str) -> str:
    """Where MkDocs writes a page of a folder (`<folder>/index.md`) in the site: `<folder>/index.html`."""
    return docs_path.removesuffix(".md") + ".html"


@dataclass
class Copies:
    """The pattern pages of one share site and the copies to make of them."""

    slot: str  # the banner's stand-in in a page body (pages._Marks.slot)
    taken: frozenset[str]  # the advocates' ids: the pattern folder is none of them
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    copies: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (pattern, copy, fills)
    check: str = ""  # the copy that is also built as it is

    def __post_init__(self) -> None:
        self.folder = f"cr-pattern-{self.nonce}"
        self.og_title, self.og_description = f"crogtitle{self.nonce}", f"crogdescription{self.nonce}"
        if self.folder in self.taken:  # 64 random bits: never, but a collision must not overwrite an advocate
            raise ValueError("pattern folder collides with an advocate")

    def pattern(self, docs_path: str) -> str:
        """The docs path of a page's pattern (the page's own docs path under the pattern folder)."""
        return f"{FROM}/{self.folder}/{docs_path}"

    def add(self, docs_path: str, advocate: str, og_title: str, og_description: str, banner: str,
            check: bool = False) -> None:
        """One advocate's copy of a page: its link-preview texts and its banner (HTML, made by our template)."""
        copy = _html(f"{FROM}/{advocate}/{docs_path}")
        fills = {self.og_title: str(escape(og_title)), self.og_description: str(escape(og_description)),
                 self.slot: banner}
        self.copies.append((_html(self.pattern(docs_path)), copy, fills))
        if check:
            self.check = copy

    def write(self, site: Path, stand_ins: tuple[str, ...]) -> bool:
        """Write every copy into the built site and remove the pattern folder. False, with nothing written,
        when the copy built as it is differs from its filled pattern or a copy keeps a stand-in (theme
        templates that show a page's address, or change its texts, make such pages)."""
        if not self.copies:  # no page could be one (its template tests who shared it): all built as they are
            return True
        left = (self.folder, self.og_title, self.og_description, self.slot, *stand_ins)
        patterns: dict[str, str] = {}
        made: dict[str, str] = {}
        for pattern, copy, fills in self.copies:
            if pattern not in patterns:
                try:
                    patterns[pattern] = (site / pattern).read_bytes().decode("utf-8")
                except OSError:  # MkDocs did not write it
                    return False
            text = patterns[pattern]
            for stand_in, value in fills.items():
                text = text.replace(stand_in, value)
            if any(mark in text for mark in left):
                return False
            made[copy] = text
        try:
            if self.check and (site / self.check).read_bytes().decode("utf-8") != made.pop(self.check, None):
                return False
        except OSError:
            return False
        folders: set[Path] = set()
        for copy, text in made.items():
            dest = site / copy
            if dest.parent not in folders:
                dest.parent.mkdir(parents=True, exist_ok=True)
                folders.add(dest.parent)
            dest.write_bytes(text.encode("utf-8"))
        shutil.rmtree(site / FROM / self.folder)
        return True


@dataclass
class KitPattern:
    """Stand-ins for a kit page's title, link-preview texts and body: a campaign's kits are copies of one page
    MkDocs builds at the owner's kit link, each filled with its own; its 404 page is the owner's with the kit's
    own link. One advocate's kit is also built as it is and must come out byte for byte the same."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    def __post_init__(self) -> None:
        self.front = {key: f"cr{key.replace('_', '')}{self.nonce}" for key in ("title", "og_title", "og_description")}
        self.body = f'<div class="cr-pattern">crbody{self.nonce}</div>'  # a block, as every kit body starts

    def fill(self, pattern: str, front: dict[str, str], body: str) -> str | None:
        """The kit page: the pattern with this kit's texts (escaped as the theme's `| e` does) and body; None
        when a stand-in is not where a copy can fill it (the theme changes or repeats it)."""
        text = pattern
        for key, stand_in in self.front.items():
            text = text.replace(stand_in, str(escape(front[key])))
        if any(stand_in in text for stand_in in self.front.values()) or text.count(self.body) != 1 \
                or self.nonce in text.replace(self.body, ""):
            return None
        return text.replace(self.body, body)
