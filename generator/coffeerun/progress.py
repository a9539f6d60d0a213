"""Build progress: a bar on a terminal, plain lines in CI and logs."""

from __future__ import annotations

import sys

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress


class Progress:
    """Context manager; `start(total)` then `advance(campaign_id)` once per campaign."""

    def __init__(self) -> None:
        self.interactive = sys.stderr.isatty()
        self._bar: RichProgress | None = None
        self._task = None
        self.total = 0
        self.done = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self, total: int) -> None:
        self.total = total
        if self.interactive and total > 1:
            self._bar = RichProgress(TextColumn("building"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("build", total=total)

    def advance(self, campaign_id: str) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.advance(self._task)
        elif self.total > 1 and not self.interactive:
            print(f"[{self.done}/{self.total}] {campaign_id}", file=sys.stderr, flush=True)
