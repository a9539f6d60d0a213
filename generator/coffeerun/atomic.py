"""Atomic writes: a temporary file in the target's folder, renamed into place, so readers never see half a file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

FILE_MODE = 0o644  # published files: readable by the web server whatever the umask


def write_atomic(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Write data to path through a temporary file in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str, mode: int = FILE_MODE) -> None:
    write_atomic(path, text.encode("utf-8"), mode)


def copy_atomic(source: Path, path: Path, mode: int = FILE_MODE) -> None:
    """Copy source to path through a temporary file in path's folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, temp)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
