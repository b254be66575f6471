"""Settings the portal's own connections carry, checked on the real server."""

import pytest
from sqlalchemy import text

from portal.db import db


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_postgresql_sessions_run_without_jit(app):
    with app.app_context():
        assert db.session.scalar(text("SHOW jit")) == "off"


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_postgresql_plans_every_statement_with_its_values(app):
    """No server-side prepared statements: a generic plan misses the partial indexes."""
    with app.app_context():
        for _ in range(10):
            db.session.execute(text("SELECT count(*) FROM complaint WHERE state = :s"), {"s": "x"})
        assert db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")) == 0
