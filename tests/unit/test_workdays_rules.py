"""The working-day rules behind every Art. 11 limit, on the official calendar.

The expected due dates below were worked out by hand from the State Council notices
(国务院办公厅关于2024/2025/2026年部分节假日安排的通知), not from the code:

- 2024: 元旦 1/1 (Mon, with the weekend); 春节 2/10–2/17, worked Sun 2/4 and Sun 2/18;
  清明 4/4–4/6, worked Sun 4/7; 劳动节 5/1–5/5, worked Sun 4/28 and Sat 5/11;
  端午 6/10 (Mon, with the weekend); 中秋 9/15–9/17, worked Sat 9/14;
  国庆 10/1–10/7, worked Sun 9/29 and Sat 10/12.
- 2025: 元旦 1/1 (Wed), no make-up; 春节 1/28–2/4, worked Sun 1/26 and Sat 2/8;
  清明 4/4–4/6, no make-up; 劳动节 5/1–5/5, worked Sun 4/27; 端午 5/31–6/2;
  国庆+中秋 10/1–10/8, worked Sun 9/28 and Sat 10/11.
- 2026: 元旦 1/1–1/3, worked Sun 1/4; 春节 2/15–2/23, worked Sat 2/14 and Sat 2/28;
  清明 4/4–4/6; 劳动节 5/1–5/5, worked Sat 5/9; 端午 6/19–6/21; 中秋 9/25–9/27;
  国庆 10/1–10/7, worked Sun 9/20 and Sat 10/10.

chinesecalendar 1.11.0 has the same days (checked in test_workdays_official.py).
"""

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from chinese_calendar import constants as cc
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.workdays.official import official_calendar
from portal.workdays.rules import (
    DEADLINE_RULE_EN,
    DEADLINE_RULE_ZH,
    DayRun,
    WorkingCalendar,
    due_at,
    end_of_day,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = official_calendar()
D = date

# (received on, N, due on): the N-th working day strictly after the day of receipt.
DUE_CASES = [
    # ---- 2024 元旦: Sat 12/30, Sun 12/31 weekend, Mon 1/1 holiday.
    (D(2023, 12, 29), 2, D(2024, 1, 3)),  # Fri; skip 12/30–1/1 -> Tue 1/2 (1), Wed 1/3 (2)
    (D(2023, 12, 31), 3, D(2024, 1, 4)),  # Sun; 1/1 off -> 1/2, 1/3, Thu 1/4
    # ---- 2024 春节: 2/10–2/17 off; Sun 2/4 and Sun 2/18 worked.
    (D(2024, 2, 2), 2, D(2024, 2, 5)),  # Fri; Sat 2/3 off, Sun 2/4 make-up (1), Mon 2/5 (2)
    (D(2024, 2, 8), 2, D(2024, 2, 18)),  # Thu; Fri 2/9 除夕 is a working day (1), Sun 2/18 (2)
    (D(2024, 2, 8), 5, D(2024, 2, 21)),  # ... 2/18 (2), Mon 2/19 (3), 2/20 (4), Wed 2/21 (5)
    (D(2024, 2, 12), 3, D(2024, 2, 20)),  # on the holiday; Sun 2/18 (1), 2/19 (2), 2/20 (3)
    (D(2024, 2, 4), 2, D(2024, 2, 6)),  # on make-up Sun 2/4; it never counts: 2/5, 2/6
    # ---- 2024 清明: 4/4–4/6 off, Sun 4/7 worked.
    (D(2024, 4, 3), 2, D(2024, 4, 8)),  # Wed; 4/4–4/6 off, Sun 4/7 (1), Mon 4/8 (2)
    (D(2024, 4, 3), 3, D(2024, 4, 9)),  # ... Tue 4/9 (3)
    # ---- 2024 劳动节: 5/1–5/5 off; Sun 4/28 and Sat 5/11 worked.
    (D(2024, 4, 26), 2, D(2024, 4, 29)),  # Fri; Sat 4/27 off, Sun 4/28 (1), Mon 4/29 (2)
    (D(2024, 4, 29), 3, D(2024, 5, 7)),  # Mon; Tue 4/30 (1), 5/1–5/5 off, 5/6 (2), 5/7 (3)
    (D(2024, 4, 30), 5, D(2024, 5, 10)),  # Tue; 5/6, 5/7, 5/8, 5/9, Fri 5/10
    (D(2024, 5, 9), 3, D(2024, 5, 13)),  # Thu; Fri 5/10 (1), Sat 5/11 (2), Sun off, Mon (3)
    # ---- 2024 端午: Mon 6/10 off, with the weekend.
    (D(2024, 6, 7), 2, D(2024, 6, 12)),  # Fri; 6/8–6/10 off -> Tue 6/11 (1), Wed 6/12 (2)
    # ---- 2024 中秋: 9/15–9/17 off, Sat 9/14 worked.
    (D(2024, 9, 13), 2, D(2024, 9, 18)),  # Fri; Sat 9/14 (1), 9/15–9/17 off, Wed 9/18 (2)
    (D(2024, 9, 12), 3, D(2024, 9, 18)),  # Thu; Fri 9/13 (1), Sat 9/14 (2), Wed 9/18 (3)
    # ---- 2024 国庆: 10/1–10/7 off; Sun 9/29 and Sat 10/12 worked.
    (D(2024, 9, 27), 2, D(2024, 9, 30)),  # Fri; Sat 9/28 off, Sun 9/29 (1), Mon 9/30 (2)
    (D(2024, 9, 30), 2, D(2024, 10, 9)),  # Mon; 10/1–10/7 off, Tue 10/8 (1), Wed 10/9 (2)
    (D(2024, 10, 10), 2, D(2024, 10, 12)),  # Thu; Fri 10/11 (1), Sat 10/12 make-up (2)
    (D(2024, 9, 29), 5, D(2024, 10, 11)),  # on make-up Sun 9/29: 9/30, 10/8, 10/9, 10/10, 10/11
    # ---- 2024 -> 2025: Wed 1/1/2025 off, no make-up day.
    (D(2024, 12, 31), 2, D(2025, 1, 3)),  # Tue; 1/1 off, Thu 1/2 (1), Fri 1/3 (2)
    # ---- 2025 春节: 1/28–2/4 off; Sun 1/26 and Sat 2/8 worked.
    (D(2025, 1, 24), 2, D(2025, 1, 27)),  # Fri; Sat 1/25 off, Sun 1/26 (1), Mon 1/27 (2)
    (D(2025, 1, 24), 3, D(2025, 2, 5)),  # ... 1/28–2/4 off, Wed 2/5 (3)
    (D(2025, 2, 6), 2, D(2025, 2, 8)),  # Thu; Fri 2/7 (1), Sat 2/8 make-up (2)
    (D(2025, 1, 29), 5, D(2025, 2, 10)),  # on the holiday; 2/5, 2/6, 2/7, Sat 2/8, Mon 2/10
    # ---- 2025 清明: 4/4–4/6 off, no make-up day.
    (D(2025, 4, 3), 2, D(2025, 4, 8)),  # Thu; 4/4–4/6 off, Mon 4/7 (1), Tue 4/8 (2)
    # ---- 2025 劳动节: 5/1–5/5 off, Sun 4/27 worked.
    (D(2025, 4, 25), 2, D(2025, 4, 28)),  # Fri; Sat 4/26 off, Sun 4/27 (1), Mon 4/28 (2)
    (D(2025, 4, 29), 3, D(2025, 5, 7)),  # Tue; Wed 4/30 (1), 5/1–5/5 off, 5/6 (2), 5/7 (3)
    # ---- 2025 端午: Sat 5/31 – Mon 6/2 off.
    (D(2025, 5, 30), 2, D(2025, 6, 4)),  # Fri; 5/31–6/2 off, Tue 6/3 (1), Wed 6/4 (2)
    (D(2025, 6, 2), 2, D(2025, 6, 4)),  # on the holiday (Mon 6/2): 6/3, 6/4
    # ---- 2025 国庆+中秋: 10/1–10/8 off (10/6 is 中秋); Sun 9/28 and Sat 10/11 worked.
    # The brief's required case: Oct 9 and 10 come before the make-up Saturday Oct 11.
    (D(2025, 9, 30), 2, D(2025, 10, 10)),  # Tue; 10/1–10/8 off, Thu 10/9 (1), Fri 10/10 (2)
    (D(2025, 9, 30), 3, D(2025, 10, 11)),  # ... Sat 10/11 make-up (3)
    (D(2025, 9, 30), 5, D(2025, 10, 14)),  # ... 10/11 (3), Sun 10/12 off, 10/13 (4), 10/14 (5)
    (D(2025, 9, 26), 2, D(2025, 9, 29)),  # Fri; Sat 9/27 off, Sun 9/28 (1), Mon 9/29 (2)
    (D(2025, 9, 28), 3, D(2025, 10, 9)),  # on make-up Sun 9/28: 9/29, 9/30, then 10/9
    (D(2025, 10, 6), 2, D(2025, 10, 10)),  # on 中秋 10/6: 10/7, 10/8 off, 10/9, 10/10
    # ---- 2025 -> 2026 元旦: 1/1–1/3 off, Sun 1/4 worked.
    (D(2025, 12, 31), 2, D(2026, 1, 5)),  # Wed; 1/1–1/3 off, Sun 1/4 (1), Mon 1/5 (2)
    (D(2025, 12, 31), 3, D(2026, 1, 6)),  # ... Tue 1/6 (3)
    (D(2025, 12, 30), 2, D(2026, 1, 4)),  # Tue; Wed 12/31 (1), Sun 1/4 make-up (2)
    # ---- 2026 春节: 2/15–2/23 off; Sat 2/14 and Sat 2/28 worked.
    (D(2026, 2, 12), 2, D(2026, 2, 14)),  # Thu; Fri 2/13 (1), Sat 2/14 make-up (2)
    (D(2026, 2, 12), 3, D(2026, 2, 24)),  # ... 2/15–2/23 off, Tue 2/24 (3)
    (D(2026, 2, 13), 5, D(2026, 2, 27)),  # Fri; 2/14, 2/24, 2/25, 2/26, Fri 2/27
    (D(2026, 2, 20), 5, D(2026, 2, 28)),  # on the holiday; 2/24, 2/25, 2/26, 2/27, Sat 2/28
    # ---- 2026 清明: Sat 4/4 – Mon 4/6 off.
    (D(2026, 4, 3), 2, D(2026, 4, 8)),  # Fri; 4/4–4/6 off, Tue 4/7 (1), Wed 4/8 (2)
    # ---- 2026 劳动节: 5/1–5/5 off, Sat 5/9 worked.
    (D(2026, 4, 30), 2, D(2026, 5, 7)),  # Thu; 5/1–5/5 off, Wed 5/6 (1), Thu 5/7 (2)
    (D(2026, 4, 30), 3, D(2026, 5, 8)),  # ... Fri 5/8 (3)
    (D(2026, 4, 30), 5, D(2026, 5, 11)),  # ... Sat 5/9 make-up (4), Sun off, Mon 5/11 (5)
    (D(2026, 5, 7), 2, D(2026, 5, 9)),  # Thu; Fri 5/8 (1), Sat 5/9 make-up (2)
    # ---- 2026 端午: Fri 6/19 – Sun 6/21 off.
    (D(2026, 6, 18), 2, D(2026, 6, 23)),  # Thu; 6/19–6/21 off, Mon 6/22 (1), Tue 6/23 (2)
    # ---- 2026 中秋: Fri 9/25 – Sun 9/27 off; Sun 9/20 worked (for 国庆).
    (D(2026, 9, 24), 2, D(2026, 9, 29)),  # Thu; 9/25–9/27 off, Mon 9/28 (1), Tue 9/29 (2)
    (D(2026, 9, 18), 2, D(2026, 9, 21)),  # Fri; Sat 9/19 off, Sun 9/20 (1), Mon 9/21 (2)
    # ---- 2026 国庆: 10/1–10/7 off; Sat 10/10 worked.
    (D(2026, 9, 30), 2, D(2026, 10, 9)),  # Wed; 10/1–10/7 off, Thu 10/8 (1), Fri 10/9 (2)
    (D(2026, 9, 30), 3, D(2026, 10, 10)),  # ... Sat 10/10 make-up (3)
    (D(2026, 9, 29), 5, D(2026, 10, 12)),  # Tue; 9/30, 10/8, 10/9, 10/10, Mon 10/12
    # ---- 2026 -> 2027: 2027 is not announced yet, so Fri 1/1/2027 counts (provisional).
    (D(2026, 12, 31), 2, D(2027, 1, 4)),  # Thu; Fri 1/1 (1), Mon 1/4 (2)
]


@pytest.mark.parametrize(("received_on", "n", "due_on"), DUE_CASES)
def test_due_date_by_hand(received_on, n, due_on):
    # Art. 11(1)-(3): N working days after receipt, the day of receipt not counted.
    assert CAL.add_working_days(received_on, n) == due_on
    assert CAL.working_days_between(received_on, due_on) == n
    assert CAL.is_working_day(due_on)


@pytest.mark.parametrize(("received_on", "n", "due_on"), DUE_CASES)
def test_due_date_agrees_with_chinesecalendar(received_on, n, due_on):
    # The hand-derived table and the package's transcription must tell the same story.
    assert _reference_add(received_on, n) == due_on


# (day, kind, reason)
DAY_KINDS = [
    (D(2025, 10, 1), "holiday", "国庆节"),
    (D(2025, 10, 6), "holiday", "中秋节"),  # 2025's Mid-Autumn falls inside the golden week
    (D(2025, 10, 4), "holiday", "国庆节"),  # a Saturday inside the range is named too
    (D(2025, 10, 11), "makeup", "调休上班（国庆节）"),
    (D(2025, 9, 28), "makeup", "调休上班（国庆节）"),
    (D(2025, 10, 12), "weekend", "周日"),
    (D(2025, 10, 18), "weekend", "周六"),
    (D(2025, 10, 9), "workday", "周四"),
    (D(2024, 2, 9), "workday", "周五"),  # 除夕 2024: only "encouraged" off, still a working day
    (D(2015, 9, 3), "holiday", "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
    (D(2031, 10, 1), "workday", "周三"),  # no arrangement known: weekday rule
]


@pytest.mark.parametrize(("day", "kind", "reason"), DAY_KINDS)
def test_day_kind(day, kind, reason):
    assert CAL.day_kind(day) == (kind, reason)
    assert CAL.is_working_day(day) is (kind in ("workday", "makeup"))


@pytest.mark.parametrize("n", [0, -1, -5])
def test_n_must_be_positive(n):
    with pytest.raises(ValueError, match="at least 1"):
        CAL.add_working_days(D(2025, 9, 30), n)


def test_a_datetime_is_refused_where_a_local_date_is_meant():
    # A UTC datetime would silently count from the wrong day; due_at() owns that step.
    with pytest.raises(TypeError):
        CAL.add_working_days(datetime(2025, 9, 30, 23, 0, tzinfo=UTC), 2)
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2025, 10, 1))


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(2025, 9, 30), D(2025, 9, 30), 0),  # empty interval
        (D(2025, 10, 10), D(2025, 9, 30), 0),  # end before start
        (D(2025, 9, 30), D(2025, 10, 8), 0),  # only the golden week
        (D(2025, 9, 30), D(2025, 10, 11), 3),  # 10/9, 10/10, make-up 10/11
        (D(2025, 9, 26), D(2025, 9, 28), 1),  # the make-up Sunday alone
        (D(2025, 12, 31), D(2026, 12, 31), 248),  # all of 2026, see the next test
    ],
)
def test_working_days_between(start, end, count):
    assert CAL.working_days_between(start, end) == count


