"""Who a request under /api/v1 is: the bearer token's user, and nobody else.

The session cookie is ignored (the API is exempt from CSRF, so a browser's cookie must
never authenticate a write) and none is set. The token's user becomes the request's
user (Flask-Login's ``current_user``), and the database's wall is drawn for them
(``orgs.scoping``): the API sees and does exactly what that user would on the web.
Each token has its rate limit (``API_RATE_LIMIT`` requests a minute), counted in the
shared ``rate_window`` table and committed at once, whatever the answer."""

from datetime import timedelta

from flask import current_app, g, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_babel import refresh

from portal.api import tokens
from portal.api.problems import problem
from portal.db import db
from portal.orgs.scoping import enter_database_wall
from portal.web import clock, rate_limit

WINDOW = timedelta(minutes=1)
DEFAULT_LIMIT = 120


def _no_cookie() -> None:
    """This request neither reads nor writes the portal's session: a null session is
    never saved, so no Set-Cookie goes out."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    null = app.session_interface.make_null_session(app)
    try:
        request_ctx.session = null  # type: ignore[misc]
    except AttributeError:  # Flask 3.1: a read-only property over ``_session``
        request_ctx._session = null


def _language() -> None:
    """Messages in the language the system asks for (Accept-Language), else Chinese."""
    if not request.headers.get("Accept-Language"):
        return
    from babel import Locale

    chosen = request.accept_languages.best_match(current_app.config["PORTAL_LANGUAGES"])
    if chosen:
        refresh()
        g._flask_babel.babel_locale = Locale.parse(chosen)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def limit() -> int:
    return int(current_app.config.get("API_RATE_LIMIT", DEFAULT_LIMIT))


def authenticate_request():
    """``bp.before_request``: the token's user is the request's user, or 401/429."""
    _no_cookie()
    # Whatever cookie came, nobody is signed in by it here.
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    if g.get("database_wall") is not None:
        enter_database_wall(None)  # a cookie's user had it drawn before this hook
    _language()
    from portal.api import spec

    op = spec.find((request.endpoint or "").removeprefix("api."))
    if op is not None and op.public:
        return None
    now = clock.now()
    token = tokens.authenticate(_bearer(), now)
    if token is None:
        db.session.commit()  # nothing else was written; keeps the transaction short
        return problem(
            401,
            _("请在 Authorization 请求头中提供有效的令牌（Bearer）。"),
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )
    key = f"api:{token.id}"
    used, wait = rate_limit.attempt(key, limit=limit(), window=WINDOW, now=now)
    g.rate_remaining = max(0, limit() - used)
    # The count and the token's last use stand whatever the answer (a 4xx rolls back).
    # The token and its user just read stay loaded: read again, they would cost two
    # statements on every call (docs/performance.md).
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    if wait:
        return problem(
            429,
            _("请求过于频繁，请%(n)s秒后再试。", n=wait),
            headers={"Retry-After": str(wait)},
        )
    user = tokens.user_of(token)
    g.api_token = token
    g._login_user = user
    enter_database_wall(user)
    return None


def finish_response(response):
    """``bp.after_request``: the rate-limit headers; never a cookie, never cached."""
    if hasattr(g, "rate_remaining"):
        response.headers["RateLimit-Limit"] = str(limit())
        response.headers["RateLimit-Remaining"] = str(g.rate_remaining)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.add("Vary", "Authorization")
    return response
