"""Program settings (`extra: coffeerun:` in mkdocs.yml) as typed values with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ProgramSettings:
    require_approval: bool = False
    max_live_per_advocate: int = 3
    min_days_between_asks: int = 30
    renewal_lead_days: int = 183


def program_settings(mkdocs_yml: Path) -> ProgramSettings:
    """The settings of the project whose base config is mkdocs_yml.

    The one place coffeerun reads them: re-point it at siteconfig's typed reader once it exists (that
    reader also reports bad values as mkdocs.yml:line:col problems in `check`). Until then a value of the
    wrong type is left at its default.
    """
    import yaml

    from coffeerun.siteconfig import read_base_config

    try:
        extra = read_base_config(mkdocs_yml).get("extra")
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # an unreadable config is check's to report
        return ProgramSettings()
    own = extra.get("coffeerun") if isinstance(extra, dict) else None
    if not isinstance(own, dict):
        return ProgramSettings()
    defaults = ProgramSettings()
    values: dict[str, Any] = {}
    for name, default in vars(defaults).items():
        value = own.get(name)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if ok:
            values[name] = value
    return ProgramSettings(**values)
