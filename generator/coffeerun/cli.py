"""The command line: a thin layer over coffeerun.api."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from pathlib import Path
from typing import Any

import click

from coffeerun import __version__, api, verbosity
from coffeerun.problems import did_you_mean
from coffeerun.report import Report


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: str | dt.date, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD", param, ctx)
        if not 1980 <= day.year <= 2107:  # files of the kit are dated; a zip stores no other years
            self.fail(f"{value!r} is outside the years 1980–2107; write the real build date", param, ctx)
        return day


DATE = _Date()
project_option = click.option("--project", "project", type=click.Path(file_okay=False, path_type=Path),
                              default=Path("."), show_default=True, help="The project directory.")
today_option = click.option("--today", type=DATE, default=None,
                            help="The build date (default: today, UTC).")


class Refused(click.ClickException):
    """Wrong usage told in one line (`Error: …`, exit 2), without click's usage banner."""

    exit_code = 2


def _project(root: Path) -> Path:
    """The project a command works on: a folder with campaigns/ (else wrong usage, never an empty site)."""
    if not root.is_dir():
        raise Refused(f"no project folder {root}; run coffeerun in a project or pass --project DIR")
    if not (root / "campaigns").is_dir():
        where = f"this folder ({root.resolve()})" if root == Path(".") else str(root)
        raise Refused(f"{where} is not a coffeerun project: it has no campaigns/ folder; run coffeerun "
                      "in a project, pass --project DIR, or start one with: coffeerun init DIR")
    return root


def _environment_problem(exc: OSError) -> str:
    """One plain line for an output, cache or port the environment does not allow."""
    path = exc.filename2 or exc.filename or ""  # copies and renames: the second name is the one written
    reasons = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
               errno.EFBIG: "the disk is full or the file is larger than this system allows",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied", errno.ENOTDIR: "a part of the path is a file, not a folder",
               errno.EEXIST: "a file is in the way of a folder"}
    reason = reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    verb = "write" if exc.errno in _FULL_OR_READ_ONLY else "use"
    return f"coffeerun: cannot {verb} {path}: {reason}" if path else f"coffeerun: {reason}"


_FULL_OR_READ_ONLY = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS)
_ENVIRONMENT_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.EMFILE,
                       errno.ENFILE, errno.EIO, errno.ENAMETOOLONG, errno.EADDRINUSE, errno.ENOTDIR, errno.EEXIST,
                       errno.ELOOP)


class _Commands(verbosity.VerbosityGroup):
    """The command group (-v/-q on each command): an output, cache or port the environment refuses ends in
    one line and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno not in _ENVIRONMENT_ERRORS:
                raise
            click.echo(_environment_problem(exc), err=True)
            ctx.exit(1)


def _known_campaigns(root: Path, names: tuple[str, ...]) -> None:
    known = sorted(p.stem for p in (root / "campaigns").glob("*.yaml"))
    for name in names:
        if name not in known:
            raise click.UsageError(f"no campaign '{name}' in {root / 'campaigns'}{did_you_mean(name, known)}")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coffeerun")
def cli() -> None:
    """Private advocate microsites, talk tracks and slide decks from one YAML file per campaign."""


@cli.command()
@project_option
@today_option
@click.option("--format", "style", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text lines; json: a list of problems on stdout; github: lines and GitHub annotations.")
@click.argument("campaigns", nargs=-1)
def check(project: Path, today: dt.date | None, style: str, campaigns: tuple[str, ...]) -> None:
    """Validate everything; print every problem; exit 1 if any."""
    _project(project)
    _known_campaigns(project, campaigns)
    result = api.check(project, today, campaigns or None)
    report = Report(result.problems)
    report.print_problems(style)
    for info in result.campaigns:
        verbosity.detail(f"{info.id}: {info.state.kind}{f' ({info.state.reason})' if info.state.reason else ''}")
    if not result.problems.errors:
        published = sum(c.state.published for c in result.campaigns)
        verbosity.info(f"ok: {len(result.campaigns)} campaign(s) valid, {published} to publish")
    sys.exit(report.exit_code)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a campaign file."""
    from coffeerun.schema import schema_text

    click.echo(schema_text(), nl=False)


