"""The schema lives in Alembic migrations only: the chain applies to an empty database,
models and migrations agree, and every downgrade works — on SQLite and PostgreSQL."""

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from support import app_config

from portal import create_app
from portal.db import db, include_object


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("postgres_cluster").create_database("portal_migration_test")


def test_upgrade_head_then_models_and_migrations_agree(empty_database):
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            options = {
                "compare_type": True,
                "include_object": include_object(connection.dialect.name),
            }
            context = MigrationContext.configure(connection, opts=options)
            with warnings.catch_warnings():
                # SQLite cannot reflect expression indexes: Alembic says it skips the
                # PostgreSQL-only doubled search indexes there (compared on PostgreSQL).
                warnings.filterwarnings(
                    "ignore",
                    "autogenerate skipping metadata-specified expression-based index "
                    "'ix_complaint_.*_doubled_trgm'; dialect 'sqlite'",
                    UserWarning,
                )
                differences = compare_metadata(context, db.metadata)
        assert differences == [], differences
        tables = set(inspect(db.engine).get_table_names())
        assert {"unit", "user_account", "audit_entry", "alembic_version"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()  # and back up again: downgrades leave nothing behind that blocks it
        db.engine.dispose()
