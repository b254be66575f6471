"""Reading chinesecalendar's transcription of the State Council notices."""

from datetime import date, timedelta

import pytest
from chinese_calendar import constants as cc
from chinese_calendar import is_workday

from portal.workdays.official import (
    NAMES_ZH,
    OfficialDay,
    official_calendar,
    official_days,
    official_years,
)

D = date


def _off(name, first, last):
    return [
        OfficialDay(first + timedelta(days=i), False, "holiday", name)
        for i in range((last - first).days + 1)
    ]


def _on(name, *days):
    return [OfficialDay(day, True, "makeup", name) for day in days]


# 国务院办公厅关于2025年部分节假日安排的通知, typed in from the notice. In the golden
# week 10/1–10/8 the package names 10/6, the Mid-Autumn Festival itself, 中秋节.
NOTICE_2025 = sorted(
    _off("元旦", D(2025, 1, 1), D(2025, 1, 1))
    + _off("春节", D(2025, 1, 28), D(2025, 2, 4))
    + _on("春节", D(2025, 1, 26), D(2025, 2, 8))
    + _off("清明节", D(2025, 4, 4), D(2025, 4, 6))
    + _off("劳动节", D(2025, 5, 1), D(2025, 5, 5))
    + _on("劳动节", D(2025, 4, 27))
    + _off("端午节", D(2025, 5, 31), D(2025, 6, 2))
    + _off("国庆节", D(2025, 10, 1), D(2025, 10, 5))
    + _off("中秋节", D(2025, 10, 6), D(2025, 10, 6))
    + _off("国庆节", D(2025, 10, 7), D(2025, 10, 8))
    + _on("国庆节", D(2025, 9, 28), D(2025, 10, 11)),
    key=lambda entry: entry.day,
)

# 2024: the package lists only the days the notice names; 元旦 (Mon 1/1) and 端午
# (Mon 6/10) join an ordinary weekend, which therefore is not listed.
NOTICE_2024 = sorted(
    _off("元旦", D(2024, 1, 1), D(2024, 1, 1))
    + _off("春节", D(2024, 2, 10), D(2024, 2, 17))
    + _on("春节", D(2024, 2, 4), D(2024, 2, 18))
    + _off("清明节", D(2024, 4, 4), D(2024, 4, 6))
    + _on("清明节", D(2024, 4, 7))
    + _off("劳动节", D(2024, 5, 1), D(2024, 5, 5))
    + _on("劳动节", D(2024, 4, 28), D(2024, 5, 11))
    + _off("端午节", D(2024, 6, 10), D(2024, 6, 10))
    + _off("中秋节", D(2024, 9, 15), D(2024, 9, 17))
    + _on("中秋节", D(2024, 9, 14))
    + _off("国庆节", D(2024, 10, 1), D(2024, 10, 7))
    + _on("国庆节", D(2024, 9, 29), D(2024, 10, 12)),
    key=lambda entry: entry.day,
)


@pytest.mark.parametrize(("year", "expected"), [(2024, NOTICE_2024), (2025, NOTICE_2025)])
def test_official_days_match_the_notice(year, expected):
    assert official_days(year) == expected


def test_covered_years():
    assert official_years() == list(range(2004, 2027))


def test_every_package_name_has_a_chinese_name():
    names = set(cc.holidays.values()) | set(cc.workdays.values())
    assert names <= set(NAMES_ZH)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2026, 1, 1), "元旦"),
        (D(2026, 2, 17), "春节"),
        (D(2026, 4, 5), "清明节"),
        (D(2026, 5, 1), "劳动节"),
        (D(2026, 6, 19), "端午节"),
        (D(2026, 9, 25), "中秋节"),
        (D(2026, 10, 1), "国庆节"),
        (D(2015, 9, 3), "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
    ],
)
def test_holiday_names_in_chinese(day, name):
    (entry,) = [entry for entry in official_days(day.year) if entry.day == day]
    assert entry == OfficialDay(day, False, "holiday", name)


def test_only_departures_from_the_weekday_rule_are_listed():
    for year in official_years():
        for entry in official_days(year):
            if entry.kind == "makeup":
                assert entry.is_working_day and entry.day.weekday() >= 5
            else:
                assert not entry.is_working_day and entry.day in cc.holidays


def test_an_uncovered_year_is_refused():
    with pytest.raises(ValueError, match="2027"):
        official_days(2027)


def test_official_calendar_agrees_with_the_package_every_day():
    calendar = official_calendar()
    assert calendar.confirmed_years == frozenset(range(2004, 2027))
    day = D(2004, 1, 1)
    while day.year <= 2026:
        assert calendar.is_working_day(day) is is_workday(day), day
        day += timedelta(days=1)


def test_official_calendar_is_built_once():
    assert official_calendar() is official_calendar()