def test_working_days_in_2026_by_counting_the_notice():
    # 2026 has 104 weekend days. Days off falling on a weekday: 元旦 1/1–1/2 (2),
    # 春节 2/16–2/20 and 2/23 (6), 清明 4/6 (1), 劳动节 5/1, 5/4, 5/5 (3), 端午 6/19 (1),
    # 中秋 9/25 (1), 国庆 10/1, 10/2, 10/5–10/7 (5): 19. Make-up weekend days: 6.
    assert CAL.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 365 - 104 - 19 + 6


@pytest.mark.parametrize(
    ("start", "end", "provisional"),
    [
        (D(2026, 9, 30), D(2026, 10, 9), False),  # inside 2026: announced
        (D(2026, 12, 31), D(2027, 1, 4), True),  # reaches into 2027: not announced
        (D(2027, 3, 1), D(2027, 3, 3), True),
        (D(2004, 1, 2), D(2004, 1, 6), False),  # the package's first year
        (D(2003, 12, 30), D(2004, 1, 2), True),  # 2003 is before the package
    ],
)
def test_is_provisional(start, end, provisional):
    assert CAL.is_provisional(start, end) is provisional


def test_a_deadline_reaching_into_2027_is_provisional_and_2026_is_not():
    assert CAL.explain(D(2026, 12, 30), 3).provisional  # 12/31, 1/1/2027, 1/4/2027
    assert not CAL.explain(D(2026, 12, 28), 3).provisional  # 12/29, 12/30, 12/31


