"""`coffeerun status` on the example project with a fixed date."""

from __future__ import annotations

import json


def test_status_json_has_one_row_per_campaign_with_dates_and_days_left(example_project, run_cli):
    result = run_cli("status", "--project", example_project, "--today", "2026-11-23", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {p.stem for p in (example_project / "campaigns").glob("*.yaml")}
    live = rows["northwind-treasury-close"]
    assert live["status"] == "live" and live["published"] is True
    assert live["expires"] == "2027-05-28" and live["days_left"] == 186
    assert live["renewal"] == "2027-04-01"
    assert rows["alderbrook-clinic-close"]["published"] is False


def _rows(project, run_cli, today="2026-11-23"):
    result = run_cli("status", "--project", project, "--today", today, "--json")
    assert result.exit_code == 0, result.output
    return {row["id"]: row for row in json.loads(result.stdout)}


def _settings(project, **values):
    body = "".join(f"    {k}: {v}\n" for k, v in values.items())
    with open(project / "mkdocs.yml", "a", encoding="utf-8") as handle:
        handle.write("\nextra:\n  coffeerun:\n" + body)


def _kinds(row):
    return [w["kind"] for w in row["warnings"]]


def test_status_flags_an_account_renewing_within_the_lead_days_without_a_live_campaign(example_project, run_cli):
    # 2027-06-01: Kaede renews on 2027-06-30 and its only campaign expired on 2027-03-31
    rows = _rows(example_project, run_cli, "2027-06-01")
    kaede = rows["kaede-getsuji-kessan"]
    assert _kinds(kaede) == ["renewal_without_live_campaign"]
    warning = kaede["warnings"][0]
    assert warning["account"] == "kaede-logistics" and warning["renewal"] == "2027-06-30" and warning["days"] == 29
    assert "account kaede-logistics renews on 2027-06-30" in kaede["flags"][0]


def test_status_does_not_flag_a_renewal_when_the_account_has_a_live_campaign(example_project, run_cli):
    rows = _rows(example_project, run_cli)
    # Northwind renews on 2027-04-01: the procurement draft is not live, but treasury-close is
    assert "renewal_without_live_campaign" not in _kinds(rows["northwind-procurement-requests"])
    assert "renewal_without_live_campaign" not in _kinds(rows["northwind-treasury-close"])


def test_renewal_lead_days_comes_from_the_program_settings(example_project, run_cli):
    _settings(example_project, renewal_lead_days=20)
    rows = _rows(example_project, run_cli, "2027-06-01")
    assert "renewal_without_live_campaign" not in _kinds(rows["kaede-getsuji-kessan"])


def test_status_warns_when_an_advocate_is_on_more_live_campaigns_than_allowed(example_project, run_cli):
    path = example_project / "campaigns" / "northwind-procurement-requests.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status: live", 1), encoding="utf-8")
    assert "advocate_fatigue" not in _kinds(_rows(example_project, run_cli)["northwind-treasury-close"])
    _settings(example_project, max_live_per_advocate=1)
    rows = _rows(example_project, run_cli)
    for campaign in ("northwind-treasury-close", "northwind-procurement-requests"):
        fatigue = [w for w in rows[campaign]["warnings"] if w["kind"] == "advocate_fatigue"]
        assert {w["advocate"] for w in fatigue} == {"helen-cho", "marcus-okafor"}
        assert all(w["live"] == 2 and w["limit"] == 1 for w in fatigue)
    assert any("Helen Cho (helen-cho) is on 2 live campaigns" in f for f in rows["northwind-treasury-close"]["flags"])


def test_status_warns_when_an_advocates_campaigns_start_closer_than_the_minimum(example_project, run_cli):
    # treasury-close starts 2026-11-02, procurement-requests 2027-01-11: 70 days apart, both with Helen and Marcus
    assert "ask_spacing" not in _kinds(_rows(example_project, run_cli)["northwind-treasury-close"])
    _settings(example_project, min_days_between_asks=90)
    rows = _rows(example_project, run_cli)
    spacing = [w for w in rows["northwind-procurement-requests"]["warnings"] if w["kind"] == "ask_spacing"]
    assert {w["advocate"] for w in spacing} == {"helen-cho", "marcus-okafor"}
    assert all(w["days"] == 70 and w["limit"] == 90 for w in spacing)
    table = run_cli("status", "--project", example_project, "--today", "2026-11-23").stdout
    assert "Marcus Okafor (marcus-okafor) is asked again 70 day(s) apart" in table


def test_status_names_advocates_whose_consent_lapses_within_30_days(example_project, run_cli):
    path = example_project / "campaigns" / "northwind-treasury-close.yaml"
    text = path.read_text(encoding="utf-8")
    rows = json.loads(run_cli("status", "--project", example_project, "--today", "2026-11-23", "--json").stdout)
    assert all(not r["consent_lapsing"] for r in rows)
    import re

    first_expiry = re.search(r"expires: (\d{4}-\d\d-\d\d)\n", text.split("consent:", 1)[1]).group(1)
    path.write_text(text.replace(f"expires: {first_expiry}", "expires: 2026-12-10", 1), encoding="utf-8")
    rows = json.loads(run_cli("status", "--project", example_project, "--today", "2026-11-23", "--json").stdout)
    row = next(r for r in rows if r["id"] == "northwind-treasury-close")
    assert len(row["consent_lapsing"]) == 1 and row["consent_lapsing"][0]["days_left"] == 17
    assert any("consent lapses within 30 days" in f for f in row["flags"])


def test_status_table_lists_every_campaign_and_why_it_is_not_published(example_project, run_cli):
    result = run_cli("status", "--project", example_project, "--today", "2026-11-23")
    assert result.exit_code == 0
    assert "days left" in result.stdout
    assert "alderbrook-clinic-close: status is ended: not built" in result.stdout
