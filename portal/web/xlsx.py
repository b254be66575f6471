"""Excel workbooks as data, for every export: numbers stay numbers (rates with a percent
format), dates are Excel dates, flags read 是/否; each sheet has one bold header row,
frozen, with an autofilter over its data and columns as wide as their content.

A cell value may be ``None`` (an empty cell), a ``str``, an ``int`` or ``float``, a
``bool`` (是/否 in the reader's language), a ``date``, a ``datetime`` (aware ones are
written in the export's time zone, naive ones are taken as UTC like the database's; Excel
has no time zones, so the cell holds the wall-clock time), or a :class:`Value` giving its
own number format (:func:`rate`, :func:`days`, :func:`month`).

Text is never a formula (issue 21.3): a text cell starting with ``=``, ``+``, ``-``,
``@`` or a control character (a tab, a carriage return …) is typed text with Excel's
quote prefix (the apostrophe a person would type before it), so Excel and LibreOffice show
the text as written, and editing the cell keeps it text. A number stays a number (-3 is
the number -3); only text is ever marked, and never a text that is a plain number such as
"-3.5" (``portal.web.cells``, which the CSV files share).
"""

import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from portal.web.cells import looks_like_formula

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
MONTH = "yyyy-mm"
PERCENT = "0.0%"
DAYS = "0.0"
MAX_WIDTH = 50
MIN_WIDTH = 6
PADDING = 2
HEADER_FONT = Font(bold=True)
MARK_FILL = PatternFill("solid", fgColor="FDE8E6")


@dataclass(frozen=True)
class Value:
    """A number or date with the Excel number format it is shown in; a ``marked`` one
    is filled light red (a rate below the line), the number staying a number."""

    value: float | int | date
    number_format: str
    marked: bool = False


def rate(value: float | Decimal | None) -> Value | None:
    """A share such as 0.853, shown as 85.3% (still the number 0.853 in the cell)."""
    return None if value is None else Value(float(value), PERCENT)


def days(value: float | Decimal | None) -> Value | None:
    """An average of working days, to two decimals, shown with one."""
    return None if value is None else Value(round(float(value), 2), DAYS)


def month(year: int, number: int) -> Value:
    """A calendar month: its first day, shown as 2026-03."""
    return Value(date(year, number, 1), MONTH)


@dataclass
class Sheet:
    """One table: a header row and rows of values; ``marked`` holds the indexes (into
    ``rows``) of the rows to draw attention to with a light red fill."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    marked: Collection[int] = ()


def workbook(sheets: Iterable[Sheet], *, tz: tzinfo) -> BytesIO:
    """The sheets as an .xlsx file; datetimes are written in ``tz``."""
    book = Workbook(write_only=True)
    flags = (_("否"), _("是"))  # looked up once, not per cell
    for table in sheets:
        _write(book, table, tz, flags)
    stream = BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def _write(book, table: Sheet, tz: tzinfo, flags: tuple[str, str]) -> None:
    sheet = book.create_sheet(_sheet_title(table.title))
    rows = [[_plain(value, tz, flags) for value in row] for row in table.rows]
    columns = max([len(table.headers), *map(len, rows)])
    # A write-only sheet takes widths, panes and the filter before its first row.
    widths = [_text_width(str(header)) for header in table.headers]
    widths += [0] * (columns - len(widths))
    for row in rows:
        for index, value in enumerate(row):
            if widths[index] < MAX_WIDTH:
                widths[index] = max(widths[index], _width(value))
    for index, width in enumerate(widths, start=1):
        fitted = min(max(width + PADDING, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = fitted
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(columns, 1))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    header = []
    for title in table.headers:
        text = _clean(str(title))
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = HEADER_FONT
        if looks_like_formula(text):
            _as_text(cell)
        header.append(cell)
    sheet.append(header)
    marked = set(table.marked)
    for index, row in enumerate(rows):
        sheet.append([_cell(sheet, value, index in marked) for value in row])


def _sheet_title(title: str) -> str:
    """Excel's limits on a sheet name: 31 characters, none of []:*?/\\."""
    return "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"


def _plain(value, tz: tzinfo, flags: tuple[str, str]):
    """``value`` as Excel holds it: a naive local datetime, 是/否, a Value or a scalar."""
    if isinstance(value, Value) and isinstance(value.value, datetime):
        return Value(_local(value.value, tz), value.number_format, value.marked)
    if isinstance(value, bool):
        return flags[value]
    if isinstance(value, datetime):
        return Value(_local(value, tz), DATETIME)
    if isinstance(value, date):
        return Value(value, DATE)
    if isinstance(value, str):
        return _clean(value) or None
    return value


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def _clean(text: str) -> str:
    """Without the control characters an .xlsx file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _cell(sheet, value, marked: bool):
    if not marked and not isinstance(value, Value) and not looks_like_formula(value):
        return value  # a plain cell: the fast path of a write-only sheet
    cell = WriteOnlyCell(sheet, value=value.value if isinstance(value, Value) else value)
    if isinstance(value, Value):
        cell.number_format = value.number_format
    elif looks_like_formula(value):
        _as_text(cell)
    if marked or (isinstance(value, Value) and value.marked):
        cell.fill = MARK_FILL
    return cell


def _as_text(cell) -> None:
    """Typed text (never a formula) behind Excel's quote prefix, shown as written."""
    cell.data_type = "s"
    cell.quotePrefix = True


def _width(value) -> int:
    """About how many characters wide ``value`` shows."""
    if value is None:
        return 0
    if isinstance(value, Value):
        shown = value.value
        if isinstance(shown, date):
            return len(value.number_format)  # yyyy-mm-dd hh:mm is as wide as it shows
        if value.number_format == PERCENT:
            return len(f"{shown * 100:.1f}%")
        if value.number_format == DAYS:
            return len(f"{shown:.1f}")
        return len(str(shown))
    if isinstance(value, float):
        return min(len(repr(value)), 12)
    return _text_width(str(value))


def _text_width(text: str) -> int:
    """The widest line of ``text``, counting CJK and full-width characters as two."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
            for line in text.splitlines()
        ),
        default=0,
    )