# ---- due_at: the local day of receipt, the end of the due day ---------------------------

# (received at, N, due at in UTC)
DUE_AT_CASES = [
    # 23:30 Beijing on 9/30 is still 9/30: due end of 10/10 Beijing = 15:59:59 UTC.
    (datetime(2025, 9, 30, 23, 30, tzinfo=SHANGHAI), 2, datetime(2025, 10, 10, 15, 59, 59)),
    # The same instant given in UTC (15:30 UTC) must give the same answer.
    (datetime(2025, 9, 30, 15, 30, tzinfo=UTC), 2, datetime(2025, 10, 10, 15, 59, 59)),
    # 16:30 UTC on 9/29 is 00:30 Beijing on 9/30: count from 9/30 -> 10/10, not from
    # 9/29 (which would give 9/30, 10/9 -> 10/9).
    (datetime(2025, 9, 29, 16, 30, tzinfo=UTC), 2, datetime(2025, 10, 10, 15, 59, 59)),
    # 16:30 UTC on 12/30 is 00:30 on 12/31 Beijing: 1/1–1/3 off, Sun 1/4, Mon 1/5.
    (datetime(2025, 12, 30, 16, 30, tzinfo=UTC), 2, datetime(2026, 1, 5, 15, 59, 59)),
    # 15:59:59 UTC on 12/30 is 23:59:59 on 12/30 Beijing: 12/31, then make-up Sun 1/4.
    (datetime(2025, 12, 30, 15, 59, 59, tzinfo=UTC), 2, datetime(2026, 1, 4, 15, 59, 59)),
    # Received on a holiday evening (2/12/2024, 春节): Sun 2/18, 2/19, 2/20.
    (datetime(2024, 2, 12, 21, 0, tzinfo=SHANGHAI), 3, datetime(2024, 2, 20, 15, 59, 59)),
    # Received at midnight on the make-up Saturday 10/11/2025: 10/13, 10/14.
    (datetime(2025, 10, 11, 0, 0, tzinfo=SHANGHAI), 2, datetime(2025, 10, 14, 15, 59, 59)),
]


