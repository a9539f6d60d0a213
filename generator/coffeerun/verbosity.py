"""How much the command line says: `-q` errors only, `-v` also the details; on every command."""

from __future__ import annotations

import io
import sys
from typing import Any, TextIO

import click

QUIET, NORMAL, VERBOSE = 0, 1, 2
_KEY = "coffeerun.verbosity"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if not value:
        return
    chosen = VERBOSE if param.name == "verbose" else QUIET
    root = ctx.find_root()
    if root.meta.get(_KEY, chosen) != chosen:
        raise click.UsageError("-v and -q contradict each other; give one of them", ctx)
    root.meta[_KEY] = chosen


def _options() -> list[click.Option]:
    return [
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, callback=_remember,
                     help="Say more: timings and every file written."),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_remember,
                     help="Say only what is wrong: errors, no warnings, progress or summary."),
    ]


class VerbosityGroup(click.Group):
    """A group whose every command, and the group itself, take -v and -q."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_options())

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(p.name == "verbose" for p in cmd.params):
            cmd.params.extend(_options())
        super().add_command(cmd, name)


def level() -> int:
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().meta.get(_KEY, NORMAL) if ctx is not None else NORMAL


def quiet() -> bool:
    return level() == QUIET


def verbose() -> bool:
    return level() == VERBOSE


def info(message: str) -> None:
    """A line about what was done (stderr); left out with -q."""
    if not quiet():
        click.echo(message, err=True)


def detail(message: str) -> None:
    """A line only -v asks for (stderr)."""
    if verbose():
        click.echo(message, err=True)


def warn(message: str) -> None:
    """`warning: ...` (stderr); left out with -q."""
    info(f"warning: {message}")


def progress_stream() -> TextIO:
    """Where progress goes: stderr, or nowhere with -q."""
    return io.StringIO() if quiet() else sys.stderr
