import click
from flask.cli import AppGroup

from portal.db import db, utcnow

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("reset-two-factor")
@click.argument("username")
def reset_two_factor(username: str):
    """Remove USERNAME's second factor (a lost phone, no recovery codes left, and no
    administrator above who could reset it: the last association administrator).
    Recorded in the audit log as done by the system."""
    from portal.auth import two_factor
    from portal.auth.operations import find_by_username

    user = find_by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    if not user.has_two_factor:
        click.echo(f"{user.username} has no second factor: nothing to reset")
        return
    two_factor.reset(user, actor=None, now=utcnow())
    db.session.commit()
    required = " (required: they enrol again at the next sign-in)"
    click.echo(
        f"second factor of {user.username} removed{required if two_factor.required_for(user) else ''}"
    )
