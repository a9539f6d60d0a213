"""`coffeerun new`: a commented starting file that `check` then guides the author through."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from coffeerun.project import ProjectPaths


def new_campaign_text(campaign_id: str, account_id: str, today: dt.date) -> str:
    env = Environment(loader=PackageLoader("coffeerun", "templates"), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    return env.get_template("new-campaign.yaml.j2").render(
        campaign_id=campaign_id, account=account_id,
        starts=today.isoformat(), expires=(today + dt.timedelta(days=182)).isoformat(),
        consent_expires=(today + dt.timedelta(days=365)).isoformat())


def write_new_campaign(root: Path, campaign_id: str, account_id: str, today: dt.date) -> Path:
    """Write campaigns/<id>.yaml; refuse to overwrite an existing file."""
    target = ProjectPaths(root).campaign_file(campaign_id)
    if target.exists():
        raise FileExistsError(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(new_campaign_text(campaign_id, account_id, today))
    return target


def write_schema_if_missing(root: Path) -> bool:
    """schema/campaign.schema.json, which the starting file's modeline names, unless it exists."""
    from coffeerun.schema import schema_text

    target = root / "schema" / "campaign.schema.json"
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_text(), encoding="utf-8")
    return True
