"""The base mkdocs.yml as plain data: site_url for printed links, and the rest for each site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULT_SITE_URL = "http://localhost:8000/"


class _Tolerant(yaml.SafeLoader):
    """Reads MkDocs configs with `!!python/name:` and `!ENV` tags without importing anything."""


def _keep_tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {"__tag__": node.tag, "value": loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {"__tag__": node.tag, "value": loader.construct_sequence(node)}
    return {"__tag__": node.tag, "value": loader.construct_mapping(node)}


_Tolerant.add_multi_constructor("!", _keep_tag)
_Tolerant.add_multi_constructor("tag:yaml.org,2002:python/", _keep_tag)


def read_base_config(mkdocs_yml: Path) -> dict[str, Any]:
    data = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_Tolerant)  # noqa: S506 - safe subclass
    return data if isinstance(data, dict) else {}


def site_url(mkdocs_yml: Path) -> str:
    url = read_base_config(mkdocs_yml).get("site_url")
    url = url if isinstance(url, str) and url.strip() else DEFAULT_SITE_URL
    return url.rstrip("/") + "/"
