"""``flask --app wsgi api …``: tokens for member banks' systems."""

import click
from flask.cli import AppGroup

from portal.db import db

api_cli = AppGroup("api", help="API v1: tokens for member banks' systems.")
token_cli = AppGroup("token", help="Tokens of member banks' systems.")
api_cli.add_command(token_cli)


@token_cli.command("create")
@click.argument("username")
@click.option("--name", default="行内投诉管理系统", show_default=True, help="the system's name")
def create(username: str, name: str):
    """Create a token acting as USERNAME (a member bank's active user) and print it.
    The token is shown this once; only its hash is kept. Recorded in the audit log as
    done by the system."""
    from portal.api.tokens import TokenError, create_token
    from portal.auth.operations import find_by_username
    from portal.web import clock

    user = find_by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    try:
        _token, raw = create_token(user=user, name=name, actor=None, now=clock.now())
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(raw)


@token_cli.command("revoke")
@click.argument("prefix")
def revoke(prefix: str):
    """Revoke the token starting with PREFIX (as listed by ``api token list``)."""
    from sqlalchemy import select

    from portal.api.models import ApiToken
    from portal.api.tokens import revoke_token
    from portal.web import clock

    found = db.session.scalars(
        select(ApiToken).where(ApiToken.prefix == prefix[:16], ApiToken.revoked_at.is_(None))
    ).all()
    if len(found) != 1:
        raise click.ClickException(f"{len(found)} active tokens start with {prefix!r}")
    revoke_token(found[0], actor=None, now=clock.now())
    db.session.commit()
    click.echo(f"revoked {found[0].prefix}… ({found[0].name})")


@token_cli.command("list")
def list_tokens():
    """Every token: prefix, member, user, system, last use, revoked."""
    from sqlalchemy import select

    from portal.api.models import ApiToken

    for token in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(
            f"{token.prefix}…\t{token.member.name}\t{token.user.username}\t{token.name}"
            f"\tlast used {used}\t{state}"
        )


@api_cli.command("purge-keys")
def purge_keys():
    """Drop the idempotency keys older than a day (the sweep's work, runnable by hand)."""
    from portal.api.idempotency import purge
    from portal.web import clock

    dropped = purge(clock.now())
    db.session.commit()
    click.echo(f"{dropped} idempotency keys dropped")
