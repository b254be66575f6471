"""Pure parts of the calendar screens: what a day edit stores, the month grids, and a
year's notice read from JSON or CSV text."""

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.workdays.grid import month_grid, year_grids
from portal.workdays.notice import NoticeError, parse_notice
from portal.workdays.notice_files import notice_as_csv, read_notice
from portal.workdays.official import official_calendar
from portal.workdays.overrides import DayEditError, day_state, plan_day
from portal.workdays.rules import OfficialDay

CAL = official_calendar()
EXAMPLE = Path(__file__).resolve().parents[2] / "portal/workdays/examples/notice-2026.json"
WED, SAT = date(2026, 12, 30), date(2026, 12, 26)


@pytest.mark.parametrize(
    "day, is_working, name, planned",
    [
        (WED, True, "", None),  # a working weekday: the plain rule, nothing stored
        (WED, True, "无关", None),
        (SAT, False, "", None),  # a weekend day off: the plain rule
        (SAT, True, "春节", OfficialDay(SAT, True, "makeup", "春节")),
        (WED, False, "临时放假", OfficialDay(WED, False, "holiday", "临时放假")),
        (SAT, False, " 元旦 ", OfficialDay(SAT, False, "holiday", "元旦")),  # inside a range
    ],
)
def test_plan_day(day, is_working, name, planned):
    assert plan_day(day, is_working, name) == planned


@pytest.mark.parametrize(
    "day, is_working, name, message",
    [
        (WED, False, "", "周三：设为休息日时请填写节日名称或放假原因"),
        (SAT, True, "  ", "周六：设为调休上班日时请填写所调休的节日名称"),
        (WED, False, "长" * 101, "名称最多100个字"),
    ],
)
def test_plan_day_refuses(day, is_working, name, message):
    with pytest.raises(DayEditError, match=message):
        plan_day(day, is_working, name)


def test_day_state_says_what_the_day_is():
    assert day_state(SAT, None) == {"is_working_day": False, "kind": "weekend", "name": ""}
    assert day_state(WED, None) == {"is_working_day": True, "kind": "workday", "name": ""}
    makeup = OfficialDay(SAT, True, "makeup", "春节")
    assert day_state(SAT, makeup) == {"is_working_day": True, "kind": "makeup", "name": "春节"}


def test_month_grid_of_national_day_2025():
    grid = month_grid(CAL, 2025, 10, manual=frozenset({date(2025, 10, 9)}), today=date(2025, 10, 9))
    assert grid.dom_id == "month-2025-10"
    first_week = grid.weeks[0]
    assert first_week[:2] == (None, None)  # 1 Oct 2025 is a Wednesday; weeks start Monday
    assert first_week[2].day == date(2025, 10, 1) and first_week[2].marker == "休"
    assert grid.find(date(2025, 10, 11)).kind == "makeup"  # Saturday worked
    assert grid.find(date(2025, 10, 11)).label == "调休上班（国庆节）"
    assert grid.find(date(2025, 10, 12)).kind == "weekend"
    assert grid.find(date(2025, 10, 9)).is_manual and grid.find(date(2025, 10, 9)).is_today
    assert grid.working_days == 18
    assert grid.notes == [
        (date(2025, 10, 1), date(2025, 10, 8), "holiday", "国庆节、中秋节"),
        (date(2025, 10, 11), date(2025, 10, 11), "makeup", "调休上班（国庆节）"),
    ]


def test_a_year_has_twelve_grids_and_its_working_days():
    grids = year_grids(CAL, 2025)
    assert [g.month for g in grids] == list(range(1, 13))
    assert sum(g.working_days for g in grids) == CAL.working_days_between(
        date(2024, 12, 31), date(2025, 12, 31)
    )


def test_the_two_example_files_hold_the_same_notice():
    csv_text = EXAMPLE.with_suffix(".csv").read_text(encoding="utf-8")
    assert read_notice(csv_text, 2026) == read_notice(EXAMPLE.read_text(encoding="utf-8"))


def test_json_and_csv_read_the_same_notice():
    text = EXAMPLE.read_text(encoding="utf-8")
    notice = read_notice(text)
    assert notice == parse_notice(json.loads(text))
    assert read_notice(notice_as_csv(notice)) == notice
    assert read_notice(notice_as_csv(notice), 2026) == notice


def test_csv_accepts_comments_a_header_chinese_kinds_and_one_day_holidays():
    notice = read_notice(
        "\ufeff# 2027年通知（示例）\n"
        "kind,name,from,to\n"
        "年份,2027\n"
        "来源,国务院办公厅关于2027年部分节假日安排的通知\n"
        "放假,元旦,2027-01-01\n"
        "放假,春节,2027-02-06,2027-02-13\n"
        "上班,春节,2027-02-14\n"
    )
    assert notice.year == 2027 and notice.source.startswith("国务院")
    assert [h.name for h in notice.holidays] == ["元旦", "春节"]
    assert notice.holidays[0].first == notice.holidays[0].last == date(2027, 1, 1)
    assert notice.makeup_workdays[0].day == date(2027, 2, 14)


@pytest.mark.parametrize(
    "text, year, messages",
    [
        ("", None, ["内容为空：请粘贴通知的 JSON 或 CSV"]),
        (
            '{"year": 2027,',
            None,
            ["JSON 格式错误：第1行第15列（Expecting property name enclosed in double quotes）"],
        ),
        ("holiday,元旦,2027-01-01\n", None, ["缺少年份：请加一行 year,YYYY"]),
        ("year,27\n", None, ["第1行：year 后应为四位年份，如 year,2027"]),
        (
            "year,2027\nholiday,元旦\nmakeup,春节\nweekend,x\n",
            None,
            [
                "第2行：应为 holiday,节日名称,开始日期,结束日期",
                "第3行：应为 makeup,所调休的节日,日期",
                "第4行：未知类型“weekend”（可用：year、source、holiday、makeup）",
            ],
        ),
        ("year,2027\n", 2028, ["第1行：年份 2027 与所选年份 2028 不一致"]),
        (
            '{"year": 2027, "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}],'
            ' "makeup_workdays": []}',
            2028,
            ["内容中的年份 2027 与所选年份 2028 不一致"],
        ),
    ],
)
def test_bad_text_says_what_is_wrong(text, year, messages):
    with pytest.raises(NoticeError) as caught:
        read_notice(text, year)
    assert caught.value.messages == messages


@given(st.text(max_size=200))
def test_any_text_is_either_a_notice_or_a_notice_error(text):
    try:
        read_notice(text)
    except NoticeError as error:
        assert error.messages and all(isinstance(m, str) and m for m in error.messages)
