"""``flask --app wsgi deadlines sweep``: run it from cron or a systemd timer every few
minutes (see the README); running it twice, or on two hosts at once, does no harm."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.db import db
from portal.web import clock

deadlines_cli = AppGroup("deadlines", help="Art. 11 deadlines: breaches and reminders.")


@deadlines_cli.command("sweep")
@click.option("--no-mail", is_flag=True, help="Queue e-mail but do not send it now.")
def sweep(no_mail: bool):
    """Mark breached deadlines, queue reminders and breach notices, then send e-mail."""
    from portal.deadlines.sweep import run_sweep
    from portal.notify.sender import SmtpSettings, drain, smtp_transport

    now = clock.now()
    counts = run_sweep(now)
    db.session.commit()  # also releases the sweep's lock
    if counts["skipped"]:
        click.echo("another sweep is running: skipped")
    else:
        click.echo(
            f"breaches marked {counts['breaches']}, reminders queued {counts['reminders']}, "
            f"notifications {counts['notifications']}"
        )
        # Art. 7: a unit with nobody on duty is announced again on every sweep until fixed.
        from portal.duty.operations import alert_gaps

        gaps = alert_gaps(now)
        db.session.commit()
        click.echo(f"units with nobody on duty {gaps}")
    if no_mail:
        return
    settings = SmtpSettings.from_config(current_app.config)
    sent = drain(now=now, send=smtp_transport(settings), sender=settings.sender)
    click.echo(f"mail sent {sent['sent']}, will retry {sent['failed']}, gave up {sent['gave_up']}")
