"""A throw-away PostgreSQL cluster: initdb + pg_ctl in a temporary directory.

Used by the test fixtures (tests/conftest.py) and by the sweep benchmark
(bench/bench_sweep.py), which runs outside pytest.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

APP_ROLE = "portal_app"
ALL_BANKS_ROLE = "portal_all_banks"


def owner_url(app_url: str) -> str:
    """The owner's address of a database reached as the application's role."""
    return app_url.replace(f"//{APP_ROLE}@", "//postgres@", 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.dir / "log"),
            "start",
        )

    def stop(self):
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str, role: str = "postgres") -> str:
        return f"postgresql+psycopg://{role}@/{database}?host={self.dir}&port={self.port}"

    def app_url(self, database: str) -> str:
        """The database as the web servers reach it in production: a role that owns no
        table and is held by row-level security (``portal.orgs.scoping``). Created on
        first use; ``flask db upgrade`` with ``DATABASE_OWNER_URL`` grants it the tables."""
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})
            if not exists:
                conn.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
                # Taken by the association's requests and the jobs (DATABASE_ALL_BANKS_ROLE).
                conn.execute(text(f"CREATE ROLE {ALL_BANKS_ROLE} NOLOGIN BYPASSRLS"))
                conn.execute(text(f"GRANT {ALL_BANKS_ROLE} TO {APP_ROLE}"))
        engine.dispose()
        return self.url(database, APP_ROLE)

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)
