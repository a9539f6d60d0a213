"""`check` warns about text YAML or the slides would cut, and points YAML syntax errors at the mistake."""

from __future__ import annotations

import re

CAMPAIGN = "campaigns/northwind-treasury-close.yaml"


def edit(project, old: str, new: str) -> None:
    path = project / CAMPAIGN
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(project, needle: str) -> int:
    lines = (project / CAMPAIGN).read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def check(run_cli, project):
    result = run_cli("check", "--project", project, "--today", "2026-11-23", "northwind-treasury-close")
    return result, result.stdout + result.stderr


def test_a_hash_after_plain_prose_is_a_warning_at_its_line_with_the_quoted_fix(example_project, run_cli):
    edit(example_project, "    highlight: Zero audit findings on cash", "    highlight: We are the #1 team #winning")
    line = line_of(example_project, "#winning")
    result, out = check(run_cli, example_project)
    assert result.exit_code == 0  # a warning, not an error
    assert re.search(rf"{CAMPAIGN}:{line}:\d+: warning: quotes\[1\]\.highlight: YAML reads '#1 team #winning' as a "
                     r"comment, so this text ends at 'We are the'", out), out
    assert 'highlight: "We are the #1 team #winning"' in out


def test_a_deliberate_comment_after_a_value_is_not_a_warning(example_project, run_cli):
    edit(example_project, "    highlight: Zero audit findings on cash",
         "    highlight: Zero audit findings on cash   # from the 2026 audit")
    _, out = check(run_cli, example_project)
    assert "as a comment" not in out, out


def test_a_quoted_hash_is_text_and_not_a_warning(example_project, run_cli):
    edit(example_project, "    highlight: Zero audit findings on cash", '    highlight: "We are the #1 team"')
    _, out = check(run_cli, example_project)
    assert "as a comment" not in out, out


def test_a_highlight_too_long_for_its_pull_out_names_the_limit(example_project, run_cli):
    long = "Nine days to three, a calmer team every month-end, and no weekend work for anyone at all now"
    long = f"{long}; {long}"  # far more than a pull-out holds, whatever the layouts make of it
    edit(example_project, "    highlight: 9 days → 3", f"    highlight: {long}")
    line = line_of(example_project, long)
    result, out = check(run_cli, example_project)
    assert result.exit_code == 0
    match = re.search(rf"{CAMPAIGN}:{line}:\d+: warning: quotes\[0\]\.highlight: (\d+) words will be cut with '…' "
                      r"on [a-z ]*card \(about (\d+) words fit on \d+ lines?", out)
    assert match, out
    assert int(match.group(2)) < int(match.group(1)) == len(long.split())


def test_a_180_word_quote_is_a_warning_naming_how_many_words_fit(example_project, run_cli):
    words = " ".join(["month-end"] * 60 + ["closes"] * 60 + ["faster"] * 60)
    edit(example_project, "    highlight: 9 days → 3\n", "    highlight: 9 days → 3\n  - by: steve-konkol\n"
         f"    text: {words}\n")
    _, out = check(run_cli, example_project)
    match = re.search(r"warning: quotes\[1\]\.text: 180 words will be cut with '…' on the quote slide and the quote "
                      r"card \(about (\d+) words fit", out)
    assert match, out
    assert 10 < int(match.group(1)) < 180


def test_a_title_too_long_for_the_title_slide_is_a_warning_from_the_projects_own_layouts(example_project, run_cli):
    # The limit comes from theme/slides/layouts.yaml: a project with a smaller title box gets a smaller limit.
    layouts = example_project / "theme" / "slides" / "layouts.yaml"
    text = layouts.read_text(encoding="utf-8")
    box = "{id: title, type: text, box: [96, 412, 1056, 420]"
    assert box in text
    layouts.write_text(text.replace(box, "{id: title, type: text, box: [96, 412, 1056, 56]"), encoding="utf-8")
    _, out = check(run_cli, example_project)
    match = re.search(r":15:8: warning: title: 10 words will be cut with '…' on the title slide \(about (\d+) words "
                      r"fit", out)
    assert match, out
    assert 0 < int(match.group(1)) < 10


