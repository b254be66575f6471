"""Alembic environment: the schema comes from ``portal.db`` metadata, the connection
from the Flask app that runs the command (``flask --app wsgi db upgrade``).

On PostgreSQL the web servers may connect as a role that owns nothing and cannot pass
row-level security (``DATABASE_URL``), and the migrations as the tables' owner
(``DATABASE_OWNER_URL``): then every upgrade ends by granting the application's role
the use of every table and sequence, new ones included."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

from portal.db import db, include_object

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    # Only when run from the command line; never silence a running app's loggers.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_metadata = db.metadata


def _options() -> dict:
    return dict(current_app.extensions["migrate"].configure_args)


def run_migrations_offline():
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        **_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_autogenerate(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    options = _options()
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("include_object", include_object(db.engine.dialect.name))
    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    engine = create_engine(owner_url) if owner_url else db.engine
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
            options.setdefault("on_version_apply", [_refuse_broken_references])
        try:
            context.configure(connection=connection, target_metadata=target_metadata, **options)
            with context.begin_transaction():
                context.run_migrations()
                if owner_url:
                    for role in (
                        db.engine.url.username,
                        current_app.config.get("DATABASE_ALL_BANKS_ROLE"),
                    ):
                        _grant_to_application(connection, role)
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)
    if owner_url:
        engine.dispose()


def _grant_to_application(connection, role: str | None) -> None:
    """The application's role reads and writes every table (row-level security decides
    which rows) and draws from every sequence; it owns none and alters none."""
    if not role or role == connection.engine.url.username:
        return
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.exec_driver_sql(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
    )
    connection.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    connection.exec_driver_sql(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}")


def _sqlite_foreign_keys(connection, *, on: bool) -> None:
    """SQLite alters a table by re-creating it (batch mode: copy, drop, rename), and with
    foreign keys enforced the drop of a table others reference fails ("FOREIGN KEY
    constraint failed" on DROP TABLE clock, referenced by clock_event). SQLite's own
    procedure for it: foreign keys off for the change (the pragma only works outside a
    transaction, hence here), ``PRAGMA foreign_key_check`` before committing, then on
    again (``portal.db`` turns them on for every connection; this one goes back to the pool)."""
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


def _refuse_broken_references(ctx, step, heads, run_args) -> None:
    """SQLite, after each migration and before its commit (SQLite migrations commit one by
    one): fail when rows now reference missing rows, which enforced keys would refuse."""
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        shown = ", ".join(
            f"{table} row {rowid} → {parent}" for table, rowid, parent, _ in broken[:10]
        )
        raise RuntimeError(
            f"after the migration to {', '.join(sorted(heads)) or 'base'}, {len(broken)} rows "
            f"reference missing rows: {shown}"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
