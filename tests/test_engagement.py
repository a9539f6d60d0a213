"""`coffeerun engagement`: logs in every format give exact daily totals; nothing about a reader is written."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from pathlib import Path

import pytest
from tests.engagement_logs import CHROME, IPHONE, NOT_PEOPLE, Hit

from coffeerun import tokens

SECRET = "engagement-test-secret-0123456789abcdef"  # noqa: S105 - a test key
ENV = {"COFFEERUN_SECRET": SECRET}
CAMPAIGN = "northwind-treasury-close"  # link_version 2, audiences finance/procurement/it/operations
UTC = dt.UTC
DAY = dt.datetime(2027, 2, 10, 9, 0, tzinfo=UTC)


def _token(kind: str, version: int = 2, advocate: str | None = None) -> str:
    return tokens.token(SECRET.encode(), CAMPAIGN, kind, version, advocate)


def _hits() -> list[Hit]:
    share, old_share, kit = _token("share"), _token("share", 1), _token("kit")
    own_kit = _token("kit", 2, "priya-raman")
    at = [DAY + dt.timedelta(minutes=n) for n in range(60)]
    people = [
        Hit(at[0], "10.0.0.1", f"/{share}/"),
        Hit(at[1], "10.0.0.1", f"/{share}/finance/"),
        Hit(at[2], "10.0.0.1", f"/{share}/finance/index.html"),  # a second visit by the same reader
        Hit(at[3], "10.0.0.2", f"/{share}/?utm_source=mail", IPHONE),
        Hit(at[4], "10.0.0.3", f"/{old_share}/it/"),  # a revoked link (link_version 1) still counts
        Hit(at[5], "10.0.0.4", f"/{share}/from/priya-raman/"),
        Hit(at[6], "10.0.0.4", f"/{share}/from/priya-raman/finance/"),
        Hit(at[7], "10.0.0.5", f"/{share}/from/priya-raman/finance/"),
        Hit(at[8], "10.0.0.6", f"/{share}/next-steps/", status=304),
        Hit(at[9], "10.0.0.7", f"/{kit}/"),
        Hit(at[10], "10.0.0.8", f"/{own_kit}/"),
    ]
    not_visits = [Hit(at[20 + n], "10.9.9.9", f"/{share}/", agent) for n, agent in enumerate(NOT_PEOPLE)]
    not_visits += [
        Hit(at[40], "10.0.0.1", f"/{share}/", method="HEAD"),
        Hit(at[41], "10.0.0.1", f"/{share}/palette.css"),
        Hit(at[42], "10.0.0.1", f"/{share}/nowhere/", status=404),
        Hit(at[43], "10.0.0.1", f"/{share}", status=301),
        Hit(at[44], "10.0.0.1", f"/{share}/from/somebody-else/"),
        Hit(at[45], "10.0.0.1", "/some/other/site/"),
        Hit(at[46], "10.0.0.1", f"/{_token('share', 3)}/"),  # a link this project never made (yet)
    ]
    return people + not_visits


PREFETCH = Hit(DAY + dt.timedelta(minutes=50), "10.0.0.9", f"/{_token('share')}/", CHROME, purpose="prefetch")

EXPECTED = """date,campaign,page,advocate,visits,visitors
2027-02-10,northwind-treasury-close,*,,6,4
2027-02-10,northwind-treasury-close,*,*,9,6
2027-02-10,northwind-treasury-close,*,priya-raman,3,2
2027-02-10,northwind-treasury-close,advocate-kit,priya-raman,1,1
2027-02-10,northwind-treasury-close,audience:finance,,2,1
2027-02-10,northwind-treasury-close,audience:finance,priya-raman,2,2
2027-02-10,northwind-treasury-close,audience:it,,1,1
2027-02-10,northwind-treasury-close,home,,2,2
2027-02-10,northwind-treasury-close,home,priya-raman,1,1
2027-02-10,northwind-treasury-close,kit,,1,1
2027-02-10,northwind-treasury-close,next-steps,,1,1
"""


def _write(path: Path, lines: list[str], compress: bool = False) -> Path:
    text = "\n".join(lines) + "\n"
    if compress:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _csv(project: Path) -> str:
    return (project / "content" / "engagement" / "2027-02.csv").read_text(encoding="utf-8")


FORMATS = {
    "combined": lambda h: h.combined(),
    "combined-local-time": lambda h: h.combined(offset_hours=-7),
    "cloudflare": Hit.cloudflare,
    "netlify": Hit.netlify,
    "caddy": Hit.caddy,
}


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_gives_the_exact_daily_totals(example_project, run_cli, tmp_path, fmt, compress):
    hits = _hits() + ([PREFETCH] if fmt in ("cloudflare", "caddy") else [])
    log = _write(tmp_path / f"access-{fmt}", [FORMATS[fmt](h) for h in hits], compress)
    result = run_cli("engagement", "--project", example_project, log, env=ENV)
    assert result.exit_code == 0, result.output
    assert _csv(example_project) == EXPECTED
    coverage = (example_project / "content" / "engagement" / "coverage.csv").read_text()
    assert coverage == "date,first,last\n2027-02-10,09:00,09:50\n" if PREFETCH in hits else \
        coverage == "date,first,last\n2027-02-10,09:00,09:46\n"
    assert "left out:" in result.stderr + result.stdout


def test_bots_unfurlers_scanners_head_and_prefetch_are_left_out(example_project, run_cli, tmp_path):
    share = _token("share")
    hits = [Hit(DAY, "10.1.1.1", f"/{share}/", agent) for agent in NOT_PEOPLE]
    hits += [Hit(DAY, "10.1.1.2", f"/{share}/", method="HEAD"), PREFETCH]
    log = _write(tmp_path / "bots.json", [h.cloudflare() for h in hits])
    result = run_cli("engagement", "--project", example_project, log, env=ENV)
    assert result.exit_code == 0, result.output
    assert _csv(example_project) == "date,campaign,page,advocate,visits,visitors\n"
    assert f"{len(NOT_PEOPLE)} bots, link previews and mail scanners" in result.output
    assert "1 HEAD" in result.output and "1 prefetches" in result.output


def test_no_ip_address_user_agent_or_hash_is_written(example_project, run_cli, tmp_path):
    log = _write(tmp_path / "access.log", [h.combined() for h in _hits()])
    assert run_cli("engagement", "--project", example_project, log, env=ENV).exit_code == 0
    written = "".join(p.read_text() for p in (example_project / "content" / "engagement").iterdir())
    assert not re.search(r"\d+\.\d+\.\d+\.\d+", written)
    assert not any(word in written for word in ("Mozilla", "Slackbot", "Windows", "iPhone"))
    assert not re.search(r"[0-9a-f]{12,}|[A-Za-z0-9+/=]{20,}", written)  # no digest, hex or base64
    assert {p.name for p in (example_project / "content" / "engagement").iterdir()} == {"2027-02.csv",
                                                                                     "coverage.csv"}


def test_the_same_logs_twice_change_nothing(example_project, run_cli, tmp_path):
    log = _write(tmp_path / "access.log", [h.combined() for h in _hits()])
    run_cli("engagement", "--project", example_project, log, env=ENV)
    files = sorted((example_project / "content" / "engagement").iterdir())
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in files]
    again = run_cli("engagement", "--project", example_project, log, env=ENV)
    assert again.exit_code == 0
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in files] == before
    assert "nothing changed" in again.output


def test_overlapping_logs_are_counted_once(example_project, run_cli, tmp_path):
    lines = [h.combined() for h in _hits()]
    first = _write(tmp_path / "access.log.1", lines[:8])
    second = _write(tmp_path / "access.log", lines[3:], compress=True)
    result = run_cli("engagement", "--project", example_project, first, second, env=ENV)
    assert result.exit_code == 0, result.output
    assert _csv(example_project) == EXPECTED
    assert "5 the same line in two logs" in result.output


def test_a_later_run_with_less_of_a_day_keeps_the_whole_day(example_project, run_cli, tmp_path):
    lines = [h.combined() for h in _hits()]
    whole = _write(tmp_path / "whole.log", lines)
    part = _write(tmp_path / "part.log", lines[:3])
    run_cli("engagement", "--project", example_project, whole, env=ENV)
    result = run_cli("engagement", "--project", example_project, part, env=ENV)
    assert _csv(example_project) == EXPECTED
    assert "kept 1 day(s) already counted from more of the day: 2027-02-10" in result.output
    run_cli("engagement", "--project", example_project, part, env=ENV)  # and the other way round
    (example_project / "content" / "engagement" / "coverage.csv").unlink()
    (example_project / "content" / "engagement" / "2027-02.csv").unlink()
    run_cli("engagement", "--project", example_project, part, env=ENV)
    run_cli("engagement", "--project", example_project, whole, env=ENV)
    assert _csv(example_project) == EXPECTED


def test_a_day_split_between_runs_keeps_the_longer_part_and_says_so(example_project, run_cli, tmp_path):
    lines = [h.combined() for h in _hits()]
    early, late = _write(tmp_path / "early.log", lines[:2]), _write(tmp_path / "late.log", lines[2:])
    run_cli("engagement", "--project", example_project, early, env=ENV)
    result = run_cli("engagement", "--project", example_project, late, env=ENV)
    assert result.exit_code == 0
    assert "warning: 2027-02-10: replaced the totals counted from 09:00–09:01 UTC with these logs' 09:02–09:46" \
        in result.stderr
    assert "2027-02-10,northwind-treasury-close,home,,1,1" in _csv(example_project)


def test_a_local_time_late_in_the_evening_counts_on_its_utc_day(example_project, run_cli, tmp_path):
    late = Hit(dt.datetime(2027, 2, 11, 2, 30, tzinfo=UTC), "10.0.0.1", f"/{_token('share')}/")
    log = _write(tmp_path / "access.log", [late.combined(offset_hours=-7)])  # 10/Feb/2027:19:30 -0700
    assert "10/Feb/2027:19:30:00 -0700" in log.read_text()
    run_cli("engagement", "--project", example_project, log, env=ENV)
    assert "2027-02-11,northwind-treasury-close,home,,1,1" in _csv(example_project)


def test_a_malformed_line_is_counted_and_reported_never_fatal(example_project, run_cli, tmp_path):
    lines = [h.combined() for h in _hits()]
    lines.insert(2, "this is not a log line")
    lines.insert(5, '10.0.0.1 - - [99/Xyz/2027:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"')
    log = _write(tmp_path / "access.log", lines)
    result = run_cli("engagement", "--project", example_project, log, env=ENV)
    assert result.exit_code == 0
    assert f"warning: 2 malformed line(s) skipped, the first at {log}:3" in result.stderr
    assert _csv(example_project) == EXPECTED
    json_log = _write(tmp_path / "cf.json", ["{not json", *[h.cloudflare() for h in _hits()]])
    result = run_cli("engagement", "--project", example_project, json_log, env=ENV)
    assert f"warning: 1 malformed line(s) skipped, the first at {json_log}:1" in result.stderr


def test_a_log_that_cannot_be_read_writes_nothing(example_project, run_cli, tmp_path):
    good = _write(tmp_path / "access.log", [h.combined() for h in _hits()])
    broken = tmp_path / "broken.log.gz"
    broken.write_bytes(gzip.compress(b"x" * 1000)[:15])
    result = run_cli("engagement", "--project", example_project, good, broken, env=ENV)
    assert result.exit_code == 1
    assert "broken.log.gz: cannot be read" in result.stderr and "nothing written" in result.stderr
    assert not (example_project / "content" / "engagement").exists()
    assert run_cli("engagement", "--project", example_project, tmp_path, env=ENV).exit_code == 1


def test_an_edited_totals_file_is_a_problem_with_its_line(example_project, run_cli, tmp_path):
    folder = example_project / "content" / "engagement"
    folder.mkdir()
    (folder / "2027-02.csv").write_text("date,campaign,page,advocate,visits,visitors\n2027-02-10,x,home,,many,1\n")
    log = _write(tmp_path / "access.log", [h.combined() for h in _hits()])
    result = run_cli("engagement", "--project", example_project, log, env=ENV)
    assert result.exit_code == 1
    assert "content/engagement/2027-02.csv:2:1: error:" in result.stderr


def test_a_large_log_read_in_parts_by_several_processes_counts_the_same(example_project, run_cli, tmp_path,
                                                                        monkeypatch):
    from coffeerun.engagement import readers

    lines = [h.combined() for h in _hits()]
    lines.insert(9, "this is not a log line")
    log = _write(tmp_path / "access.log", lines)
    monkeypatch.setattr(readers, "SPLIT", 700)  # about three lines a part: every boundary case
    assert len(readers.parts(log, "auto")) > 5
    result = run_cli("engagement", "--project", example_project, log, env=ENV)
    assert result.exit_code == 0, result.output
    assert _csv(example_project) == EXPECTED
    assert f"warning: 1 malformed line(s) skipped, the first at {log}:10" in result.stderr
    assert f"{len(lines):,} lines" in result.stderr
