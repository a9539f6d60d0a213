"""The JSON Schema of a campaign file, for editors and for `coffeerun schema`."""

from __future__ import annotations

import copy
import json
from typing import Any

from coffeerun.models import Campaign

_USE = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"}


def _use_variant(definition: dict[str, Any], folder: str, example: str) -> dict[str, Any]:
    variant = copy.deepcopy(definition)
    variant["title"] = definition.get("title", "") + " (use)"
    variant["description"] = f"Reuse content/{folder}/<id>.yaml; keys written here override it."
    variant["properties"] = {"use": {**_USE, "description": f"Id of a file in content/{folder}/.",
                                     "examples": [example]}, **variant["properties"]}
    variant["required"] = ["use"]
    variant.pop("allOf", None)
    return variant


def campaign_schema() -> dict[str, Any]:
    schema = Campaign.model_json_schema()
    defs = schema["$defs"]
    defs["AdvocateUse"] = _use_variant(defs["Advocate"], "advocates", "maria-lopez")
    defs["ResourceUse"] = _use_variant(defs["Resource"], "resources", "roi-calculator")
    props = schema["properties"]
    props["advocates"]["items"] = {"anyOf": [{"$ref": "#/$defs/Advocate"}, {"$ref": "#/$defs/AdvocateUse"}]}
    props["resources"]["items"] = {"anyOf": [{"$ref": "#/$defs/Resource"}, {"$ref": "#/$defs/ResourceUse"}]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://coffeerun.example/schema/campaign.schema.json"
    return schema


def schema_text() -> str:
    return json.dumps(campaign_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
