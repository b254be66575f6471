"""Settings the portal's own connections carry, checked on the real server."""

import pytest
from sqlalchemy import text

from portal.db import db


def test_postgresql_sessions_run_without_jit(app, backend):
    if backend != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with app.app_context():
        assert db.session.scalar(text("SHOW jit")) == "off"
