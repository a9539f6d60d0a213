"""Context of the advocates' kit: links, messages with placeholders filled, talk track, downloads, consent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from coffeerun import i18n
from coffeerun.approval import kit_approval
from coffeerun.links import advocate_state
from coffeerun.render import media
from coffeerun.render.context import Builder, Common, ContactItem, Person, clean, fill, markdown_html, md, short
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
class AdvocateRow:
    """One advocate in the owner's view: their kit, their attributed share link, their state."""

    person: Person
    kit_url: str
    share_url: str
    state: str  # published | withheld | not approved
    state_label: str
    send: str  # mailto: the kit link, ready to send to the advocate


@dataclass
class KitContext:
    advocate: Person | None  # None: the owner's view of the campaign kit
    advocates: list[AdvocateRow]  # the owner's view only
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
    crlf_body = body.replace("\r", "").replace("\n", "\r\n")
    query = f"subject={quote(subject, safe='')}&body={quote(crlf_body, safe='')}"
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


def _messages(b: Builder, common: Common, signers: list[Person]) -> list[MessageItem]:
    """Each message once per signer, with the signer's own attributed share link filled in."""
    values = {"account": common.brand.account, "colleague": b.t("colleague_slot")}
    out = []
    for n, message in enumerate(b.c.talk_track.messages, start=1):
        versions = []
        for person in signers:
            filled = {**values, "advocate": person.name, "share_link": b.job.links.attributed_url(person.id)}
            subject = fill(clean(message.subject), **filled) if message.subject else ""
            template = reflow(clean(message.body).strip("\n"))
            body = fill(template, **filled)
            link = mailto("", subject, body) if message.channel == "email" else ""
            versions.append(MessageVersion(person.id, subject, body, link, _parts(template, filled)))
        out.append(MessageItem(f"message-{n}", message.channel, versions))
    return out


def _talk(b: Builder, common: Common, advocate: Person | None) -> list[TalkGroup]:
    """Points for every audience, then per audience; an advocate's own department's points come first."""
    points = b.c.talk_track.points
    groups = [TalkGroup(b.t("talk_everyone"), [markdown_html(p.say) for p in points if not p.audiences])]
    own = advocate.department_id if advocate is not None else None
    for audience in common.audiences:
        title = b.t("talk_your_team", audience=audience.name) if audience.id == own else audience.name
        group = TalkGroup(title, [markdown_html(p.say) for p in points if p.audiences and audience.id in p.audiences])
        if audience.id == own:
            groups.insert(0, group)
        else:
            groups.append(group)
    return [g for g in groups if g.points]


_SLIDE = re.compile(r"^(\d+)-(.+)$")
_ITEM = re.compile(r"^(quote|metric)-(\d+)$")


_short = short


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
    names = {a.id: clean(a.name) for a in b.c.audiences}
    if len(rel.parts) == 2 and rel.parts[0] in names and rel.name in ("deck.pptx", "deck.pdf"):
        kind = "pptx" if rel.suffix == ".pptx" else "pdf"
        return "audiences", t(f"dl_audience_{kind}", audience=names[rel.parts[0]])
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


def downloads(b: Builder, people: dict, folder: Path, first: str | None = None) -> list[DownloadGroup] | None:
    """The files in a kit's downloads/ folder, grouped; the decks of audience `first` lead their group."""
    if not folder.is_dir():
        return None
    groups: dict[str, list[DownloadItem]] = {"deck": [], "audiences": [], "slides": [], "cards": [],
                                             "files": []}
    files = sorted((p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")),
                   key=lambda p: p.relative_to(folder).as_posix())
    for path in files:
        rel = path.relative_to(folder)
        key, name = _download_name(b, rel, people)
        href = "downloads/" + "/".join(quote(part) for part in rel.parts)
        groups[key].append(DownloadItem(href, name, media.human_size(path.stat().st_size, b.lang)))
    groups["deck"].sort(key=lambda item: not item.href.endswith(".pptx"))
    order = {a.id: n for n, a in enumerate(b.c.audiences, start=1)}
    if first in order:
        order[first] = 0
    groups["audiences"].sort(key=lambda item: (order.get(item.href.split("/")[1], 99),
                                               not item.href.endswith(".pptx")))
    titles = {"deck": "", "audiences": b.t("dl_group_audiences"), "slides": b.t("dl_group_slides"),
              "cards": b.t("dl_group_cards"), "files": b.t("dl_group_files")}
    return [DownloadGroup(titles[k], v, k) for k, v in groups.items() if v]


def _about(b: Builder, common: Common, only: str | None) -> list[AboutItem]:
    """What is published about each advocate and their consent; `only`: that advocate alone."""
    t, c = b.t, b.c

    def shown(ids: list[str] | None) -> str:
        return t("shown_to", audiences=t("sep_list").join(b.audience_names(ids))) if ids else t("shown_to_all")

    out = []
    for adv in c.advocates:
        if only is not None and adv.id != only:
            continue
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


def _advocates(b: Builder, common: Common) -> list[AdvocateRow]:
    links, t, owner = b.job.links, b.t, clean(b.c.owner.name)
    rows = []
    for person in common.people.values():
        if not links.has_kit(person.id):
            continue
        kit_url, state = links.advocate_kit_url(person.id), advocate_state(b.job.campaign, person.id)
        body = t("send_kit_body", name=person.name, title=clean(b.c.title), url=kit_url, owner=owner)
        send = mailto("", t("send_kit_subject", title=clean(b.c.title)), body)
        rows.append(AdvocateRow(person, kit_url, links.attributed_url(person.id), state,
                                t("state_" + state.replace(" ", "_")), send))
    return rows


def kit_context(b: Builder, common: Common, folder: Path, advocate: Person | None = None) -> KitContext:
    """The owner's view of the campaign kit (advocate None), or one advocate's own kit, whose site is
    `folder`: their attributed links and messages, their team first, only their own consent."""
    t, links, track = b.t, b.job.links, b.c.talk_track
    if advocate is None:
        items = [LinkItem(t("share_link"), links.share_url, "link-share", t("share_link"))]
        items += [LinkItem(a.name, a.url, f"link-{a.id}", t("audience_link", audience=a.name))
                  for a in common.audiences]
        signers = list(common.people.values())
    else:
        items = [LinkItem(t("links_own"), links.attributed_url(advocate.id), "link-share", t("links_own"))]
        items += [LinkItem(a.name, links.attributed_url(advocate.id, a.id), f"link-{a.id}",
                           t("audience_link", audience=a.name)) for a in common.audiences]
        signers = [advocate]
    objections = [ObjectionItem(clean(o.question), md(o.answer)) for o in track.objections]
    groups = _talk(b, common, advocate)
    owner = b.c.owner
    own = advocate.department_id if advocate is not None else None
    return KitContext(
        advocate=advocate, advocates=_advocates(b, common) if advocate is None else [],
        links=items, signers=signers, messages=_messages(b, common, signers),
        opener=md(track.opener), groups=groups, objections=objections, ask=md(track.ask),
        has_talk=bool(track.opener or groups or objections or track.ask),
        downloads=downloads(b, common.people, folder / "downloads", own),
        about=_about(b, common, advocate.id if advocate is not None else None), owner_name=clean(owner.name),
        owner_email=owner.email, owner_mailto=mailto(owner.email, clean(b.c.title), ""), contacts=b.contacts(),
        recognition=kit_recognition(b, common, [advocate.id] if advocate is not None else None))
