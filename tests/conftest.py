"""Fixtures: a throw-away PostgreSQL 15 cluster, a migrated database per backend, and
an app per test. The suite runs every database test on SQLite AND PostgreSQL; the
PostgreSQL half is skipped, with the reason printed, only when initdb/pg_ctl are absent.

Isolation: each test starts from empty tables (truncated after each test) rather than
a rolled-back transaction, because the browser tests drive a live server in another
thread that must see committed rows.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import app_config, free_port

from portal import create_app
from portal.db import db

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


class PostgresCluster:
    """initdb + pg_ctl in a temporary directory; as root, run as the postgres user."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args):
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True)

    def start(self):
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l",
                  str(self.dir / "log"), "start")

    def stop(self):
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_cluster():
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: PostgreSQL tests skipped")
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.stop()


def upgrade_to_head(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database: one per backend for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_cluster").create_database("portal_test")
    upgrade_to_head(url)
    return url


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def empty_all_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url):
    """Build an app on the session's database with extra settings; tables are emptied
    after the test."""
    apps = []

    def factory(**overrides):
        app = create_app(app_config(database_url, **overrides))
        apps.append(app)
        return app

    yield factory
    for app in apps[:1]:
        with app.app_context():
            db.session.rollback()
            empty_all_tables()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    # No app context stays pushed: each test-client request must get its own, as in
    # production (a shared one would share flask.g and the session across requests).
    # Tests that touch the database directly use ``with app.app_context():``.
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def province(app):
    """The two-bank province, committed; its objects are detached copies (ids, fields)."""
    from support import build_province

    with app.app_context():
        return build_province()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def wait_for(predicate, timeout=5.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
