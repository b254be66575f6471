"""Chinese first: Simplified Chinese by default, English on request; Beijing time."""

from datetime import date, datetime

from flask import current_app, g, has_app_context, request
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
    return str(get_locale()).startswith("zh")


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
    pattern = "yyyy年M月d日 HH:mm" if is_chinese() else "d MMM yyyy HH:mm"
    return format_datetime(value, pattern)


def _translations():
    """The current locale's catalogue, looked up once per request and locale.

    Flask-Babel's own template callables look it up on every ``_()`` (several context
    look-ups each); a list page calls ``_()`` hundreds of times. Keyed by the locale
    object, so ``force_locale`` (PDFs in Chinese) still switches catalogues.
    """
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    cached = g.get("_portal_translations")
    if cached is None or cached[0] is not locale:
        cached = g._portal_translations = (locale, get_translations())
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
