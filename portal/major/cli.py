"""``flask major catch-up``: propose what the rules find among the open complaints (after
a change of thresholds, or of cases changed by a script, which sends no signal)."""

import click
from flask.cli import AppGroup

from portal.db import db
from portal.major.detect import catch_up
from portal.web import clock

major_cli = AppGroup("major", help="Major complaints (重大投诉).")


@major_cli.command("catch-up")
def catch_up_command():
    """Look at every open complaint not yet major; record new proposals."""
    new = catch_up(clock.now())
    db.session.commit()
    click.echo(f"{new} new proposal(s)")