def test_the_example_campaigns_have_no_check_warnings(run_cli):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = run_cli("check", "--project", root, "--today", "2026-11-23")
    out = result.stdout + result.stderr
    assert "will be cut" not in out and "as a comment" not in out, out


def test_an_unclosed_quote_is_reported_at_its_own_line_not_at_the_end_of_the_file(example_project, run_cli):
    edit(example_project, "    highlight: Zero audit findings on cash", '    highlight: "Zero audit findings on cash')
    line = line_of(example_project, '"Zero audit findings')
    total = len((example_project / CAMPAIGN).read_text(encoding="utf-8").split("\n"))
    assert total - line > 30
    result, out = check(run_cli, example_project)
    assert result.exit_code == 1
    assert re.search(rf"{CAMPAIGN}:{line}:16: error: not valid YAML: unclosed quote", out), out


def test_a_tab_is_reported_at_its_line_with_a_hint(example_project, run_cli):
    edit(example_project, "  - id: finance", "\t- id: finance")
    line = line_of(example_project, "\t- id: finance")
    result, out = check(run_cli, example_project)
    assert result.exit_code == 1
    assert re.search(rf"{CAMPAIGN}:{line}:1: error: not valid YAML: a tab character: YAML indents with spaces",
                     out), out


def test_a_missing_colon_is_reported_at_the_key_with_a_hint(example_project, run_cli):
    edit(example_project, "account: northwind-bank", "account northwind-bank")
    line = line_of(example_project, "account northwind-bank")
    result, out = check(run_cli, example_project)
    assert result.exit_code == 1
    assert re.search(rf"{CAMPAIGN}:{line}:1: error: not valid YAML: missing colon", out), out


def test_a_build_that_validates_in_its_workers_shows_the_warnings_check_shows(example_project):
    # From PARALLEL_FROM campaigns on, a build validates them in chunks in its workers: their warnings
    # (here a quote the slides cut and a '#' read as a comment) reach the build's report as check's do.
    import datetime as dt
    import shutil

    from coffeerun.digests import FileDigests
    from coffeerun.project import ProjectPaths
    from coffeerun.store import Store
    from coffeerun.validate import validate_project
    from coffeerun.validcache import PARALLEL_FROM, Validation

    words = " ".join(["month-end"] * 60 + ["closes"] * 60 + ["faster"] * 60)
    edit(example_project, "    highlight: 9 days → 3\n", "    highlight: 9 days → 3\n  - by: daniel-reyes\n"
         f"    text: {words}\n")
    edit(example_project, "    highlight: Zero audit findings on cash", "    highlight: We are the #1 team #winning")
    for n in range(PARALLEL_FROM):
        shutil.copy(example_project / CAMPAIGN, example_project / "campaigns" / f"copy-{n:02d}.yaml")

    class InProcess:  # the workers' pool, run here: the same calls, the same results
        def submit(self, fn, *args, what):
            return fn(*args)

        def result(self, future):
            return future

    today = dt.date(2026, 11, 23)
    paths = ProjectPaths(example_project)
    checked = Validation(paths, FileDigests(), Store(None)).run(today, None, InProcess(), 2)
    expected = validate_project(example_project, today).problems.warnings
    assert len([p for p in expected if "will be cut" in p.message]) == PARALLEL_FROM + 1
    assert len([p for p in expected if "as a comment" in p.message]) == PARALLEL_FROM + 1
    assert not checked.problems.errors and len(checked.campaigns) == PARALLEL_FROM + 4
    assert checked.problems.warnings == expected
    # A build of named campaigns: also the warnings in the advocate files they use.
    advocate = example_project / "content" / "advocates" / "marcus-okafor.yaml"
    advocate.write_text(advocate.read_text(encoding="utf-8").replace(
        "title: Director, Information Security", "title: Director of the #1 team #winning"), encoding="utf-8")
    only = [f"copy-{n:02d}" for n in range(PARALLEL_FROM)]
    named = Validation(paths, FileDigests(), Store(None)).run(today, only, InProcess(), 2).problems.warnings
    assert any(p.path.endswith("marcus-okafor.yaml") for p in named)
    assert named == validate_project(example_project, today, only).problems.warnings
    # A pages-only build (its workers too): the same warnings but those about text the slides would cut.
    pages = Validation(paths, FileDigests(), Store(None), slides=False).run(today, None, InProcess(), 2)
    assert pages.problems.warnings == [p for p in validate_project(example_project, today).problems.warnings
                                       if "will be cut" not in p.message]
    assert len([p for p in pages.problems.warnings if "as a comment" in p.message]) == PARALLEL_FROM + 2


