"""The command line: a thin layer over coffeerun.api."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from coffeerun import __version__, api
from coffeerun.problems import did_you_mean
from coffeerun.report import EXIT_USAGE, Report


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):  # noqa: ANN001 - click's signature
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD", param, ctx)


DATE = _Date()
project_option = click.option("--project", "project", type=click.Path(file_okay=False, path_type=Path),
                              default=Path("."), show_default=True, help="The project directory.")
today_option = click.option("--today", type=DATE, default=None,
                            help="The build date (default: today, UTC).")


def _known_campaigns(root: Path, names: tuple[str, ...]) -> None:
    known = sorted(p.stem for p in (root / "campaigns").glob("*.yaml"))
    for name in names:
        if name not in known:
            raise click.UsageError(f"no campaign '{name}' in {root / 'campaigns'}{did_you_mean(name, known)}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coffeerun")
def cli() -> None:
    """Private advocate microsites, talk tracks and slide decks from one YAML file per campaign."""


@cli.command()
@project_option
@today_option
@click.argument("campaigns", nargs=-1)
def check(project: Path, today: dt.date | None, campaigns: tuple[str, ...]) -> None:
    """Validate everything; print every problem; exit 1 if any."""
    _known_campaigns(project, campaigns)
    result = api.check(project, today, campaigns or None)
    report = Report(result.problems)
    report.print_problems()
    if not result.problems.errors:
        published = sum(c.state.published for c in result.campaigns)
        click.echo(f"ok: {len(result.campaigns)} campaign(s) valid, {published} to publish", err=True)
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

    from coffeerun.scaffold import write_new_campaign

    for label, value in (("campaign", campaign), ("account", account)):
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,62}$", value):
            raise click.UsageError(f"'{value}' is not a valid {label} id; use lowercase letters, digits and '-'")
    accounts = sorted(p.name for p in (project / "content" / "accounts").glob("*") if p.is_dir())
    if account not in accounts:
        click.echo(f"warning: no account '{account}' yet (content/accounts/{account}/account.yaml)"
                   f"{did_you_mean(account, accounts)}", err=True)
    try:
        path = write_new_campaign(project, campaign, account, today or api.utc_today())
    except FileExistsError:
        raise click.UsageError(f"campaigns/{campaign}.yaml exists already; pick another id") from None
    click.echo(f"wrote {path}; fill it in, then run: coffeerun check {campaign}")


def main() -> None:
    try:
        cli.main(prog_name="coffeerun")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        click.echo(f"coffeerun: internal error: {type(exc).__name__}: {exc} (at {Path(frame.filename).name}:"
                   f"{frame.lineno}). This is a bug in coffeerun, not in your files; please report it with "
                   "the command you ran.", err=True)
        sys.exit(70)
