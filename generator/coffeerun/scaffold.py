"""Starting files from the package's templates: `coffeerun new` (a campaign) and `coffeerun init` (a project)."""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from coffeerun.project import ProjectPaths

INIT_TEMPLATES = "init"
# Template file names cannot start with a dot (package data tools skip hidden files): dot-x is .x
_DOT = "dot-"


def _environment() -> Environment:
    return Environment(loader=PackageLoader("coffeerun", "templates"), undefined=StrictUndefined,
                       keep_trailing_newline=True, autoescape=False)  # noqa: S701 - YAML and text, not HTML


def _dates(today: dt.date) -> dict[str, str]:
    return {"today": today.isoformat(), "starts": today.isoformat(),
            "expires": (today + dt.timedelta(days=182)).isoformat(),
            "consent_expires": (today + dt.timedelta(days=365)).isoformat()}


def new_campaign_text(campaign_id: str, account_id: str, today: dt.date) -> str:
    return _environment().get_template("new-campaign.yaml.j2").render(
        campaign_id=campaign_id, account=account_id, **_dates(today))


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


def _template_files(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    """(path inside the template tree, file), sorted, for every file under folder."""
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            found.extend(_template_files(entry, f"{prefix}{entry.name}/"))
        else:
            found.append((prefix + entry.name, entry))
    return found


def _target_name(template_path: str) -> str:
    parts = [("." + p[len(_DOT):]) if p.startswith(_DOT) else p for p in template_path.split("/")]
    name = "/".join(parts)
    return name[:-3] if name.endswith(".j2") else name


def advocate_photo() -> bytes:
    """A neutral portrait silhouette (PNG), so the example advocate has a real photo to show."""
    from PIL import Image, ImageDraw

    size = 384
    image = Image.new("RGB", (size, size), "#D9E4DD")
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.16, size * 0.66, size * 0.84, size * 1.3), fill="#2F5D50")
    draw.ellipse((size * 0.32, size * 0.18, size * 0.68, size * 0.6), fill="#2F5D50")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def init_files(version: str, today: dt.date) -> dict[str, bytes]:
    """Every file of a new project, by path relative to its root."""
    from coffeerun.schema import schema_text

    env = _environment()
    values = {"version": version, **_dates(today)}
    files: dict[str, bytes] = {}
    for path, entry in _template_files(resources.files("coffeerun") / "templates" / INIT_TEMPLATES):
        if path.endswith(".j2"):
            text = env.get_template(f"{INIT_TEMPLATES}/{path}").render(**values)
            files[_target_name(path)] = text.encode("utf-8")
        else:
            files[_target_name(path)] = entry.read_bytes()
    files["content/media/alex-rivera.png"] = advocate_photo()
    files["schema/campaign.schema.json"] = schema_text().encode("utf-8")
    return files


def init_project(target: Path, version: str, today: dt.date) -> list[Path]:
    """Write a new project into target, which must be missing or an empty directory: all of it or nothing.

    The files go into a new hidden folder beside target first, which then takes target's place in one
    rename, so a full disk or an interrupted run never leaves half a project behind.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(target)
    files = init_files(version, today)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.coffeerun-init-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as handle:
                handle.write(data)
        os.replace(staging, target)  # onto a missing or an empty folder
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / name for name in files]
