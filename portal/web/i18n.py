"""Chinese first: Simplified Chinese by default, English on request; Beijing time."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Babel, format_date, format_datetime, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

babel = Babel()

LANG_COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():  # a job or a command: Chinese, the records' language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["PORTAL_LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen is not None and chosen in languages:
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


def localized(chinese: str, english: str | None) -> str:
    """A stored name in the reader's language: the English one in English where set."""
    return english if english and not is_chinese() else chinese


def month_label(month: int, wide: bool = False) -> str:
    """7月 in Chinese, Jul (July when ``wide``) in English."""
    if is_chinese():
        return f"{month}月"
    return format_date(date(2000, month, 1), "MMMM" if wide else "MMM")


def short_date(value: date) -> str:
    """12月14日 in Chinese, 14 Dec in English (a date of the current weeks)."""
    return f"{value.month}月{value.day}日" if is_chinese() else format_date(value, "d MMM")


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


def _formatted(eval_ctx, text: str, variables: dict) -> str:
    # As Jinja's "new style" gettext: escaped where the template autoescapes, and always
    # a format string (a literal "%" is written "%%"); without variables and without a
    # "%", formatting would return the text unchanged.
    text = Markup(text) if eval_ctx.autoescape else text
    return text % variables if variables or "%" in text else text


# The template callables. Jinja's own are marked ``pass_context``: inside a loop each call
# then copies the whole template context (``Context.derived``), which made the ``_()`` of
# a 30-entry history cost more than its SQL. These need only the evaluation context.
@pass_eval_context
def _gettext(eval_ctx, string: str, **variables) -> str:
    return _formatted(eval_ctx, _translations().ugettext(string), variables)


@pass_eval_context
def _ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _formatted(eval_ctx, _translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx, context: str, string: str, **variables) -> str:
    variables.setdefault("context", context)
    return _formatted(eval_ctx, _translations().upgettext(context, string), variables)


@pass_eval_context
def _npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = _translations().unpgettext(context, singular, plural, num)
    return _formatted(eval_ctx, text, variables)


def register(app):
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # {% trans %} blocks compiled "new style" (they call these with their variables), and
    # the callables above in place of the ones Flask-Babel installed.
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(
        _=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext
    )
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["cn_datetime"] = cn_datetime
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["month_label"] = month_label
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.filters["iso_date"] = lambda text: date.fromisoformat(text) if text else None
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
