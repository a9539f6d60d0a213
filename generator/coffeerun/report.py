"""The report: problems and warnings printed once, a summary line, and the exit code."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from typing import TextIO

from coffeerun.problems import Problems

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


@dataclass
class Report:
    problems: Problems = field(default_factory=Problems)
    stream: TextIO = field(default_factory=lambda: sys.stderr)

    @property
    def exit_code(self) -> int:
        return EXIT_INPUT if self.problems.errors else EXIT_OK

    def print_problems(self, style: str = "text", quiet: bool | None = None) -> None:
        """Every problem (only errors when quiet, by default when the command has -q): `text` lines on
        the stream (plus GitHub annotations inside GitHub Actions), `github` lines with annotations, or
        `json`, one list on stdout."""
        if quiet is None:
            from coffeerun import verbosity

            quiet = verbosity.quiet()
        shown = [p for p in self.problems.ordered if p.severity == "error" or not quiet]
        if style == "json":
            print(json.dumps([asdict(p) for p in shown], indent=2, ensure_ascii=False))
            return
        annotate = style == "github" or os.environ.get("GITHUB_ACTIONS") == "true"
        for problem in shown:
            print(problem.format(), file=self.stream)
            if annotate:
                print(problem.annotation(), file=self.stream)
        errors, warnings = len(self.problems.errors), len(self.problems.warnings)
        if errors or (warnings and not quiet):
            print(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
                  file=self.stream)