@pytest.mark.parametrize(("received_at", "n", "expected"), DUE_AT_CASES)
def test_due_at(received_at, n, expected):
    due = due_at(received_at, n, CAL, SHANGHAI)
    assert due == expected.replace(tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)
    assert due.astimezone(SHANGHAI).time().isoformat() == "23:59:59"


def test_due_at_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2025, 9, 30, 12, 0), 2, CAL, SHANGHAI)


def test_end_of_day_is_local():
    end = end_of_day(D(2025, 10, 10), SHANGHAI)
    assert end.isoformat() == "2025-10-10T23:59:59+08:00"


def test_rule_statements():
    assert "收到当天不计入" in DEADLINE_RULE_ZH and "23:59:59" in DEADLINE_RULE_ZH
    assert "does not count" in DEADLINE_RULE_EN and "23:59:59" in DEADLINE_RULE_EN


# ---- explain -----------------------------------------------------------------------------


def test_explain_golden_week_2025():
    explanation = CAL.explain(D(2025, 9, 30), 2)
    assert explanation.due == D(2025, 10, 10)
    assert explanation.counted == (D(2025, 10, 9), D(2025, 10, 10))
    assert explanation.skipped == (
        DayRun(D(2025, 10, 1), D(2025, 10, 8), "holiday", ("国庆节", "中秋节")),
    )
    assert explanation.makeup_counted == ()
    assert not explanation.provisional
    assert explanation.lines() == [
        "收到日：9月30日（周二），当天不计入",
        "10月1日–10月8日 国庆节、中秋节（不计）",
        "第1个工作日：10月9日",
        "第2个工作日：10月10日",
        "期限：10月10日 23:59:59（北京时间）止",
    ]
    assert explanation.lines("en")[1] == (
        "1 Oct – 8 Oct: National Day, Mid-Autumn Festival (not counted)"
    )


