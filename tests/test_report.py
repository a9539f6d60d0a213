"""Outcomes in the campaign file, the program report `build` writes, and recognition in the kit."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SECRET = {"COFFEERUN_SECRET": "report-test-secret-0123456789abcdef"}
TODAY = "2026-11-23"
FIGURES = """date,campaign,page,advocate,visits,visitors
2026-11-16,northwind-treasury-close,*,,4,3
2026-11-16,northwind-treasury-close,*,*,11,8
2026-11-16,northwind-treasury-close,*,priya-raman,7,5
2026-11-16,northwind-treasury-close,audience:finance,priya-raman,5,5
2026-11-16,northwind-treasury-close,audience:it,priya-raman,2,2
2026-11-16,northwind-treasury-close,home,,4,3
2026-11-16,northwind-treasury-close,kit,,2,1
2026-11-17,northwind-treasury-close,*,*,5,5
2026-11-17,northwind-treasury-close,*,helen-cho,3,3
2026-11-17,northwind-treasury-close,*,priya-raman,2,2
2026-11-17,northwind-treasury-close,audience:procurement,helen-cho,3,3
"""


def _project(root: Path) -> Path:
    project = root / "project"
    for name in ("campaigns", "content", "theme"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    (project / "content" / "engagement").mkdir()
    (project / "content" / "engagement" / "2026-11.csv").write_text(FIGURES)
    ended = project / "campaigns" / "alderbrook-clinic-close.yaml"  # an account renewing with nothing live
    ended.write_text(ended.read_text().replace("renewal: 2026-11-01", "renewal: 2027-01-10"))
    return project


def _build(project: Path, out: Path, *extra: str):
    from click.testing import CliRunner

    from coffeerun.cli import cli

    result = CliRunner().invoke(cli, ["build", "--project", str(project), "--out", str(out), "--today", TODAY,
                                      "--jobs", "1", "--no-assets", *extra], env=SECRET, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from click.testing import CliRunner

    from coffeerun.cli import cli

    root = tmp_path_factory.mktemp("report")
    project = _project(root)
    _build(project, root / "site")
    runner = CliRunner()
    report = runner.invoke(cli, ["links", "--project", str(project), "--report"], env=SECRET).stdout.strip()
    rows = json.loads(runner.invoke(cli, ["links", "--project", str(project), "--today", TODAY, "--json"],
                                    env=SECRET).stdout)
    return project, root / "site", root / "site" / _token(report), {r["id"]: r for r in rows}


def test_links_report_prints_the_report_url_under_site_url(site):
    project, _out, folder, _rows = site
    from coffeerun import tokens
    from coffeerun.render.report import report_url

    url = report_url(project, SECRET["COFFEERUN_SECRET"].encode())
    expected = tokens.token(SECRET["COFFEERUN_SECRET"].encode(), "", "report", 1)
    assert url == f"https://advocates.vendor.example/{expected}/" and folder.name == expected


def test_report_has_each_campaigns_visits_by_department_and_advocate(site):
    _project, _out, folder, _rows = site
    html = (folder / "index.html").read_text()
    assert "16 share page visits by 13 daily readers, summed · 2 kit visits" in html
    for name, visits, readers in (("Finance &amp; Treasury", 5, 5), ("IT &amp; Information Security", 2, 2),
                                  ("Procurement &amp; Sourcing", 3, 3), ("Priya Raman", 9, 7),
                                  ("Plain link (no advocate)", 4, 3), ("Helen Cho", 3, 3)):
        assert f'<td>{name}</td><td class="n">{visits}</td><td class="n">{readers}</td>' in html
    charts = re.findall(r'<img src="(charts/[0-9a-f]{16}\.svg)"', html)
    assert len(charts) == 2 and all((folder / c).read_text().startswith("<svg") for c in charts)


def test_report_lists_outcomes_and_renewals_with_and_without_a_live_campaign(site):
    html = (site[2] / "index.html").read_text()
    assert "opportunity</span> · IT opened an evaluation of SSO and SCIM · <b>USD 85,000</b>" in html
    assert "<b>USD 85,000</b><span>in recorded outcomes</span>" in html
    without, with_live = html.split("Without a live campaign")[1].split("With a live campaign")
    assert "<td>Alderbrook Health</td><td>2027-01-10</td><td class=\"n\">48</td>" in without
    assert "<td>Northwind Bank</td><td>2027-04-01</td><td class=\"n\">129</td>" in with_live
    assert "Kaede" not in with_live.split("<h2>Campaigns</h2>")[0]  # renews in 219 days: beyond 183


def test_report_names_no_private_link_and_loads_nothing_from_another_host(site):
    _project, _out, folder, rows = site
    links = {_token(r[key]) for r in rows.values() for key in ("share_url", "kit_url")}
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert not any(token in text for token in links), path
            assert not re.search(r'(?:src|href)="(?:https?:)?//', text), path
    html = (folder / "index.html").read_text()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert '<meta name="referrer" content="no-referrer">' in html
    assert "default-src 'none'" in html


def test_report_bytes_are_the_same_from_a_second_build(site, tmp_path):
    project, _out, folder, _rows = site
    _build(project, tmp_path / "again", "--no-cache")
    again = tmp_path / "again" / folder.name
    names = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    assert sorted(p.relative_to(again) for p in again.rglob("*")) == names
    assert all((again / n).read_bytes() == (folder / n).read_bytes() for n in names if (folder / n).is_file())


def test_kit_thanks_advocates_with_figures_of_at_least_five_only(site):
    _project, out, _folder, rows = site
    kit = (out / _token(rows["northwind-treasury-close"]["kit_url"]) / "index.html").read_text()
    assert "Thank you, Priya Raman" in kit and "7 colleagues opened the link you shared." in kit
    assert "By department page: Finance &amp; Treasury 5<" in kit  # IT (2) is not shown
    assert "Helen Cho</h2>" not in kit and "Thank you, Helen Cho" not in kit  # 3 colleagues: not shown
    share = out / _token(rows["northwind-treasury-close"]["share_url"])
    assert not any("colleagues opened" in p.read_text() for p in share.rglob("*.html"))


def test_recognition_key_changes_only_when_a_shown_figure_changes(tmp_path):
    from coffeerun.render.recognition import recognition_key

    folder = tmp_path / "content" / "engagement"
    folder.mkdir(parents=True)
    (folder / "2026-11.csv").write_text(FIGURES)
    before = recognition_key(tmp_path, "northwind-treasury-close")
    (folder / "2026-11.csv").write_text(FIGURES.replace("audience:it,priya-raman,2,2", "audience:it,priya-raman,3,3"))
    assert recognition_key(tmp_path, "northwind-treasury-close") == before
    (folder / "2026-11.csv").write_text(FIGURES.replace("*,priya-raman,2,2", "*,priya-raman,2,4"))
    assert recognition_key(tmp_path, "northwind-treasury-close") != before


def test_a_chart_is_drawn_once_then_read_from_the_store(tmp_path, monkeypatch):
    from coffeerun.render import charts
    from coffeerun.store import Store

    spec = charts.weekly_bars([{"week": "2026-11-16", "series": "Finance", "visits": 3}], "Department page")
    svg = charts.draw(spec, Store(tmp_path))
    assert svg.startswith("<svg") and 'viewBox="' in svg.split(">")[0] and ' width="' not in svg.split(">")[0]
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # drawing again would fail
    assert charts.draw(spec, Store(tmp_path)) == svg
    [entry] = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    entry.chmod(0o644)
    entry.write_text(svg.replace("Finance", "Tampered"))  # an object that does not match its hash is not used
    with pytest.raises(ImportError):
        charts.draw(spec, Store(tmp_path))


OUTCOMES = """
outcomes:
  - {date: 2027-02-10, kind: meeting, note: Procurement asked for a demo}
  - {date: 2027-03-01, kind: expansoin, amount: 120000, currency: USD}
  - {date: 2027-03-05, kind: renewal, amount: "120,000", currency: usd}
  - {date: 2027-03-06, kind: renewal, amount: 5000}
  - {date: 2027-03-07, kind: other, notes: x}
