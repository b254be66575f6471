import click
from flask import current_app
from flask.cli import AppGroup

from portal.db import utcnow

outbox_cli = AppGroup("outbox", help="The e-mail outbox.")


@outbox_cli.command("send")
def send():
    """Send queued e-mail (safe to run from cron on several hosts)."""
    from portal.notify.sender import SmtpSettings, drain, smtp_transport

    settings = SmtpSettings.from_config(current_app.config)
    counts = drain(now=utcnow(), send=smtp_transport(settings), sender=settings.sender)
    click.echo(f"sent {counts['sent']}, will retry {counts['failed']}, gave up {counts['gave_up']}")
