import click
from flask.cli import AppGroup

from portal.db import db

returns_cli = AppGroup("returns", help="The regulator return (监管报送).")


@returns_cli.command("make")
@click.argument("period")
@click.option(
    "--by",
    "username",
    help="The association user generating it (default: the first active association administrator).",
)
@click.option("--note", "note", help="What a new version corrects (required after the first).")
@click.option("--unfinished", is_flag=True, help="Generate although the period has not ended.")
def make(period, username, note, unfinished):
    """Generate PERIOD's return (2026H2 or 2026Q3) as a new frozen version."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.auth.roles import Role
    from portal.returns import operations
    from portal.statistics.rules import parse_any_period
    from portal.web import clock

    try:
        parsed = parse_any_period(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PERIOD") from exc
    query = select(User).where(User.is_active.is_(True))
    if username:
        query = query.where(User.username == username)
    else:
        query = query.where(User.role == Role.ASSOC_ADMIN).order_by(User.id)
    actor = db.session.scalars(query.limit(1)).first()
    if actor is None or not actor.is_association:
        raise click.ClickException(f"no active association user {username or '(administrator)'}")
    try:
        item = operations.generate(
            parsed,
            actor=actor,
            now=clock.now(),
            today=clock.local_today(),
            change_note=note,
            confirm_unfinished=unfinished,
        )
    except operations.ReturnError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        f"{item.period} v{item.version}: CSV sha256 {item.csv_sha256}, "
        f"XLSX sha256 {item.xlsx_sha256}"
    )
