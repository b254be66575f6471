"""Fixtures: a throw-away PostgreSQL 15 cluster, a migrated database per backend, and
an app per test. The suite runs every database test on SQLite AND PostgreSQL; the
PostgreSQL half is skipped, with the reason printed, only when initdb/pg_ctl are absent.

Isolation: each test starts from empty tables (truncated after each test) rather than
a rolled-back transaction, because the browser tests drive a live server in another
thread that must see committed rows.
"""

import functools
import shutil
import time
from pathlib import Path

import pytest
from flask import current_app
from pgcluster import PostgresCluster
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from support import app_config

from portal import create_app
from portal.db import db

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


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


BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def _only_on(item) -> str | None:
    """The one backend a test runs on, if it is not both."""
    if item.get_closest_marker("postgresql_only") is not None:
        return "postgresql"  # races between connections, locks, server settings
    if item.get_closest_marker("sqlite_only") is not None:
        return "sqlite"  # SQLite's own structures: its full-text index, its query plans
    if BROWSER_TESTS in item.path.parents:
        return "sqlite"  # the live server is a thread of this process (tests/browser)
    return None


BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser):
    parser.addoption(
        "--backends",
        default=",".join(BACKENDS),
        help="the databases to run the database tests on, comma-separated "
        "(make test-fast: --backends sqlite)",
    )


def pytest_collection_modifyitems(config, items):
    """A test that concerns one backend only runs on that half of the suite: its other
    variant is deselected at collection (before any cluster starts), not skipped. So is
    every variant on a backend left out by ``--backends``."""
    chosen = {name.strip() for name in config.getoption("backends").split(",")}
    if not chosen <= set(BACKENDS):
        raise pytest.UsageError(f"--backends: choose among {', '.join(BACKENDS)}")
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        only = _only_on(item)
        left_out = backend and (backend not in chosen or (only and backend != only))
        (dropped if left_out else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database: one per backend for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.sqlite3'}"
    else:
        cluster = request.getfixturevalue("postgres_cluster")
        cluster.create_database("portal_test")
        url = cluster.app_url("portal_test")  # held by row-level security, as in production
    upgrade_to_head(url)
    return url


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@functools.cache
def _owner_engine(url: str):
    return create_engine(url, poolclass=NullPool)


def empty_all_tables() -> None:
    from portal.orgs.contacts import forget_cached

    forget_cached()  # the footer's contacts, kept a minute per process
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # As the owner: the application's role may not truncate. Our own transaction
        # ends first, or the TRUNCATE would wait for it.
        db.session.rollback()
        names = ", ".join(f'"{t.name}"' for t in tables)
        with _owner_engine(current_app.config["DATABASE_OWNER_URL"]).begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in tables:
        db.session.execute(table.delete())
    # And the planner's statistics, should a test have gathered them: SQLite's plans
    # for a desk database are made without (docs/deployment.md).
    if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        db.session.execute(text("DELETE FROM sqlite_stat1"))
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
