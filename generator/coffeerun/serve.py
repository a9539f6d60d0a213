"""`coffeerun serve`: one campaign on localhost, rebuilt whenever a file it reads is saved."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click

from coffeerun import api
from coffeerun.report import Report


def _snapshot(root: Path, campaign: str) -> dict[str, float]:
    watched = [root / "campaigns" / f"{campaign}.yaml", root / "mkdocs.yml"]
    for folder in (root / "content", root / "theme"):
        if folder.is_dir():
            watched.extend(p for p in folder.rglob("*") if p.is_file())
    return {str(p): p.stat().st_mtime for p in watched if p.exists()}


def _rebuild(root: Path, campaign: str, today: dt.date, out: Path, base: str) -> None:
    result = api.build(root, out, today=today, drafts=True, campaigns=(campaign,), jobs=1, site_url=base)
    report = Report(result.problems)
    report.print_problems()
    if report.exit_code:
        click.echo("not rebuilt: fix the problems above; the preview shows the last good build", err=True)
        return
    if result.unchanged:
        click.echo("nothing changed", err=True)
    elif result.plan and result.plan.jobs:
        links = result.plan.jobs[0].links
        click.echo(f"rebuilt in {result.seconds:.1f}s\n  share: {links.share_url}\n  kit:   {links.kit_url}",
                   err=True)
    else:
        reason = result.plan.skipped[0].reason if result.plan and result.plan.skipped else "not selected"
        click.echo(f"nothing to preview: {reason}", err=True)


def serve_campaign(root: Path, campaign: str, today: dt.date | None, port: int) -> None:
    out = Path(tempfile.mkdtemp(prefix="coffeerun-serve-")) / "site"
    base = f"http://127.0.0.1:{port}/"
    today = today or api.utc_today()
    _rebuild(root, campaign, today, out, base)
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(f"serving {campaign} on {base} (Ctrl+C to stop)", err=True)
    seen = _snapshot(root, campaign)
    try:
        while True:
            time.sleep(0.5)
            now = _snapshot(root, campaign)
            if now != seen:
                seen = now
                _rebuild(root, campaign, today, out, base)
    except KeyboardInterrupt:
        server.shutdown()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass
