import click
from flask import current_app
from flask.cli import AppGroup

from portal.db import db, utcnow

outbox_cli = AppGroup("outbox", help="The outbox: e-mail, and webhooks to banks' systems.")


@outbox_cli.command("send")
def send():
    """Send queued e-mail and webhooks (safe to run from cron on several hosts)."""
    from portal.notify.sender import SmtpSettings, drain, smtp_transport

    settings = SmtpSettings.from_config(current_app.config)
    counts = drain(now=utcnow(), send=smtp_transport(settings), sender=settings.sender)
    click.echo(f"sent {counts['sent']}, will retry {counts['failed']}, gave up {counts['gave_up']}")


@outbox_cli.command("requeue")
@click.option("--all-failed", is_flag=True, help="Every failed message.")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
def requeue(all_failed: bool, ids: tuple[int, ...]):
    """Put failed e-mail and webhooks (retries spent) back in the queue: the messages IDS, or
    --all-failed. The next `outbox send` sends them."""
    from portal.notify.operations import requeue_failed

    if all_failed == bool(ids):
        raise click.UsageError("give message IDs or --all-failed (not both)")
    count = requeue_failed(now=utcnow(), ids=None if all_failed else ids)
    db.session.commit()
    click.echo(f"requeued {count}")
    if ids and count < len(set(ids)):
        click.echo(
            f"{len(set(ids)) - count} of the given messages were not failed: left as they are"
        )
