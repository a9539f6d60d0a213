"""Where a project's files are, and the defaults that ship with coffeerun."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from coffeerun.safefiles import refusal

_PACKAGE = Path(__file__).resolve().parent


def defaults_dir() -> Path:
    """The bundled default theme/ and mkdocs.yml: in the wheel, or the source checkout."""
    bundled = _PACKAGE / "_defaults"
    if (bundled / "mkdocs.yml").is_file():
        return bundled
    return _PACKAGE.parent.parent


@dataclass(frozen=True)
class ProjectPaths:
    root: Path

    @cached_property
    def campaigns(self) -> Path:
        return self.root / "campaigns"

    @cached_property
    def content(self) -> Path:
        return self.root / "content"

    def campaign_file(self, campaign_id: str) -> Path:
        return self.campaigns / f"{campaign_id}.yaml"

    def account_file(self, account_id: str) -> Path:
        return self.content / "accounts" / account_id / "account.yaml"

    def theme_file(self, name: str) -> Path:
        """theme/<name> of the project if it has one, else the bundled default."""
        own = self.root / "theme" / name
        return own if own.exists() and refusal(self.root, own) is None else defaults_dir() / "theme" / name

    @cached_property
    def mkdocs_yml(self) -> Path:
        own = self.root / "mkdocs.yml"
        return own if refusal(self.root, own) is None and own.is_file() else defaults_dir() / "mkdocs.yml"

    @cached_property
    def cache(self) -> Path:
        import os

        named = os.environ.get("COFFEERUN_CACHE_DIR")
        return Path(named) if named else self.root / ".cache" / "coffeerun"

    def display(self, path: Path) -> str:
        """A path as shown in problems: relative to the project root where possible."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
