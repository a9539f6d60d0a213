"""Build progress: a bar on a terminal, plain lines in CI and logs, then one summary line."""

from __future__ import annotations

import sys
from typing import Any, TextIO


class Progress:
    """Context manager; `start(total)` then `advance(campaign_id, reused)` once per campaign.

    On a terminal, a bar (rich, imported only then); elsewhere one line per campaign rendered (the
    reused ones are counted in the summary line, not listed).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self._bar: Any = None
        self._task: Any = None
        self.total = 0
        self.done = 0
        self.built = 0
        self.reused = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def start(self, total: int) -> None:
        self.total = total
        if self.interactive and total > 1:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("building"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), transient=True,
                                     console=Console(file=self.stream))
            self._bar.start()
            self._task = self._bar.add_task("build", total=total, detail="")

    def advance(self, campaign_id: str, reused: bool = False) -> None:
        self.done += 1
        if reused:
            self.reused += 1
        else:
            self.built += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, detail=f"built {self.built}, reused {self.reused}")
        elif self.total > 1 and not self.interactive and not reused:
            print(f"[{self.done}/{self.total}] built {campaign_id}", file=self.stream, flush=True)


def summary(built: int, reused: int, withheld: list[str], seconds: float, out: str, not_built: list[str]) -> str:
    """The one line a build ends with."""
    line = f"built {built}, reused {reused}, withheld {len(withheld)} in {seconds:.1f}s into {out}"
    if not_built:
        shown = not_built[:8] + ([f"… {len(not_built) - 8} more"] if len(not_built) > 8 else [])
        line += "; not built: " + ", ".join(shown)
    return line
