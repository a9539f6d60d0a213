"""The report: problems and warnings printed once, a summary line, and the exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
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

    def print_problems(self) -> None:
        annotate = os.environ.get("GITHUB_ACTIONS") == "true"
        for problem in self.problems.ordered:
            print(problem.format(), file=self.stream)
            if annotate:
                print(problem.annotation(), file=self.stream)
        errors, warnings = len(self.problems.errors), len(self.problems.warnings)
        if errors or warnings:
            print(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
                  file=self.stream)
