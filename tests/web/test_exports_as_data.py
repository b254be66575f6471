"""Every Excel export holds data, not text: numbers as numbers (rates with a percent
format), dates as Excel dates in Beijing wall time, flags as 是/否 (Yes/No in English),
one bold header row, frozen, with an autofilter and fitted column widths (issue 20.8)."""

from datetime import datetime
from io import BytesIO

import pytest
from duty_support import bj, prepare
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from statistics_support import build_statistics_data
from support import NOW, make_case, sign_in

from portal.complaints.models import Complaint
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ
from portal.duty import operations
from portal.orgs.models import Unit


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)


def download(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    return load_workbook(BytesIO(response.data))


def width(sheet, column: int) -> float:
    """The width of a column, also when the file gives a range of columns one width."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= column <= dimension.max and dimension.customWidth:
            return dimension.width
    return 0


def assert_is_data(sheet) -> None:
    """What every sheet of every export has in common."""
    assert sheet.freeze_panes == "A2"
    last = get_column_letter(sheet.max_column)
    assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"
    assert all(cell.font.b for cell in sheet[1]), sheet.title
    assert all(isinstance(cell.value, str) for cell in sheet[1]), sheet.title
    for column in range(1, sheet.max_column + 1):
        assert 6 <= width(sheet, column) <= 50, (sheet.title, column)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            value = cell.value
            if isinstance(value, str):
                assert not value.endswith("%"), (sheet.title, cell.coordinate, value)
                assert value not in ("", "None", "—"), (sheet.title, cell.coordinate)


def by_label(sheet) -> dict:
    return {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}


def test_statistics_export_writes_numbers_rates_and_dates(app, province):
    with app.app_context():
        build_statistics_data(province)
    client = app.test_client()
    sign_in(client, "assoc-leader")
    book = download(client, "/statistics/export.xlsx?period=2026H1")
    for sheet in book.worksheets:
        assert_is_data(sheet)

    overview = by_label(book["总体情况"])
    assert overview["受理投诉"].value == 5 and isinstance(overview["受理投诉"].value, int)
    satisfaction = overview["回访满意率"]  # case 1 satisfied, case 2 not
    assert satisfaction.value == pytest.approx(0.5) and satisfaction.number_format == "0.0%"
    on_time = overview["受理及时率"]
    assert isinstance(on_time.value, int | float) and on_time.number_format == "0.0%"
    assert 0 <= on_time.value <= 1  # a fraction: 1 shows as 100.0%
    average = overview["受理平均工作日"]
    assert average.value == pytest.approx(1.33) and average.number_format == "0.0"

    members = book["会员单位"]
    headers = [cell.value for cell in members[1]]
    bank1 = next(r for r in members.iter_rows(min_row=2) if r[0].value == "第1银行辽宁省分行")
    assert isinstance(bank1[headers.index("有效")].value, int)
    rate = bank1[headers.index("满意率")]
    assert isinstance(rate.value, int | float) and rate.number_format == "0.0%"

    months = book["按月"]
    first = months["A2"]
    assert first.value == datetime(2026, 1, 1) and first.number_format == "yyyy-mm"
    assert isinstance(months["B2"].value, int)


def test_case_list_export_writes_dates_and_flags(app, province):
    handling = make_case(app, province, state="handling")
    registered = make_case(
        app, province, state="registered", outlet="bank2-outlet1", complainant_name="=1+1"
    )
    with app.app_context():
        case = db.session.get(Complaint, handling)
        case.is_major = True
        db.session.commit()
        due = case.next_due_at  # the nearest open clock, as the association's list shows
        tracking = {
            handling: case.tracking_no,
            registered: db.session.get(Complaint, registered).tracking_no,
        }
    client = app.test_client()
    sign_in(client, "assoc-staff")
    sheet = download(client, "/cases/export.xlsx?state=all").active
    assert_is_data(sheet)
    headers = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    major = rows[tracking[handling]]

    received = major[headers.index("受理日期")]
    assert received.value == datetime(2026, 11, 23) and received.number_format == "yyyy-mm-dd"
    deadline = major[headers.index("最近期限")]
    expected = due.astimezone(DEADLINE_TZ).replace(tzinfo=None)
    assert deadline.value == expected
    assert deadline.number_format == "yyyy-mm-dd hh:mm"
    assert [major[headers.index(h)].value for h in ("重大", "舆情", "重复投诉")] == [
        "是",
        "否",
        "否",
    ]
    assert major[headers.index("手机（脱敏）")].value == "137****1111"

    typed = rows[tracking[registered]]
    name = typed[headers.index("投诉人")]
    assert name.value == "=1+1" and name.data_type == "s"  # text, never a formula

    # CJK characters count double: the outlet's name is wider than the tracking number.
    outlet = headers.index("被投诉网点") + 1
    assert width(sheet, outlet) >= 2 * len("第1银行和平支行1号网点") - 2
    assert width(sheet, outlet) > width(sheet, 1)

    english = app.test_client()
    sign_in(english, "assoc-staff")
    english.set_cookie("lang", "en")
    sheet = download(english, "/cases/export.xlsx?state=all").active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == tracking[handling])
    assert [cell.value for cell in row[-3:]] == ["Yes", "No", "No"]
    assert isinstance(row[1].value, datetime)


def test_directory_export_writes_flags_empty_cells_and_the_moment(app, province):
    with app.app_context():
        prepare(province)
        operations.save_profile(
            db.session.get(Unit, province.unit("bank1").id),
            actor=None,
            now=NOW,
            leader_name="第1行领导",
            leader_mobile="13912345678",
            department_name="第1行消保部",
            department_phone="024-22532222",
        )
        db.session.get(Unit, province.unit("bank2").id).is_associate = True
        db.session.commit()
    client = app.test_client()
    sign_in(client, "assoc-leader")
    book = download(client, "/duty/directory.xlsx")
    directory, about = book.worksheets
    for sheet in book.worksheets:
        assert_is_data(sheet)
    headers = [cell.value for cell in directory[1]]
    rows = {row[0].value: [cell.value for cell in row] for row in directory.iter_rows(min_row=2)}
    bank1, bank2 = rows["第1银行辽宁省分行"], rows["第2银行辽宁省分行"]
    flag = headers.index("准会员")
    assert (bank1[flag], bank2[flag]) == ("否", "是")
    assert bank1[headers.index("部门电话")] == "024-22532222"  # phone numbers stay text
    assert bank1[headers.index("职务")] is None  # not reported: an empty cell
    assert bank2[headers.index("分管领导")] == "未报备"
    assert bank2[headers.index("职务")] is None
    assert bank1[headers.index("值班缺口（未来四周）")] is None
    # The moment of export, on its own sheet: Beijing wall time.
    moment = about["B2"]
    assert moment.value == bj(23, 10).replace(tzinfo=None) == datetime(2026, 11, 23, 10, 0)
    assert moment.number_format == "yyyy-mm-dd hh:mm"


def test_no_export_writes_a_date_as_text(app, province):
    """The receipt day was "2026-11-23" and the month "2026-01" as strings before."""
    with app.app_context():
        build_statistics_data(province)
    make_case(app, province, state="handling")
    client = app.test_client()
    sign_in(client, "assoc-leader")
    for path in ("/statistics/export.xlsx?period=2026H1", "/cases/export.xlsx?state=all"):
        for sheet in download(client, path).worksheets:
            for row in sheet.iter_rows(min_row=2, values_only=True):
                for value in row:
                    if isinstance(value, str):
                        assert not _looks_like_a_date(value), (path, sheet.title, value)


def _looks_like_a_date(text: str) -> bool:
    for pattern in ("%Y-%m-%d", "%Y-%m", "%Y-%m-%d %H:%M"):
        try:
            datetime.strptime(text, pattern)
            return True
        except ValueError:
            pass
    return False
