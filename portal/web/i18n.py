"""Chinese first: Simplified Chinese by default, English on request; Beijing time."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask.globals import _cv_app
from flask_babel import Babel, format_date, format_datetime, get_locale, get_translations
from flask_login import current_user

babel = Babel()

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["PORTAL_LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.locale in languages:
            return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["DISPLAY_TIMEZONE"]


def is_chinese() -> bool:
    locale = _locale()
    return locale is not None and locale.language == "zh"


def cn_date(value) -> str:
    """2026年11月23日 in Chinese, 23 Nov 2026 in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy年M月d日" if is_chinese() else "d MMM yyyy")
    if isinstance(value, date):
        return format_date(value, "yyyy年M月d日" if is_chinese() else "d MMM yyyy")
    return str(value)


def cn_datetime(value) -> str:
    """2026年11月23日 21:50 (Beijing time)."""
    if value is None:
        return ""
    if is_chinese():
        # Babel's "yyyy年M月d日 HH:mm", written directly: lists show one per row.
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # as Babel reads a naive time
        local = value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))
        return f"{local.year}年{local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}"
    return format_datetime(value, "d MMM yyyy HH:mm")


def _babel_state():
    """Where Flask-Babel keeps this context's locale (``g._flask_babel``), read straight
    from Flask's context variable: ``_()`` runs hundreds of times per list page, and each
    of Flask-Babel's own look-ups goes through several context proxies."""
    app_ctx = _cv_app.get(None)
    return None if app_ctx is None else app_ctx.g.__dict__.get("_flask_babel")


def _locale():
    locale = getattr(_babel_state(), "babel_locale", None)
    return locale if locale is not None else get_locale()


def _translations():
    """The current locale's catalogue, looked up once per context and locale (keyed by
    the locale object, so ``force_locale``, used for the Chinese PDFs, still switches)."""
    locale = _locale()
    state = _babel_state()
    if state is None:
        return get_translations()
    cached = getattr(state, "portal_translations", None)
    if cached is None or cached[0] is not locale:
        cached = state.portal_translations = (locale, get_translations())
    return cached[1]


def register(app):
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["cn_datetime"] = cn_datetime
    app.jinja_env.filters["iso_date"] = lambda text: date.fromisoformat(text) if text else None
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