def test_a_build_that_reuses_a_campaigns_validation_shows_its_warnings_again(example_project, tmp_path, run_cli):
    edit(example_project, "    highlight: Zero audit findings on cash", "    highlight: We are the #1 team #winning")
    line = line_of(example_project, "#winning")
    warning = rf"{CAMPAIGN}:{line}:\d+: warning: quotes\[1\]\.highlight: YAML reads '#1 team #winning'"
    env = {"COFFEERUN_CACHE_DIR": str(tmp_path / "cache"), "COFFEERUN_SECRET": "s" * 40}

    def build():
        result = run_cli("build", "--project", example_project, "--today", "2026-11-23", "--no-assets",
                         "--out", tmp_path / "site", env=env)
        assert result.exit_code == 0, result.output
        return result.stdout + result.stderr

    assert re.search(warning, build())
    other = example_project / "campaigns" / "kaede-getsuji-kessan.yaml"  # validated again; ours is reused
    other.write_text(other.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: 新 ", 1), encoding="utf-8")
    again = build()
    assert re.search(warning, again), again
    assert len(re.findall(r"warning:", again)) == len(re.findall(r"warning:", build()))  # nothing changed: the same


def _hash_in(project, name: str, old: str) -> None:
    path = project / "content" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, old + " #1 team #winning", 1), encoding="utf-8")


def _warnings(run_cli, project, cache, command, *args, today="2026-11-23"):
    env = {"COFFEERUN_CACHE_DIR": str(cache), "COFFEERUN_SECRET": "s" * 40}
    result = run_cli(command, "--project", project, "--today", today, *args, env=env)
    assert result.exit_code == 0, result.output
    return sorted(line for line in (result.stdout + result.stderr).splitlines() if ": warning: " in line)


def test_builds_that_reuse_validations_show_the_warnings_of_resource_files(example_project, tmp_path, run_cli):
    # Kept with the shared inputs' record: a resource used by a campaign and one used by none.
    _hash_in(example_project, "resources/roi-calculator.yaml", "title: Close and spend ROI calculator")
    (example_project / "content" / "resources" / "unused-guide.yaml").write_text(
        "title: A guide nobody links #1 team\nurl: https://tallybrook.example/guide\nkind: other\n", encoding="utf-8")

    def build(*args, today="2026-11-23"):
        return _warnings(run_cli, example_project, tmp_path / "cache", "build", "--no-assets", "--out",
                         tmp_path / "site", *args, today=today)

    def check(*args, today="2026-11-23"):
        return _warnings(run_cli, example_project, tmp_path / "cache", "check", *args, today=today)

    # First a build of one campaign that uses neither: it shows what `check` of it shows, and no more later.
    assert build("kaede-getsuji-kessan") == check("kaede-getsuji-kessan") == []
    first = build()
    assert len([w for w in first if "resources/" in w and "as a comment" in w]) == 2, first
    assert first == check()
    other = example_project / "campaigns" / "kaede-getsuji-kessan.yaml"  # validated again; the rest is reused
    other.write_text(other.read_text(encoding="utf-8").replace("\ntitle: ", "\ntitle: 新 ", 1), encoding="utf-8")
    assert build() == first
    assert build(today="2026-11-24") == check(today="2026-11-24")  # the next day: every record reused
    for named in ("kaede-getsuji-kessan", "northwind-treasury-close"):  # uses neither; uses the ROI calculator
        assert build(named, today="2026-11-24") == check(named, today="2026-11-24")
    assert any("roi-calculator" in w for w in check("northwind-treasury-close", today="2026-11-24"))


