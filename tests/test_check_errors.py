"""`coffeerun check` refuses every kind of bad input with one precise line: file, line, field and reason."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bad_inputs import (
    ACCOUNT,
    BRAND,
    CAMPAIGN,
    MARIA,
    ROI,
    both,
    edit,
    line_of,
    png,
    png_header_only,
    sub,
    write,
    write_project,
)

TODAY = "2026-11-23"


@dataclass(frozen=True)
class Bad:
    """One bad input: how to break the project, and the problem `check` must print for it."""

    name: str
    breaks: Callable[[Path], object]
    file: str
    at: str | int  # a marker written on the expected line, or the line number itself
    field: str  # "" for a problem with the file as a whole
    words: tuple[str, ...]
    errors: int = 1  # no cascade: the one mistake gives exactly this many errors


def symlink(name: str, target: Callable[[Path], Path]) -> Callable[[Path], None]:
    return lambda root: (root / name).symlink_to(target(root))


def outside_png(root: Path) -> Path:
    png(root.parent / "elsewhere" / "secret.png")
    return root.parent / "elsewhere" / "secret.png"


LAUGHS = "lol: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9))
PHOTO = "photo: content/media/steve.png"

CASES = [
    # -- reading the file ---------------------------------------------------------------------
    Bad("not-utf8", lambda r: (r / CAMPAIGN).write_bytes((r / CAMPAIGN).read_bytes().replace(
        b"Spring at Acme", b"Spring \xe0 Acme")), CAMPAIGN, 1, "", ("not UTF-8", "0xe0")),
    Bad("duplicate-key", sub(CAMPAIGN, "language: en\n", "language: en\nstatus: draft\n"), CAMPAIGN,
        "status: draft", "status", ("duplicate key 'status'", "first written at line 3")),
    Bad("duplicate-key-nested", sub(CAMPAIGN, "    name: IT\n", "    name: IT\n    name: Ops\n"), CAMPAIGN,
        "name: Ops", "audiences[1].name", ("duplicate key 'name'",)),
    Bad("top-level-list", write(CAMPAIGN, "- title: x\n- account: acme\n"), CAMPAIGN, 1, "",
        ("top level is a list", "mapping")),
    Bad("top-level-text", write(CAMPAIGN, "just a sentence\n"), CAMPAIGN, 1, "", ("top level is a single value",)),
    Bad("empty-file", write(CAMPAIGN, ""), CAMPAIGN, 1, "", ("file is empty",)),
    Bad("only-comments", write(CAMPAIGN, "# nothing yet\n# really\n"), CAMPAIGN, 1, "", ("file is empty",)),
    Bad("billion-laughs", write(CAMPAIGN, LAUGHS), CAMPAIGN, "l3:", "l3", ("expands to more than", "aliases")),
    Bad("alias-loop", write(CAMPAIGN, "account: acme\ntitle: &t [*t]\n"), CAMPAIGN, 2, "title", ("nested more than",)),
    Bad("oversized-file", lambda r: (r / CAMPAIGN).write_text((r / CAMPAIGN).read_text() + "#" * 1_100_000),
        CAMPAIGN, 1, "", ("bytes", "limit is 1,000,000")),
    Bad("yaml-syntax", sub(CAMPAIGN, "title: Spring at Acme", "title: [Spring at Acme"), CAMPAIGN,
        "account:", "", ("not valid YAML",)),
    Bad("two-documents", lambda r: (r / CAMPAIGN).write_text((r / CAMPAIGN).read_text() + "---\ntitle: x\n"),
        CAMPAIGN, "---", "", ("not valid YAML", "expected a single document")),
    Bad("control-character", sub(CAMPAIGN, "title: Spring at Acme", "title: Spring\x07 at Acme"), CAMPAIGN, 1, "",
        ("control character U+0007",)),
    Bad("merge-key", sub(CAMPAIGN, "owner:\n", "owner:\n  <<: {x: 1}\n"), CAMPAIGN, "<<:", "owner",
        ("merge keys",)),
    Bad("value-starting-with-bang", sub(CAMPAIGN, "text: We close in three days.", "text: !Wow three days."),
        CAMPAIGN, "!Wow", "quotes[0].text", ("starts with '!'", "in quotes")),
    Bad("tag-that-breaks-yaml", sub(CAMPAIGN, "text: We close in three days.", "text: !Wow, three days."),
        CAMPAIGN, "!Wow", "", ("not valid YAML", "'!' is read as a YAML tag", "in quotes")),
    Bad("brand-not-utf8", write(BRAND, b"name: Vendor\xff\n"), BRAND, 1, "", ("not UTF-8", "0xff")),
    # -- dates are dates, and in order --------------------------------------------------------------
    Bad("date-words", sub(CAMPAIGN, "expires: 2027-06-30", "expires: next summer"), CAMPAIGN,
        "expires: next", "expires", ("'next summer' is not a date", "YYYY-MM-DD")),
    Bad("date-unreal", sub(CAMPAIGN, "starts: 2026-11-01", "starts: 2026-02-30"), CAMPAIGN, "starts:",
        "starts", ("2026-02-30", "not a real one")),
    Bad("date-with-time", sub(CAMPAIGN, "expires: 2027-06-30", "expires: 2027-06-30 10:00:00"), CAMPAIGN,
        "10:00:00", "expires", ("has a time", "YYYY-MM-DD")),
    Bad("date-quoted-unreal", sub(CAMPAIGN, "starts: 2026-11-01", 'starts: "2026-13-01"'), CAMPAIGN,
        "starts:", "starts", ("not a real day",)),
    Bad("expires-before-starts", sub(CAMPAIGN, "expires: 2027-06-30", "expires: 2026-10-01"), CAMPAIGN,
        "expires: 2026", "expires", ("expires 2026-10-01 is before starts 2026-11-01",)),
    Bad("live-without-expires", sub(CAMPAIGN, "expires: 2027-06-30\n", ""), CAMPAIGN, "status: live",
        "expires", ("live campaign needs", "expires")),
    Bad("consent-expires-before-granted", sub(CAMPAIGN, "expires: 2027-10-14", "expires: 2026-09-01"), CAMPAIGN,
        "expires: 2026-09-01", "advocates[0].consent.expires", ("before it was granted on 2026-10-14",)),
    Bad("profile-consent-order", sub(MARIA, "expires: 2027-10-01", "expires: 2025-01-01"), MARIA,
        "expires:", "consent.expires", ("before it was granted",)),
    # -- typed fields: unknown keys, literals, lengths, numbers ---------------------------------
    Bad("unknown-top-level-key", sub(CAMPAIGN, "title: Spring", "titel: Spring"), CAMPAIGN, "titel:", "titel",
        ("unknown field 'titel'", "did you mean 'title'?")),
    Bad("unknown-advocate-key", sub(CAMPAIGN, PHOTO, "photograph: content/media/steve.png"), CAMPAIGN,
        "photograph:", "advocates[0].photograph", ("unknown field 'photograph'", "did you mean 'photo'?")),
    Bad("status-literal", sub(CAMPAIGN, "status: live", "status: published"), CAMPAIGN, "status:", "status",
        ("'published' is not accepted", "draft, live or ended")),
    Bad("status-near-miss", sub(CAMPAIGN, "status: live", "status: Live"), CAMPAIGN, "status:", "status",
        ("did you mean 'live'?",)),
    Bad("resource-kind", sub(CAMPAIGN, "kind: guide", "kind: blog"), CAMPAIGN, "kind: blog", "resources[0].kind",
        ("'blog' is not accepted", "case-study", "webinar")),
    Bad("title-too-long", sub(CAMPAIGN, "title: Spring at Acme", "title: " + "Spring" * 21), CAMPAIGN, 1, "title",
        ("126 characters", "at most 120")),
    Bad("missing-owner", sub(CAMPAIGN, "owner:\n  name: Dana Whitfield\n  email: dana@vendor.example\n", ""),
        CAMPAIGN, 1, "owner", ("required field 'owner' is missing",)),
    Bad("consent-required", sub(CAMPAIGN, "    consent:\n      granted: 2026-10-14\n      expires: 2027-10-14\n",
                                ""), CAMPAIGN, "- id: steve", "advocates[0].consent",
        ("required field 'consent'", "recorded consent")),
    Bad("no-audiences", sub(CAMPAIGN, "audiences:\n  - id: finance\n    name: Finance\n    pitch: Close *faster*.\n"
                                      "  - id: it\n    name: IT\n", "audiences: []\n"),
        CAMPAIGN, "audiences: []", "audiences", ("at least 1",)),
    Bad("link-version-zero", sub(CAMPAIGN, "language: en", "language: en\nlink_version: 0"), CAMPAIGN,
        "link_version", "link_version", ("at least 1",)),
    Bad("link-version-text", sub(CAMPAIGN, "language: en", "language: en\nlink_version: two"), CAMPAIGN,
        "link_version", "link_version", ("'two'", "whole number")),
    Bad("language-false", sub(CAMPAIGN, "language: en", "language: false"), CAMPAIGN, "language:",
        "language", ("found false", "expected text")),
    Bad("language-not-bcp47", sub(CAMPAIGN, "language: en", "language: en_US"), CAMPAIGN, "language:",
        "language", ("'en_US' is not a BCP-47",)),
    Bad("resource-url-and-file", sub(CAMPAIGN, "file: content/media/security.pdf",
                                     "file: content/media/security.pdf\n    url: https://vendor.example/s"),
        CAMPAIGN, "- title: Security", "resources[1]", ("exactly one of `url`", "`file`")),
    Bad("chat-with-subject", sub(CAMPAIGN, "    - channel: chat\n", "    - channel: chat\n      subject: Hi\n"),
        CAMPAIGN, "- channel: chat", "talk_track.messages[1]", ("chat message has no subject",)),
    Bad("email-without-subject", sub(CAMPAIGN, "      subject: Worth 20 minutes?\n", ""), CAMPAIGN,
        "- channel: email", "talk_track.messages[0]", ("needs a `subject`",)),
    Bad("blank-text", sub(CAMPAIGN, "text: We close in three days.", 'text: "  "'), CAMPAIGN, "text:",
        "quotes[0].text", ("is empty", "fill it in")),
    Bad("mapping-for-text", sub(CAMPAIGN, "title: Spring at Acme", "title: {a: b}"), CAMPAIGN, 1, "title",
        ("found a mapping", "expected text")),
    # -- `use:` profiles ------------------------------------------------------------------------
    Bad("unknown-use", sub(CAMPAIGN, "- use: maria", "- use: mariah"), CAMPAIGN, "use: mariah", "advocates[1].use",
        ("no advocate profile 'mariah'", "content/advocates/mariah.yaml", "did you mean 'maria'?")),
    Bad("unknown-resource-use", sub(CAMPAIGN, "- use: roi-calculator", "- use: roi-calc"), CAMPAIGN, "use: roi",
        "resources[2].use", ("no resource profile 'roi-calc'", "did you mean 'roi-calculator'?")),
    Bad("use-not-an-id", sub(CAMPAIGN, "- use: maria", "- use: [maria]"), CAMPAIGN, "use: [maria]",
        "advocates[1].use", ("`use` takes the id of a file in content/advocates/",)),
    Bad("broken-profile-reported-once", sub(MARIA, "photo: content/media/maria.png", "photo: content/media/mria.png"),
        MARIA, "photo:", "photo", ("does not exist", "did you mean 'maria.png'?")),
    Bad("profile-unknown-key", sub(ROI, "kind: other", "kind: other\nkinds: guide"), ROI, "kinds:", "kinds",
        ("unknown field 'kinds'", "did you mean 'kind'?")),
    Bad("override-unknown-key", sub(CAMPAIGN, "- use: maria", "- use: maria\n    nickname: M"), CAMPAIGN,
        "nickname:", "advocates[1].nickname", ("unknown field 'nickname'",)),
    Bad("profile-with-id", sub(MARIA, "name: Maria Lopez", "id: maria\nname: Maria Lopez"), MARIA, "id: maria",
        "id", ("unknown field 'id'",)),
    # -- references between parts ---------------------------------------------------------------
    Bad("quote-by-unknown", sub(CAMPAIGN, "  - by: steve\n    text:", "  - by: stve\n    text:"), CAMPAIGN, "by: stve",
        "quotes[0].by", ("'stve' is not an advocate", "steve or maria", "did you mean 'steve'?")),
    Bad("metric-by-unknown", sub(CAMPAIGN, "    by: maria\nvideos", "    by: marla\nvideos"), CAMPAIGN, "by: marla",
        "metrics[0].by", ("'marla' is not an advocate", "did you mean 'maria'?")),
    Bad("quote-audience-unknown", sub(CAMPAIGN, "    audiences: [finance]\nmetrics",
                                      "    audiences: [finanse]\nmetrics"),
        CAMPAIGN, "[finanse]", "quotes[0].audiences[0]", ("'finanse' is not an audience", "did you mean 'finance'?")),
    Bad("point-audience-unknown", sub(CAMPAIGN, "      audiences: [finance]", "      audiences: [finance, sales]"),
        CAMPAIGN, "[finance, sales]", "talk_track.points[0].audiences[1]", ("'sales' is not an audience",
                                                                          "finance or it")),
    Bad("profile-audience-unknown", sub(ROI, "kind: other", "kind: other\naudiences: [legal]"), CAMPAIGN,
        "use: roi-calculator", "resources[2].audiences[0]", ("'legal' is not an audience", ROI)),
    Bad("duplicate-audience-id", sub(CAMPAIGN, "  - id: it\n", "  - id: finance  # again\n"), CAMPAIGN, "# again",
        "audiences[1].id", ("'finance' is used twice",)),
    Bad("resource-file-svg", lambda r: ((r / "content/media/deck.svg").write_text("<svg><script>x</script></svg>"),
        sub(CAMPAIGN, "content/media/security.pdf", "content/media/deck.svg")(r)), CAMPAIGN, "deck.svg",
        "resources[1].file", ("a browser would run", "PDF")),
    Bad("reserved-audience-id", sub(CAMPAIGN, "  - id: it\n", "  - id: videos  # reserved\n"), CAMPAIGN,
        "# reserved", "audiences[1].id", ("'videos' is the name of a page", "reserved")),
    Bad("use-id-twice", sub(CAMPAIGN, "  - use: maria\n", "  - use: maria\n  - use: maria  # again\n"), CAMPAIGN,
        "# again", "advocates[2].id", ("'maria' is used twice in advocates",)),
    Bad("unknown-placeholder", sub(CAMPAIGN, "Hi {colleague}", "Hi {colleage}"), CAMPAIGN, "{colleage}",
        "talk_track.messages[0].body", ("unknown placeholder {colleage}", "{share_link}",
                                        "did you mean 'colleague'?")),
    Bad("placeholder-with-space", sub(CAMPAIGN, "look at {share_link}", "look at {share link}"), CAMPAIGN,
        "{share link}", "talk_track.messages[1].body", ("unknown placeholder {share link}", "'share_link'")),
    Bad("unknown-account", sub(CAMPAIGN, "account: acme", "account: acm"), CAMPAIGN, "account:", "account",
        ("no account 'acm'", "content/accounts/acm/account.yaml", "did you mean 'acme'?")),
    Bad("captions-on-youtube", both(write("content/media/steve.vtt", "WEBVTT\n"),
                                    sub(CAMPAIGN, "transcript: content/media/steve.md",
                                        "captions: content/media/steve.vtt")),
        CAMPAIGN, "steve.vtt", "videos[0].captions", ("captions are for direct", "YouTube")),
    # -- links ----------------------------------------------------------------------------------
    Bad("http-url", sub(CAMPAIGN, "url: https://vendor.example/playbook", "url: http://vendor.example/playbook"),
        CAMPAIGN, "http://vendor", "resources[0].url", ("not an https link", "'http:'")),
    Bad("booking-mailto", sub(CAMPAIGN, "booking: https://cal.vendor.example/jordan", "booking: mailto:j@x.example"),
        CAMPAIGN, "booking:", "contacts[0].booking", ("not an https link",)),
    Bad("video-host", sub(CAMPAIGN, "https://www.youtube.com/watch?v=aqz-KE-bpKQ", "https://www.dailymotion.com/x1"),
        CAMPAIGN, "dailymotion", "videos[0].url", ("not on an accepted video host", "YouTube, Vimeo, Loom, Wistia or "
                                                   "Vidyard", ".mp4")),
    Bad("video-lookalike-host", sub(CAMPAIGN, "https://www.youtube.com/watch", "https://youtube.com.evil.example/w"),
        CAMPAIGN, "evil.example", "videos[0].url", ("not on an accepted video host",)),
    Bad("markdown-javascript-link", sub(CAMPAIGN, "(https://vendor.example/guide)", "(javascript:alert(1))"),
        CAMPAIGN, "javascript:", "resources[0].description", ("scheme 'javascript:'", "https://, http:// or mailto:")),
    Bad("markdown-image", sub(CAMPAIGN, "pitch: Close *faster*.", "pitch: See ![x](https://tracker.example/p.png)"),
        CAMPAIGN, "pitch:", "audiences[0].pitch", ("images are not allowed",)),
    Bad("markdown-too-long", sub(CAMPAIGN, "pitch: Close *faster*.", "pitch: " + "Close faster. " * 800), CAMPAIGN,
        "pitch:", "audiences[0].pitch", ("11,199 characters", "at most 10,000")),
    Bad("markdown-bracket-flood", sub(CAMPAIGN, "pitch: Close *faster*.", "pitch: x" + "[" * 5000), CAMPAIGN,
        "pitch:", "audiences[0].pitch", ("5,000 '[' characters", "at most 200")),
    # -- colors, ids, emails --------------------------------------------------------------------
    Bad("color-word", sub(ACCOUNT, 'primary: "#0B3D91"', "primary: blue"), ACCOUNT, "primary:", "colors.primary",
        ("'blue' is not a color", "#RRGGBB")),
    Bad("color-unquoted", sub(ACCOUNT, 'primary: "#0B3D91"', "primary: #0B3D91"), ACCOUNT, "primary:",
        "colors.primary", ("found nothing", "in quotes")),
    Bad("brand-color", sub(BRAND, '"#1F2937"', '"#1F29"'), BRAND, "colors:", "colors.primary",
        ("'#1F29' is not a color",)),
    Bad("audience-id-invalid", sub(CAMPAIGN, "  - id: it\n", "  - id: IT Team\n"), CAMPAIGN, "id: IT Team",
        "audiences[1].id", ("'IT Team' is not a valid id", "did you mean 'it-team'?")),
    Bad("advocate-id-invalid", sub(CAMPAIGN, "- id: steve", "- id: -steve"), CAMPAIGN, "id: -steve",
        "advocates[0].id", ("not a valid id",), errors=1),
    Bad("campaign-file-name", lambda r: (r / CAMPAIGN).rename(r / "campaigns/Spring_2027.yaml"),
        "campaigns/Spring_2027.yaml", 1, "", ("'Spring_2027' is not a valid campaign id", "spring-2027.yaml")),
    Bad("campaign-yml-suffix", lambda r: (r / CAMPAIGN).rename(r / "campaigns/spring.yml"), "campaigns/spring.yml", 1,
        "", ("end in .yaml",)),
    Bad("owner-email", sub(CAMPAIGN, "email: dana@vendor.example", "email: dana(at)vendor"), CAMPAIGN, "dana(at)",
        "owner.email", ("'dana(at)vendor' is not an email address",)),
    Bad("contact-email-blank", sub(CAMPAIGN, "email: jordan@vendor.example", 'email: ""'), CAMPAIGN, 'email: ""',
        "contacts[0].email", ("is empty", "email address")),
    # -- files ----------------------------------------------------------------------------------
    Bad("path-dotdot", sub(CAMPAIGN, PHOTO, "photo: content/../theme/logo.png"), CAMPAIGN, "photo:",
        "advocates[0].photo", ("points outside content/ or campaigns/",)),
    Bad("path-absolute", sub(CAMPAIGN, PHOTO, "photo: /etc/passwd"), CAMPAIGN, "photo:", "advocates[0].photo",
        ("not a project path",)),
    Bad("symlink-escape", both(symlink("content/media/escape.png", outside_png),
                               sub(CAMPAIGN, PHOTO, "photo: content/media/escape.png")), CAMPAIGN, "photo:",
        "advocates[0].photo", ("points outside", "symbolic link"), errors=2),  # and the link itself
    Bad("symlink-folder-escape", both(symlink("content/media/shared", lambda r: outside_png(r).parent),
                                      sub(CAMPAIGN, PHOTO, "photo: content/media/shared/secret.png")), CAMPAIGN,
        "photo:", "advocates[0].photo", ("points outside", "symbolic link"), errors=2),
    Bad("photo-missing", sub(CAMPAIGN, PHOTO, "photo: content/media/stev.png"), CAMPAIGN, "photo:",
        "advocates[0].photo", ("'content/media/stev.png' does not exist", "did you mean 'steve.png'?")),
    Bad("photo-is-text", both(write("content/media/notes.jpg", "these are notes, not a photo\n"),
                              sub(CAMPAIGN, PHOTO, "photo: content/media/notes.jpg")), CAMPAIGN, "photo:",
        "advocates[0].photo", ("'content/media/notes.jpg' is not an image", "JPEG, PNG, WebP")),
    Bad("photo-bomb", both(lambda r: png_header_only(r / "content/media/bomb.png", 40_000, 40_000),
                           sub(CAMPAIGN, PHOTO, "photo: content/media/bomb.png")), CAMPAIGN, "photo:",
        "advocates[0].photo", ("decompression bomb", "24 megapixels")),
    Bad("photo-too-many-pixels", both(lambda r: png_header_only(r / "content/media/big.png", 6000, 5000),
                                      sub(CAMPAIGN, PHOTO, "photo: content/media/big.png")), CAMPAIGN, "photo:",
        "advocates[0].photo", ("6000×5000 pixels", "24 megapixels")),
    Bad("photo-damaged", both(lambda r: png_header_only(r / "content/media/cut.png", 64, 64, with_data=False),
                              sub(CAMPAIGN, PHOTO, "photo: content/media/cut.png")), CAMPAIGN, "photo:",
        "advocates[0].photo", ("damaged or cut short",)),
    Bad("photo-gif", both(lambda r: png(r / "content/media/anim.gif"),
                          sub(CAMPAIGN, PHOTO, "photo: content/media/anim.gif")), CAMPAIGN, "photo:",
        "advocates[0].photo", ("not an accepted image file", "jpg, jpeg, png, webp")),
    Bad("photo-is-folder", sub(CAMPAIGN, PHOTO, "photo: content/media"), CAMPAIGN, "photo:", "advocates[0].photo",
        ("'content/media' is a folder",)),
    Bad("transcript-missing", sub(CAMPAIGN, "transcript: content/media/steve.md", "transcript: content/media/stev.md"),
        CAMPAIGN, "transcript:", "videos[0].transcript", ("does not exist", "did you mean 'steve.md'?")),
    Bad("transcript-not-utf8", write("content/media/steve.md", b"caf\xe9\n"), CAMPAIGN, "transcript:",
        "videos[0].transcript", ("not UTF-8",)),
    Bad("captions-missing", sub(CAMPAIGN, "captions: content/media/maria.vtt", "captions: content/media/maria.srt"),
        CAMPAIGN, "captions:", "videos[1].captions", ("'content/media/maria.srt' does not exist",)),
    Bad("captions-not-webvtt", write("content/media/maria.vtt", "1\n00:00:00,000 --> 00:00:02,000\nHi\n"), CAMPAIGN,
        "captions:", "videos[1].captions", ("does not start with WEBVTT",)),
    Bad("resource-file-missing", sub(CAMPAIGN, "file: content/media/security.pdf", "file: content/media/sec.pdf"),
        CAMPAIGN, "file:", "resources[1].file", ("'content/media/sec.pdf' does not exist",)),
    Bad("resource-file-outside", sub(CAMPAIGN, "file: content/media/security.pdf", "file: theme/brand.yaml"),
        CAMPAIGN, "file:", "resources[1].file", ("points outside content/ or campaigns/",)),
    Bad("account-logo-missing", sub(ACCOUNT, "logo: logo.png", "logo: logo.svg"), ACCOUNT, "logo:", "logo",
        ("'logo.svg' is not a file in content/accounts/acme/", "did you mean 'logo.png'?")),
    Bad("account-logo-escape", sub(ACCOUNT, "logo: logo.png", "logo: ../../media/steve.png"), ACCOUNT, "logo:",
        "logo", ("must be a file directly in content/accounts/acme/",)),
    Bad("account-logo-symlink-escape", both(lambda r: (r / "content/accounts/acme/logo.png").unlink(),
                                            symlink("content/accounts/acme/logo.png", outside_png)),
        ACCOUNT, "logo:", "logo", ("points outside content/accounts/acme/", "symbolic link"), errors=2),
    Bad("account-logo-not-image", write("content/accounts/acme/logo.png", "<svg>not a png</svg>"), ACCOUNT, "logo:",
        "logo", ("cannot be used", "is not an image")),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


def test_the_minimal_project_is_valid(project: Path, run_cli) -> None:
    result = run_cli("check", "--project", project, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "error" not in result.output


def test_there_are_at_least_forty_distinct_bad_inputs() -> None:
    assert len({c.name for c in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_input_is_one_precise_problem(case: Bad, project: Path, run_cli) -> None:
    case.breaks(project)
    result = run_cli("check", "--project", project, "--today", TODAY)
    assert result.exit_code == 1, result.output
    line = case.at if isinstance(case.at, int) else line_of(project, case.file, case.at)
    where = f"{case.field}: " if case.field else ""
    pattern = re.compile(rf"^{re.escape(case.file)}:{line}:\d+: error: {re.escape(where)}(?P<message>.+)$", re.M)
    found = [m.group("message") for m in pattern.finditer(result.output)
             if case.field or not re.match(r"[\w.\[\]]+: ", m.group("message"))]
    assert found, f"expected {case.file}:{line}: error: {where}… in\n{result.output}"
    assert any(all(w in message for w in case.words) for message in found), result.output
    errors = [x for x in result.output.splitlines() if ": error: " in x]
    assert len(errors) == case.errors, result.output
    assert result.output.rstrip().splitlines()[-1].startswith(f"{case.errors} error"), result.output


def test_every_problem_of_every_file_is_printed_in_one_run_sorted_by_file_and_line(project: Path, run_cli) -> None:
    edit(project, CAMPAIGN, "status: live", "status: life")
    edit(project, CAMPAIGN, "  - by: steve\n    text:", "  - by: stve\n    text:")
    edit(project, CAMPAIGN, "title: Spring", "titel: Spring")
    edit(project, ACCOUNT, 'primary: "#0B3D91"', "primary: navy")
    edit(project, MARIA, "title: Controller", "title: ''")
    result = run_cli("check", "--project", project, "--today", TODAY)
    assert result.exit_code == 1
    lines = result.output.rstrip().splitlines()
    assert lines[-1] == "5 errors, 0 warnings"
    where = [(x.split(":")[0], int(x.split(":")[1])) for x in lines[:-1]]
    assert where == sorted(where)
    assert [w[0] for w in where] == [CAMPAIGN] * 3 + [ACCOUNT, MARIA]
    assert all(re.match(r"^[\w/.-]+:\d+:\d+: error: [\w.\[\]]+: \S", x) for x in lines[:-1])


def test_github_actions_gets_an_annotation_for_each_problem(project: Path, run_cli) -> None:
    edit(project, CAMPAIGN, "status: live", "status: life")
    edit(project, ACCOUNT, 'primary: "#0B3D91"', "primary: navy")
    result = run_cli("check", "--project", project, "--today", TODAY, env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    notes = [x for x in result.output.splitlines() if x.startswith("::error ")]
    line = line_of(project, CAMPAIGN, "status:")
    assert notes[0].startswith(f"::error file={CAMPAIGN},line={line},col=9::status: 'life' is not accepted")
    assert notes[1].startswith(f"::error file={ACCOUNT},line=4,col=12::colors.primary: 'navy' is not a color")
    assert len(notes) == 2


def test_no_annotations_outside_github_actions(project: Path, run_cli) -> None:
    edit(project, CAMPAIGN, "status: live", "status: life")
    result = run_cli("check", "--project", project, "--today", TODAY, env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 1
    assert "::error" not in result.output


def test_language_no_stays_norwegian_not_false(project: Path) -> None:
    from coffeerun import api

    edit(project, CAMPAIGN, "language: en", "language: no")
    result = api.check(project, dt.date(2026, 11, 23))
    [problem] = result.problems.errors
    assert problem.field == "language" and problem.message.startswith("'no' is Norwegian")


def test_numbers_in_text_fields_keep_their_written_form(project: Path) -> None:
    from coffeerun import api

    edit(project, CAMPAIGN, 'value: "3 days"', "value: 3.10")
    edit(project, CAMPAIGN, "label: to close the books", "label: 1:20")
    result = api.check(project, dt.date(2026, 11, 23))
    assert not result.problems.errors
    metric = result.campaigns[0].model.metrics[0]
    assert (metric.value, metric.label) == ("3.10", "1:20")


def test_dates_are_read_as_dates(project: Path) -> None:
    from coffeerun import api

    edit(project, CAMPAIGN, "starts: 2026-11-01", 'starts: "2026-11-01"')
    model = api.check(project, dt.date(2026, 11, 23)).campaigns[0].model
    assert model.starts == dt.date(2026, 11, 1) and model.expires == dt.date(2027, 6, 30)


def test_a_broken_profile_used_by_two_campaigns_is_reported_once(project: Path, run_cli) -> None:
    text = (project / CAMPAIGN).read_text(encoding="utf-8")
    (project / "campaigns/autumn.yaml").write_text(text, encoding="utf-8")
    edit(project, MARIA, "department: finance", "department: finance\nmood: happy")
    result = run_cli("check", "--project", project, "--today", TODAY)
    assert result.exit_code == 1
    errors = [x for x in result.output.splitlines() if ": error: " in x]
    assert errors == [f"{MARIA}:4:1: error: mood: unknown field 'mood'; the fields here are approved, consent, "
                      "department, name, photo or title"]


def test_override_in_the_campaign_replaces_the_profile_value(project: Path) -> None:
    from coffeerun import api

    edit(project, CAMPAIGN, "- use: maria", "- use: maria\n    title: Chief Accountant")
    advocates = api.check(project, dt.date(2026, 11, 23)).campaigns[0].model.advocates
    assert (advocates[1].id, advocates[1].name, advocates[1].title) == ("maria", "Maria Lopez", "Chief Accountant")


def test_selected_campaign_is_checked_with_only_the_files_it_uses(project: Path, run_cli) -> None:
    (project / "campaigns/other.yaml").write_text("title: [broken\n", encoding="utf-8")
    write("content/advocates/unused.yaml", "name: [broken\n")(project)
    result = run_cli("check", "--project", project, "--today", TODAY, "spring")
    assert result.exit_code == 0, result.output
    result = run_cli("check", "--project", project, "--today", TODAY)
    assert result.exit_code == 1
    assert "campaigns/other.yaml:2:1: error: not valid YAML" in result.output
    assert "(while parsing a flow sequence that starts at line 1, column 8)" in result.output
    assert "content/advocates/unused.yaml:2:1: error: not valid YAML" in result.output


def test_expired_consent_withholds_with_a_warning_and_exit_zero(project: Path, run_cli) -> None:
    edit(project, CAMPAIGN, "expires: 2027-10-14", "expires: 2026-11-20")
    result = run_cli("check", "--project", project, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert f"{CAMPAIGN}:1:1: warning: withheld" in result.output
    assert "consent expired on 2026-11-20" in result.output


def test_unknown_campaign_name_on_the_command_line_is_wrong_usage(project: Path, run_cli) -> None:
    result = run_cli("check", "--project", project, "--today", TODAY, "sprng")
    assert result.exit_code == 2
    assert "did you mean 'spring'?" in result.output


def test_a_symlinked_project_root_is_not_an_escape(tmp_path: Path, run_cli) -> None:
    real = write_project(tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    result = run_cli("check", "--project", tmp_path / "link", "--today", TODAY)
    assert result.exit_code == 0, result.output


def test_a_slide_layout_colour_that_is_neither_a_palette_name_nor_hex_is_an_error_at_its_line(example_project,
                                                                                            run_cli) -> None:
    layouts = example_project / "theme" / "slides" / "layouts.yaml"
    text = layouts.read_text(encoding="utf-8")
    stripe = "{id: stripe, type: rect, box: [0, 0, 1920, 14], fill: accent}"
    assert stripe in text
    text = text.replace(stripe, stripe.replace("accent", "pirmary"), 1)
    layouts.write_text(text.replace("fill: primary-deep}", 'fill: "#abc"}', 1), encoding="utf-8")
    line = next(n for n, row in enumerate(text.split("\n"), 1) if "pirmary" in row)
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    out = result.stdout + result.stderr
    assert result.exit_code == 1
    assert re.search(rf"theme/slides/layouts.yaml:{line}:\d+: error: layouts\.title\.elements\[0\]\.fill: 'pirmary' "
                     r"is not a slide colour; use a palette name \(.*\) or #RRGGBB; did you mean 'primary'\?", out), out
    assert out.count("is not a slide colour") == 1  # "#abc" is a colour: every renderer draws it as #aabbcc
    layouts.write_text(layouts.read_text(encoding="utf-8").replace("type: rect", "type: rct", 1), encoding="utf-8")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    out = result.stdout + result.stderr
    assert re.search(rf"theme/slides/layouts.yaml:{line}:\d+: error: layouts\.title\.elements\[0\]\.type: 'rct' is "
                     r"not a slide element type; use rect, text, logo, avatar or qr; did you mean 'rect'\?", out), out

    from coffeerun.project import ProjectPaths
    from coffeerun.render.assets.compose import Composer
    from coffeerun.render.assets.fonts import FontBook
    from coffeerun.render.assets.theme import load_theme

    composer = Composer(load_theme(ProjectPaths(example_project)), {"accent": "#f5a623"}, FontBook("en"))
    assert composer.color("#abc") == "#aabbcc" and composer.color("accent") == "#f5a623"
