"""Spreadsheet cells that are never formulas (issue 21.3), for every export: the Excel
workbooks (``xlsx``) and the CSV files (the regulator return, the code list, the
calendar notice). Pure: no Flask, so pure rules may use it.

A text starting with ``=``, ``+``, ``-``, ``@`` or a control character (a tab, a carriage
return, a line feed …) is what a spreadsheet may read as a formula or what hides one
(OWASP's CSV injection list). Numbers are left alone — an int, float or Decimal, and a
text that is a plain number such as ``-3.5`` or ``+7``: a spreadsheet reads those as the
number they are, never as a formula. In a CSV file a risky text gets a leading
apostrophe, which Excel and LibreOffice show as "text as typed"; files the portal reads
back (the code list, the notice) drop that apostrophe again (``unquote_csv_cell``), so a
download re-imports unchanged.
"""

import re

FORMULA_STARTS = frozenset("=+-@") | {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))}
QUOTE = "'"
# A plain decimal number, as a person or the portal writes one: -3, +7, -3.5, .5, 1e-3.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_plain_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def looks_like_formula(value) -> bool:
    """Whether ``value`` is a text a spreadsheet could take for a formula."""
    return isinstance(value, str) and value[:1] in FORMULA_STARTS and not is_plain_number(value)


def _needs_quote(text: str) -> bool:
    # Apostrophes already in front count too, so that quoting stays reversible: a name
    # typed as '=x is written ''=x and read back as '=x.
    return looks_like_formula(text.lstrip(QUOTE))


def csv_cell(value):
    """``value`` as a CSV cell: a risky text behind an apostrophe, anything else as is."""
    if isinstance(value, str) and _needs_quote(value):
        return QUOTE + value
    return value


def csv_row(values) -> list:
    """A row for ``csv.writer``, each cell through ``csv_cell``."""
    return [csv_cell(value) for value in values]


def unquote_csv_cell(text: str) -> str:
    """The text ``csv_cell`` was given: the apostrophe it added taken off again (and
    only that one, so ``unquote_csv_cell(csv_cell(t)) == t`` for every text)."""
    if text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text
