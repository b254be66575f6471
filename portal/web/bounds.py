"""What the portal accepts from outside before anything reaches the database: ids in
32-bit range, text without NUL bytes or control characters, dates between 2000-01-01
and a year from today. A value outside answers 404 (a path), 400 (a query string) or
422 with a message (a form, see ``portal.web.forms``) — never a database error.

Installed once by ``create_app``: the ``int`` URL converter and the request class."""

import re
from datetime import date, datetime

from flask import Flask
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The ids are PostgreSQL ``integer`` columns; SQLite's own limit (2^63) is larger.
MAX_ID = 2**31 - 1
MAX_INT = MAX_ID  # any whole number a form or a query string may carry, either sign
EARLIEST_DATE = date(2000, 1, 1)

# C0 control characters and DEL; tab, line feed and carriage return are allowed in
# multi-line text. NUL is refused everywhere (PostgreSQL cannot store it).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STRIPPED = re.compile(r"[\x01-\x1f\x7f-\x9f]")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in a URL: 1 … 2^31-1; anything else matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def bounded_int(value: str) -> int:
    """``int`` for ``request.args.get(..., type=int)``: a number beyond ±(2^31-1) is a
    400 with a message, not a value the database would refuse."""
    number = int(value)
    if not -MAX_INT <= number <= MAX_INT:
        raise BadRequest(_("请求中的数字超出允许范围。"))
    return number


def int_or(value, default: int) -> int:
    """A whole number from text (a hidden field, a list of ids), or ``default`` when the
    text is none, or beyond ±(2^31-1)."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if -MAX_INT <= number <= MAX_INT else default


class BoundedArgs(ImmutableMultiDict):
    """The query string and form data: ``type=int`` reads a bounded number."""

    def get(self, key, default=None, type=None):  # type: ignore[override]
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):
        return super().getlist(key, bounded_int if type is int else type)


def latest_date(today: date) -> date:
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def date_problem(value: date, today: date) -> str | None:
    """Why a date typed in is refused, or None when it lies in 2000-01-01 … today + 1 year."""
    day = value.date() if isinstance(value, datetime) else value
    last = latest_date(today)
    if EARLIEST_DATE <= day <= last:
        return None
    return _(
        "日期应在 %(first)s 至 %(last)s 之间。",
        first=EARLIEST_DATE.isoformat(),
        last=last.isoformat(),
    )


def parse_date_arg(text: str | None, today: date) -> date | None:
    """A date from the query string, or None when absent, malformed or out of range."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if date_problem(day, today) is None else None


def int_problem(value: int) -> str | None:
    if -MAX_INT <= value <= MAX_INT:
        return None
    return _("数字超出允许范围。")


def text_problem(value: str, multiline: bool) -> str | None:
    """Why a text typed in is refused: a NUL byte, or another control character."""
    if "\x00" in value:
        return _("内容含有不允许的空字符（NUL），请删除后重试。")
    if (_CONTROL_IN_LINES if multiline else _CONTROL).search(value):
        return _("内容含有不允许的控制字符，请删除后重试。")
    return None


def strip_controls(value):
    """Single-line text (names, codes): control characters go at input, a line break or
    tab becoming a space. NUL stays, so that the form refuses it with a message."""
    if not isinstance(value, str):
        return value
    return _STRIPPED.sub(lambda m: " " if m.group().isspace() else "", value)


def refuse_nul_bytes():
    """A NUL byte anywhere in the query string or the posted fields (names, values, file
    names) ends the request before a view sees it: no column could store it."""
    from flask import request

    from portal.web.errors import refused_input

    if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise BadRequest(_("请求中含有不允许的空字符（NUL）。"))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    fields = request.form.items(multi=True)
    files = ((k, f.filename or "") for k, f in request.files.items(multi=True))
    if any("\x00" in k or "\x00" in v for k, v in (*fields, *files)):
        return refused_input(_("内容含有不允许的空字符（NUL），请删除后重试。"))
    return None


def without_controls(value: str) -> str:
    """The text less what ``text_problem`` refuses in multi-line text."""
    return _CONTROL_IN_LINES.sub("", value)


def install(app: Flask) -> None:
    """After the extensions (htmx sets its own request class, kept as the base) and
    before any blueprint (the rules compile their converters when registered)."""
    base = app.request_class
    app.request_class = type("PortalRequest", (base,), {"parameter_storage_class": BoundedArgs})
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul_bytes)