@cli.command()
@project_option
@today_option
@click.option("--account", required=True, help="Account id (content/accounts/<id>/).")
@click.argument("campaign")
def new(project: Path, today: dt.date | None, account: str, campaign: str) -> None:
    """Write a commented starting file campaigns/CAMPAIGN.yaml."""
    import re

    from coffeerun.scaffold import write_new_campaign, write_schema_if_missing

    for label, value in (("campaign", campaign), ("account", account)):
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,62}$", value):
            raise click.UsageError(f"'{value}' is not a valid {label} id; use lowercase letters, digits and '-'")
    _project(project)
    accounts = sorted(p.name for p in (project / "content" / "accounts").glob("*") if p.is_dir())
    if account not in accounts:
        verbosity.warn(f"no account '{account}' yet (content/accounts/{account}/account.yaml)"
                       f"{did_you_mean(account, accounts)}")
    try:
        path = write_new_campaign(project, campaign, account, today or api.utc_today())
    except FileExistsError:
        raise click.UsageError(f"campaigns/{campaign}.yaml exists already; pick another id") from None
    verbosity.info(f"wrote {path}; fill it in, then run: coffeerun check {campaign}")
    if write_schema_if_missing(project):
        verbosity.info("wrote schema/campaign.schema.json for your editor (refresh it with: coffeerun schema)")


@cli.command()
@project_option
@today_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects.")
def status(project: Path, today: dt.date | None, as_json: bool) -> None:
    """The planning view: dates, days left, publishing, consent and renewal flags."""
    import json

    from coffeerun.status import format_status, status_rows

    today = today or api.utc_today()
    result = api.check(_project(project), today)
    if result.problems.errors:
        report = Report(result.problems)
        report.print_problems()
        sys.exit(report.exit_code)
    rows = status_rows(result, today)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(format_status(rows), nl=False)


@cli.command()
@project_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects, one per campaign and advocate.")
@click.argument("campaigns", nargs=-1)
def approvals(project: Path, as_json: bool, campaigns: tuple[str, ...]) -> None:
    """Each advocate's approval code, the approved one, and approved | changed | never."""
    import json

    from coffeerun.approval import format_approvals

    _known_campaigns(project, campaigns)
    result, rows = api.approvals(project, campaigns or None)
    if result.problems.errors:
        report = Report(result.problems)
        report.print_problems()
        sys.exit(report.exit_code)
    if as_json:
        click.echo(json.dumps([row.to_json() for row in rows], indent=2, ensure_ascii=False))
    else:
        click.echo(format_approvals(rows), nl=False)


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        k, n = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.UsageError(f"--shard {value!r}: write K/N, e.g. 2/8") from None
    if not 1 <= k <= n:
        raise click.UsageError(f"--shard {value!r}: K must be between 1 and N")
    return k, n


MAX_JOBS = 64  # each worker is a process with its own fonts and models: more only exhausts the machine
_LAST_ZIP_SECOND = 4354819199  # 2107-12-31T23:59:59Z


def _refuse_unsafe_build(project: Path, out: Path) -> None:
    """Wrong usage (exit 2) and unreadable project files (exit 1) stop a build before it reads or writes
    (the --publish settings are checked by the build itself)."""
    from coffeerun.outguard import UnsafeOutputError, check_output

    try:
        check_output(project, out)
    except UnsafeOutputError as exc:
        raise Refused(str(exc)) from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit() and int(epoch) > _LAST_ZIP_SECOND:
        raise Refused(f"SOURCE_DATE_EPOCH={epoch[:20]} is after 2107-12-31, the last day a zip archive (the decks) "
                      "can store; unset it or give a real time")
    _refuse_unreadable(project, f"nothing written: {out} is unchanged")


