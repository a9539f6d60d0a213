"""Theme files shared by every site: written once under <publish root>/_theme/<digest>/, linked from every page.

A site keeps only what is its own (pages, palette, images, downloads); Material's stylesheets and the
static files of theme/overrides (site.css, site.js, …) are the same for every campaign, so they are
published once. The folder name is a digest of their bytes: it names no token, campaign or account,
and every shard of a sharded build writes the same folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coffeerun.project import ProjectPaths, defaults_dir
from coffeerun.render import engine

OVERRIDES = "overrides"  # theme/overrides: Material's custom_dir
ROOT = "_theme"  # <publish root>/_theme/<digest>/


@dataclass(frozen=True)
class SharedTheme:
    overrides: Path  # Material's custom_dir: the bundled overrides with the project's on top
    folder: str  # "_theme/<digest>", relative to the publish root
    files: dict[str, Path]  # path inside folder -> source file
    css: tuple[str, ...]  # Material's stylesheets, paths inside folder
    favicon: str  # Material's icon, used when neither the account nor we have a logo
    digest: str  # of the overrides (templates included) and the shared files

    def url(self, rel: str) -> str:
        """A site-root-relative URL of a shared file (sites live one level below the publish root)."""
        return f"../{self.folder}/{rel}"

    def mapped(self, rel: str) -> str:
        """rel as a shared file's URL when it is one, else unchanged (files of the site itself)."""
        return self.url(rel) if rel in self.files else rel

    def write(self, publish_root: Path) -> Path:
        target = publish_root / self.folder
        for rel, source in sorted(self.files.items()):
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
        return target

    def ensure(self, publish_root: Path) -> None:
        """Write the folder unless it is there (whole: made aside and renamed into place)."""
        target = publish_root / self.folder
        if target.is_dir():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".theme-", dir=target.parent))
        try:
            self.write(temp)
            os.replace(temp / self.folder, target)
        except OSError:
            if not target.is_dir():
                raise
        finally:
            shutil.rmtree(temp, ignore_errors=True)


def _files_of(base: Path) -> dict[str, Path]:
    if not base.is_dir():
        return {}
    return {p.relative_to(base).as_posix(): p for p in sorted(base.rglob("*")) if p.is_file()}


def _static(rel: str) -> bool:
    """A file MkDocs would copy into a site as it is (not a template, not hidden, not theme metadata)."""
    name = rel.lower()
    return not (any(part.startswith(".") for part in name.split("/")) or name.startswith("locales/")
                or "readme" in name or name == "mkdocs_theme.yml"
                or name.endswith((".html", ".py", ".pyc", ".md", ".markdown", ".mdown", ".mkdn", ".mkd")))


def _digest(files: dict[str, Path]) -> str:
    digest = hashlib.sha256()
    for rel, path in sorted(files.items()):
        digest.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def shared_theme(paths: ProjectPaths) -> SharedTheme:
    """The merged overrides folder (in a folder removed when this process ends: templates are code, never
    read from the cache) and the shared files; made once per process and state of theme/overrides (`serve`
    builds again in its own process after an override is edited)."""
    stamps = []
    for rel, path in _files_of(paths.root / "theme" / OVERRIDES).items():
        try:
            info = path.stat()
        except FileNotFoundError:  # an editor's temporary file, gone since the listing
            continue
        stamps.append((rel, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
    return _shared_theme(paths, tuple(stamps))


@lru_cache(maxsize=8)
def _shared_theme(paths: ProjectPaths, _own: tuple[tuple[str, int, int, int, int], ...]) -> SharedTheme:
    overrides = {**_files_of(defaults_dir() / "theme" / OVERRIDES), **_files_of(paths.root / "theme" / OVERRIDES)}
    css, favicon, material = engine.material_static()
    statics = {rel: path for rel, path in overrides.items() if _static(rel)}
    files = {**material, **statics}
    digest = _digest({**{f"o/{k}": v for k, v in overrides.items()}, **{f"m/{k}": v for k, v in material.items()}})
    shared_digest = _digest(files)[:16]
    return SharedTheme(_merged(overrides, digest), f"{ROOT}/{shared_digest}", files, css, favicon, digest)


def _merged(files: dict[str, Path], digest: str) -> Path:
    from multiprocessing.util import get_temp_dir

    target = Path(get_temp_dir()) / f"overrides-{digest[:16]}"
    if target.is_dir():
        return target
    temp = Path(tempfile.mkdtemp(prefix=".overrides-", dir=_parent(target)))
    for rel, source in files.items():
        dest = temp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
    try:
        os.replace(temp, target)  # another process may have made the same folder meanwhile
    except OSError:
        shutil.rmtree(temp, ignore_errors=True)
        if not target.is_dir():
            raise
    return target


def _parent(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.parent
