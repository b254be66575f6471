"""Configuration: documented defaults, each overridable by an environment variable.

Every setting a deployment may change is read here and nowhere else, so that
``create_app(config_overrides)`` in tests and the environment in production are the
only two ways in.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

# What ``make run`` serves: e-mails link here outside production when PORTAL_BASE_URL is unset.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"

INSTANCE_DIR = Path(
    os.environ.get("PORTAL_INSTANCE_DIR", Path(__file__).parent.parent / "instance")
)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """The settings as the environment gives them, with safe defaults for a desk machine."""
    return {
        # "production" refuses to start without a SECRET_KEY and sets secure cookie flags.
        "ENV_NAME": os.environ.get("PORTAL_ENV", "development"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        # SQLite is the embedded default (zero set-up); PostgreSQL in production.
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}")
        ),
        # PostgreSQL: the tables' owner, for `flask db upgrade` (which then grants the
        # role of DATABASE_URL the use of every table). The web servers connect as that
        # role, which owns nothing and is held by row-level security (orgs/scoping.py).
        "DATABASE_OWNER_URL": normalise_database_url(os.environ.get("DATABASE_OWNER_URL", ""))
        or None,
        # PostgreSQL: a role that passes row-level security (BYPASSRLS, granted to the
        # role of DATABASE_URL), taken for the association's requests and the jobs.
        "DATABASE_ALL_BANKS_ROLE": os.environ.get("PORTAL_ALL_BANKS_ROLE") or None,
        # Key for personal data at rest (complainant mobile and ID number, PIPL).
        "DATA_KEY": os.environ.get("PORTAL_DATA_KEY"),
        # The portal's address as its users reach it (scheme, host and any path prefix, e.g.
        # "https://complaints.example.org"): e-mails carry absolute links built on it, as a
        # recipient cannot follow "/cases/123". Required in production (see ``configure``).
        "BASE_URL": os.environ.get("PORTAL_BASE_URL"),
        # Mail: reminders and duty notices leave through the outbox (see deadlines).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "complaints@lnba.example.cn"),
        # Users read times in Beijing time; the database stores UTC.
        "DISPLAY_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai"),
        "BABEL_DEFAULT_LOCALE": os.environ.get("PORTAL_DEFAULT_LOCALE", "zh"),
        "PORTAL_LANGUAGES": ("zh", "en"),
        # Sign-in throttling (auth/rules.py): after this many wrong passwords in a row for
        # one name from one address, attempts wait 30 s, doubling up to the cap in minutes.
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")),
        # Who must sign in with a second factor (TOTP): "privileged" (association roles and
        # administrators), "all" or "optional" (auth/rules.py; checked by ``two_factor_setting``).
        "TWO_FACTOR": os.environ.get("PORTAL_TWO_FACTOR", "privileged"),
        "PAGE_SIZE": 25,
        # The inbox counts its rows up to this many ("共 N 条"); beyond, it says "超过 N 条"
        # rather than counting a million rows on every page.
        "INBOX_COUNT_CAP": 1000,
        # Art. 7: a forwarded complaint must be accepted; the portal's acceptance limit
        # in working days (1 = by the end of the next working day).
        "ACCEPT_LIMIT_DAYS": int(os.environ.get("PORTAL_ACCEPT_LIMIT_DAYS", "1")),
        # Beijing hour from which the sweep sends the "due today" reminders.
        "DEADLINE_REMINDER_HOUR": int(os.environ.get("PORTAL_REMINDER_HOUR", "8")),
        # The dashboard's period figures are stored per view and served while younger than
        # this many seconds (``flask statistics refresh`` from cron keeps them fresh); 0
        # computes them on every view.
        "STATISTICS_MAX_AGE": int(os.environ.get("PORTAL_STATISTICS_MAX_AGE", "600")),
        # The public status page /track (portal/tracking): look-ups allowed per client
        # address (a minute, an hour) and per tracking number (a quarter of an hour),
        # counted in the database so every app server shares them.
        "TRACK_LIMIT_PER_MINUTE": int(os.environ.get("PORTAL_TRACK_LIMIT_PER_MINUTE", "10")),
        "TRACK_LIMIT_PER_HOUR": int(os.environ.get("PORTAL_TRACK_LIMIT_PER_HOUR", "60")),
        "TRACK_LIMIT_PER_NUMBER": int(os.environ.get("PORTAL_TRACK_LIMIT_PER_NUMBER", "5")),
        # Days an online return-visit link stays valid (Art. 11 回访, portal/tracking).
        "RETURN_VISIT_LINK_DAYS": int(os.environ.get("PORTAL_RETURN_VISIT_LINK_DAYS", "30")),
        # An SMS gateway for the return-visit link: POST {"mobile": ..., "text": ...} as
        # JSON, with "Authorization: Bearer <token>" when a token is set. Unset: the
        # link is printed or read out, no SMS is offered.
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL") or None,
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN") or None,
        "SMS_GATEWAY_TIMEOUT": float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10")),
        # API v1 (portal/api): requests a minute per token of a member bank's system.
        "API_RATE_LIMIT": int(os.environ.get("PORTAL_API_RATE_LIMIT", "120")),
        # Proxies in front of the app servers (nginx: 1). Their X-Forwarded-For and
        # -Proto are believed for that many hops, so the throttles of sign-in, /track and
        # the API count each client's own address, not the proxy's. 0: none believed.
        "PROXY_HOPS": int(os.environ.get("PORTAL_PROXY_HOPS", "0")),
        # Art. 12(2): the banking regulator the association reports a criticised member to.
        "REGULATOR_NAME": os.environ.get("PORTAL_REGULATOR_NAME", "国家金融监督管理总局辽宁监管局"),
        # Official documents (GB/T 9704-2012, portal/documents): the issuer's short mark in
        # the document number (辽银协〔2026〕12号), the issuing body's mark printed in red,
        # and the PDF fonts, each a comma-separated list of fontconfig family names
        # tried before the free defaults (documents.rules.DEFAULT_FONTS).
        "DOCUMENT_PREFIX": os.environ.get("PORTAL_DOCUMENT_PREFIX", "辽银协"),
        "DOCUMENT_ISSUER": os.environ.get("PORTAL_DOCUMENT_ISSUER", "辽宁省银行业协会"),
        "PDF_FONT_SERIF": os.environ.get("PORTAL_PDF_FONT_SERIF", ""),
        "PDF_FONT_SANS": os.environ.get("PORTAL_PDF_FONT_SANS", ""),
        "PDF_FONT_KAI": os.environ.get("PORTAL_PDF_FONT_KAI", ""),
        "PDF_FONT_FANG": os.environ.get("PORTAL_PDF_FONT_FANG", ""),
    }


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://``/``postgresql://`` forms and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# psycopg prepares a statement after this many runs: never, in practice.
NEVER_BY_COUNT = 2**31 - 1


def postgresql_engine_options() -> dict:
    """Connection settings for PostgreSQL.

    Statements are planned with their values unless marked: psycopg would prepare a
    statement on the server after its 5th run on a connection, and PostgreSQL may then
    plan it once for any parameters — a plan that cannot use the partial indexes (the
    open cases, the open clocks) nor see that the association's scope is the whole tree,
    and a count that takes milliseconds takes seconds. So psycopg never prepares on its
    own (the threshold is out of reach), and only the statements marked ``PREPARE``
    (portal.db: look-ups whose plan does not depend on the values) are prepared, on their
    first run. Not ``plan_cache_mode=force_generic_plan``: PostgreSQL applies it to every
    statement sent with parameters, not only to prepared ones.

    JIT compilation off: the portal's queries are short, and PostgreSQL compiles any
    query whose estimate passes ``jit_above_cost``, which cost the accountability
    detection ten times its run. ``PORTAL_PG_JIT=on`` leaves the server's setting.
    Figures: docs/performance.md.
    """
    connect_args: dict = {"prepare_threshold": NEVER_BY_COUNT}
    if not _bool("PORTAL_PG_JIT", False):
        connect_args["options"] = "-c jit=off"
    return {"connect_args": connect_args}


def normalise_base_url(url: str) -> str:
    """The base URL without a trailing slash; an absolute http(s) URL or a clear error."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(
            f"PORTAL_BASE_URL must be an absolute http(s) URL such as "
            f"https://complaints.example.org, not {url!r}"
        )
    return url


def two_factor_setting(value: str) -> str:
    """The two-factor setting, or a clear error: a typo must not quietly turn the second
    factor off."""
    from portal.auth.rules import TWO_FACTOR_SETTINGS

    setting = (value or "").strip().lower()
    if setting not in TWO_FACTOR_SETTINGS:
        choices = "; ".join(f"{name}: {what}" for name, what in TWO_FACTOR_SETTINGS.items())
        raise RuntimeError(f"PORTAL_TWO_FACTOR must be one of {choices} — not {value!r}")
    return setting


def is_production(config) -> bool:
    return config.get("ENV_NAME") == "production"
