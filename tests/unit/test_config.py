"""Configuration: production refuses to start without a secret or its own address, and
then sets secure cookies."""

import pytest

from portal import create_app
from portal.config import DEVELOPMENT_BASE_URL, NEVER_BY_COUNT, normalise_database_url

PRODUCTION = {
    "ENV_NAME": "production",
    "SECRET_KEY": "x" * 32,
    "BASE_URL": "https://complaints.example.org",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
}


def test_production_without_a_secret_key_refuses_to_start():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(PRODUCTION | {"SECRET_KEY": None})


def test_production_without_a_base_url_refuses_to_start():
    """E-mails must carry links a reader can follow: production names its own address."""
    with pytest.raises(
        RuntimeError, match="PORTAL_BASE_URL must be set when PORTAL_ENV=production"
    ):
        create_app(PRODUCTION | {"BASE_URL": None})


def test_the_base_url_is_checked_and_defaults_to_make_run_outside_production():
    assert (
        create_app(PRODUCTION | {"BASE_URL": "https://complaints.example.org/portal/"}).config[
            "BASE_URL"
        ]
        == "https://complaints.example.org/portal"
    )
    development = PRODUCTION | {"ENV_NAME": "development", "BASE_URL": None}
    assert create_app(development).config["BASE_URL"] == DEVELOPMENT_BASE_URL
    for wrong in ("complaints.example.org", "/portal", "ftp://complaints.example.org"):
        with pytest.raises(RuntimeError, match="absolute http"):
            create_app(PRODUCTION | {"BASE_URL": wrong})


def test_production_cookies_are_secure():
    app = create_app(PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize(
    "given, used",
    [
        ("postgres://u:p@db/portal", "postgresql+psycopg://u:p@db/portal"),
        ("postgresql://u:p@db/portal", "postgresql+psycopg://u:p@db/portal"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_forms(given, used):
    assert normalise_database_url(given) == used


def test_postgresql_connections_turn_jit_off(monkeypatch):
    """JIT compiling cost more than it saved on the portal's short queries (load test)."""
    url = "postgresql+psycopg://u:p@db/portal"
    options = create_app({"SQLALCHEMY_DATABASE_URI": url}).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": "-c jit=off", "prepare_threshold": NEVER_BY_COUNT}
    monkeypatch.setenv("PORTAL_PG_JIT", "on")
    assert create_app({"SQLALCHEMY_DATABASE_URI": url}).config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        # psycopg still never prepares a statement for having run often (portal.db.PREPARE)
        "connect_args": {"prepare_threshold": NEVER_BY_COUNT}
    }
    sqlite = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "connect_args" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_the_server_entry_point_freezes_its_startup_objects(tmp_path):
    """gunicorn loads wsgi.py in each worker: once the app is built, what exists then is
    left out of the cycle collector's full collections (100-120 ms each before, over the
    portal's startup objects). Checked in a fresh interpreter, as a worker starts."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    probe = "import gc, wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.db'}"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 10_000  # the app's modules and objects, not a handful
