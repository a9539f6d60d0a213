"""Render cache: outputs keyed by a sha256 of their inputs, written atomically, reused by copying."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from coffeerun.atomic import write_atomic

@lru_cache(maxsize=256)
def _file_digest(path: str, size: int, mtime: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes, computed once per process and file version."""
    stat = os.stat(path)
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"@": type(value).__name__, **{k: _plain(v) for k, v in dataclasses.asdict(value).items()}}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def key(*parts: Any) -> str:
    """sha256 of the parts, as canonical JSON."""
    text = json.dumps(_plain(parts), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AssetCache:
    """<cache>/assets/<key[:2]>/<key>.<ext>; with no cache folder (--no-cache) nothing is kept."""

    def __init__(self, root: Path | None):
        self.root = root / "assets" if root is not None else None

    def path(self, digest: str, ext: str) -> Path | None:
        return self.root / digest[:2] / f"{digest}.{ext}" if self.root is not None else None

    def get(self, digest: str, ext: str) -> Path | None:
        path = self.path(digest, ext)
        return path if path is not None and path.is_file() else None

    def put(self, digest: str, ext: str, data: bytes) -> None:
        path = self.path(digest, ext)
        if path is not None:
            try:
                write_atomic(path, data)
            except OSError:
                pass  # a cache that cannot be written only makes the next build slower
