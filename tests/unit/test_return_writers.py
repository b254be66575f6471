"""The regulator return's writers and rules as tables: the CSV is one flat table (a
``section`` column first, UTF-8 with BOM), the workbook has a sheet per section with
numbers as numbers, both from the same figures; which periods may be reported."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal import create_app
from portal.returns import rules, writers
from portal.statistics.rules import parse_any_period

FIGURES = {
    "meta": {
        "period": "2026H1",
        "period_label": "2026年上半年",
        "first_day": "2026-01-01",
        "last_day": "2026-06-30",
        "previous": "2025H2",
        "version": 2,
        "unfinished": False,
        "change_note": "补录",
        "basis": "有效投诉",
        "timeliness_basis": "第十一条",
        "code_version": 3,
        "generated_at": "2026-11-23T10:00:00+08:00",
        "generated_by": "贺兰平",
    },
    "groups": [
        {
            "group": "state_owned",
            "label": "国有大型商业银行",
            "count": 2,
            "share": 2 / 3,
            "previous": 1,
            "change": 1,
            "change_rate": 1.0,
            "members": 1,
            "median": 2,
            "median_per_1000_outlets": 1000.0,
            "median_per_10m_customers": None,
        },
        {
            "group": None,
            "label": "未分组",
            "count": 1,
            "share": 1 / 3,
            "previous": 1,
            "change": 0,
            "change_rate": -0.0,
            "members": 1,
            "median": 1,
            "median_per_1000_outlets": 500.0,
            "median_per_10m_customers": None,
        },
    ],
    "codes": [
        {
            "axis": "B",
            "level": 1,
            "code": "B03",
            "name": "银行卡",
            "counts": {"state_owned": 2, "": 0},
            "total": 2,
        },
        {"axis": "B", "level": 1, "code": None, "name": "未编码", "counts": {"": 1}, "total": 1},
        {
            "axis": "B",
            "level": 1,
            "code": "ALL",
            "name": "合计",
            "counts": {"state_owned": 2, "": 1},
            "total": 3,
        },
    ],
    "banks": [
        {
            "member_id": 5,
            "member_code": "ICBC-LN",
            "member_name": "第1银行",
            "group": "state_owned",
            "group_name": "国有大型商业银行",
            "count": 2,
            "previous": 1,
            "change": 1,
            "change_rate": 1.0,
            "outlets": 2,
            "customers": 20_000_000,
            "customers_as_of": "2026-03-31",
            "per_1000_outlets": 1000.0,
            "per_10m_customers": 1.0,
        }
    ],
    "timeliness": [
        {
            "member_id": 5,
            "member_code": "ICBC-LN",
            "member_name": "第1银行",
            "step": "accept",
            "step_name": "受理",
            "met": 3,
            "on_time": 2,
            "rate": 2 / 3,
        }
    ],
    "decisions": [
        {
            "member_id": 6,
            "member_code": "CCB-LN",
            "member_name": "第2银行",
            "trigger": "media",
            "trigger_name": "媒体",
            "decision": "interview",
            "decision_name": "约见谈话",
            "date": "2026-05-06",
        }
    ],
}


@pytest.fixture
def app():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    with app.test_request_context("/"):
        yield app


def _rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_the_csv_is_one_flat_table_with_the_section_first():
    data = writers.csv_bytes(FIGURES)
    assert data[3:].split(b"\r\n")[0].decode() == ",".join(writers.COLUMNS)
    rows = _rows(data)
    assert writers.COLUMNS[0] == "section"
    assert [r["section"] for r in rows].count("meta") == len(writers.META)
    sections = [r["section"] for r in rows]
    assert sections == sorted(
        sections, key=["meta", "codes", "groups", "banks", "timeliness", "decisions"].index
    )
    meta = {r["key"]: r["value"] for r in rows if r["section"] == "meta"}
    assert meta["code_version"] == "3" and meta["unfinished"] == "0"
    assert meta["generated_at"] == "2026-11-23T10:00:00+08:00"


def test_codes_carry_keys_and_names_with_totals():
    rows = [r for r in _rows(writers.csv_bytes(FIGURES)) if r["section"] == "codes"]
    cells = {(r["code"], r["group"]): (r["code_name"], r["group_name"], r["count"]) for r in rows}
    assert cells[("B03", "state_owned")] == ("银行卡", "国有大型商业银行", "2")
    assert cells[("B03", "")] == ("银行卡", "未分组", "0")
    assert cells[("B03", "ALL")] == ("银行卡", "合计", "2")
    assert cells[("", "")] == ("未编码", "未分组", "1")  # uncoded: no code, its name
    assert cells[("ALL", "ALL")] == ("合计", "合计", "3")
    assert {r["axis"] for r in rows} == {"B"} and {r["level"] for r in rows} == {"1"}


def test_banks_timeliness_and_decisions_in_the_csv():
    rows = _rows(writers.csv_bytes(FIGURES))
    (bank,) = [r for r in rows if r["section"] == "banks"]
    assert (bank["member_code"], bank["group"], bank["count"], bank["customers"]) == (
        "ICBC-LN",
        "state_owned",
        "2",
        "20000000",
    )
    assert bank["per_10m_customers"] == "1" and bank["customers_as_of"] == "2026-03-31"
    assert "member_id" not in bank  # an id of this portal means nothing to the regulator
    (step,) = [r for r in rows if r["section"] == "timeliness"]
    assert (step["step"], step["met"], step["on_time"], step["on_time_rate"]) == (
        "accept",
        "3",
        "2",
        "0.666667",
    )
    (decision,) = [r for r in rows if r["section"] == "decisions"]
    assert (decision["trigger"], decision["decision"], decision["decided_on"]) == (
        "media",
        "interview",
        "2026-05-06",
    )
    ungrouped = [r for r in rows if r["section"] == "groups"][1]
    assert ungrouped["group"] == "" and ungrouped["change_rate"] == "0"  # never "-0"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "1"),
        (False, "0"),
        (3, "3"),
        (0.5, "0.5"),
        (-0.0, "0"),
        (1e-9, "0"),
        (-1e-9, "0"),
        (2 / 3, "0.666667"),
        (1000.0, "1000"),
        ("B03", "B03"),
    ],
)
def test_csv_cells(value, text):
    assert writers._text(value) == text


def test_the_workbook_has_a_sheet_per_section_with_numbers_as_numbers(app):
    book = load_workbook(io.BytesIO(writers.xlsx_bytes(FIGURES)))
    assert book.sheetnames == [
        "报送说明",
        "1 编码×机构类型",
        "2 机构类型",
        "3 会员单位",
        "4 办理时限（第十一条）",
        "5 责任追究（第十二条）",
    ]
    cover = {row[0]: row[1] for row in book["报送说明"].iter_rows(min_row=2, values_only=True)}
    assert cover["报送期间"] == "2026H1" and cover["JR/T 0169-2018 编码表版本"] == 3
    assert cover["统计口径"] == "有效投诉" and cover["生成时间（北京时间）"].hour == 10
    codes = book["1 编码×机构类型"]
    assert codes.freeze_panes == "A2" and codes.auto_filter.ref == "A1:H4"
    assert [c.value for c in codes[1]] == [
        "维度",
        "维度名称",
        "层级",
        "编码",
        "名称",
        "国有大型商业银行",
        "未分组",
        "合计",
    ]
    assert [c.value for c in codes[2]] == ["B", "业务类别", 1, "B03", "银行卡", 2, 0, 2]
    assert [c.value for c in codes[4]][5:] == [2, 1, 3]
    banks = book["3 会员单位"]
    assert banks["E2"].value == 2 and banks["L2"].value == 1000 and banks["J2"].value == 20_000_000
    steps = book["4 办理时限（第十一条）"]
    assert steps["G2"].value == pytest.approx(2 / 3) and steps["G2"].number_format == "0.0%"
    decisions = book["5 责任追究（第十二条）"]
    assert decisions["G2"].value.date() == date(2026, 5, 6)


@pytest.mark.parametrize(
    ("period", "today", "refusal", "unfinished"),
    [
        ("2026H1", date(2026, 7, 1), None, False),
        ("2026H1", date(2026, 6, 30), None, True),  # its last day: not yet ended
        ("2026H2", date(2026, 11, 23), None, True),
        ("2026Q3", date(2026, 11, 23), None, False),
        ("2026Q4", date(2026, 10, 1), None, True),
        ("2027H1", date(2026, 12, 31), rules.FUTURE, False),
        ("2027Q1", date(2026, 12, 31), rules.FUTURE, False),
    ],
)
def test_which_periods_may_be_reported(period, today, refusal, unfinished):
    assert rules.check_period(parse_any_period(period), today) == (refusal, unfinished)


@pytest.mark.parametrize(
    ("note", "has_versions", "refusal"),
    [
        (None, False, None),
        ("", False, None),
        (None, True, rules.NOTE_REQUIRED),
        ("  ", True, rules.NOTE_REQUIRED),
        ("补录", True, None),
        ("长" * 500, True, None),
        ("长" * 501, True, rules.NOTE_TOO_LONG),
        ("长" * 501, False, rules.NOTE_TOO_LONG),
    ],
)
def test_a_correction_says_what_changed(note, has_versions, refusal):
    assert rules.check_note(note, has_versions) == refusal


def test_the_periods_offered_are_the_last_ended_quarters_and_halves():
    from datetime import date

    from portal.returns.rules import recent_periods

    offered = [p.code for p in recent_periods(date(2026, 12, 7))]
    assert offered == ["2026Q3", "2026Q2", "2026Q1", "2025Q4", "2026H1", "2025H2"]
    # On the first day of a quarter the quarter just ended is offered first.
    assert [p.code for p in recent_periods(date(2027, 1, 1))][:1] == ["2026Q4"]
    assert [p.code for p in recent_periods(date(2027, 1, 1))][4:] == ["2026H2", "2026H1"]
