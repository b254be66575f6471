"""The complaint portal of a provincial banking association."""

import gc
from pathlib import Path

from flask import Flask

from portal import config as config_module

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config_overrides: dict | None = None) -> Flask:
    from portal.web import bounds

    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR))
    configure(app, config_overrides)
    register_extensions(app)
    bounds.install(app)  # bounded ids in URLs and query strings, before any route
    trust_proxies(app)
    register_subscribers()
    register_blueprints(app)
    register_request_hooks(app)
    register_cli(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind nginx the client's address arrives in X-Forwarded-For: believed for
    ``PROXY_HOPS`` proxies, and only then (a client could write the header itself)."""
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def freeze_startup_objects() -> None:
    """Once a server process has built its app (``wsgi.py``): what exists by then (the
    modules, compiled templates, mappers, message catalogues) lives as long as the
    process, so Python's cycle collector stops scanning it. Its full collections come
    every few hundred requests and stall the request they fall in; most of their work
    was the startup objects (docs/performance.md)."""
    gc.collect()
    gc.freeze()


def configure(app: Flask, overrides: dict | None) -> None:
    app.config.update(config_module.from_environment())
    app.config.update(overrides or {})
    production = config_module.is_production(app.config)
    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError("SECRET_KEY must be set when PORTAL_ENV=production")
        app.config["SECRET_KEY"] = "dev-only-not-secret"
    if not app.config.get("BASE_URL"):
        if production:
            raise RuntimeError(
                "PORTAL_BASE_URL must be set when PORTAL_ENV=production: the address users "
                "reach the portal at (e.g. https://complaints.example.org), which e-mails link to"
            )
        app.config["BASE_URL"] = config_module.DEVELOPMENT_BASE_URL
    app.config["BASE_URL"] = config_module.normalise_base_url(app.config["BASE_URL"])
    app.config["TWO_FACTOR"] = config_module.two_factor_setting(app.config["TWO_FACTOR"])
    # Flask's own defaults already hold these keys, so set them unless overridden.
    cookies = {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
    }
    for key, value in cookies.items():
        if key not in (overrides or {}):
            app.config[key] = value
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config.setdefault(
            "SQLALCHEMY_ENGINE_OPTIONS", config_module.postgresql_engine_options()
        )
    if app.config.get("DATABASE_OWNER_URL") == app.config["SQLALCHEMY_DATABASE_URI"]:
        # Connected as the tables' owner (`flask db upgrade`, `flask demo generate`): it
        # passes row-level security already; the role for all banks would demote it.
        app.config["DATABASE_ALL_BANKS_ROLE"] = None
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a working day at the desk
    app.config.setdefault("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        config_module.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)


def register_extensions(app: Flask) -> None:
    from flask_wtf.csrf import CSRFProtect

    from portal.auth.login import login_manager
    from portal.db import db, migrate
    from portal.web import i18n
    from portal.web.htmx import htmx

    db.init_app(app)
    with app.app_context():
        from portal.orgs.scoping import install_database_wall

        install_database_wall(db.engine, app.config.get("DATABASE_ALL_BANKS_ROLE"))
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    app.extensions["csrf"] = CSRFProtect(app)
    htmx.init_app(app)
    i18n.register(app)
    import portal.models  # noqa: F401  (every model registered on the metadata)


def register_subscribers() -> None:
    """Who listens to what a domain below publishes: the domains import downwards only,
    so a lower one tells the higher ones through these signals (blinker)."""
    import portal.accountability.subscribers  # noqa: F401  (steps → Art. 12(1) detection)
    import portal.api.subscribers  # noqa: F401  (forwarded, sent back → webhooks to the bank)
    import portal.archives.subscribers  # noqa: F401  (a closure → archive number, dossier due)
    import portal.complaints.next_due  # noqa: F401  (clock changes → Complaint.next_due_at)
    import portal.deadlines.subscribers  # noqa: F401  (calendar changes → clocks recounted)
    import portal.duty.subscribers  # noqa: F401  (handler changes → Art. 6 contact reports)
    import portal.major.subscribers  # noqa: F401  (intake, flags, return visits → 重大 proposals)
    import portal.orgs.subscribers  # noqa: F401  (unknown-user sign-ins → the audit log)


def register_blueprints(app: Flask) -> None:
    """One blueprint per domain with screens, named like its folder; each domain's
    ``blueprint.py`` lists its URLs and the views that answer them."""
    from portal.accountability.blueprint import bp as accountability
    from portal.admin.blueprint import bp as admin
    from portal.analysis.blueprint import bp as analysis
    from portal.api.blueprint import bp as api
    from portal.api.blueprint import screens as api_screens
    from portal.archives.blueprint import bp as archives
    from portal.auth.blueprint import bp as auth
    from portal.bulletins.blueprint import bp as bulletins
    from portal.codes.blueprint import bp as codes
    from portal.complaints.blueprint import bp as complaints
    from portal.deadlines.blueprint import bp as deadlines
    from portal.documents.blueprint import bp as documents
    from portal.duty.blueprint import bp as duty
    from portal.home.blueprint import bp as home
    from portal.major.blueprint import bp as major
    from portal.notify.blueprint import bp as notify
    from portal.plans.blueprint import bp as plans
    from portal.returns.blueprint import bp as returns
    from portal.statistics.blueprint import bp as statistics
    from portal.summaries.blueprint import bp as summaries
    from portal.tracking.blueprint import bp as tracking
    from portal.web import errors
    from portal.workdays.blueprint import bp as workdays

    for blueprint in (
        home,
        auth,
        admin,
        notify,
        duty,
        workdays,
        deadlines,
        complaints,
        codes,
        accountability,
        major,
        plans,
        statistics,
        analysis,
        bulletins,
        returns,  # the regulator return, a tab of the bulletins
        documents,  # the register of document numbers, another tab of them
        archives,
        summaries,
        tracking,
        api,
        api_screens,
    ):
        app.register_blueprint(blueprint)
    # Member banks' systems send a token, not a browser's cookie: no CSRF token either.
    app.extensions["csrf"].exempt(api)
    errors.register(app)


def register_request_hooks(app: Flask) -> None:
    from zoneinfo import ZoneInfo

    from flask import request
    from flask_login import current_user
    from sqlalchemy.orm.exc import StaleDataError

    from portal.auth.access import can
    from portal.db import db
    from portal.notify.views import unread_count
    from portal.orgs.scoping import can_see_unit, enter_database_wall
    from portal.web import clock, errors
    from portal.web.htmx import add_vary
    from portal.web.pagination import args_with
    from portal.web.security import add_security_headers

    @app.before_request
    def draw_database_wall():
        # Whose request it is, before any view reads a case (orgs/scoping.py).
        if request.endpoint != "static" and current_user.is_authenticated:
            enter_database_wall(current_user)

    @app.after_request
    def commit_once(response):
        # The request commits once; a failed step (4xx/5xx) rolls back whole.
        if response.status_code >= 400:
            db.session.rollback()
            return response
        # Nothing reads the loaded rows after the answer is made: committing without
        # expiring them saves a walk over every object the page loaded.
        db.session().expire_on_commit = False
        try:
            db.session.commit()
        except StaleDataError:
            # Two people saved the same row at once: the later one is told, nothing is lost.
            db.session.rollback()
            return errors.conflict_response()
        return response

    app.after_request(add_vary)
    app.after_request(add_security_headers)
    app.jinja_env.globals.update(
        can=can,
        args_with=args_with,
        can_see=lambda unit: can_see_unit(current_user, unit),
        unread_notifications=lambda: unread_count(current_user),
        now_utc=clock.now,
        now_local=lambda: clock.now().astimezone(ZoneInfo(app.config["DISPLAY_TIMEZONE"])),
    )


def register_cli(app: Flask) -> None:
    from portal.analysis.cli import analysis_cli
    from portal.api.cli import api_cli
    from portal.archives.cli import archives_cli
    from portal.auth.cli import users_cli
    from portal.bulletins.cli import bulletin_cli
    from portal.codes.cli import codes_cli
    from portal.complaints.cli import complaints_cli
    from portal.demo.cli import demo_cli
    from portal.duty.cli import duty_cli
    from portal.jobs.cli import deadlines_cli, jobs_cli
    from portal.major.cli import major_cli
    from portal.national.cli import generate_command
    from portal.notify.cli import outbox_cli
    from portal.returns.cli import returns_cli
    from portal.statistics.cli import statistics_cli
    from portal.workdays.cli import calendar_cli

    demo_cli.add_command(generate_command)
    for group in (
        demo_cli,
        codes_cli,
        returns_cli,
        outbox_cli,
        duty_cli,
        calendar_cli,
        deadlines_cli,
        complaints_cli,
        bulletin_cli,
        jobs_cli,
        statistics_cli,
        users_cli,
        major_cli,
        analysis_cli,
        archives_cli,
        api_cli,
    ):
        app.cli.add_command(group)
