import click
from flask.cli import AppGroup

from portal.db import db
from portal.web import clock

statistics_cli = AppGroup("statistics", help="The statistics dashboard (Art. 8(4)).")


@statistics_cli.command("refresh")
def refresh():
    """Recompute the stored dashboard figures read in the last day (cron: every 5 min)."""
    from portal.statistics.snapshots import refresh as run

    count = run(clock.now())
    db.session.commit()
    click.echo(f"{count} dashboard view(s) recomputed")
