"""`coffeerun serve`: one campaign on localhost, rebuilt whenever a file it reads is saved; the open page
reloads by itself (MkDocs's live-reload server) and shows the build's problems while there are any."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from coffeerun import api
from coffeerun.render import engine
from coffeerun.report import Report

_BANNER = (
    '<div role="alert" id="coffeerun-problems" style="position:fixed;z-index:100;left:0;right:0;top:0;'
    "max-height:60vh;overflow:auto;background:#7f1d1d;color:#fff;font:14px/1.5 ui-monospace,monospace;"
    'padding:14px 18px;box-shadow:0 8px 24px rgba(0,0,0,.35)"><strong style="font:700 15px/1.4 system-ui,sans-serif">'
    "{title}</strong><ul style=\"margin:8px 0 0;padding-left:18px\">{items}</ul></div>"
)

_EMPTY = (b'<!doctype html><html><head><meta charset="utf-8"><title>coffeerun preview</title></head><body>'
          b'<p style="font:16px system-ui;margin:40vh 20px 0">Nothing is built here yet.</p></body></html>')


class Preview:
    """The preview's state: where it builds, and the problems of the last build (shown in every page)."""

    def __init__(self, root: Path, campaign: str, today: dt.date, out: Path, base: str):
        self.root, self.campaign, self.today, self.out, self.base = root, campaign, today, out, base
        self.problems: list[str] = []

    def rebuild(self) -> None:
        try:
            result = api.build(self.root, self.out, today=self.today, drafts=True, campaigns=(self.campaign,),
                               jobs=1, site_url=self.base)
        except Exception as exc:  # noqa: BLE001 - the preview stays up; the page says what broke
            self.problems = [f"the build stopped: {type(exc).__name__}: {exc}"]
            click.echo(self.problems[0], err=True)
            return
        report = Report(result.problems)
        report.print_problems()
        if report.exit_code:
            self.problems = [p.format() for p in result.problems.errors] or ["the build failed"]
            click.echo("not rebuilt: fix the problems above; the preview shows the last good build", err=True)
            return
        self.problems = []
        if result.unchanged:
            click.echo("nothing changed", err=True)
        elif result.plan and result.plan.jobs:
            links = result.plan.jobs[0].links
            click.echo(f"rebuilt in {result.seconds:.1f}s\n  share: {links.share_url}\n  kit:   {links.kit_url}",
                       err=True)
        else:
            reason = result.plan.skipped[0].reason if result.plan and result.plan.skipped else "not selected"
            self.problems = [f"nothing to preview: {reason}"]
            click.echo(self.problems[0], err=True)

    def decorate(self, page: bytes) -> bytes:
        """The page with the current problems at its top; an empty page (not built) becomes a page of them."""
        if not page:
            page = _EMPTY
        if not self.problems:
            return page
        title = html.escape(f"The preview is out of date: {len(self.problems)} problem(s) to fix in the YAML; "
                            "this page reloads when you save")
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
        banner = _BANNER.format(title=title, items=items).encode("utf-8")
        at = page.find(b"<body")
        at = page.find(b">", at) + 1 if at >= 0 else 0
        return page[:at] + banner + page[at:]


def _watched(root: Path, campaign: str) -> list[Path]:
    paths = [root / "campaigns" / f"{campaign}.yaml", root / "mkdocs.yml", root / "content", root / "theme"]
    return [p for p in paths if p.exists()]


def serve_campaign(root: Path, campaign: str, today: dt.date | None, port: int) -> None:
    """Build into a temporary folder and serve it until Ctrl+C, SIGTERM or SIGHUP; the folder goes with the
    server."""
    work = tempfile.mkdtemp(prefix="coffeerun-serve-")
    try:
        with _stops_as_interrupt():
            out = Path(work) / "site"
            base = f"http://127.0.0.1:{port}/"
            preview = Preview(root, campaign, today or api.utc_today(), out, base)
            preview.rebuild()
            logging.getLogger("mkdocs.livereload").setLevel(logging.WARNING)
            server = engine.live_server(preview.rebuild, port, out, _watched(root, campaign), preview.decorate)
            click.echo(f"serving {campaign} on {base} (Ctrl+C to stop); open pages reload when you save", err=True)
            engine.run_live_server(server)
    finally:
        with _stops_ignored():  # a second Ctrl+C while it goes does not leave half of it
            shutil.rmtree(work, ignore_errors=True)


# SIGTERM: a process manager stops it; SIGHUP: its terminal was closed
_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGINT,
                                                                                           signal.SIGTERM)


@contextlib.contextmanager
def _stops_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP end the server as Ctrl+C does (KeyboardInterrupt), so the temporary build folder is
    removed either way; a signal ignored already (nohup) stays ignored."""
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    with _handling(dict.fromkeys(_STOPS[1:], interrupt)):
        yield


@contextlib.contextmanager
def _stops_ignored() -> Iterator[None]:
    with _handling(dict.fromkeys(_STOPS, signal.SIG_IGN)):
        yield


@contextlib.contextmanager
def _handling(handlers: dict[signal.Signals, Any]) -> Iterator[None]:
    """These signal handlers for the block (in the main thread; elsewhere signals are left alone)."""
    before: dict[signal.Signals, Any] = {}
    try:
        for signum, handler in handlers.items():
            if signal.getsignal(signum) is not signal.SIG_IGN:
                before[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
