import signal
import threading

import click
from flask.cli import AppGroup

from portal.db import db, utcnow

bulletin_cli = AppGroup("bulletin", help="The semiannual bulletin (Art. 8(4)).")
jobs_cli = AppGroup("jobs", help="Background jobs (bulletin previews and publishing).")


@bulletin_cli.command("build")
@click.argument("period")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def build(period, out):
    """Write the PDF of PERIOD's current draft (e.g. 2026H1) to --out."""
    from portal.bulletins import operations, pdf
    from portal.statistics.rules import parse_period

    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PERIOD") from exc
    draft = operations.draft_of(parsed)
    if draft is None:
        raise click.ClickException(f"no draft bulletin for {parsed.code}")
    data = pdf.render_pdf(pdf.build_context(draft, draft.created_by))
    with open(out, "wb") as handle:
        handle.write(data)
    db.session.rollback()
    click.echo(f"{parsed.code} draft v{draft.version}: {len(data)} bytes written to {out}")


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
