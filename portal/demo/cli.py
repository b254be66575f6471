import click
from flask.cli import AppGroup

from portal.db import db, utcnow

demo_cli = AppGroup("demo", help="Demo data for a newcomer's first look.")


@demo_cli.command("seed")
def seed():
    """Create the demo province (idempotent: run it as often as you like)."""
    from portal.demo.seed import DEMO_PASSWORD, seed_province

    created = seed_province(utcnow())
    db.session.commit()
    click.echo(f"demo province ready: {created['units']} units and {created['users']} users added")
    click.echo(f"every demo login uses the password {DEMO_PASSWORD}")
