"""The project's mkdocs.yml, read as MkDocs reads it: site_url, program settings, and its problems for `check`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from coffeerun import memo
from coffeerun.problems import Problem, did_you_mean, one_of
from coffeerun.render import engine
from coffeerun.schedule import MAX_RENEWAL_LEAD_DAYS

DEFAULT_SITE_URL = "http://localhost:8000/"
SETTINGS = ("extra", "coffeerun")  # where the program settings live in mkdocs.yml


class ProgramSettings(BaseModel):
    """Project-wide settings (mkdocs.yml `extra: coffeerun:`), all optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    require_approval: StrictBool = Field(
        default=False, description="Withhold live campaigns whose advocates have not approved what is published.")
    max_live_per_advocate: StrictInt = Field(
        default=3, ge=1, description="`status` warns when one advocate is on more live campaigns.")
    min_days_between_asks: StrictInt = Field(
        default=30, ge=0, description="`status` warns when an advocate's campaigns start closer together.")
    renewal_lead_days: StrictInt = Field(
        default=183, ge=0, le=MAX_RENEWAL_LEAD_DAYS,
        description="`status` flags renewals this close without a live campaign.")


@dataclass(frozen=True)
class ProjectConfig:
    """What coffeerun takes from mkdocs.yml, and what is wrong with it."""

    site_url: str  # ends with "/"
    settings: ProgramSettings
    problems: tuple[Problem, ...]


def _settings(config: engine.ConfigFile, display: str, problems: list[Problem]) -> ProgramSettings:
    extra = config.data.get("extra")
    raw = extra.get("coffeerun") if isinstance(extra, dict) else None
    if raw is None:
        return ProgramSettings()
    if not isinstance(raw, dict):
        line, col = config.where(SETTINGS)
        problems.append(Problem(display, line, col, "extra.coffeerun", "must be a mapping of program settings: "
                                + one_of(ProgramSettings.model_fields)))
        return ProgramSettings()
    try:
        return ProgramSettings.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = (*SETTINGS, *error["loc"])
            line, col = config.where(loc)
            name = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "extra_forbidden":
                message = (f"'{name}' is not a program setting; the settings are "
                           f"{one_of(ProgramSettings.model_fields)}{did_you_mean(name, ProgramSettings.model_fields)}")
            else:
                found = raw.get(name)
                kind = "true or false" if name == "require_approval" else "a whole number"
                message = f"found {found!r}; expected {kind}: {error['msg']}"
            problems.append(Problem(display, line, col, ".".join(map(str, loc)), message))
        valid = {k: v for k, v in raw.items() if k in ProgramSettings.model_fields
                 and not any(e["loc"][:1] == (k,) for e in exc.errors())}
        return ProgramSettings.model_validate(valid)


def _site_url(config: engine.ConfigFile, display: str, problems: list[Problem]) -> str:
    line, col = config.where(("site_url",))
    value = config.data.get("site_url")
    tag = next((t for t in config.env_tags if t.loc == ("site_url",)), None)
    if value is None and tag is not None:
        names = ", ".join(tag.names)
        problems.append(Problem(display, line, col, "site_url", f"!ENV {names}: not set in the environment and no "
                                f"default; links point at {DEFAULT_SITE_URL} (fine for a preview, refused by "
                                "--publish); set it, or give a default: !ENV [SITE_URL, 'https://…/']", "warning"))
        return DEFAULT_SITE_URL
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_SITE_URL
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        problems.append(Problem(display, line, col, "site_url", f"found {value!r}; expected the address the sites "
                                "are published at, e.g. https://advocates.example.com/ (every printed link starts "
                                "with it)"))
        return DEFAULT_SITE_URL
    return value.rstrip("/") + "/"


def _engine_problems(config: engine.ConfigFile, display: str, problems: list[Problem]) -> None:
    """What MkDocs itself refuses in the config each site is built from (the build stops on warnings too)."""
    settings = {k: v for k, v in config.data.items() if k != "extra"}
    from coffeerun.project import defaults_dir

    site = engine.site_config(settings, site_name="check", site_url=DEFAULT_SITE_URL, language="en",
                              custom_dir=defaults_dir() / "theme" / "overrides", extra_css=[], extra_javascript=[],
                              extra={})
    for key, message, is_error in engine.validate_site_config(site):
        line, col = config.where((key,)) if key else (1, 1)
        if message.startswith("Unrecognised configuration name"):
            message = (f"'{key}' is not a MkDocs setting, so MkDocs would refuse to build"
                       f"{did_you_mean(key, engine.setting_names())}")
        problems.append(Problem(display, line, col, key, message if is_error else f"{message} (MkDocs warns, and "
                                "coffeerun refuses to build on a warning)"))


def read_project_config(mkdocs_yml: Path, display: str = "mkdocs.yml") -> ProjectConfig:
    """mkdocs.yml with the reader `build` uses: every problem with its line, never an exception."""
    return _read(str(mkdocs_yml), display, engine.config_state(mkdocs_yml))


@memo.table("siteconfig.project", 8)
def _read(path: str, display: str, state: tuple[Any, ...]) -> ProjectConfig:
    mkdocs_yml = Path(path)
    config = engine.project_config(mkdocs_yml)
    problems = [Problem(display, p.line, p.col, ".".join(map(str, p.loc)), p.message, p.severity)
                for p in config.problems]
    if not config.ok:
        return ProjectConfig(DEFAULT_SITE_URL, ProgramSettings(), tuple(problems))
    url = _site_url(config, display, problems)
    settings = _settings(config, display, problems)
    if not any(p.severity == "error" for p in problems):
        _engine_problems(config, display, problems)
    return ProjectConfig(url, settings, tuple(problems))


def site_url(mkdocs_yml: Path) -> str:
    """The base of every printed link (ends with /)."""
    return read_project_config(mkdocs_yml).site_url


def program_settings(mkdocs_yml: Path) -> ProgramSettings:
    """The program settings (`extra: coffeerun:`); defaults for what is missing or wrong."""
    return read_project_config(mkdocs_yml).settings


def settings_digest(mkdocs_yml: Path) -> str:
    """What the built sites take from mkdocs.yml, as a digest for cache keys (`!ENV` and INHERIT included)."""
    return engine.settings_digest(engine.project_config(mkdocs_yml))


def base_settings(mkdocs_yml: Path) -> dict[str, Any]:
    """Every setting of mkdocs.yml as plain data (for the sites built from it)."""
    return engine.load_base_config(mkdocs_yml)
