import click
from flask.cli import AppGroup

from portal.db import db
from portal.web import clock

analysis_cli = AppGroup("analysis", help="The association's analysis of clusters (Art. 8(5)).")


@analysis_cli.command("run")
@click.argument("period")
def run(period):
    """Find PERIOD's clusters and surges (e.g. 2026H2); running again adds no duplicate."""
    from portal.analysis import operations
    from portal.statistics.rules import parse_period

    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PERIOD") from exc
    result = operations.run(parsed, actor=None, now=clock.now())
    db.session.commit()
    click.echo(f"{parsed.code}: {result.found} finding(s), {result.new} new")