def test_the_store_keeps_no_warning_of_an_advocate_file_beside_the_shared_inputs(example_project, tmp_path, run_cli):
    # A warning quotes the advocate's words, and the purge of a withdrawal does not look in the shared record.
    _hash_in(example_project, "advocates/helen-cho.yaml", "title: Senior Manager, Strategic Sourcing")
    assert any("helen-cho.yaml" in w for w in _warnings(run_cli, example_project, tmp_path / "cache", "build",
                                                        "--no-assets", "--out", tmp_path / "site"))
    # (The build's own record keeps it for a build with nothing changed: record() rewrites it on a withdrawal.)
    kept = [p for p in (tmp_path / "cache" / "validate").rglob("*.json") if b"#winning" in p.read_bytes()]
    assert kept == [], kept


def test_no_record_keeps_a_warning_of_an_advocate_file_whose_own_consent_is_withdrawn(example_project, tmp_path,
                                                                                       run_cli):
    # A profile no campaign uses, withdrawn in the file itself: no campaign's withdrawal names it.
    (example_project / "content" / "advocates" / "grace-lindqvist.yaml").write_text(
        "name: Grace Lindqvist\ntitle: Corporate Controller #grace words\ndepartment: finance\n"
        "consent:\n  granted: 2026-01-10\n  expires: 2027-01-10\n  withdrawn: 2026-09-15\n", encoding="utf-8")
    first = _warnings(run_cli, example_project, tmp_path / "cache", "build", "--no-assets", "--out", tmp_path / "site")
    assert any("grace-lindqvist.yaml" in w for w in first), first
    assert [p for p in (tmp_path / "cache").rglob("*.json") if b"#grace" in p.read_bytes()] == []


def test_a_build_of_one_campaign_after_a_failed_build_shows_the_warnings_of_its_resources(example_project, tmp_path,
                                                                                          run_cli):
    # The failed build keeps the records of the campaigns that validated: the shared record is kept with them.
    _hash_in(example_project, "resources/roi-calculator.yaml", "title: Close and spend ROI calculator")
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = _warnings(run_cli, example_project, cache, "build", "--no-assets", "--out", out, "kaede-getsuji-kessan")
    assert first == []
    broken = example_project / "campaigns" / "northwind-procurement-requests.yaml"
    good = broken.read_text(encoding="utf-8")
    broken.write_text(good.replace("\ntitle: ", "\ntitle: [unclosed ", 1), encoding="utf-8")
    env = {"COFFEERUN_CACHE_DIR": str(cache), "COFFEERUN_SECRET": "s" * 40}
    failed = run_cli("build", "--project", example_project, "--today", "2026-11-23", "--no-assets", "--out", out,
                     env=env)
    assert failed.exit_code == 1, failed.output
    broken.write_text(good, encoding="utf-8")
    named = "northwind-treasury-close"
    shown = _warnings(run_cli, example_project, cache, "build", "--no-assets", "--out", out, named)
    assert shown == _warnings(run_cli, example_project, cache, "check", named)
    assert any("roi-calculator.yaml" in w for w in shown), shown


