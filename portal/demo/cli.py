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
    from portal.demo.major_demo import seed_major

    click.echo(seed_major(now))
    db.session.commit()
    from portal.demo.analysis_demo import seed_analysis

    click.echo(seed_analysis(now))  # Art. 8(5): a confirmed cluster, its advice, a dismissal
    db.session.commit()
    from portal.demo.plans_demo import seed_plans_and_summaries

    click.echo(seed_plans_and_summaries(now))  # Art. 9(3) plans, Art. 9(4) summaries
    db.session.commit()
    from portal.demo.rates_demo import seed_rates

    click.echo(seed_rates(now))  # the 75 % line: marked rates, one rectification ordered
    db.session.commit()
    click.echo(bulletin_demo.seed_bulletins(now))
    from portal.demo.archives_demo import seed_archives

    click.echo(seed_archives(now))
    # As the five-minute sweep would have by now: breaches marked and told, the morning's
    # reminders in the bells (the e-mails stay queued; nothing is sent).
    from portal.jobs.sweep import run_sweep

    counts = run_sweep(now)
    db.session.commit()
    click.echo(f"sweep: {counts['breaches']} breaches, {counts['reminders']} reminders")
