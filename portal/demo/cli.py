import click
from flask.cli import AppGroup

from portal.db import utcnow

demo_cli = AppGroup("demo", help="Demo data for a newcomer's first look.")


@demo_cli.command("seed")
def seed():
    """Create the demo province (idempotent: run it as often as you like)."""
    from portal.demo.full import seed_demo

    seed_demo(utcnow(), say=click.echo)