def test_a_withdrawal_keeps_no_advocate_file_warning_in_the_build_record_whatever_id_the_campaign_gives(
        example_project, tmp_path, run_cli):
    # kaede gives kenji-watanabe's profile its own name and title; with `id: kenji` his file is not kenji.yaml.
    _hash_in(example_project, "advocates/kenji-watanabe.yaml", "title: General Manager, IT Systems")
    advocate = example_project / "content" / "advocates" / "kenji-watanabe.yaml"
    advocate.write_text(advocate.read_text(encoding="utf-8").replace(
        "  expires: 2027-10-08\n", "  expires: 2027-10-08\n  withdrawn: 2026-11-20\n", 1), encoding="utf-8")
    campaign = example_project / "campaigns" / "kaede-getsuji-kessan.yaml"
    text = campaign.read_text(encoding="utf-8")
    text = text.replace("  - use: kenji-watanabe ", "  - id: kenji\n    use: kenji-watanabe ", 1)
    text = text.replace("by: kenji-watanabe", "by: kenji").replace("\nstatus: live", "\nstatus: ended", 1)
    campaign.write_text(text, encoding="utf-8")  # ended: its state names no withdrawal, yet it quotes him
    assert any("kenji-watanabe.yaml" in w for w in _warnings(run_cli, example_project, tmp_path / "cache", "build",
                                                             "--no-assets", "--out", tmp_path / "site"))
    kept = [p for p in (tmp_path / "cache").rglob("*.json") if b"#winning" in p.read_bytes()]
    assert kept == [], kept


def test_a_pages_only_build_does_not_warn_about_slides_it_does_not_make(example_project, tmp_path, run_cli):
    words = " ".join(["month-end"] * 60 + ["closes"] * 60 + ["faster"] * 60)
    edit(example_project, "    highlight: 9 days → 3\n", "    highlight: 9 days → 3\n  - by: daniel-reyes\n"
         f"    text: {words}\n")
    edit(example_project, "    highlight: Zero audit findings on cash", "    highlight: We are the #1 team #winning")
    env = {"COFFEERUN_CACHE_DIR": str(tmp_path / "cache"), "COFFEERUN_SECRET": "s" * 40}

    def build(*flags):
        result = run_cli("build", "--project", example_project, "--today", "2026-11-23", *flags,
                         "--out", tmp_path / "site", env=env)
        assert result.exit_code == 0, result.output
        return result.stdout + result.stderr

    cut, comment = "will be cut with '…' on the quote slide", "as a comment"
    pages = build("--no-assets")
    assert comment in pages and cut not in pages
    full = build()  # the same cache: validated again for a build that makes the slides
    assert comment in full and cut in full
    assert cut not in build("--no-assets")
    assert cut in check(run_cli, example_project)[1]


def test_an_error_outside_the_campaign_files_is_said_again_by_every_later_build(example_project, tmp_path, run_cli):
    # A stray campaigns/*.yml is no campaign of the build: the shared inputs' record is not kept while it is there.
    env = {"COFFEERUN_CACHE_DIR": str(tmp_path / "cache"), "COFFEERUN_SECRET": "s" * 40}

    def build():
        return run_cli("build", "--project", example_project, "--today", "2026-11-23", "--no-assets", "--out",
                       tmp_path / "site", env=env)

    (example_project / "campaigns" / "alderbrook-clinic-close.yaml").unlink()  # ended: validated by every build
    assert build().exit_code == 0
    stray = example_project / "campaigns" / "extra-campaign.yml"
    stray.write_text((example_project / CAMPAIGN).read_text(encoding="utf-8"), encoding="utf-8")
    for _ in range(2):
        result = build()
        assert result.exit_code == 1 and "not .yml" in result.output, result.output


def test_a_project_with_the_bundled_brand_reuses_its_shared_record(example_project, tmp_path):
    import datetime as dt

    from coffeerun.digests import FileDigests
    from coffeerun.project import ProjectPaths
    from coffeerun.store import Store
    from coffeerun.validcache import Validation

    (example_project / "theme" / "brand.yaml").unlink()  # the bundled brand, whose logo is bundled too
    paths = ProjectPaths(example_project)
    first = Validation(paths, FileDigests(), Store(tmp_path / "cache"))
    first.run(dt.date(2026, 11, 23), None, None, 1)
    again = Validation(paths, FileDigests(), Store(tmp_path / "cache"))
    again.run(dt.date(2026, 11, 24), None, None, 1)
    assert len(again.fresh) < len(first.fresh) and again.kept_complete