def test_explain_counts_a_makeup_sunday():
    explanation = CAL.explain(D(2025, 9, 26), 2)
    assert explanation.counted == (D(2025, 9, 28), D(2025, 9, 29))
    assert explanation.makeup_counted == (
        DayRun(D(2025, 9, 28), D(2025, 9, 28), "makeup", ("国庆节",)),
    )
    assert explanation.lines() == [
        "收到日：9月26日（周五），当天不计入",
        "9月27日 周六（不计）",
        "9月28日（周日）调休上班，计为工作日",
        "第1个工作日：9月28日",
        "第2个工作日：9月29日",
        "期限：9月29日 23:59:59（北京时间）止",
    ]
    assert explanation.lines("en")[2:4] == [
        "Sun 28 Sep: make-up working day for National Day, counted",
        "Working day 1: 28 Sep",
    ]


def test_explain_across_the_year_names_the_year():
    explanation = CAL.explain(D(2025, 12, 31), 2)
    assert explanation.lines()[1:4] == [
        "2026年1月1日–2026年1月3日 元旦（不计）",
        "2026年1月4日（周日）调休上班，计为工作日",
        "第1个工作日：2026年1月4日",
    ]


def test_explain_weekend_and_holiday_are_separate_runs():
    # 2024 端午: the notice gives only Mon 6/10; Sat 6/8 and Sun 6/9 are a plain weekend.
    explanation = CAL.explain(D(2024, 6, 7), 2)
    assert [(r.first, r.last, r.reason) for r in explanation.skipped] == [
        (D(2024, 6, 8), D(2024, 6, 9), "周末"),
        (D(2024, 6, 10), D(2024, 6, 10), "端午节"),
    ]
    assert explanation.lines()[1:3] == ["6月8日–6月9日 周末（不计）", "6月10日 端午节（不计）"]