def _refuse_unreadable(project: Path, after: str = "") -> None:
    """Exit 1 when the project holds what may not be read (a FIFO would hang the build's hashing)."""
    from coffeerun.problems import Problems
    from coffeerun.safefiles import tree_problems

    problems = tree_problems(project)
    if problems:
        Report(Problems(problems)).print_problems()
        if after:
            click.echo(after, err=True)
        sys.exit(1)


@cli.command()
@project_option
@today_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The publish root (default: site/ in the project).")
@click.option("--drafts", is_flag=True, help="Also build draft campaigns (previews).")
@click.option("--publish", is_flag=True, help="A real publish: needs COFFEERUN_SECRET, refuses a past --today.")
@click.option("--jobs", type=click.IntRange(min=1, max=MAX_JOBS), default=None,
              help="Worker processes (default: CPU count).")
@click.option("--no-cache", is_flag=True, help="Ignore the render cache.")
@click.option("--no-assets", is_flag=True, help="Pages only: no downloads/ and no link-preview image (previews).")
@click.option("--shard", default=None, metavar="K/N", help="Build only the K-th of N stable shares.")
@click.argument("campaigns", nargs=-1)
def build(project: Path, today: dt.date | None, out: Path | None, drafts: bool, publish: bool,
          jobs: int | None, no_cache: bool, no_assets: bool, shard: str | None,
          campaigns: tuple[str, ...]) -> None:
    """Write the publish root: a share site and a kit per published campaign."""
    from coffeerun.build import EnvironmentProblem, UsageProblem
    from coffeerun.progress import Progress, summary

    _known_campaigns(_project(project), campaigns)
    out = out or project / "site"
    _refuse_unsafe_build(project, out)
    try:
        with Progress(verbosity.progress_stream()) as progress:
            result = api.build(project, out, today=today, drafts=drafts, publish=publish, campaigns=campaigns,
                               jobs=jobs, use_cache=not no_cache, assets=not no_assets, shard=_shard(shard),
                               progress=progress.advance, on_start=progress.start)
    except UsageProblem as exc:
        raise Refused(str(exc)) from None
    except EnvironmentProblem as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    report = Report(result.problems)
    report.print_problems()
    for warning in result.warnings:
        verbosity.warn(warning)
    if report.exit_code:
        click.echo(f"nothing written: {out} is unchanged", err=True)
        sys.exit(report.exit_code)
    if os.environ.get("COFFEERUN_PHASES") or verbosity.verbose():
        click.echo(f"phases: {result.phases}", err=True)
    verbosity.info(summary(len(result.built), len(result.reused), result.withheld, result.seconds, str(out),
                           [f"{campaign} ({kind})" for campaign, kind in result.not_built]))


@cli.command()
@project_option
@today_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects.")
@click.option("--report", is_flag=True, help="Print the program report's URL only.")
def links(project: Path, today: dt.date | None, as_json: bool, report: bool) -> None:
    """Print every campaign's share, kit and audience URLs."""
    import json

    from coffeerun import tokens
    from coffeerun.links import format_rows, link_rows

    secret = tokens.secret_from_env()
    if secret is None:
        verbosity.warn(f"{tokens.SECRET_ENV} is not set: these are preview links, not the real ones")
        secret = tokens.PREVIEW_SECRET
    if report:
        from coffeerun.render.report import report_url

        url = report_url(_project(project), secret)
        click.echo(json.dumps({"report_url": url}) if as_json else url)
        return
    result, rows = link_rows(_project(project), today or api.utc_today(), secret)
    if result.problems.errors:
        problem_report = Report(result.problems)
        problem_report.print_problems()
        sys.exit(problem_report.exit_code)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(format_rows(rows), nl=False)


def _secret_or_preview() -> bytes:
    from coffeerun import tokens

    secret = tokens.secret_from_env()
    if secret is None:
        verbosity.warn(f"{tokens.SECRET_ENV} is not set: counting with the preview links, not the real ones")
        secret = tokens.PREVIEW_SECRET
    return secret


