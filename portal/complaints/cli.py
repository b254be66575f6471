import click
from flask.cli import AppGroup

from portal.db import db

complaints_cli = AppGroup("complaints", help="Complaint reference data.")


@complaints_cli.command("seed-categories")
def seed_categories_command():
    """Add the default two-level category taxonomy (idempotent)."""
    from portal.complaints.taxonomy import seed_categories

    added = seed_categories()
    db.session.commit()
    click.echo(f"{added} categories added")
