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


def test_status_flags_a_renewal_within_six_months_of_a_campaign_that_is_not_live(example_project, run_cli):
    rows = json.loads(run_cli("status", "--project", example_project, "--today", "2026-11-23", "--json").stdout)
    draft = next(r for r in rows if r["id"] == "northwind-procurement-requests")
    assert any("renewal on 2027-04-01" in f for f in draft["flags"])
    live = next(r for r in rows if r["id"] == "northwind-treasury-close")
    assert not any("renewal" in f for f in live["flags"])


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
