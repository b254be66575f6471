"""No export carries a live formula (issue 21.3): a complainant named
``=HYPERLINK(…)``, ``+1+1``, ``-2+3`` or ``@SUM(1)`` is registered through the real
intake, and the case-list export holds each name as typed text behind Excel's quote
prefix, shown as written. Numbers stay numbers, a negative one too."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from support import NOW, make_case, sign_in

from portal.complaints.models import Complaint
from portal.db import db
from portal.web import xlsx

HOSTILE = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(1)"]


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)


def assert_text(cell, expected: str) -> None:
    assert cell.data_type == "s", (cell.coordinate, cell.data_type)  # never "f"
    assert cell.value == expected
    assert cell.quotePrefix, cell.coordinate  # Excel's apostrophe: shown, never evaluated


def test_the_case_list_export_holds_hostile_names_as_text(app, province):
    ids = {
        name: make_case(app, province, mobile=f"1370000{index:04d}", complainant_name=name)
        for index, name in enumerate(HOSTILE)
    }
    with app.app_context():
        tracking = {db.session.get(Complaint, i).tracking_no: name for name, i in ids.items()}
    client = app.test_client()
    sign_in(client, "assoc-staff")
    response = client.get("/cases/export.xlsx?state=all")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("投诉人")
    seen = {}
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
        if row[0].value in tracking:
            seen[row[0].value] = row[column].value
            assert_text(row[column], tracking[row[0].value])
    assert seen == tracking


def test_every_risky_start_is_text_and_numbers_stay_numbers(app):
    risky = [*HOSTILE, "\tA1", "\r=1+1", "\n+1", "=1+1"]
    with app.test_request_context():
        stream = xlsx.workbook(
            [
                xlsx.Sheet("表", ["=header", "b", "c"], [[text, -3, 2.5] for text in risky]),
                xlsx.Sheet("marked", ["a"], [["=1+1"], ["ok"]], marked=[0]),
            ],
            tz=UTC,
        )
    book = load_workbook(stream)
    sheet = book["表"]
    assert_text(sheet["A1"], "=header")
    for row, text in enumerate(risky, start=2):
        # XML reads a carriage return back as a line feed: still text that starts with it.
        assert_text(sheet.cell(row, 1), text.replace("\r", "\n"))
        negative, fraction = sheet.cell(row, 2), sheet.cell(row, 3)
        assert negative.value == -3 and negative.data_type == "n"
        assert fraction.value == 2.5 and fraction.data_type == "n"
    marked = book["marked"]
    assert_text(marked["A2"], "=1+1")
    assert marked["A2"].fill.fgColor.rgb.endswith("FDE8E6")
    plain = marked["A3"]
    assert plain.value == "ok" and not plain.quotePrefix  # ordinary text is left alone


def test_dates_are_not_marked(app):
    with app.test_request_context():
        stream = xlsx.workbook(
            [xlsx.Sheet("s", ["a"], [[datetime(2026, 1, 1, tzinfo=UTC)]])], tz=UTC
        )
    cell = load_workbook(stream).active["A2"]
    assert cell.value == datetime(2026, 1, 1) and not cell.quotePrefix
