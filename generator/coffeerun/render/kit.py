"""Context of the advocates' kit: links, messages with placeholders filled, talk track, downloads, consent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from coffeerun import i18n
from coffeerun.approval import kit_approval
from coffeerun.render import media
from coffeerun.render.context import Builder, Common, ContactItem, Person, clean, fill, md
from coffeerun.render.recognition import kit_recognition
from coffeerun.render.textflow import reflow


@dataclass
class LinkItem:
    label: str
    url: str
    anchor: str
    what: str  # what the copy button copies, for screen readers


@dataclass
class MessageVersion:
    signer: str  # advocate id
    subject: str
    body: str
    mailto: str
    parts: list[tuple[str, str]] = field(default_factory=list)  # body as (text|slot|link, text)


@dataclass
class MessageItem:
    anchor: str
    channel: str
    versions: list[MessageVersion]


@dataclass
class TalkGroup:
    title: str
    points: list[Markup]


@dataclass
class ObjectionItem:
    question: str
    answer: Markup | None


@dataclass
class DownloadItem:
    href: str
    name: str
    size: str


@dataclass
class DownloadGroup:
    title: str
    items: list[DownloadItem]
    key: str = "files"


@dataclass
class Published:
    text: str
    shown_to: str
    detail: str = ""


@dataclass
class AboutItem:
    person: Person
    granted: str
    expires: str
    quotes: list[Published] = field(default_factory=list)
    metrics: list[Published] = field(default_factory=list)
    videos: list[Published] = field(default_factory=list)
    approval: dict | None = None  # approval.kit_approval: the current code, how to approve, the consent wording


@dataclass
class KitContext:
    links: list[LinkItem]
    signers: list[Person]
    messages: list[MessageItem]
    opener: Markup | None
    groups: list[TalkGroup]
    objections: list[ObjectionItem]
    ask: Markup | None
    has_talk: bool
    downloads: list[DownloadGroup] | None  # None: not built (preview)
    about: list[AboutItem]
    owner_name: str
    owner_email: str
    owner_mailto: str
    contacts: list[ContactItem] = field(default_factory=list)  # whom colleagues talk to next
    recognition: list = field(default_factory=list)  # render.recognition.RecognitionItem, at most one per advocate


def mailto(to: str, subject: str, body: str) -> str:
    """A mailto: address with subject and body percent-encoded (RFC 6068: CRLF line breaks)."""
    query = f"subject={quote(subject, safe='')}&body={quote(body.replace(chr(13), '').replace(chr(10), chr(13) + chr(10)), safe='')}"
    return f"mailto:{quote(to, safe='@')}?{query}"


_PLACEHOLDER = re.compile(r"\{(colleague|share_link|advocate|account)\}")


def _parts(template: str, values: dict[str, str]) -> list[tuple[str, str]]:
    """The filled text in pieces, so the page can mark what the advocate should check."""
    kinds = {"colleague": "slot", "share_link": "link"}
    parts, pos = [], 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > pos:
            parts.append(("text", template[pos:match.start()]))
        name = match.group(1)
        parts.append((kinds.get(name, "text"), values[name]))
        pos = match.end()
    if pos < len(template):
        parts.append(("text", template[pos:]))
    return parts


def _messages(b: Builder, common: Common) -> list[MessageItem]:
    values = {"share_link": b.job.links.share_url, "account": common.brand.account,
              "colleague": b.t("colleague_slot")}
    out = []
    for n, message in enumerate(b.c.talk_track.messages, start=1):
        versions = []
        for person in common.people.values():
            filled = {**values, "advocate": person.name}
            subject = fill(clean(message.subject), **filled) if message.subject else ""
            template = reflow(clean(message.body).strip("\n"))
            body = fill(template, **filled)
            link = mailto("", subject, body) if message.channel == "email" else ""
            versions.append(MessageVersion(person.id, subject, body, link, _parts(template, filled)))
        out.append(MessageItem(f"message-{n}", message.channel, versions))
    return out


def _talk(b: Builder, common: Common) -> list[TalkGroup]:
    points = b.c.talk_track.points
    groups = [TalkGroup(b.t("talk_everyone"), [md(p.say) for p in points if not p.audiences])]
    for audience in common.audiences:
        groups.append(TalkGroup(audience.name, [md(p.say) for p in points if p.audiences and audience.id in p.audiences]))
    return [g for g in groups if g.points]


_SLIDE = re.compile(r"^(\d+)-(.+)$")
_ITEM = re.compile(r"^(quote|metric)-(\d+)$")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _what(b: Builder, name: str, people: dict) -> str | None:
    """'quote-2' / 'metric-1' as what they show, from the campaign; None when unknown."""
    match = _ITEM.match(name)
    if not match:
        return None
    n = int(match.group(2)) - 1
    if match.group(1) == "quote" and 0 <= n < len(b.c.quotes):
        quote = b.c.quotes[n]
        return _short(f"{people[quote.by].name}: {clean(quote.highlight or quote.text)}")
    if match.group(1) == "metric" and 0 <= n < len(b.c.metrics):
        metric = b.c.metrics[n]
        return _short(f"{clean(metric.value)} {clean(metric.label)}")
    return None


def _download_name(b: Builder, rel: Path, people: dict) -> tuple[str, str]:
    """(group key, human name) of a file in downloads/."""
    t = b.t
    if rel.as_posix() == "deck.pptx":
        return "deck", t("dl_deck_pptx")
    if rel.as_posix() == "deck.pdf":
        return "deck", t("dl_deck_pdf")  # listed after the editable deck: see downloads()
    if rel.parts[0] == "slides" and len(rel.parts) == 2:
        match = _SLIDE.match(rel.stem)
        if match:
            name = _what(b, match.group(2), people) or match.group(2).replace("-", " ").replace("_", " ")
            return "slides", t("dl_slide", n=int(match.group(1)), name=name[:1].upper() + name[1:])
    if rel.parts[0] == "cards" and len(rel.parts) == 2:
        digits = re.findall(r"\d+", rel.stem)
        if digits:
            what = _what(b, rel.stem, people)
            name = t("dl_card", n=int(digits[-1]))
            return "cards", f"{name}{t('sep_meta')}{what}" if what else name
    return "files", rel.as_posix()


def downloads(b: Builder, people: dict) -> list[DownloadGroup] | None:
    folder = b.job.downloads_dir
    if not folder.is_dir():
        return None
    groups: dict[str, list[DownloadItem]] = {"deck": [], "slides": [], "cards": [], "files": []}
    files = sorted((p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")),
                   key=lambda p: p.relative_to(folder).as_posix())
    for path in files:
        rel = path.relative_to(folder)
        key, name = _download_name(b, rel, people)
        href = "downloads/" + "/".join(quote(part) for part in rel.parts)
        groups[key].append(DownloadItem(href, name, media.human_size(path.stat().st_size, b.lang)))
    groups["deck"].sort(key=lambda item: not item.href.endswith(".pptx"))
    titles = {"deck": "", "slides": b.t("dl_group_slides"), "cards": b.t("dl_group_cards"),
              "files": b.t("dl_group_files")}
    return [DownloadGroup(titles[k], v, k) for k, v in groups.items() if v]


def _about(b: Builder, common: Common) -> list[AboutItem]:
    t, c = b.t, b.c

    def shown(ids: list[str] | None) -> str:
        return t("shown_to", audiences=t("sep_list").join(b.audience_names(ids))) if ids else t("shown_to_all")

    out = []
    for adv in c.advocates:
        item = AboutItem(common.people[adv.id], i18n.format_date(adv.consent.granted, b.lang),
                         i18n.format_date(adv.consent.expires, b.lang))
        item.quotes = [Published(clean(q.text), shown(q.audiences), clean(q.highlight))
                       for q in c.quotes if q.by == adv.id]
        item.metrics = [Published(f"{clean(m.value)} {clean(m.label)}", shown(m.audiences))
                        for m in c.metrics if m.by == adv.id]
        item.videos = [Published(clean(v.title), shown(v.audiences)) for v in c.videos if v.by == adv.id]
        item.approval = kit_approval(b.job.campaign, adv.id, b.root)
        out.append(item)
    return out


def kit_context(b: Builder, common: Common) -> KitContext:
    t, links, track = b.t, b.job.links, b.c.talk_track
    items = [LinkItem(t("share_link"), links.share_url, "link-share", t("share_link"))]
    items += [LinkItem(a.name, a.url, f"link-{a.id}", t("audience_link", audience=a.name)) for a in common.audiences]
    objections = [ObjectionItem(clean(o.question), md(o.answer)) for o in track.objections]
    groups = _talk(b, common)
    owner = b.c.owner
    return KitContext(
        links=items, signers=list(common.people.values()), messages=_messages(b, common),
        opener=md(track.opener), groups=groups, objections=objections, ask=md(track.ask),
        has_talk=bool(track.opener or groups or objections or track.ask), downloads=downloads(b, common.people),
        about=_about(b, common), owner_name=clean(owner.name), owner_email=owner.email,
        owner_mailto=mailto(owner.email, clean(b.c.title), ""), contacts=b.contacts(),
        recognition=kit_recognition(b, common))