@cli.command()
@project_option
@click.option("--format", "fmt", type=click.Choice(["auto", "combined", "json"]), default="auto",
              show_default=True, help="combined (nginx, Apache, Caddy) or JSON lines (Cloudflare, Netlify, Caddy).")
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
def engagement(project: Path, fmt: str, logs: tuple[Path, ...]) -> None:
    """Add daily totals from host access logs (plain or .gz) to content/engagement/<YYYY-MM>.csv."""
    from coffeerun.engagement import LogError
    from coffeerun.engagement.totals import StoreError

    try:
        result, counted = api.engagement(_project(project), logs, fmt, _secret_or_preview())
    except (LogError, StoreError) as exc:
        click.echo(f"{exc}\nnothing written", err=True)
        sys.exit(1)
    if counted is None:
        report = Report(result.problems)
        report.print_problems()
        sys.exit(report.exit_code)
    for line in counted.summary():
        if line.startswith("warning: "):
            verbosity.warn(line.removeprefix("warning: "))
        else:
            verbosity.info(line)


@cli.command()
@project_option
@today_option
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.argument("campaign")
def serve(project: Path, today: dt.date | None, port: int, campaign: str) -> None:
    """Preview one campaign on localhost, rebuilt on every save."""
    from coffeerun.serve import serve_campaign

    _known_campaigns(_project(project), (campaign,))
    _port_is_free(port)
    _refuse_unreadable(project)
    try:
        serve_campaign(project, campaign, today, port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        click.echo(f"coffeerun: port {port} on 127.0.0.1 was taken while the preview was built; "
                   "pick another with --port", err=True)
        sys.exit(1)


def _port_is_free(port: int) -> None:
    """Exit 1 with one line when the preview's port is taken, before anything is built."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            reason = "is busy (another program listens on it)" if exc.errno == errno.EADDRINUSE else \
                f"cannot be used ({exc.strerror})"
            click.echo(f"coffeerun: port {port} on 127.0.0.1 {reason}; pick another with --port", err=True)
            sys.exit(1)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Write a new project to start a program from into DIRECTORY (a new or empty folder)."""
    try:
        written = api.init_project(directory)
    except FileExistsError:
        raise click.UsageError(f"{directory} is not an empty folder; coffeerun init writes a new project "
                               "into a new or empty one") from None
    except OSError as exc:
        click.echo(f"coffeerun: cannot write {directory}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    for path in written:
        verbosity.detail(f"wrote {path}")
    verbosity.info(f"wrote a new coffeerun {__version__} project into {directory} ({len(written)} files); next:\n"
                   f"  cd {directory} && coffeerun check      # lists each CHANGE-ME to fill in\n"
                   "  then read README.md there: the secret, GitHub Pages, the first campaign")


def main() -> None:
    try:
        cli.main(prog_name="coffeerun")
    except SystemExit as done:
        _exit_now(done.code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        click.echo(f"coffeerun: internal error: {type(exc).__name__}: {exc} (at {Path(frame.filename).name}:"
                   f"{frame.lineno}). This is a bug in coffeerun, not in your files; please report it with "
                   "the command you ran.", err=True)
        sys.exit(70)


def _exit_now(code: int | str | None) -> None:
    """Exit as sys.exit(code) does, exit handlers included (multiprocessing's removes its folder), but without
    tearing the interpreter down: a build leaves hundreds of thousands of objects, and freeing them one by one
    takes a tenth of a second that nothing needs. Not while another thread runs: that exit waits for it."""
    import atexit
    import contextlib
    import threading

    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: cProfile and coverage may use it
    watched = monitoring is not None and any(monitoring.get_tool(tool) for tool in range(6))
    if threading.active_count() > 1 or sys.getprofile() or sys.gettrace() or watched:  # they write after main()
        sys.exit(code)
    if isinstance(code, str):
        click.echo(code, err=True)
    getattr(atexit, "_run_exitfuncs", lambda: None)()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # a reader gone (coffeerun links | head),
            stream.flush()  # or none (started with the stream closed: it is None)
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
