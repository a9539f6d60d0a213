"""Consent records and approval: scope, withdrawal (withheld and purged), approval codes, require_approval."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from markupsafe import escape

from coffeerun import api
from coffeerun.approval import approval_code
from coffeerun.render import media
from coffeerun.render.report import report_token

TREASURY = "campaigns/northwind-treasury-close.yaml"
PRIYA_CONSENT = "      granted: 2026-10-14\n      expires: 2027-10-14\n"  # Priya's, inline in TREASURY
PRIYA_SCOPE = "      scope: [name, photo, quotes, metrics, video, slides]"
PRIYA_WORDING = "      wording: content/consent/tallybrook-advocate-release-2026.md"
APPROVED = re.compile(r"\n    approved: \{[^}]*\}[^\n]*")
PRIYA_QUOTE = "Our auditors used to ask for the same evidence every quarter."
PRIYA_PHOTO = "content/media/photos/priya-raman.jpg"
SECRET = {"COFFEERUN_SECRET": "consent-tests-0123456789abcdef0123456789"}


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def priya_consent(project: Path, extra: str) -> None:
    edit(project, TREASURY, PRIYA_CONSENT, PRIYA_CONSENT + extra)


def priya_scope(project: Path, words: str) -> None:
    edit(project, TREASURY, PRIYA_SCOPE, f"      scope: [{words}]")


def errors(result) -> list[str]:
    return [line for line in result.output.splitlines() if ": error: " in line]


def line_of(project: Path, rel: str, needle: str, after: str = "") -> int:
    lines = (project / rel).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def settings(project: Path, **values: object) -> None:
    body = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in values.items())
    with open(project / "mkdocs.yml", "a", encoding="utf-8") as handle:
        handle.write("\nextra:\n  coffeerun:\n" + body)


# -- scope -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("missing", "section", "text"), [
    ("quotes", "quotes", "a quote by 'priya-raman', but `quotes` is not in their consent scope"),
    ("metrics", "metrics", "a metric by 'priya-raman', but `metrics` is not in their consent scope"),
    ("video", "videos", "a video by 'priya-raman', but `video` is not in their consent scope"),
])
def test_content_outside_the_scope_is_an_error_at_the_content_line(example_project, run_cli, missing, section, text):
    scope = [w for w in ("name", "photo", "quotes", "metrics", "video", "slides") if w != missing]
    priya_scope(example_project, ", ".join(scope))
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    assert result.exit_code == 1
    found = [e for e in errors(result) if text in e]
    by_line = line_of(example_project, TREASURY, "by: priya-raman", after=f"{section}:")
    assert found and found[0].startswith(f"{TREASURY}:{by_line}:")
    assert f"error: {section}[0].by:" in found[0] and f"add {missing} to consent.scope" in found[0]


def test_a_photo_without_photo_in_the_scope_is_an_error_at_the_photo_line(example_project, run_cli):
    priya_scope(example_project, "name, quotes, metrics, video, slides")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    photo_line = line_of(example_project, TREASURY, f"photo: {PRIYA_PHOTO}")
    assert errors(result) == [
        f"{TREASURY}:{photo_line}:12: error: advocates[0].photo: priya-raman has a photo, but `photo` is not in "
        "their consent scope (scope: name, quotes, metrics, video, slides); remove the photo or add photo to "
        "consent.scope once they agreed"]


def test_a_profile_photo_outside_the_scope_is_reported_at_the_use_line(example_project, run_cli):
    edit(example_project, "content/advocates/marcus-okafor.yaml", "  expires: 2027-09-30\n",
         "  expires: 2027-09-30\n  scope: [name, quotes, metrics, video, slides]\n")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    use_line = line_of(example_project, TREASURY, "- use: marcus-okafor")
    assert any(e.startswith(f"{TREASURY}:{use_line}:") and "written in content/advocates/marcus-okafor.yaml" in e
               for e in errors(result))


def test_without_name_an_advocate_appears_by_title_and_department_only(example_project, run_cli, tmp_path):
    priya_scope(example_project, "photo, quotes, metrics, video, slides")
    # her transcript names her: it is the marketer's text, left out here to look at what coffeerun writes
    edit(example_project, TREASURY, "    transcript: content/media/transcripts/northwind-priya-raman.md\n", "")
    out = tmp_path / "site"
    result = run_cli("build", "--project", example_project, "--today", "2026-11-23", "--out", out, "--no-assets",
                     "--no-cache", "northwind-treasury-close", env=SECRET)
    assert result.exit_code == 0, result.output
    pages = list(out.rglob("*.html"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "Priya" not in text and "Raman" not in text
    shown = str(escape("VP, Treasury Operations (Finance & Treasury)"))
    assert shown in text
    assert re.search(r'<meta property="og:[a-z]+" content="[^"]*"', text)  # og tags are there, without her name
    assert f"<option value=\"priya-raman\">{shown}</option>" in text  # she signs the messages ({advocate})


def test_without_slides_nothing_of_theirs_is_on_slides_cards_or_decks(example_project, run_cli, tmp_path):
    from pptx import Presentation

    priya_scope(example_project, "name, photo, quotes, metrics, video")
    out = tmp_path / "site"
    result = run_cli("build", "--project", example_project, "--today", "2026-11-23", "--out", out, "--no-cache",
                     "northwind-treasury-close", env=SECRET)
    assert result.exit_code == 0, result.output
    downloads = next(out.glob("*/downloads"))
    slides = sorted(p.name for p in (downloads / "slides").iterdir())
    cards = sorted(p.name for p in (downloads / "cards").iterdir())
    # quotes 1-2 and metrics 1-2 are hers; the others keep their numbers
    assert not any(re.search(r"-(quote-[12]|metric-[12])\.png$", s) for s in slides)
    assert "02-quote-3.png" in slides and cards == ["quote-3.png", "quote-4.png", "quote-5.png"]
    deck = Presentation(str(downloads / "deck.pptx"))
    words = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    notes = " ".join(s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide)
    assert "Priya" not in words + notes and "auditors used to ask" not in words
    kit = (downloads.parent / "index.html").read_text(encoding="utf-8")
    assert "Priya Raman" in kit  # the pages still show her: only slides are out of scope


# -- bad input -------------------------------------------------------------------------------------

def test_an_unknown_scope_word_is_one_line_with_the_accepted_words(example_project, run_cli):
    priya_scope(example_project, "name, quote")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    line = line_of(example_project, TREASURY, "scope: [name, quote]")
    assert errors(result) == [
        f"{TREASURY}:{line}:21: error: advocates[0].consent.scope[1]: 'quote' is not accepted; write one of "
        "name, photo, quotes, metrics, video or slides; did you mean 'quotes'?"]


def test_withdrawn_before_granted_is_one_line(example_project, run_cli):
    priya_consent(example_project, "      withdrawn: 2026-10-01\n")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    line = line_of(example_project, TREASURY, "withdrawn: 2026-10-01")
    assert errors(result) == [
        f"{TREASURY}:{line}:18: error: advocates[0].consent.withdrawn: consent withdrawn on 2026-10-01, before it "
        "was granted on 2026-10-14; write the day they took it back, on or after 2026-10-14"]


@pytest.mark.parametrize("code", ["7F3A91C2", "7F3A-91CG", "7F3-A91C2", "12345"])
def test_a_malformed_approval_code_is_one_line_with_the_accepted_form(example_project, run_cli, code):
    text = (example_project / TREASURY).read_text(encoding="utf-8")
    current = re.search(r"approved: \{on: 2026-11-12, code: ([0-9A-F-]+)\}", text).group(1)
    edit(example_project, TREASURY, f"code: {current}}}", f"code: {code}}}")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    assert len(errors(result)) == 1
    line = line_of(example_project, TREASURY, f"code: {code}}}")
    assert errors(result)[0].startswith(f"{TREASURY}:{line}:")
    assert "advocates[0].approved.code:" in errors(result)[0]
    assert "is not an approval code; write the 8 hex digits" in errors(result)[0] and "7F3A-91C2" in errors(result)[0]


@pytest.mark.parametrize(("wording", "message"), [
    ("content/consent/release.pdf", "is not a .md or .txt file"),
    ("campaigns/release.md", "points outside content/"),
    ("content/consent/missing.md", "missing.md"),
    ("content/consent/script.md", "javascript"),
])
def test_a_wording_must_be_a_text_file_inside_content(example_project, run_cli, wording, message):
    edit(example_project, TREASURY, PRIYA_WORDING, f"      wording: {wording}")
    (example_project / "campaigns/release.md").write_text("I agree.\n", encoding="utf-8")
    (example_project / "content/consent/script.md").write_text("I [agree](javascript:alert(1)).\n", encoding="utf-8")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23")
    assert len(errors(result)) == 1 and "advocates[0].consent.wording:" in errors(result)[0]
    assert message in errors(result)[0]


# -- withdrawal ------------------------------------------------------------------------------------

def _holders(roots: list[Path], needles: list[bytes]) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                found += [f"{path}" for n in needles if n in data]
    return found


def _unnamed_objects(cache: Path) -> list[str]:
    named = set()
    for record in cache.glob("*/*/*.json"):
        named |= {str(v[0]) for v in json.loads(record.read_bytes()).get("files", {}).values()}
    return sorted(p.name for p in (cache / "objects").glob("*/*") if p.name not in named)


def test_withdrawal_withholds_the_campaign_and_purges_every_render_of_their_content(example_project, run_cli,
                                                                                     tmp_path):
    out = tmp_path / "site"
    build = ["build", "--project", example_project, "--out", out, "--jobs", "1", "northwind-treasury-close"]
    first = run_cli(*build, "--today", "2026-11-23", env=SECRET)
    assert first.exit_code == 0, first.output
    cache = example_project / ".cache" / "coffeerun"
    photo = (example_project / PRIYA_PHOTO).read_bytes()
    needles = [PRIYA_QUOTE.encode(), str(escape(PRIYA_QUOTE)).encode(), photo,
               media.photo(example_project / PRIYA_PHOTO).data]
    assert _holders([cache, out], needles), "the first build should have rendered her content"

    priya_consent(example_project, "      withdrawn: 2026-11-24\n")
    check = run_cli("check", "--project", example_project, "--today", "2026-11-24")
    assert check.exit_code == 0
    assert ("warning: withheld, not published: Priya Raman (priya-raman): consent withdrawn on 2026-11-24"
            in check.output)
    second = run_cli(*build, "--today", "2026-11-24", env=SECRET)
    assert second.exit_code == 0, second.output
    assert "consent withdrawn on 2026-11-24" in second.output and "withheld 1" in second.output
    assert "deleted" in second.output and "(priya-raman)" in second.output
    assert _holders([cache, out], needles) == []
    report = report_token(SECRET["COFFEERUN_SECRET"].encode())  # the program report names no advocate content
    assert not [p for p in out.iterdir() if p.is_dir() and p.name not in ("_theme", report)]  # nothing left
    third = run_cli(*build, "--today", "2026-11-25", env=SECRET)  # the next nightly build: nothing left to purge
    assert third.exit_code == 0 and "deleted" not in third.output


def test_withdrawal_leaves_no_validation_record_naming_the_advocate(example_project, run_cli):
    """Validation records keep what the program report reads (names, titles): those made before the
    withdrawal go with the renders, and none is made while it withholds the campaign; the build's own
    record does not keep the warning that names her."""
    build = ["build", "--project", example_project, "--out", example_project.parent / "site", "--jobs", "1",
             "northwind-treasury-close"]
    # a '#' YAML reads as a comment in her highlight: the warning quotes the rest of her words
    edit(example_project, TREASURY, "    highlight: Zero audit findings on cash",
         "    highlight: Zero audit findings #cash")
    first = run_cli(*build, "--today", "2026-11-23", env=SECRET)
    assert first.exit_code == 0 and "ends at 'Zero audit findings'" in first.output, first.output
    preview = [*build[:4], example_project.parent / "preview", *build[5:]]  # another output: its own record
    assert run_cli(*preview, "--today", "2026-11-23", env=SECRET).exit_code == 0
    records = example_project / ".cache" / "coffeerun" / "validate"
    assert _holders([records], [b"Priya Raman"]), "validation should have kept her name for the report"
    assert _holders([records.parent], [b"Zero audit findings"]), "the build's record should keep the warning"
    priya_consent(example_project, "      withdrawn: 2026-11-24\n")
    withheld = run_cli(*build, "--today", "2026-11-24", env=SECRET)
    assert withheld.exit_code == 0 and "Priya Raman (priya-raman): consent withdrawn on" in withheld.output
    assert _holders([records.parent], [b"Priya Raman", b"VP, Treasury Operations"]) == []  # the build's record too
    assert _holders([records.parent], [b"Zero audit findings"]) == []  # nor a warning quoting her
    again = run_cli(*build, "--today", "2026-11-24", env=SECRET)  # not replayed from a record: said again
    assert again.exit_code == 0 and "Priya Raman (priya-raman): consent withdrawn on" in again.output


def test_withdrawal_from_an_ended_campaign_purges_her_renders_once_and_no_record_names_her(example_project,
                                                                                         run_cli, tmp_path):
    """An ended campaign is not built, and an advocate may still take her consent back from it: what earlier
    builds kept of her content goes from the store, and the campaign's validation record, which later builds
    reuse, no longer holds her name or title (the program report shows her by number only)."""
    out = tmp_path / "site"
    build = ["build", "--project", example_project, "--out", out, "--jobs", "1", "northwind-treasury-close"]
    # a '#' YAML reads as a comment in her highlight: the warning quotes the rest of her words
    edit(example_project, TREASURY, "    highlight: Zero audit findings on cash",
         "    highlight: Zero audit findings #cash")
    assert run_cli(*build, "--today", "2026-11-23", env=SECRET).exit_code == 0
    cache = example_project / ".cache" / "coffeerun"
    needles = [PRIYA_QUOTE.encode(), str(escape(PRIYA_QUOTE)).encode(), (example_project / PRIYA_PHOTO).read_bytes(),
               media.photo(example_project / PRIYA_PHOTO).data, b"Zero audit findings"]
    assert _holders([cache], needles), "the first build should have kept her content"
    edit(example_project, TREASURY, "status: live", "status: ended")
    priya_consent(example_project, "      withdrawn: 2026-11-24\n")
    other = example_project / "campaigns" / "kaede-getsuji-kessan.yaml"
    fine = other.read_text(encoding="utf-8")
    other.write_text(fine.replace("status:", "status: [", 1), encoding="utf-8")  # a build that stops early
    stopped = run_cli("build", "--project", example_project, "--out", out, "--jobs", "1", "--today", "2026-11-24",
                      env=SECRET)
    assert stopped.exit_code == 1 and _holders([cache], needles), stopped.output
    other.write_text(fine, encoding="utf-8")  # the next build purges: the stopped one kept no record
    ended = run_cli(*build, "--today", "2026-11-24", env=SECRET)
    assert ended.exit_code == 0, ended.output
    assert "deleted" in ended.output and "(priya-raman)" in ended.output
    assert _holders([cache, out], needles) == []
    assert _holders([cache / "validate"], [b"Priya Raman", b"VP, Treasury Operations"]) == []
    assert _unnamed_objects(cache) == []  # what only the removed records named (her photo cut round) went too
    marker = (cache / "withdrawn.json").read_bytes()
    nightly = run_cli(*build, "--today", "2026-11-25", env=SECRET)  # the record is reused: nothing to purge
    assert nightly.exit_code == 0 and "deleted" not in nightly.output
    assert (cache / "withdrawn.json").read_bytes() == marker
    assert _holders([cache], [b"Priya Raman", b"VP, Treasury Operations", *needles]) == []


def test_an_old_validation_record_naming_her_goes_however_short_her_name(tmp_path):
    """The purge finds validation records by their report facts (her id with her name or title), not only
    by texts long enough to search the bytes for."""
    from coffeerun.purge import Needles, _naming
    from coffeerun.store import Store

    store = Store(tmp_path / "cache")
    facts = {"advocates": [["bo-li", "Bo Li", "CFO", True, None], ["ann", "Ann", "CEO", True, None]]}
    store.put("validate", "a" * 64, {"report": facts})
    store.put("validate", "b" * 64, {"report": {"advocates": [["ann", "Ann", "CEO", True, None]]}})
    found = _naming(store, Needles(person=("bo-li", "Bo Li", "CFO")), 0.0)
    assert [p.read_bytes().count(b"Bo Li") for p in found] == [1]


def test_withdrawal_takes_effect_on_its_day_not_before(example_project):
    priya_consent(example_project, "      withdrawn: 2026-12-01\n")
    before = api.check(example_project, __import__("datetime").date(2026, 11, 30), ["northwind-treasury-close"])
    on = api.check(example_project, __import__("datetime").date(2026, 12, 1), ["northwind-treasury-close"])
    assert before.campaigns[0].state.published
    assert on.campaigns[0].state.kind == "withheld"


# -- approval codes --------------------------------------------------------------------------------

def _codes(project: Path) -> dict[str, str]:
    import datetime as dt

    result = api.check(project, dt.date(2026, 11, 23), ["northwind-treasury-close"])
    assert not result.problems.errors, result.problems.items
    model = result.campaigns[0].model
    return {a.id: approval_code(model, a.id, project) for a in model.advocates}


def test_the_approval_code_is_8_hex_digits_in_two_groups_and_stable(example_project):
    codes = _codes(example_project)
    assert all(re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", c) for c in codes.values())
    assert codes == _codes(example_project)
    assert len(set(codes.values())) == len(codes)


@pytest.mark.parametrize(("old", "new"), [
    ("    name: Priya Raman\n", "    name: Priya Raman-Lee\n"),
    ("    title: VP, Treasury Operations\n", "    title: SVP, Treasury Operations\n"),
    ("    department: finance          # an audience id", "    department: operations          #"),
    ("found it themselves", "found the evidence themselves"),
    ("    highlight: Zero audit findings on cash\n", "    highlight: No audit findings on cash\n"),
    ("    audiences: [finance]\n  - by: marcus-okafor", "    audiences: [finance, it]\n  - by: marcus-okafor"),
    ("    label: to close the books, down from 9\n", "    label: to close the books, down from 10\n"),
    ("    title: Why I'd pick Tallybrook again\n", "    title: Why I would pick Tallybrook again\n"),
    ("    audiences: [finance, procurement, operations]\n", "    audiences: [finance, operations]\n"),
])
def test_the_code_changes_with_any_of_their_items_and_not_with_another_advocates(example_project, old, new):
    before = _codes(example_project)
    edit(example_project, TREASURY, old, new)
    after = _codes(example_project)
    assert after["priya-raman"] != before["priya-raman"]
    assert {k: v for k, v in after.items() if k != "priya-raman"} == \
        {k: v for k, v in before.items() if k != "priya-raman"}


def test_the_code_changes_with_the_photo_bytes(example_project):
    before = _codes(example_project)
    photo = example_project / PRIYA_PHOTO
    photo.write_bytes(photo.read_bytes() + b"\0")
    after = _codes(example_project)
    assert after["priya-raman"] != before["priya-raman"] and after["daniel-reyes"] == before["daniel-reyes"]


def test_another_advocates_quote_leaves_the_code_alone(example_project):
    before = _codes(example_project)
    edit(example_project, TREASURY, "Watching\n      Treasury go paperless", "Seeing\n      Treasury go paperless")
    after = _codes(example_project)
    assert after["daniel-reyes"] != before["daniel-reyes"]
    assert all(after[a] == before[a] for a in before if a != "daniel-reyes")


# -- approvals and require_approval ----------------------------------------------------------------

def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   check=True, capture_output=True)


def _approve_all(project: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    codes = _codes(project)
    text = APPROVED.sub("", (project / TREASURY).read_text(encoding="utf-8"))
    for advocate, code in codes.items():  # an `approved:` line after each advocate's id or `use:`
        if advocate in skip:
            continue
        text = re.sub(rf"(\n  - (?:id|use): {advocate}\n)", rf"\1    approved: {{on: 2026-11-20, code: {code}}}\n",
                      text, count=1)
    (project / TREASURY).write_text(text, encoding="utf-8")
    assert _codes(project) == codes
    return codes


def test_approvals_lists_approved_changed_and_never_with_what_changed(example_project, run_cli):
    _approve_all(example_project, skip=("daniel-reyes",))
    _git(example_project, "init", "-q")
    _git(example_project, "add", "-A")
    _git(example_project, "commit", "-qm", "approved")
    edit(example_project, TREASURY, "found it themselves", "found the evidence themselves")
    result = run_cli("approvals", "--project", example_project, "--json", "northwind-treasury-close")
    assert result.exit_code == 0, result.output
    rows = {r["advocate"]: r for r in json.loads(result.stdout)}
    assert rows["priya-raman"]["state"] == "changed"
    assert rows["priya-raman"]["changed"] == ['quote "Our auditors used to ask for the same evidence ev…" '
                                              "changed (text)"]
    assert rows["marcus-okafor"]["state"] == "approved" and rows["marcus-okafor"]["changed"] is None
    assert rows["daniel-reyes"]["state"] == "never" and rows["daniel-reyes"]["approved_code"] is None
    assert rows["priya-raman"]["code"] != rows["priya-raman"]["approved_code"]
    text = run_cli("approvals", "--project", example_project, "northwind-treasury-close").stdout
    assert "priya-raman" in text and "changed since: quote" in text


def test_approvals_outside_git_says_changed_without_what(example_project, run_cli):
    _approve_all(example_project)
    edit(example_project, TREASURY, "found it themselves", "found the evidence themselves")
    rows = json.loads(run_cli("approvals", "--project", example_project, "--json").stdout)
    priya = next(r for r in rows if r["advocate"] == "priya-raman")
    assert priya["state"] == "changed" and priya["changed"] is None


def test_require_approval_withholds_a_live_campaign_with_an_unapproved_change(example_project, run_cli):
    settings(example_project, require_approval=True)
    _approve_all(example_project)
    _git(example_project, "init", "-q")
    _git(example_project, "add", "-A")
    _git(example_project, "commit", "-qm", "approved")
    ok = run_cli("check", "--project", example_project, "--today", "2026-11-23", "northwind-treasury-close")
    assert ok.exit_code == 0 and "withheld" not in ok.output and "1 to publish" in ok.output
    edit(example_project, TREASURY, "    title: VP, Treasury Operations\n", "    title: SVP, Treasury Operations\n")
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23", "northwind-treasury-close")
    assert result.exit_code == 0
    warning = next(line for line in result.output.splitlines() if "warning:" in line)
    assert "withheld, not published (require_approval): Priya Raman (priya-raman) approved" in warning
    assert warning.endswith(": title") and "0 to publish" in result.output


def test_without_require_approval_an_unapproved_campaign_is_published(example_project, run_cli):
    result = run_cli("check", "--project", example_project, "--today", "2026-11-23", "northwind-treasury-close")
    assert "1 to publish" in result.output


def test_the_kit_shows_the_current_code_how_to_approve_it_and_the_consent_wording(example_project, run_cli,
                                                                                tmp_path):
    (example_project / "content/consent/2026-10.md").write_text("I agree that **Tallybrook** may show my words.\n",
                                                                 encoding="utf-8")
    edit(example_project, TREASURY, PRIYA_WORDING, "      wording: content/consent/2026-10.md")
    codes = _codes(example_project)
    out = tmp_path / "site"
    result = run_cli("build", "--project", example_project, "--today", "2026-11-23", "--out", out, "--no-assets",
                     "--no-cache", "northwind-treasury-close", env=SECRET)
    assert result.exit_code == 0, result.output
    kits = [p.read_text(encoding="utf-8") for p in out.glob("*/index.html")]
    kits = [h for h in kits if "cr-approval" in h]
    html = next(h for h in kits if all(code in h for code in codes.values()))  # the owner's view
    own = [h for h in kits if h is not html]  # each advocate's own kit: their own code only
    assert own and all(sum(code in h for code in codes.values()) == 1 for h in own)
    assert "reply to Renata Alves with this code" in html
    assert "I agree that <strong>Tallybrook</strong> may show my words." in html


def test_links_json_says_not_approved_for_who_holds_a_campaign_back(example_project, run_cli):
    settings(example_project, require_approval=True)
    _approve_all(example_project, skip=("priya-raman",))
    result = run_cli("links", "--project", example_project, "--today", "2026-11-23", "--json")
    campaign = next(c for c in json.loads(result.stdout) if c["id"] == "northwind-treasury-close")
    states = {adv: row["state"] for adv, row in campaign["advocates"].items()}
    assert campaign["published"] is False
    assert states["priya-raman"] == "not approved"
    assert set(states.values()) == {"not approved", "withheld"}
    _approve_all(example_project)
    campaign = next(c for c in json.loads(run_cli("links", "--project", example_project, "--today", "2026-11-23",
                                                  "--json").stdout) if c["id"] == "northwind-treasury-close")
    assert campaign["published"] is True
    assert {row["state"] for row in campaign["advocates"].values()} == {"published"}
