"""The periodic commands (docs/deployment.md): ``flask --app wsgi deadlines sweep`` from
cron or a systemd timer every five minutes, and ``flask --app wsgi jobs work``, the job
worker. Running either twice, or on two hosts at once, does no harm."""

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from portal.db import db, utcnow
from portal.web import clock

deadlines_cli = AppGroup("deadlines", help="Art. 11 deadlines: breaches and reminders.")
jobs_cli = AppGroup("jobs", help="Background jobs (bulletin previews and publishing).")


@deadlines_cli.command("sweep")
@click.option("--no-mail", is_flag=True, help="Queue e-mail but do not send it now.")
def sweep(no_mail: bool):
    """Mark breached deadlines, queue reminders and breach notices, then send e-mail."""
    from portal.jobs.sweep import run_sweep
    from portal.notify.sender import SmtpSettings, drain, smtp_transport

    now = clock.now()

    def progress(member: int, counts: dict) -> None:  # a long catch-up shows it moves
        click.echo(
            f"accountability detection: {counts['looked_at']} complaints looked at "
            f"(member {member}), {counts['changed']} cases opened or extended"
        )

    counts = run_sweep(now, progress=progress)
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


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Run at most one job, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Keep running (a systemd service): look for new jobs every SECONDS; "
    "SIGTERM stops it after the job in hand.",
)
def work(once, poll):
    """Run queued jobs until the queue is empty (safe to run on several hosts)."""
    from portal.bulletins.jobs import work as drain

    if poll is None or once:
        count = drain(utcnow, once=once)
        click.echo(f"{count} job(s) run")
        return
    stopping = _stop_on_sigterm()
    total = 0
    while not stopping.is_set():
        count = drain(utcnow, once=True)  # one job at a time: a stop waits for one only
        total += count
        if count:
            click.echo(f"{total} job(s) run")
        else:
            stopping.wait(poll)
    click.echo(f"stopped: {total} job(s) run")


def _stop_on_sigterm() -> threading.Event:
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    return stopping
