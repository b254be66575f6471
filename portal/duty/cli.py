import click
from flask.cli import AppGroup

from portal.db import db, utcnow

duty_cli = AppGroup("duty", help="The A/B duty roster (Art. 7).")


@duty_cli.command("alert-gaps")
def alert_gaps_command():
    """Alert members' leaders and the association about units with nobody on duty now
    (deduplicated per unit per hour: safe to run from cron or the deadline sweep)."""
    from portal.duty.operations import alert_gaps

    count = alert_gaps(utcnow())
    db.session.commit()
    click.echo(f"units with nobody on duty: {count}")
