"""The dashboard in the regulator's shape (issue 25): quarters as periods, the section
"监管口径" (groups with medians for the association, per bank with the change and the
normalised figures, business lines, JR/T 0169-2018 codes with a level control), the
member's reconciliation, links to the lists counting the numbers, and the Excel annex's
sheets. Data: ``statistics_support.build_regulator_data``."""

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from statistics_support import build_regulator_data
from support import sign_in

from portal.db import db
from portal.statistics.models import StatisticsSnapshot


@pytest.fixture
def data(app, province):
    with app.app_context():
        return build_regulator_data(province)


def _as(app, username):
    client = app.test_client()
    sign_in(client, username)
    return client


def _section(html: str) -> str:
    start = html.index('id="regulator"')
    return html[start:]


def _rows(html: str, testid: str) -> list[list[str]]:
    """The cells' text of a table's body rows (tags dropped)."""
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = []
    for row in body.split("</tr>")[:-1]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", " ", c).split() for c in cells])
    return [[" ".join(c) for c in row] for row in rows]


def test_the_association_sees_groups_banks_lines_and_codes(app, data, province):
    html = _as(app, "assoc-staff").get("/statistics?period=2026H1").get_data(as_text=True)
    section = _section(html)
    assert "监管口径" in section
    groups = _rows(section, "regulator-groups")
    assert groups[0][:4] == ["国有大型商业银行", "2", "66.7%", "1"]
    assert groups[0][4].startswith("+1") and "+100.0%" in groups[0][4]
    assert groups[0][5:] == ["1", "2", "1,000", "1"]  # members, median, per 1,000, per 10m
    assert groups[1][:2] == ["股份制商业银行", "1"] and groups[1][-1] == "—"
    banks = _rows(section, "regulator-banks")
    assert [b[0] for b in banks] == ["第1银行辽宁省分行", "第2银行辽宁省分行"]
    assert banks[0][2:5] == ["2", "1", "+1 (+100.0%)"]
    assert banks[0][6] == "20,000,000 截至 2026年3月31日"
    assert banks[1][6] == "未报备" and banks[1][8] == "—"
    lines = _rows(section, "regulator-lines")
    assert [line[:2] for line in lines] == [["B99 其他", "2"], ["B03 银行卡", "1"]]
    codes_a = _rows(section, "codes-A")
    assert [c[:3] for c in codes_a] == [
        ["A01", "前台业务渠道", "1"],
        ["A02", "中、后台业务渠道", "1"],
        ["—", "未编码", "1"],
    ]
    # A bank's count links to the list of its valid complaints of the period.
    bank1 = province.unit("bank1").id
    link = f"/cases?state=valid&amp;from=2026-01-01&amp;to=2026-06-30&amp;unit={bank1}"
    assert link in section
    assert "/statistics/codes?period=2026H1&amp;axis=A&amp;level=2" in section


def test_the_linked_list_counts_the_same_cases(app, data, province):
    client = _as(app, "assoc-staff")
    bank1 = province.unit("bank1").id
    page = client.get(f"/cases?state=valid&from=2026-01-01&to=2026-06-30&unit={bank1}")
    text = page.get_data(as_text=True)
    # Cases 1 and 2 (case 3 of bank1 is invalid): the list shows exactly these two.
    assert page.status_code == 200
    assert text.count("LN2026-900000") == 1 and text.count("LN2026-900001") == 1
    assert "LN2026-900002" not in text


