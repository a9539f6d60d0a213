"""Slides as data: what each slide, card and the preview say, and the deck's speaker notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coffeerun import i18n
from coffeerun.consent import on_slides
from coffeerun.markdown_text import plain_text
from coffeerun.models import Advocate, Campaign
from coffeerun.plan import CampaignJob
from coffeerun.render.assets.theme import Theme
from coffeerun.render.media import initials

QUOTE_MARK = "\u201c"
MAX_LISTED = 3  # advocates on the title slide, contacts on the closing slide


@dataclass(frozen=True)
class Picture:
    """A picture on a slide, by reference: a file, initials, or the data of a QR code."""

    kind: str  # logo | photo | initials | qr
    path: str = ""
    text: str = ""
    alt: str = ""  # the picture's description in the deck


@dataclass
class SlideSpec:
    """One image or deck slide: its layout, the content of each element, its speaker notes."""

    kind: str  # a layout of theme/slides/layouts.yaml
    name: str  # file name without .png
    content: dict[str, Any]  # element id -> text | Picture | list of those for repeated elements
    notes: list[str] = field(default_factory=list)  # paragraphs of the speaker notes


@dataclass
class SlideSet:
    deck: list[SlideSpec]
    cards: list[SlideSpec]
    preview: SlideSpec
    strings: dict[str, str]
    language: str
    # One deck per audience: its own title and closing slides, and the quote and metric slides meant
    # for it (the very content of the whole deck's: the same frames), with notes for that audience.
    audience_decks: dict[str, list[SlideSpec]] = field(default_factory=dict)

    def all(self) -> list[SlideSpec]:
        own = [spec for deck in self.audience_decks.values() for spec in (deck[0], deck[-1])]
        return [*self.deck, *self.cards, self.preview, *own]


class _Builder:
    def __init__(self, job: CampaignJob, theme: Theme):
        self.job = job
        self.campaign: Campaign = job.campaign_info.model
        self.s = i18n.slide_strings(self.campaign.language)
        self.account = job.campaign_info.account.model.name
        self.advocates = {a.id: a for a in self.campaign.advocates}
        # Advocates without `slides` in their consent scope: nothing of theirs on slides, cards or decks.
        self.on_slides = [a for a in self.campaign.advocates if on_slides(a)]
        self.audience_names = {a.id: a.name for a in self.campaign.audiences}
        logo = job.campaign_info.account.logo
        self.account_logo = Picture("logo", str(logo), alt=self.account) if logo else None
        self.vendor_logo = Picture("logo", str(job.brand_logo), alt=job.brand.name) if job.brand_logo else None

    def shown(self, by: str | None) -> bool:
        """Whether an item by this advocate (None: by nobody) may be on slides."""
        return by is None or on_slides(self.advocates[by])

    def fmt(self, key: str, **values: Any) -> str:
        return self.s[key].format(account=self.account, product=self.job.brand.product, **values)

    def picture(self, advocate: Advocate) -> Picture:
        if advocate.photo:
            path = self.job.project.root / advocate.photo
            if Path(path).is_file():
                return Picture("photo", str(path), alt=advocate.name)
        return Picture("initials", text=initials(advocate.name), alt=advocate.name)

    def audiences(self, ids: list[str] | None) -> str:
        names = [self.audience_names.get(i, i) for i in (ids or list(self.audience_names))]
        return self.s["audience_separator"].join(names)

    def points_for(self, ids: list[str] | None) -> list[str]:
        wanted = set(ids or self.audience_names)
        return [plain_text(p.say) for p in self.campaign.talk_track.points
                if p.audiences is None or wanted & set(p.audiences)]

    def bullets(self, title: str, items: list[str]) -> list[str]:
        return [title, *(f"• {item}" for item in items)] if items else []

    def title_slide(self, audience: str | None = None) -> SlideSpec:
        """The title slide; for one audience's deck, it names that audience and its notes hold every
        talk-track point for it (the quote slides then hold only the quote)."""
        shown = self.on_slides[:MAX_LISTED]
        more = len(self.on_slides) - len(shown)
        track = self.campaign.talk_track
        ids = [audience] if audience else None
        notes = []
        if track.opener:
            notes += [self.s["notes_opener"], plain_text(track.opener)]
        if audience or not any(self.shown(q.by) for q in self.campaign.quotes):  # no quote slides: every point here
            notes += self.bullets(self.s["notes_points"], self.points_for(ids))
        notes.append(self.fmt("notes_for", audiences=self.audiences(ids)))
        return SlideSpec("title", "title", {
            "account_logo": self.account_logo,
            "vendor_logo": self.vendor_logo,
            "eyebrow": self.fmt("eyebrow"),
            "title": self.campaign.title,
            "audiences": self.fmt("for_audiences", audiences=self.audiences(ids)),
            "private_note": self.fmt("private_note"),
            "panel_heading": self.s["panel_heading"],
            "advocate_avatar": [self.picture(a) for a in shown],
            "advocate_name": [a.name for a in shown],
            "advocate_title": [a.title for a in shown],
            "advocates_more": self.fmt("more_one" if more == 1 else "more", n=more) if more > 0 else None,
        }, notes)

    def quote_content(self, quote: Any) -> dict[str, Any]:
        advocate = self.advocates[quote.by]
        return {
            "account_logo": self.account_logo,
            "vendor_logo": self.vendor_logo,
            "avatar": self.picture(advocate),
            "name": advocate.name,
            "role": advocate.title,
            "mark": QUOTE_MARK,
            # With a highlight, it is the big pull-out and the full quote goes smaller beneath it.
            "pull": quote.highlight or None,
            "quote": None if quote.highlight else quote.text,
            "quote_small": quote.text if quote.highlight else None,
        }

    def quote_slide(self, n: int, quote: Any, audience: str | None = None) -> SlideSpec:
        advocate = self.advocates[quote.by]
        notes = [self.fmt("notes_quote", name=advocate.name, title=advocate.title)]
        if audience is None:
            notes += [self.fmt("notes_for", audiences=self.audiences(quote.audiences)),
                      *self.bullets(self.s["notes_points"], self.points_for(quote.audiences))]
        if quote.highlight:
            notes.append(quote.text)
        return SlideSpec("quote", f"quote-{n}", self.quote_content(quote), notes)

    def metric_slide(self, n: int, metric: Any, audience: str | None = None) -> SlideSpec:
        advocate = self.advocates.get(metric.by) if metric.by else None
        notes = [self.fmt("notes_metric", value=metric.value, label=metric.label)]
        if advocate:
            notes.append(self.fmt("notes_reported_by", name=advocate.name, title=advocate.title))
        if audience is None:
            notes.append(self.fmt("notes_for", audiences=self.audiences(metric.audiences)))
        return SlideSpec("metric", f"metric-{n}", {
            "eyebrow": self.fmt("result"),
            "account_logo": self.account_logo,
            "vendor_logo": self.vendor_logo,
            "value": metric.value,
            "label": metric.label,
            "by_avatar": self.picture(advocate) if advocate else None,
            "by_name": advocate.name if advocate else None,
            "by_role": advocate.title if advocate else None,
        }, notes)

    def closing_slide(self, audience: str | None = None) -> SlideSpec:
        """Contacts and the QR code of the share link; in one audience's deck, of that audience's page."""
        contacts = self.campaign.contacts
        shown = contacts[:MAX_LISTED]
        track = self.campaign.talk_track
        url = self.job.links.audience_url(audience) if audience else self.job.links.share_url
        notes: list[str] = []
        for objection in track.objections:
            if not notes:
                notes.append(self.s["notes_objections"])
            notes += [f"Q: {objection.question}", f"A: {plain_text(objection.answer)}"]
        if track.ask:
            notes += [self.s["notes_ask"], plain_text(track.ask)]
        if contacts:
            notes += self.bullets(self.s["notes_contacts"],
                                  [self._contact_line(c, True, self.s["meta_separator"]) for c in contacts])
        notes.append(self.fmt("notes_share_link", url=url))
        names = self.s["list_separator"].join(a.name for a in self.on_slides)
        return SlideSpec("closing", "closing", {
            "heading": self.s["next_steps"],
            "intro": self.fmt("closing_intro") if contacts else None,
            "contact_name": [c.name for c in shown],
            "contact_role": [c.role for c in shown],
            "contact_reach": [self._contact_line(c, False, self.s["meta_separator"]) for c in shown],
            "no_contacts": None if contacts else self.fmt("no_contacts", advocates=names),
            "qr": Picture("qr", text=url, alt=url),
            "qr_caption": self.s["scan"],
            "qr_url": url.split("://", 1)[-1],
            "vendor_logo": self.vendor_logo,
            "private_note": self.fmt("private_note"),
        }, notes)

    @staticmethod
    def _contact_line(contact: Any, full: bool, separator: str) -> str:
        parts = [contact.name, contact.role] if full else []
        parts.append(str(contact.email))
        if contact.booking:
            parts.append(contact.booking if full else contact.booking.split("://", 1)[-1])
        return separator.join(parts)

    def audience_deck(self, audience: str) -> list[SlideSpec]:
        def meant(item: Any, by: str | None) -> bool:
            return (not item.audiences or audience in item.audiences) and self.shown(by)

        quotes = [self.quote_slide(i, q, audience) for i, q in enumerate(self.campaign.quotes, 1) if meant(q, q.by)]
        metrics = [self.metric_slide(i, m, audience) for i, m in enumerate(self.campaign.metrics, 1)
                   if meant(m, m.by)]
        return _numbered([self.title_slide(audience), *quotes, *metrics, self.closing_slide(audience)])

    def build(self) -> SlideSet:
        # Numbered as in the campaign file, so that quote-2 is the second quote whatever is left out.
        quotes = [self.quote_slide(i, q) for i, q in enumerate(self.campaign.quotes, 1) if self.shown(q.by)]
        metrics = [self.metric_slide(i, m) for i, m in enumerate(self.campaign.metrics, 1) if self.shown(m.by)]
        deck = _numbered([self.title_slide(), *quotes, *metrics, self.closing_slide()])
        cards = [SlideSpec("card", f"quote-{i}", self.quote_content(q))
                 for i, q in enumerate(self.campaign.quotes, 1) if self.shown(q.by)]
        preview = SlideSpec("preview", "preview", {
            "account_logo": self.account_logo,
            "vendor_logo": self.vendor_logo,
            "title": self.campaign.title,
            "note": self.fmt("preview_note"),
        })
        audience_decks = {a.id: self.audience_deck(a.id) for a in self.campaign.audiences}
        return SlideSet(deck, cards, preview, self.s, self.campaign.language, audience_decks)


def _numbered(deck: list[SlideSpec]) -> list[SlideSpec]:
    for number, spec in enumerate(deck, 1):
        spec.name = f"{number:02d}-{spec.name}"
    return deck


def build_slides(job: CampaignJob, theme: Theme) -> SlideSet:
    """Every slide of the deck, every quote card and the link preview of one campaign, as data."""
    return _Builder(job, theme).build()