def test_explain_flags_an_unannounced_year():
    explanation = CAL.explain(D(2026, 12, 31), 2)
    assert explanation.unconfirmed_years == (2027,)
    assert explanation.lines()[-1].startswith("注意：2027年节假日安排尚未公布")
    assert "provisional" in explanation.lines("en")[-1]


def test_explain_refuses_an_unknown_language():
    with pytest.raises(ValueError):
        CAL.explain(D(2025, 9, 30), 2).lines("fr")


# ---- the calendar as a value -------------------------------------------------------------


def test_calendar_is_immutable_and_hashable():
    holidays = {D(2030, 10, 1): "国庆节"}
    calendar = WorkingCalendar(holidays, {D(2030, 9, 29): "国庆节"}, frozenset({2030}))
    holidays[D(2030, 10, 2)] = "国庆节"  # the caller's dict was copied
    assert D(2030, 10, 2) not in calendar.holidays
    with pytest.raises(TypeError):
        calendar.holidays[D(2030, 10, 3)] = "国庆节"
    with pytest.raises(FrozenInstanceError):
        calendar.confirmed_years = frozenset()
    twin = WorkingCalendar({D(2030, 10, 1): "国庆节"}, {D(2030, 9, 29): "国庆节"}, {2030})
    assert twin == calendar and hash(twin) == hash(calendar)
    assert {calendar: 1}[twin] == 1


@pytest.mark.parametrize(
    ("holidays", "makeup", "message"),
    [
        ({D(2030, 9, 29): "国庆节"}, {D(2030, 9, 29): "国庆节"}, "both"),
        ({}, {D(2030, 9, 30): "国庆节"}, "Saturday or Sunday"),  # a Monday
        ({D(2030, 10, 1): " "}, {}, "needs a name"),
    ],
)
def test_calendar_refuses_contradictions(holidays, makeup, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(holidays, makeup, frozenset({2030}))


def test_an_empty_calendar_is_the_weekday_rule_and_provisional():
    calendar = WorkingCalendar({}, {}, frozenset())
    assert calendar.add_working_days(D(2025, 9, 30), 2) == D(2025, 10, 2)
    assert calendar.add_working_days(D(2025, 10, 3), 1) == D(2025, 10, 6)  # Fri -> Mon
    assert calendar.is_provisional(D(2025, 9, 30), D(2025, 10, 2))


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(1999, 12, 30), 3, D(2000, 1, 4)),  # before the table: weekday rule
        (D(2032, 12, 30), 2, D(2033, 1, 3)),  # the table's last days, due after it
        (D(2100, 1, 1), 10, D(2100, 1, 15)),  # far beyond: Fri 1/1/2100 + 10 weekdays
        # A huge N leaves the table mid-count (value from the day-by-day reference).
        (D(2025, 9, 30), 2000, D(2033, 6, 24)),
    ],
)
def test_outside_the_precomputed_span(start, n, due):
    assert CAL.add_working_days(start, n) == due == _reference_add(start, n)
    assert CAL.working_days_between(start, due) == n


