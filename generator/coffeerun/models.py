"""Typed models of every input file; unknown keys are refused."""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator

from coffeerun.fieldtypes import (
    ANY_LANGUAGE,
    Amount,
    CaptionsPath,
    Color,
    Currency,
    Date,
    Duration,
    Email,
    FilePath,
    HttpsUrl,
    Id,
    ImagePath,
    JsonSchemaExtra,
    Language,
    Markdown,
    MessageText,
    PerLanguageText,
    Text,
    Transcript,
    VideoUrl,
    describe,
    fail,
    short,
)
from coffeerun.files import check_text_file, resolve_inside
from coffeerun.markdown_text import markdown_problems

AudienceIds = list[Id] | None


def audiences_field():
    return describe("Audience ids this is for; leave out for every audience.", ["finance", "it"], default=None)


Status = Literal["draft", "live", "ended"]
Kind = Literal["case-study", "guide", "training", "webinar", "demo", "doc", "other"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Colors(Model):
    primary: Color = describe("Main brand color, #RGB or #RRGGBB (quote it).", "#0B3D91")
    accent: Color | None = describe("Second color for highlights.", "#F5A623", default=None)


ScopeWord = Literal["name", "photo", "quotes", "metrics", "video", "slides"]
SCOPE: tuple[str, ...] = get_args(ScopeWord)
Method = Literal["email", "form", "signed", "verbal"]
CODE_PATTERN = r"^[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}$"
_CODE = re.compile(CODE_PATTERN)


def _wording(value: str, info: ValidationInfo) -> str:
    if not value.strip().lower().endswith((".md", ".txt")):
        raise fail("wording", f"{short(value)} is not a .md or .txt file; write the path of the text the advocate "
                   "agreed to, e.g. content/consent/2026-10.md")
    root = (info.context or {}).get("root")
    if root is not None:
        path = resolve_inside(root, value.strip(), ("content",))
        text = check_text_file(path, value, "a consent wording")
        if not text.strip():
            raise fail("wording", f"{short(value)} is empty; paste the text the advocate agreed to into it")
        problems = markdown_problems(text) if path.suffix.lower() == ".md" else []
        if problems:
            raise fail("wording", f"{short(value)}: " + "; ".join(problems))
    return value.strip()


def _code(value: object) -> object:
    if isinstance(value, str) and _CODE.match(value.strip()):
        return value.strip().upper()
    raise fail("code", f"{short(value)} is not an approval code; write the 8 hex digits the advocate sent back, "
               "in two groups of 4, e.g. 7F3A-91C2 (`coffeerun approvals` prints the current one)")


WordingPath = Annotated[str, AfterValidator(_wording), JsonSchemaExtra((("pattern", r"^content/.+\.(md|txt)$"),))]
ApprovalCode = Annotated[str, BeforeValidator(_code), JsonSchemaExtra((("pattern", CODE_PATTERN),))]


class Consent(Model):
    granted: Date = describe("The day the advocate agreed to be featured.", "2026-10-14")
    expires: Date = describe("The day the consent ends; after it the campaign is withheld.", "2027-10-14")
    scope: list[ScopeWord] = describe(
        "What they agreed to show: name, photo, quotes, metrics, video, slides (default: all six).",
        list(SCOPE), default=list(SCOPE))
    wording: WordingPath | None = describe("The exact text they agreed to: a .md/.txt file under content/.",
                                           "content/consent/2026-10.md", default=None)
    method: Method | None = describe("How consent was given: email, form, signed or verbal.", "email",
                                     default=None)
    withdrawn: Date | None = describe("Consent taken back on this day: the campaign is withheld from it.",
                                      "2027-01-05", default=None)


class Approval(Model):
    on: Date = describe("The day the advocate approved what is published about them.", "2026-10-20")
    code: ApprovalCode = describe("The approval code they approved (`coffeerun approvals` prints it).",
                                  "7F3A-91C2")


class Audience(Model):
    id: Id = describe("Short id of the department, used in page addresses.", "finance")
    name: Text = describe("The department's name as colleagues know it.", "Finance & Treasury")
    pitch: Markdown | None = describe("One line for this department (Markdown).",
                                      "Close faster with fewer spreadsheets.", default=None)


class AdvocateFields(Model):
    """An advocate as written in content/advocates/<id>.yaml (the id is the file name)."""

    name: Text = describe("Full name.", "Steve Konkol")
    title: Text = describe("Job title.", "VP, Treasury Operations")
    department: Text = describe("An audience id of the campaign, or free text.", "finance")
    photo: ImagePath | None = describe("Portrait, jpg/png/webp under content/.",
                                       "content/media/steve-konkol.jpg", default=None)
    consent: Consent = describe("Recorded consent; no content of an advocate without it.",
                                {"granted": "2026-10-14", "expires": "2027-10-14"})
    approved: Approval | None = describe("What the advocate has seen and approved: the day and the code.",
                                         {"on": "2026-10-20", "code": "7F3A-91C2"}, default=None)


class Advocate(AdvocateFields):
    id: Id = describe("Id used by quotes, metrics and videos (`by:`).", "steve-konkol")


class Quote(Model):
    by: Id = describe("Id of an advocate of this campaign.", "steve-konkol")
    text: Text = describe("The quote, as said.", "We went from ten days to three at month-end close.")
    highlight: Text | None = describe("Short pull-out.", "10 days → 3", default=None)
    audiences: AudienceIds = audiences_field()


class Metric(Model):
    value: Text = describe("The number, as shown.", "3 days")
    label: Text = describe("What the number means.", "to close the books, down from 10")
    by: Id | None = describe("Id of the advocate who reported it.", "steve-konkol", default=None)
    audiences: AudienceIds = audiences_field()


class Video(Model):
    by: Id = describe("Id of the advocate in the video.", "steve-konkol")
    title: Text = describe("Title shown on the video.", "Why I'd choose it again")
    url: VideoUrl = describe("YouTube, Vimeo, Loom, Wistia or Vidyard page, or an https .mp4/.webm.",
                             "https://www.youtube.com/watch?v=aqz-KE-bpKQ")
    poster: ImagePath | None = describe("Still image shown before play.", "content/media/steve-poster.jpg",
                                        default=None)
    transcript: Transcript | None = describe("A .md/.txt path under content/, or the text itself.",
                                             "content/media/steve-transcript.md", default=None)
    captions: CaptionsPath | None = describe("WebVTT captions for a direct video file.",
                                             "content/media/steve.vtt", default=None)
    duration: Duration | None = describe("Running time, minutes:seconds (shown on the video).", "2:45",
                                         default=None)
    audiences: AudienceIds = audiences_field()


class TalkPoint(Model):
    say: Markdown = describe("What to say (Markdown).", "Month-end close went from ten days to three.")
    audiences: AudienceIds = audiences_field()


class Objection(Model):
    question: Text = describe("What a colleague may object.", "We already have a tool for this.")
    answer: Markdown = describe("How to answer (Markdown).", "We had one too; it stopped at the ledger.")


class Message(Model):
    channel: Literal["email", "chat"] = describe("email or chat.", "email")
    subject: MessageText | None = describe("Subject line, email only; placeholders allowed.",
                                           "Worth 20 minutes?", default=None)
    body: MessageText = describe("The note; placeholders {colleague}, {share_link}, {advocate}, {account}.",
                                 "Hi {colleague}, have a look: {share_link} — {advocate}")

    @model_validator(mode="after")
    def _subject_for_email_only(self) -> Message:
        if self.channel == "chat" and self.subject is not None:
            raise fail("subject", "a chat message has no subject; remove `subject` or use channel: email")
        if self.channel == "email" and self.subject is None:
            raise fail("subject", "an email message needs a `subject`")
        return self


class TalkTrack(Model):
    opener: Markdown | None = describe("How to open (Markdown).", "I want to show you what changed.",
                                       default=None)
    points: list[TalkPoint] = describe("Points to make, per audience.", [{"say": "Close in 3 days."}],
                                       default_factory=list)
    objections: list[Objection] = describe("Objections and answers.", [], default_factory=list)
    ask: Markdown | None = describe("The ask at the end (Markdown).", "Would 20 minutes with Jordan help?",
                                    default=None)
    messages: list[Message] = describe("Ready-to-send notes the advocate copies.", [], default_factory=list)


class ResourceFields(Model):
    """A resource as written in content/resources/<id>.yaml."""

    title: Text = describe("Title of the resource.", "Treasury close playbook")
    url: HttpsUrl | None = describe("https link; or use `file`.", "https://vendor.example/playbooks/close",
                                    default=None)
    file: FilePath | None = describe("File under content/ copied into the share site.",
                                     "content/media/security-overview.pdf", default=None)
    kind: Kind = describe("case-study, guide, training, webinar, demo, doc or other.", "guide")
    description: Markdown | None = describe("Short description (Markdown).", "How we close in 3 days.",
                                            default=None)
    audiences: AudienceIds = audiences_field()

    @model_validator(mode="after")
    def _url_or_file(self) -> ResourceFields:
        if (self.url is None) == (self.file is None):
            raise fail("resource", "a resource needs exactly one of `url` (https) or `file` (under content/)")
        return self


class Resource(ResourceFields):
    pass


class Contact(Model):
    name: Text = describe("Full name.", "Jordan Lee")
    role: Text = describe("Role, e.g. Account Executive.", "Account Executive")
    email: Email = describe("Email address.", "jordan@vendor.example")
    booking: HttpsUrl | None = describe("https booking link.", "https://cal.vendor.example/jordan",
                                        default=None)


OutcomeKind = Literal["meeting", "opportunity", "expansion", "renewal", "training", "other"]


class Outcome(Model):
    """Something the campaign led to, for the program report."""

    date: Date = describe("The day it happened.", "2027-02-10")
    kind: OutcomeKind = describe("meeting, opportunity, expansion, renewal, training or other.", "meeting")
    note: Text | None = describe("What happened, in a line.", "Procurement asked for a demo", default=None)
    amount: Amount | None = describe("Its value, with `currency`.", 120000, default=None)
    currency: Currency | None = describe("ISO 4217 code of `amount`.", "USD", default=None)

    @model_validator(mode="after")
    def _amount_with_currency(self) -> Outcome:
        if self.amount is not None and self.currency is None:
            raise fail("currency", "an amount needs its `currency`, e.g. currency: USD")
        if self.currency is not None and self.amount is None:
            raise fail("amount", "a `currency` goes with an `amount`; add the amount or remove the currency")
        return self


class Owner(Model):
    name: Text = describe("The marketer who answers questions.", "Dana Whitfield")
    email: Email = describe("Their email address.", "dana@vendor.example")


class Campaign(Model):
    """One campaign: one account, one story, several advocates (campaigns/<id>.yaml)."""

    title: Text = describe("Title of the microsite, at most 120 characters.",
                           "How Northwind's Treasury team closes the books in three days", max_length=120)
    account: Id = describe("Account id: content/accounts/<id>/account.yaml.", "northwind-bank")
    status: Status = describe("draft, live or ended.", "live", default="draft")
    starts: Date | None = describe("Not published before this day.", "2026-12-01", default=None)
    expires: Date | None = describe("Required when live; not published after this day.", "2027-06-30",
                                    default=None)
    renewal: Date | None = describe("The account's renewal date, for planning.", "2027-06-01", default=None)
    language: Language = describe("BCP-47 language of the campaign's pages.", "en", default="en")
    link_version: int = describe("Bump to revoke every old link.", 1, default=1, ge=1, strict=True)
    owner: Owner = describe("The marketer who answers questions.",
                            {"name": "Dana Whitfield", "email": "dana@vendor.example"})
    audiences: list[Audience] = describe("Departments this campaign speaks to.",
                                         [{"id": "finance", "name": "Finance & Treasury"}], min_length=1)
    advocates: list[Advocate] = describe("Advocates, inline or `use: <id>` of content/advocates/.",
                                         [{"use": "maria-lopez"}], min_length=1)
    quotes: list[Quote] = describe("Quotes of the advocates.", [], default_factory=list)
    metrics: list[Metric] = describe("Headline numbers.", [], default_factory=list)
    videos: list[Video] = describe("Videos of the advocates.", [], default_factory=list)
    talk_track: TalkTrack = describe("For the advocates' kit only, never on the share site.", {},
                                     default_factory=TalkTrack)
    resources: list[Resource] = describe("Follow-up material, inline or `use: <id>`.", [],
                                         default_factory=list)
    contacts: list[Contact] = describe("Who colleagues talk to next.", [], default_factory=list)
    outcomes: list[Outcome] = describe("What the campaign led to: meetings, opportunities, expansions, renewals.",
                                       [{"date": "2027-02-10", "kind": "meeting", "note": "Asked for a demo"}],
                                       default_factory=list)


class Account(Model):
    """A customer account's brand kit (content/accounts/<id>/account.yaml)."""

    name: Text = describe("The company's name.", "Northwind Bank")
    logo: str | None = describe("Logo file in the account's folder: svg or png.", "logo.svg", default=None)
    colors: Colors = describe("Brand colors.", {"primary": "#0B3D91"})
    domain: str | None = describe("The company's email domain.", "northwind.example", default=None)


class Brand(Model):
    """Our own (the vendor's) brand (theme/brand.yaml)."""

    name: Text = describe("The vendor's name.", "Ledgerline")
    product: Text = describe("The product's name.", "Ledgerline Close")
    logo: str | None = describe("Logo under theme/: svg or png.", "logo.svg", default=None)
    colors: Colors = describe("Brand colors.", {"primary": "#1F2937"})
    footer: PerLanguageText | None = describe(
        "Footer line, or one per page language ({en: …, ja: …, '*': any other}).", "© Ledgerline", default=None)

    def footer_in(self, language: str) -> str | None:
        """The footer line for pages in a language: its own entry, else the one for any language."""
        from coffeerun.langtag import best_match

        lines = self.footer or {}
        key = best_match(language, [k for k in lines if k != ANY_LANGUAGE]) or ANY_LANGUAGE
        return lines.get(key)
