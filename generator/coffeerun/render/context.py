"""Plain context objects for the page templates, built from one campaign (see share.py for the share site's pages)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from coffeerun import i18n
from coffeerun.fieldtypes import is_transcript_path
from coffeerun.handouts import handout_content
from coffeerun.markdown_text import render_inline, render_markdown
from coffeerun.models import Campaign
from coffeerun.plan import CampaignJob
from coffeerun.render import media
from coffeerun.render.colors import Palette, palette

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SLOT = re.compile(r"\{(\w+)\}")


def clean(text: str | None) -> str:
    """Plain text as written, minus control characters no page should carry."""
    return _CONTROL.sub("", text or "")


def md(text: str | None, inline: bool = False) -> Markup | None:
    """A Markdown field as safe HTML (raw HTML in it is shown as text); None for an empty one."""
    return markdown_html(text, inline) if text else None


def markdown_html(text: str, inline: bool = False) -> Markup:
    """A required Markdown field (never empty) as safe HTML."""
    sanitised = render_inline(clean(text)) if inline else render_markdown(clean(text))
    return Markup(sanitised)  # noqa: S704 - sanitised by nh3 in render_markdown


def fill(template: str, **values: Any) -> str:
    """`{name}` slots filled in one pass; inserted values are never scanned again."""
    if "{" not in template:
        return template
    return _SLOT.sub(lambda m: clean(str(values[m.group(1)])) if m.group(1) in values else m.group(0), template)


def short(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis when longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


_SENTENCE = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")


def first_sentence(text: str, limit: int = 140) -> str:
    """The first sentence of a text when it is short enough to stand alone, else its start."""
    first = _SENTENCE.split(" ".join(text.split()), maxsplit=1)[0].strip()
    return first if len(first) <= limit else short(first, limit)


class Catalogue(dict):
    """UI strings; `t("key", name=...)` in templates fills slots."""

    def __call__(self, key: str, **values: Any) -> str:
        return fill(self[key], **values)


class SiteFiles:
    """Files added to a built site: relative path -> bytes or a source file to copy."""

    def __init__(self) -> None:
        self.items: dict[str, bytes | Path] = {}
        self.taken: set[str] = set()

    def add(self, rel: str, content: bytes | Path) -> str:
        self.items[rel] = content
        self.taken.add(rel)
        return rel


@dataclass
class Image:
    src: str  # relative to the site root
    width: int
    height: int
    alt: str


@dataclass
class Person:
    id: str
    name: str
    title: str
    department: str
    department_id: str | None
    initials: str
    color: str
    photo: Image | None = None
    line: str = ""  # one line in their own voice (their first quote's highlight, else its start)


@dataclass
class QuoteItem:
    text: str
    highlight: str
    person: Person
    audiences: list[str]


@dataclass
class MetricItem:
    value: str
    label: str
    person: Person | None
    audiences: list[str]


@dataclass
class Transcript:
    html: Markup | None = None  # a .md file
    paragraphs: list[str] = field(default_factory=list)  # a .txt file or inline text


@dataclass
class VideoItem:
    anchor: str
    title: str
    person: Person
    embed: media.Embed
    poster: Image | None
    transcript: Transcript | None
    captions: str = ""  # relative path of the copied .vtt
    captions_lang: str = ""
    audiences: list[str] = field(default_factory=list)
    audience_labels: list[str] = field(default_factory=list)
    duration: str = ""  # "2:45", as written
    poster_drawn: bool = False  # the poster is our own drawing: the play button goes on its right panel


@dataclass
class ResourceItem:
    title: str
    kind: str
    description: Markup | None
    href: str
    external: bool
    file_type: str = ""
    size: str = ""
    audiences: list[str] = field(default_factory=list)  # names, for display
    audience_ids: list[str] = field(default_factory=list)


@dataclass
class ContactItem:
    name: str
    role: str
    email: str
    booking: str | None
    initials: str
    color: str


@dataclass
class AudienceItem:
    id: str
    name: str
    pitch: Markup | None
    path: str  # relative to the site root: "<id>/"
    url: str  # absolute private address


@dataclass
class Brand:
    account: str
    account_logo: Image | None
    vendor: str
    product: str
    vendor_logo: Image | None
    footer: str
    colors: Palette
    favicon: Image | None = None


@dataclass
class Common:
    """What every page of a campaign shares: language, strings, brand, people, items."""

    lang: str
    t: Catalogue
    title: str
    brand: Brand
    people: dict[str, Person]
    audiences: list[AudienceItem]
    quotes: list[QuoteItem]
    metrics: list[MetricItem]
    videos: list[VideoItem]
    expires: str


class Builder:
    """Turns a CampaignJob into context objects, registering every file the pages use."""

    def __init__(self, job: CampaignJob):
        self.job = job
        self.c: Campaign = job.campaign_info.model
        self.root = job.project.root
        self.lang = self.c.language
        self.t = Catalogue(i18n.messages(self.lang))
        self.files = SiteFiles()
        self._images: dict[str, Image] = {}

    # -- files ---------------------------------------------------------------------------------
    def path(self, value: str) -> Path:
        return (self.root / value).resolve()

    def image(self, rel: str, encode: Callable[[Path], media.Encoded], source: Path, alt: str) -> Image:
        if rel not in self._images:
            encoded = media.cached(encode, source)
            self.files.add(rel, encoded.data)
            self._images[rel] = Image(rel, encoded.width, encoded.height, alt)
        return self._images[rel]

    def copy(self, folder: str, source: Path) -> str:
        name = media.unique_name(f"{folder}/{source.name}", self.files.taken)
        return self.files.add(name, handout_content(source))  # images without EXIF/GPS

    # -- common --------------------------------------------------------------------------------
    def brand(self) -> Brand:
        account, vendor = self.job.campaign_info.account, self.job.brand
        t = self.t
        account_logo = vendor_logo = None
        if account.logo is not None:
            account_logo = self.image("img/logo-account.png", media.logo, account.logo,
                                      t("logo_alt", name=account.model.name))
        if self.job.brand_logo is not None:
            vendor_logo = self.image("img/logo-vendor.png", media.logo, self.job.brand_logo,
                                     t("logo_alt", name=vendor.name))
        colors = palette(account.model.colors.primary, account.model.colors.accent)
        icon_source = account.logo or self.job.brand_logo
        icon = self.image("img/favicon.png", media.favicon, icon_source, "") if icon_source else None
        return Brand(clean(account.model.name), account_logo, clean(vendor.name), clean(vendor.product),
                     vendor_logo, clean(vendor.footer_in(self.lang)), colors, icon)

    def contacts(self) -> list[ContactItem]:
        return [ContactItem(clean(p.name), clean(p.role), p.email, p.booking, media.initials(clean(p.name)),
                            media.avatar_color("contact:" + p.email)) for p in self.c.contacts]

    def drawn_poster(self, video: Any, person: Person, rel: str) -> Image:
        from coffeerun.render.assets.poster import drawn_poster

        account, vendor = self.job.campaign_info.account, self.job.brand
        encoded = drawn_poster(self.job.project, title=clean(video.title), advocate=person.id, name=person.name,
                               role=person.title,
                               duration=video.duration or "", language=self.lang,
                               colors=(account.model.colors.primary, account.model.colors.accent,
                                       vendor.colors.primary, vendor.colors.accent), account_logo=account.logo)
        self.files.add(rel, encoded.data)
        return Image(rel, encoded.width, encoded.height, "")

    def people(self) -> dict[str, Person]:
        names = {a.id: a.name for a in self.c.audiences}
        lines: dict[str, str] = {}
        for q in self.c.quotes:
            lines.setdefault(q.by, clean(q.highlight) or first_sentence(clean(q.text)))
        out = {}
        for adv in self.c.advocates:
            photo = None
            if adv.photo:
                photo = self.image(f"img/p-{adv.id}.webp", media.photo, self.path(adv.photo),
                                   self.t("photo_alt", name=adv.name))
            dept_id = adv.department if adv.department in names else None
            out[adv.id] = Person(adv.id, clean(adv.name), clean(adv.title),
                                 clean(names.get(adv.department, adv.department)), dept_id,
                                 media.initials(clean(adv.name)), media.avatar_color(adv.id), photo,
                                 lines.get(adv.id, ""))
        return out

    def audience_names(self, ids: list[str] | None) -> list[str]:
        names = {a.id: clean(a.name) for a in self.c.audiences}
        return [names[i] for i in ids or [] if i in names]

    def transcript(self, value: str | None) -> Transcript | None:
        if not value:
            return None
        text, markdown = value, False
        if is_transcript_path(value):
            source = self.path(value.strip())
            text = source.read_text(encoding="utf-8-sig")
            markdown = source.suffix.lower() == ".md"
        if markdown:
            return Transcript(html=md(text))
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", clean(text).replace("\r\n", "\n")) if p.strip()]
        return Transcript(paragraphs=paragraphs)

    def videos(self, people: dict[str, Person]) -> list[VideoItem]:
        out = []
        for n, video in enumerate(self.c.videos, start=1):
            poster = None
            if video.poster:
                poster = self.image(f"img/v-{n}.webp", media.poster, self.path(video.poster), "")
            captions, captions_lang = "", ""
            if video.captions:
                source = self.path(video.captions)
                captions = self.copy("media", source)
                parts = source.name.split(".")
                captions_lang = parts[-2] if len(parts) >= 3 and re.fullmatch(r"[A-Za-z]{2,3}(-\w+)?",
                                                                               parts[-2]) else self.lang
            drawn = poster is None
            if drawn:
                poster = self.drawn_poster(video, people[video.by], f"img/v-{n}.webp")
            out.append(VideoItem(f"video-{n}", clean(video.title), people[video.by], media.embed(video.url),
                                 poster, self.transcript(video.transcript), captions, captions_lang,
                                 list(video.audiences or []), self.audience_names(video.audiences),
                                 video.duration or "", drawn))
        return out

    def common(self) -> Common:
        people = self.people()
        links = self.job.links
        audiences = [AudienceItem(a.id, clean(a.name), md(a.pitch), f"{a.id}/", links.audience_url(a.id))
                     for a in self.c.audiences]
        quotes = [QuoteItem(clean(q.text), clean(q.highlight), people[q.by], list(q.audiences or []))
                  for q in self.c.quotes]
        metrics = [MetricItem(clean(m.value), clean(m.label), people.get(m.by) if m.by else None,
                              list(m.audiences or [])) for m in self.c.metrics]
        expires = i18n.format_date(self.c.expires, self.lang) if self.c.expires else ""
        return Common(self.lang, self.t, clean(self.c.title), self.brand(), people, audiences, quotes, metrics,
                      self.videos(people), expires)
