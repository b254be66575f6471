"""The JSON import format for a year's State Council holiday notice."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from portal.workdays import notice as notice_module
from portal.workdays.notice import HolidayRange, MakeupDay, NoticeError, parse_notice
from portal.workdays.official import official_days, official_years
from portal.workdays.rules import OfficialDay, WorkingCalendar

EXAMPLE_2026 = Path(notice_module.__file__).parent / "examples" / "notice-2026.json"
D = date

# A plausible 2027 notice (not the real one: it is not published yet).
NOTICE_2027 = {
    "year": 2027,
    "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
        {"name": "春节", "from": "2027-02-05", "to": "2027-02-12"},
    ],
    "makeup_workdays": [{"day": "2027-02-14", "for": "春节"}],
}


def test_the_2026_example_reproduces_the_package():
    notice = parse_notice(json.loads(EXAMPLE_2026.read_text(encoding="utf-8")))
    assert notice.year == 2026
    assert notice.source == "国务院办公厅关于2026年部分节假日安排的通知"
    assert notice.days() == official_days(2026)


def test_round_trip():
    notice = parse_notice(json.loads(EXAMPLE_2026.read_text(encoding="utf-8")))
    assert parse_notice(notice.as_dict()) == notice


def test_parsed_entries():
    notice = parse_notice(NOTICE_2027)
    assert notice.holidays[0] == HolidayRange("元旦", D(2027, 1, 1), D(2027, 1, 3))
    assert notice.makeup_workdays == (MakeupDay(D(2027, 2, 14), "春节"),)
    assert notice.days()[:3] == [
        OfficialDay(D(2027, 1, 1), False, "holiday", "元旦"),
        OfficialDay(D(2027, 1, 2), False, "holiday", "元旦"),
        OfficialDay(D(2027, 1, 3), False, "holiday", "元旦"),
    ]


def test_an_imported_notice_confirms_its_year():
    # Art. 11 limits reaching into 2027 stop being provisional once 2027 is imported.
    days = [entry for year in official_years() for entry in official_days(year)]
    days += parse_notice(NOTICE_2027).days()
    calendar = WorkingCalendar.from_days(days, [*official_years(), 2027])
    assert not calendar.is_provisional(D(2026, 12, 31), D(2027, 1, 5))
    # Thu 12/31/2026; 1/1–1/3/2027 off -> Mon 1/4 (1), Tue 1/5 (2)
    assert calendar.add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 5)
    # Thu 2/4/2027; 2/5–2/12 off, Sun 2/14 make-up (1), Mon 2/15 (2)
    assert calendar.add_working_days(D(2027, 2, 4), 2) == D(2027, 2, 15)


def test_new_year_may_start_in_the_previous_december():
    # The 2019 notice: 2018-12-30 to 2019-01-01 off, Saturday 2018-12-29 worked.
    notice = parse_notice(
        {
            "year": 2019,
            "holidays": [{"name": "元旦", "from": "2018-12-30", "to": "2019-01-01"}],
            "makeup_workdays": [{"day": "2018-12-29", "for": "元旦"}],
        }
    )
    package = [entry for year in (2018, 2019) for entry in official_days(year)]
    assert notice.days() == [e for e in package if D(2018, 12, 29) <= e.day <= D(2019, 1, 1)]


def _with(path, value):
    """NOTICE_2027 with one field replaced; path is a tuple of keys and indexes."""
    data = copy.deepcopy(NOTICE_2027)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _append_to(key, value):
    """NOTICE_2027 with one more entry in the list ``key``."""
    data = copy.deepcopy(NOTICE_2027)
    data[key].append(value)
    return data


# (invalid notice, a message that must be among the errors)
INVALID = [
    (_with(("year",), "2027"), "year 必须是整数年份"),
    (_with(("year",), True), "year 必须是整数年份"),
    (_with(("extra",), 1), "未知字段：extra"),
    (_with(("holidays",), []), "holidays 必须是非空列表"),
    (_with(("holidays", 0, "name"), " "), "holidays 第1项（未命名）：name（节日名称）不能为空"),
    (
        _with(("holidays", 0, "from"), "2027-1-1"),
        "holidays 第1项（元旦）：from 日期 '2027-1-1' 无效",
    ),
    (
        _with(("holidays", 0, "to"), "2027-02-30"),
        "holidays 第1项（元旦）：to 日期 '2027-02-30' 无效",
    ),
    (
        _with(("holidays", 1, "to"), "2027-02-01"),
        "holidays 第2项（春节）：from 2027-02-05 晚于 to 2027-02-01",
    ),
    (
        _with(("holidays", 1, "to"), "2027-03-12"),
        "holidays 第2项（春节）：假期共36天，超过15天",
    ),
    (
        _with(("holidays", 1, "from"), "2026-12-31"),
        "holidays 第2项（春节）：2026-12-31 不在2027年内",
    ),
    (
        _with(("holidays", 0, "to"), "2028-01-01"),
        "holidays 第1项（元旦）：2028-01-01 不在2027年内",
    ),
    (
        _append_to("holidays", {"name": "除夕", "from": "2027-02-04", "to": "2027-02-05"}),
        "holidays 第3项（除夕）：2027-02-05 已列在 holidays 第2项（春节）中",
    ),
    (_with(("holidays", 0, "days"), 3), "holidays 第1项（元旦）：未知字段 days"),
    (_with(("makeup_workdays",), None), "缺少 makeup_workdays"),
    (
        _with(("makeup_workdays", 0, "day"), "2027-02-15"),
        "makeup_workdays 第1项（2027-02-15）：调休上班日必须是周六或周日，2027-02-15 是周一",
    ),
    (
        _with(("makeup_workdays", 0, "day"), "2027-02-06"),
        "makeup_workdays 第1项（2027-02-06）：2027-02-06 同时被列为假日（春节）",
    ),
    (
        _with(("makeup_workdays", 0, "for"), "国庆节"),
        "makeup_workdays 第1项（2027-02-14）：for “国庆节”不是本通知 holidays 中的节日",
    ),
    (
        _with(("makeup_workdays", 0, "for"), ""),
        "makeup_workdays 第1项（2027-02-14）：for（所调休的节日）不能为空",
    ),
    (
        _with(("makeup_workdays", 0, "day"), "2026-12-27"),
        "makeup_workdays 第1项（2026-12-27）：2026-12-27 不在2027年内",
    ),
    (
        _append_to("makeup_workdays", {"day": "2027-02-14", "for": "春节"}),
        "makeup_workdays 第2项（2027-02-14）：与第1项重复",
    ),
]


@pytest.mark.parametrize(("data", "message"), INVALID)
def test_invalid_notices_name_the_entry(data, message):
    with pytest.raises(NoticeError) as raised:
        parse_notice(data)
    assert any(found.startswith(message) for found in raised.value.messages), raised.value.messages


def test_every_problem_is_reported_at_once():
    data = copy.deepcopy(NOTICE_2027)
    data["holidays"][0]["from"] = "2027-01-04"  # after "to"
    data["makeup_workdays"][0]["day"] = "2027-02-15"  # a Monday
    with pytest.raises(NoticeError) as raised:
        parse_notice(data)
    assert len(raised.value.messages) == 2
    assert str(raised.value) == "；".join(raised.value.messages)


def test_not_an_object():
    with pytest.raises(NoticeError, match="JSON 对象"):
        parse_notice(["2027"])
