"""Every MkDocs call lives here: per-site config, the in-process build, and what we drop from its output.

Moving to another MkDocs-compatible engine means changing this module only: the rest of coffeerun
hands over a folder of Markdown pages (each one HTML block), a Material custom_dir and a plain
mkdocs.yml, and gets back a built site folder.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# What the engine writes that must not be published: sitemaps name every page, and so every token;
# the .gz carries a build timestamp.
DROPPED = ("sitemap.xml", "sitemap.xml.gz")


class EngineError(RuntimeError):
    """MkDocs refused the generated project, or warned about it."""


def load_base_config(path: Path) -> dict[str, Any]:
    """The project's (or the bundled) root mkdocs.yml: a plain YAML mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise EngineError(f"{path}: not a plain YAML mkdocs.yml: {exc}") from None
    if not isinstance(data, dict):
        raise EngineError(f"{path}: mkdocs.yml must be a mapping of settings")
    return data


@lru_cache(maxsize=1)
def theme_languages() -> frozenset[str]:
    """Languages Material ships translations for."""
    import material

    folder = Path(material.__file__).resolve().parent / "templates" / "partials" / "languages"
    return frozenset(p.stem for p in folder.glob("*.html"))


def theme_language(tag: str) -> str:
    """Material's language for a BCP-47 tag: the longest prefix it knows, else English."""
    known = {name.lower(): name for name in theme_languages()}
    parts = tag.split("-")
    for end in range(len(parts), 0, -1):
        name = known.get("-".join(parts[:end]).lower())
        if name:
            return name
    return "en"


def site_config(base: dict[str, Any], *, site_name: str, site_url: str, language: str, custom_dir: Path,
                extra_css: list[str], extra_javascript: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """The base config plus one site's settings; plain data, written out as that site's mkdocs.yml."""
    config = {k: v for k, v in base.items() if k not in ("docs_dir", "site_dir", "nav", "strict")}
    theme = dict(config.get("theme") or {})
    if isinstance(config.get("theme"), str):
        theme = {"name": config["theme"]}
    theme.update({"name": theme.get("name", "material"), "custom_dir": str(custom_dir),
                  "language": theme_language(language), "font": False})
    theme.setdefault("palette", {"scheme": "default", "primary": "custom", "accent": "custom"})
    features = [f for f in theme.get("features") or [] if not str(f).startswith("navigation.instant")]
    theme["features"] = features
    config.update({
        "site_name": site_name,
        "site_url": site_url,
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": theme,
        "use_directory_urls": True,
        "extra_css": [*(config.get("extra_css") or []), *extra_css],
        "extra_javascript": [*(config.get("extra_javascript") or []), *extra_javascript],
        "extra": {**(config.get("extra") or {}), "coffeerun": extra},
    })
    config.setdefault("plugins", [])
    return config


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(project: Path, config: dict[str, Any]) -> Path:
    """Write project/mkdocs.yml and build project/docs into project/site in-process; return the site."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = project / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
    logger = logging.getLogger("mkdocs")
    handler, level = _Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        cfg = load_config(config_file=str(config_file))
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        finally:
            cfg.plugins.on_shutdown()
    except Exception as exc:  # noqa: BLE001 - MkDocs raises many kinds; one message for the caller
        raise EngineError(f"MkDocs could not build {project.name}: {exc}") from exc
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    if handler.messages:
        raise EngineError("MkDocs warned: " + "; ".join(handler.messages))
    site = project / "site"
    for name in DROPPED:
        (site / name).unlink(missing_ok=True)
    _prune_theme_assets(site)
    return site


def _prune_theme_assets(site: Path) -> None:
    """Drop source maps, and Material's scripts when no page loads them (its search, its bundle)."""
    import shutil

    for source_map in sorted(site.glob("assets/**/*.map")):
        source_map.unlink()
    scripts = site / "assets" / "javascripts"
    if scripts.is_dir():
        pages = (p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*.html"))
        if not any("assets/javascripts/" in text for text in pages):
            shutil.rmtree(scripts)