def test_batch_agrees_with_single():
    starts = [D(2025, 9, 30), D(2024, 2, 8), D(2032, 12, 30), D(2003, 1, 1)]
    ns = [2, 5, 3, 2]
    assert CAL.add_working_days_many(starts, ns) == [
        CAL.add_working_days(s, n) for s, n in zip(starts, ns, strict=True)
    ]
    with pytest.raises(ValueError):
        CAL.add_working_days_many(starts, [2, 0, 3, 2])
    with pytest.raises(ValueError):
        CAL.add_working_days_many(starts, ns[:2])
    with pytest.raises(TypeError):
        CAL.add_working_days_many([*starts, datetime(2025, 9, 30, 20, 0)], [*ns, 2])


# ---- properties against a naive day-by-day reference -----------------------------------


def _reference_is_working(day: date) -> bool:
    """Straight from the package's raw data; the weekday rule for years it lacks."""
    if day in cc.workdays:
        return True
    if day in cc.holidays:
        return False
    return day.weekday() < 5


def _reference_add(start: date, n: int) -> date:
    day, left = start, n
    while left:
        day += timedelta(days=1)
        left -= _reference_is_working(day)
    return day


def _reference_between(start: date, end: date) -> int:
    return sum(
        _reference_is_working(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )


days_2004_2032 = st.dates(min_value=D(2004, 1, 1), max_value=D(2032, 12, 31))
limits = st.integers(min_value=1, max_value=40)
FAST = settings(database=None, max_examples=300, deadline=None)


@FAST
@given(start=days_2004_2032, n=limits)
def test_property_matches_the_reference(start, n):
    due = CAL.add_working_days(start, n)
    assert due == _reference_add(start, n)
    assert CAL.is_working_day(due)
    assert CAL.working_days_between(start, due) == n
    assert _reference_between(start, due) == n  # exactly n working days in (start, due]


@FAST
@given(start=days_2004_2032, end=days_2004_2032)
def test_property_between_matches_the_reference(start, end):
    expected = _reference_between(start, end) if end > start else 0
    assert CAL.working_days_between(start, end) == expected


@FAST
@given(a=days_2004_2032, b=days_2004_2032, n=limits)
def test_property_monotonic_in_the_day_of_receipt(a, b, n):
    a, b = sorted((a, b))
    assert CAL.add_working_days(a, n) <= CAL.add_working_days(b, n)


@FAST
@given(start=days_2004_2032, n=limits)
def test_property_strictly_increasing_in_n(start, n):
    assert CAL.add_working_days(start, n) < CAL.add_working_days(start, n + 1)


@FAST
@given(pairs=st.lists(st.tuples(st.dates(D(2000, 1, 1), D(2040, 12, 31)), limits), max_size=30))
def test_property_batch_matches_single(pairs):
    starts = [start for start, _ in pairs]
    ns = [n for _, n in pairs]
    assert CAL.add_working_days_many(starts, ns) == [CAL.add_working_days(s, n) for s, n in pairs]


def _to_weekend(day: date) -> date:
    """The day itself if it is a Saturday or Sunday, else the next Saturday."""
    return day if day.weekday() >= 5 else day + timedelta(days=5 - day.weekday())


@FAST
@given(
    off=st.sets(st.dates(D(2029, 12, 1), D(2031, 1, 31)), max_size=40),
    on=st.sets(st.dates(D(2029, 12, 1), D(2031, 1, 31)).map(_to_weekend), max_size=15),
    start=st.dates(D(2026, 6, 1), D(2039, 12, 31)),  # the table spans 2028-2037
    n=st.integers(min_value=1, max_value=400),
)
def test_property_any_calendar_matches_a_day_by_day_count(off, on, start, n):
    # Random arrangements exercise the table, the arithmetic before and after it, and
    # the hand-over between them, independent of the official data.
    on = on - off
    calendar = WorkingCalendar(dict.fromkeys(off, "假"), dict.fromkeys(on, "假"), {2030})

    def working(day: date) -> bool:
        return day in on or (day not in off and day.weekday() < 5)

    day, left = start, n
    while left:
        day += timedelta(days=1)
        left -= working(day)
    assert calendar.add_working_days(start, n) == day
    assert calendar.working_days_between(start, day) == n