"""


def test_outcomes_are_validated_like_every_field(example_project, run_cli):
    file = example_project / "campaigns" / "kaede-getsuji-kessan.yaml"
    file.write_text(file.read_text() + OUTCOMES)
    result = run_cli("check", "--project", example_project, "--today", TODAY)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "outcomes[" in line]
    assert len(lines) == 5
    assert re.match(r"campaigns/kaede-getsuji-kessan\.yaml:\d+:\d+: error: outcomes\[1\]\.kind: 'expansoin' is not "
                    r"accepted; .*did you mean 'expansion'\?", lines[0])
    assert "outcomes[2].amount: '120,000' is not an amount" in lines[1]
    assert "outcomes[2].currency: 'usd' is not a currency code" in lines[2] and "did you mean 'USD'?" in lines[2]
    assert "outcomes[3]: an amount needs its `currency`" in lines[3]
    assert "outcomes[4].notes: unknown field 'notes'" in lines[4] and "did you mean 'note'?" in lines[4]


def test_outcomes_are_in_the_json_schema():
    from coffeerun.schema import campaign_schema

    schema = campaign_schema()
    outcome = schema["$defs"]["Outcome"]
    assert schema["properties"]["outcomes"]["items"] == {"$ref": "#/$defs/Outcome"}
    assert set(outcome["properties"]) == {"date", "kind", "note", "amount", "currency"}
    assert outcome["properties"]["kind"]["enum"] == ["meeting", "opportunity", "expansion", "renewal", "training",
                                                     "other"]
    assert sorted(outcome["required"]) == ["date", "kind"]


def test_an_advocate_who_withdrew_consent_is_not_named_in_the_report(tmp_path):
    import datetime as dt

    from coffeerun import tokens
    from coffeerun.render.report import program_report
    from coffeerun.validate import validate_project

    project = _project(tmp_path)
    file = project / "campaigns" / "northwind-treasury-close.yaml"
    text = file.read_text()
    withdrawn = "      expires: 2027-10-14\n      withdrawn: 2026-11-20\n"
    file.write_text(text.replace("      expires: 2027-10-14\n", withdrawn, 1))  # Priya's, the first advocate
    valid = validate_project(project, dt.date(2026, 11, 23))
    html = program_report(valid, dt.date(2026, 11, 23), tokens.PREVIEW_SECRET, None).files["index.html"].decode()
    assert "Priya Raman" not in html
    assert '<td>Advocate 1 (consent withdrawn)</td><td class="n">9</td><td class="n">7</td>' in html
