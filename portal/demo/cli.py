import click
from flask.cli import AppGroup

from portal.db import db, utcnow

demo_cli = AppGroup("demo", help="Demo data for a newcomer's first look.")


@demo_cli.command("seed")
def seed():
    """Create the demo province (idempotent: run it as often as you like)."""
    from portal.demo import bulletin_demo
    from portal.demo.accountability_demo import seed_accountability
    from portal.demo.complaints_demo import seed_complaints
    from portal.demo.seed import DEMO_PASSWORD, seed_province

    now = utcnow()
    created = seed_province(now)
    db.session.commit()
    click.echo(f"demo province ready: {created['units']} units and {created['users']} users added")
    cases = seed_complaints(now)
    db.session.commit()
    click.echo(f"{cases} demo complaints added over the last 13 months")
    click.echo(f"{seed_accountability(now)} accountability cases (Art. 12)")
    db.session.commit()
    click.echo(f"every demo login uses the password {DEMO_PASSWORD}")
    click.echo(bulletin_demo.seed_bulletins(now))
    # As the five-minute sweep would have by now: breaches marked and told, the morning's
    # reminders in the bells (the e-mails stay queued; nothing is sent).
    from portal.jobs.sweep import run_sweep

    counts = run_sweep(now)
    db.session.commit()
    click.echo(f"sweep: {counts['breaches']} breaches, {counts['reminders']} reminders")