def test_quarters_are_periods(app, data):
    client = _as(app, "assoc-staff")
    page = client.get("/statistics?period=2026Q1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2026年第一季度" in html
    banks = _rows(_section(html), "regulator-banks")
    assert banks[0][2:4] == ["2", "1"]  # cases 1, 2; 2025Q4: case 7
    assert "2025年第四季度" in _section(html)
    with app.app_context():
        assert db.session.query(StatisticsSnapshot).filter_by(period="2026Q1").count() == 1
    for bad in ("2026Q5", "2026H3", "26Q1", "2099Q1"):
        answer = client.get(f"/statistics?period={bad}")
        assert answer.status_code == 422 and "2026Q1 至 2026Q4" in answer.get_data(as_text=True)
    book = load_workbook(BytesIO(client.get("/statistics/export.xlsx?period=2026Q1").data))
    assert book["会员单位（监管口径）"]["C2"].value == 2


def test_a_member_sees_its_own_figures_and_the_reconciliation(app, data, province):
    html = _as(app, "bank1-a").get("/statistics?period=2026H1").get_data(as_text=True)
    section = _section(html)
    assert 'data-testid="reconciliation"' in section and "本行本期有效投诉 2 件" in section
    assert 'data-testid="regulator-groups"' not in section  # no other bank's figures
    assert "第2银行" not in section
    banks = _rows(section, "regulator-banks")
    staff = _section(
        _as(app, "assoc-staff").get("/statistics?period=2026H1").get_data(as_text=True)
    )
    assert banks == [_rows(staff, "regulator-banks")[0]]
    bank1 = province.unit("bank1").id
    filtered = _section(
        _as(app, "assoc-staff")
        .get(f"/statistics?period=2026H1&member={bank1}")
        .get_data(as_text=True)
    )
    for table in ("codes-A", "codes-B", "codes-C", "regulator-lines"):
        assert _rows(section, table) == _rows(filtered, table)


def test_a_category_filter_leaves_the_section_out(app, data):
    html = (
        _as(app, "assoc-staff").get("/statistics?period=2026H1&category=1").get_data(as_text=True)
    )
    assert 'data-testid="regulator-unavailable"' in html


def test_the_level_control(app, data, province):
    client = _as(app, "assoc-staff")
    piece = client.get(
        "/statistics/codes?period=2026H1&axis=A&level=3", headers={"HX-Request": "true"}
    )
    body = piece.get_data(as_text=True)
    assert piece.status_code == 200 and "<html" not in body and 'id="codes-A"' in body
    assert [r[:3] for r in _rows(body, "codes-A")] == [
        ["A01031", "网银", "1"],
        ["A02", "中、后台业务渠道", "1"],
        ["—", "未编码", "1"],
    ]
    page = client.get("/statistics/codes?period=2026H1&axis=C")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    for bad in ("axis=D", "axis=A&level=9", "axis=A&period=bad", "axis=A&category=1"):
        assert client.get(f"/statistics/codes?{bad}").status_code == 404
    # Scoped: another bank's member filter is a 404, its own is fine.
    member = _as(app, "bank1-a")
    bank1, bank2 = province.unit("bank1").id, province.unit("bank2").id
    assert member.get(f"/statistics/codes?axis=B&member={bank2}").status_code == 404
    mine = member.get(f"/statistics/codes?period=2026H1&axis=B&member={bank1}")
    assert [r[:4] for r in _rows(mine.get_data(as_text=True), "codes-B")] == [
        ["B99", "其他", "1", "50.0%"],  # case 2 by its category (case 7 before: first)
        ["B03", "银行卡", "1", "50.0%"],  # case 1, coded
    ]
    # Without a filter a member's codes are its own too.
    own = member.get("/statistics/codes?period=2026H1&axis=B").get_data(as_text=True)
    assert _rows(own, "codes-B") == _rows(mine.get_data(as_text=True), "codes-B")


def test_the_annex_sheets(app, data):
    book = load_workbook(
        BytesIO(_as(app, "assoc-staff").get("/statistics/export.xlsx?period=2026H1").data)
    )
    for name in (
        "机构类型",
        "会员单位（监管口径）",
        "A类编码（业务办理渠道）",
        "B类编码（业务类别）",
        "C类编码（投诉原因）",
        "业务类别",
    ):
        assert name in book.sheetnames
    groups = book["机构类型"]
    assert [c.value for c in groups[2]][:4] == ["国有大型商业银行", 2, pytest.approx(2 / 3), 1]
    assert groups["C2"].number_format == "0.0%"
    banks = book["会员单位（监管口径）"]
    row = [c.value for c in banks[2]]
    assert row[:7] == ["第1银行辽宁省分行", "国有大型商业银行", 2, 1, 1, 1.0, 2]
    assert row[7] == 20_000_000 and row[8].date().isoformat() == "2026-03-31"
    assert (row[9], row[10]) == (1000, 1)
    codes = book["A类编码（业务办理渠道）"]
    assert [c.value for c in codes[4]][:3] == [None, "未编码", 1]
    lines = book["业务类别"]
    assert [c.value for c in lines[2]][:3] == ["其他", "B99", 2]
    # A member's annex: its own rows, no groups.
    member = load_workbook(
        BytesIO(_as(app, "bank2-a").get("/statistics/export.xlsx?period=2026H1").data)
    )
    assert "机构类型" not in member.sheetnames
    assert [c.value for c in member["会员单位（监管口径）"]["A"]][1:] == ["第2银行辽宁省分行"]
