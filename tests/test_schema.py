"""`coffeerun schema`: a Draft 2020-12 JSON Schema that the example campaigns and editors can use."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from coffeerun.fieldtypes import ID_PATTERN
from coffeerun.load import parse_yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "campaigns").glob("*.yaml"))


def _iso(value: object) -> object:
    """YAML dates as the ISO strings the schema describes (`format: date`)."""
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def schema() -> dict:
    from click.testing import CliRunner

    from coffeerun.cli import cli

    result = CliRunner().invoke(cli, ["schema"], catch_exceptions=False)
    assert result.exit_code == 0
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_schema_file_in_the_repository_is_exactly_the_schema_command_output(run_cli) -> None:
    result = run_cli("schema")
    assert result.exit_code == 0
    assert (REPO / "schema/campaign.schema.json").read_text(encoding="utf-8") == result.stdout


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_there_are_example_campaigns_to_validate() -> None:
    assert len(EXAMPLES) >= 1


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_campaign_validates_against_the_schema(path: Path, validator: Draft202012Validator) -> None:
    # read as coffeerun and editors do (YAML 1.2: `approved: {on: ...}` is the key "on", not true)
    data = _iso(parse_yaml(path.read_text(encoding="utf-8"), path.name).data)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_ids_colors_and_links_carry_their_pattern_in_the_schema(schema: dict) -> None:
    defs = schema["$defs"]
    assert schema["properties"]["account"]["pattern"] == ID_PATTERN
    assert defs["Audience"]["properties"]["id"]["pattern"] == ID_PATTERN
    assert defs["Quote"]["properties"]["by"]["pattern"] == ID_PATTERN
    assert defs["Contact"]["properties"]["booking"]["anyOf"][0]["pattern"] == "^https://"
    assert defs["Video"]["properties"]["url"]["pattern"] == "^https://"
    assert schema["properties"]["starts"]["anyOf"][0] == {"format": "date", "type": "string"}


def test_use_items_have_their_own_variant_with_use_required(schema: dict) -> None:
    assert schema["properties"]["advocates"]["items"] == {
        "anyOf": [{"$ref": "#/$defs/Advocate"}, {"$ref": "#/$defs/AdvocateUse"}]}
    assert schema["$defs"]["AdvocateUse"]["required"] == ["use"]
    assert schema["$defs"]["ResourceUse"]["properties"]["use"]["pattern"] == ID_PATTERN


def _minimal() -> dict:
    return {"title": "T", "account": "acme", "owner": {"name": "Dana", "email": "dana@vendor.example"},
            "audiences": [{"id": "finance", "name": "Finance"}],
            "advocates": [{"use": "maria"}, {"id": "steve", "name": "Steve", "title": "VP", "department": "x",
                                             "consent": {"granted": "2026-10-01", "expires": "2027-10-01"}}]}


def test_a_minimal_campaign_with_a_use_item_is_valid(validator: Draft202012Validator) -> None:
    assert list(validator.iter_errors(_minimal())) == []


@pytest.mark.parametrize("path, value", [
    (("account",), "Acme Corp"),
    (("status",), "published"),
    (("titel",), "x"),
    (("audiences", 0, "id"), "Finance"),
    (("advocates", 1, "consent", "granted"), "yesterday"),
    (("owner", "email"), "dana(at)vendor"),
    (("contacts",), [{"name": "J", "role": "AE", "email": "j@vendor.example", "booking": "http://x.example"}]),
    (("advocates", 0, "use"), "Maria"),
    (("title",), ""),
], ids=["id", "status", "unknown-key", "audience-id", "date", "email", "http-booking", "use-id", "blank-title"])
def test_the_schema_refuses_the_usual_mistakes(validator: Draft202012Validator, path: tuple, value: object) -> None:
    data = _minimal()
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert list(validator.iter_errors(data)), f"{path} = {value!r} should be refused"
