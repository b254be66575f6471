"""No CSV export carries a live formula (issue 21.3): the shared cell rule
(``portal.web.cells``), the regulator return's CSV and the calendar notice's CSV. A
text starting with = + - @ or a control character goes behind an apostrophe; numbers,
and texts that are plain numbers, stay as they are; the files the portal reads back
read the same text again. (The code list's download: tests/web/test_csv_exports.py.)"""

import copy
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_return_writers import FIGURES

from portal.returns import writers
from portal.web.cells import csv_cell, csv_row, looks_like_formula, unquote_csv_cell
from portal.workdays.notice_files import notice_as_csv, read_notice

HOSTILE = ['=HYPERLINK("http://x","click")', "=SUM(A1)", "+1+1", "-2+3", "@SUM(1)", "-其他"]
CONTROL = ["\tA1", "\r=1+1", "\n+1", "\x00x", "\x1b[31m", "\x7fx", "\x85x"]


@pytest.mark.parametrize("text", HOSTILE + CONTROL)
def test_a_risky_text_goes_behind_an_apostrophe(text):
    assert looks_like_formula(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [-3, 2.5, -2.5, Decimal("-3.5"), 0, None, True, date(2026, 1, 1)]
    + ["-3.5", "+7", "-0", ".5", "-.5", "1e-3", "-1E+5", "42"]
    + ["", "普通名称", "a=b", "'quoted", "x-1", " =x"],
)
def test_numbers_and_ordinary_text_are_left_alone(value):
    assert not looks_like_formula(value)
    assert csv_cell(value) is value


def test_a_row_is_made_safe_cell_by_cell():
    assert csv_row(["=1", -1, "-1", None, "ok"]) == ["'=1", -1, "-1", None, "ok"]


@given(st.text())
def test_reading_back_gives_the_text_written(text):
    assert unquote_csv_cell(csv_cell(text)) == text
    # And what comes back is never a formula a spreadsheet could run.
    assert not looks_like_formula(csv_cell(text))


@pytest.mark.parametrize(
    "text, back",
    [
        ("'=SUM(A1)", "=SUM(A1)"),  # our own quote: taken off
        ("''=x", "'=x"),  # a name that itself starts with an apostrophe
        ("'-3.5", "'-3.5"),  # a plain number is never quoted: the apostrophe is the text's
        ("'abc", "'abc"),
        ("=x", "=x"),
    ],
)
def test_only_the_apostrophe_the_writer_adds_is_taken_off(text, back):
    assert unquote_csv_cell(text) == back


def _return_rows(figures) -> list[dict]:
    data = writers.csv_bytes(figures)
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_the_regulator_return_csv_holds_hostile_names_as_text():
    figures = copy.deepcopy(FIGURES)
    figures["banks"][0]["member_name"] = '=HYPERLINK("http://x","click")'
    figures["banks"][0]["change"] = -3
    figures["banks"][0]["change_rate"] = -0.5
    figures["timeliness"][0]["step_name"] = "@SUM(1)"
    figures["codes"][0]["name"] = "-其他"
    figures["meta"]["change_note"] = "\t+1+1"
    figures["meta"]["generated_by"] = "-3.5"
    rows = _return_rows(figures)
    bank = next(r for r in rows if r["section"] == "banks")
    assert bank["member_name"] == """'=HYPERLINK("http://x","click")"""
    assert bank["change"] == "-3" and bank["change_rate"] == "-0.5"  # numbers as numbers
    assert next(r for r in rows if r["section"] == "timeliness")["step_name"] == "'@SUM(1)"
    assert next(r for r in rows if r["section"] == "codes")["code_name"] == "'-其他"
    meta = {r["key"]: r["value"] for r in rows if r["section"] == "meta"}
    assert meta["change_note"] == "'\t+1+1"
    assert meta["generated_by"] == "-3.5"  # a plain number: left alone
    for row in rows:
        for column, cell in row.items():
            assert not looks_like_formula(cell), (column, cell)


def test_the_notice_csv_quotes_hostile_names_and_reads_back_the_same():
    notice = read_notice(
        "year,2027\nsource,=1+1 通知\n"
        "holiday,-春节,2027-02-06,2027-02-13\nmakeup,-春节,2027-02-14\n"
    )
    assert notice.holidays[0].name == "-春节" and notice.source == "=1+1 通知"
    text = notice_as_csv(notice)
    assert "holiday,'-春节,2027-02-06,2027-02-13" in text
    assert "makeup,'-春节,2027-02-14" in text and "source,'=1+1 通知" in text
    assert read_notice(text) == notice
