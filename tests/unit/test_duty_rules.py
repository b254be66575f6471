"""Duty resolution (Art. 7): A unless A is away or inactive, then B, else a gap.

Times are Beijing time in the week of Monday 23 November 2026; absences are half-open
(away from the start up to, not including, the end).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.duty.rules import (
    MAX_ABSENCE,
    Handler,
    Interval,
    absence_problems,
    changed_fields,
    day_window,
    describe_gap_days,
    describe_period,
    duty_segments,
    gap_days,
    is_email,
    is_mobile,
    is_work_phone,
    normalise_phone,
    pair_problems,
    plan_days,
    resolve_duty,
)
from portal.workdays.rules import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
A, B, OTHER = 1, 2, 3
HA, HB = Handler(A), Handler(B)
WEEKDAYS = WorkingCalendar({}, {}, frozenset({2026}))


def bj(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in November 2026, Beijing time (day 23 is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def away(user: int, start: datetime, end: datetime, **extra) -> Interval:
    return Interval(user, start, end, **extra)


RESOLUTION = [
    # (case, a, b, absences, at, expected user, role)
    ("nobody away: A", HA, HB, [], bj(23, 10), A, "A"),
    ("A away all day: B", HA, HB, [away(A, bj(23), bj(24))], bj(23, 10), B, "B"),
    (
        "A's absence starts mid-day, before it",
        HA,
        HB,
        [away(A, bj(23, 12), bj(24))],
        bj(23, 11, 59),
        A,
        "A",
    ),
    (
        "A's absence starts mid-day, at its start",
        HA,
        HB,
        [away(A, bj(23, 12), bj(24))],
        bj(23, 12),
        B,
        "B",
    ),
    (
        "A's absence ends mid-day, just before",
        HA,
        HB,
        [away(A, bj(23), bj(23, 14, 30))],
        bj(23, 14, 29),
        B,
        "B",
    ),
    (
        "A's absence ends mid-day, at its end A is back",
        HA,
        HB,
        [away(A, bj(23), bj(23, 14, 30))],
        bj(23, 14, 30),
        A,
        "A",
    ),
    (
        "overlapping absences of A, in the overlap",
        HA,
        HB,
        [away(A, bj(23, 8), bj(23, 12)), away(A, bj(23, 11), bj(23, 15))],
        bj(23, 11, 30),
        B,
        "B",
    ),
    (
        "overlapping absences of A, in the second only",
        HA,
        HB,
        [away(A, bj(23, 8), bj(23, 12)), away(A, bj(23, 11), bj(23, 15))],
        bj(23, 14),
        B,
        "B",
    ),
    (
        "overlapping absences of A, after both",
        HA,
        HB,
        [away(A, bj(23, 8), bj(23, 12)), away(A, bj(23, 11), bj(23, 15))],
        bj(23, 15),
        A,
        "A",
    ),
    ("A deactivated: B", Handler(A, is_active=False), HB, [], bj(23, 10), B, "B"),
    ("A not named: B", None, HB, [], bj(23, 10), B, "B"),
    ("only B away: A stays", HA, HB, [away(B, bj(23), bj(24))], bj(23, 10), A, "A"),
    (
        "another person's absence changes nothing",
        HA,
        HB,
        [away(OTHER, bj(23), bj(24))],
        bj(23, 10),
        A,
        "A",
    ),
    (
        "A and B away at different hours, morning",
        HA,
        HB,
        [away(A, bj(23, 8), bj(23, 12)), away(B, bj(23, 12), bj(23, 16))],
        bj(23, 11),
        B,
        "B",
    ),
    (
        "A and B away at different hours, afternoon",
        HA,
        HB,
        [away(A, bj(23, 8), bj(23, 12)), away(B, bj(23, 12), bj(23, 16))],
        bj(23, 13),
        A,
        "A",
    ),
    (
        "a cancelled absence no longer counts",
        HA,
        HB,
        [away(A, bj(23), bj(24), entered_at=bj(20), cancelled_at=bj(22))],
        bj(23, 10),
        A,
        "A",
    ),
    (
        "cancelled after the moment: it counted then",
        HA,
        HB,
        [away(A, bj(23), bj(24), entered_at=bj(20), cancelled_at=bj(23, 11))],
        bj(23, 10),
        B,
        "B",
    ),
    # A complaint arrived at 09:00; A's absence for the whole morning was typed in at
    # 10:00. At 09:00 A was on duty, and stays so in the record.
    (
        "absence entered after the complaint arrived",
        HA,
        HB,
        [away(A, bj(23, 8), bj(23, 12), entered_at=bj(23, 10))],
        bj(23, 9),
        A,
        "A",
    ),
    (
        "the same absence, for a complaint arriving after it was entered",
        HA,
        HB,
        [away(A, bj(23, 8), bj(23, 12), entered_at=bj(23, 10))],
        bj(23, 10, 30),
        B,
        "B",
    ),
]


@pytest.mark.parametrize(
    "case, a, b, absences, at, user, role", RESOLUTION, ids=[r[0] for r in RESOLUTION]
)
def test_who_is_on_duty(case, a, b, absences, at, user, role):
    answer = resolve_duty(a, b, absences, at)
    assert (answer.user_id, answer.role, answer.is_gap) == (user, role, False)


GAPS = [
    ("both away", HA, HB, [away(A, bj(23), bj(24)), away(B, bj(23, 9), bj(23, 18))], bj(23, 10)),
    (
        "A deactivated, B away",
        Handler(A, is_active=False),
        HB,
        [away(B, bj(23), bj(24))],
        bj(23, 10),
    ),
    ("both deactivated", Handler(A, is_active=False), Handler(B, is_active=False), [], bj(23, 10)),
    ("nobody named", None, None, [], bj(23, 10)),
    (
        "A's overlapping absences meet B's",
        HA,
        HB,
        [
            away(A, bj(23, 8), bj(23, 12)),
            away(A, bj(23, 11), bj(23, 15)),
            away(B, bj(23, 14), bj(23, 16)),
        ],
        bj(23, 14, 30),
    ),
]


@pytest.mark.parametrize("case, a, b, absences, at", GAPS, ids=[g[0] for g in GAPS])
def test_both_unavailable_is_a_gap(case, a, b, absences, at):
    answer = resolve_duty(a, b, absences, at)
    assert answer.is_gap and answer.user_id is None and answer.role is None
    assert "无人受理" in answer.reason


def test_reasons_say_why_in_chinese():
    answer = resolve_duty(HA, HB, [away(A, bj(23), bj(24), reason="年假")], bj(23, 10))
    assert answer.reason == "A角不在岗（年假），由B角受理"
    answer = resolve_duty(
        Handler(A, is_active=False), HB, [away(B, bj(23), bj(24), reason="培训")], bj(23, 10)
    )
    assert answer.reason == "A角账号已停用，B角不在岗（培训）：无人受理"
    assert resolve_duty(HA, HB, [], bj(23, 10)).reason == "A角在岗"


def test_naive_moments_are_refused():
    with pytest.raises(ValueError):
        resolve_duty(HA, HB, [], datetime(2026, 11, 23, 10))


def test_segments_cut_the_day_where_absences_start_and_end():
    absences = [
        away(A, bj(23, 10), bj(23, 12)),
        away(A, bj(23, 12), bj(23, 14)),  # adjacent: one stretch
        away(B, bj(23, 13), bj(23, 15)),
    ]
    segments = duty_segments(HA, HB, absences, *day_window(date(2026, 11, 23), SH), known_at=bj(22))
    summary = [
        (s.starts_at.astimezone(SH).hour, s.ends_at.astimezone(SH).hour, s.answer.role)
        for s in segments
    ]
    assert summary == [(0, 10, "A"), (10, 13, "B"), (13, 14, None), (14, 0, "A")]


def test_gap_days_name_the_working_days_and_the_hours():
    absences = [
        away(A, bj(25), bj(26)),
        away(B, bj(25, 9), bj(25, 12)),  # Wednesday morning
        away(A, bj(27), bj(28)),
        away(B, bj(27), bj(28)),
    ]  # all Friday
    days = gap_days(
        HA,
        HB,
        absences,
        calendar=WEEKDAYS,
        first=date(2026, 11, 23),
        last=date(2026, 11, 29),
        tz=SH,
        known_at=bj(23, 10),
    )
    assert [d.day for d in days] == [date(2026, 11, 25), date(2026, 11, 27)]
    assert describe_gap_days(days, SH) == [
        "2026年11月25日（周三）09:00–12:00",
        "2026年11月27日（周五）全天",
    ]


@pytest.mark.parametrize(
    "calendar, gap_expected",
    [
        (WEEKDAYS, False),  # a Saturday: nothing is forwarded, so no gap
        (
            WorkingCalendar({}, {date(2026, 11, 28): "春节"}, frozenset({2026})),
            True,
        ),  # a make-up working Saturday
    ],
)
def test_gaps_count_on_working_days_only(calendar, gap_expected):
    absences = [away(A, bj(28), bj(29)), away(B, bj(28), bj(29))]
    days = gap_days(
        HA,
        HB,
        absences,
        calendar=calendar,
        first=date(2026, 11, 28),
        last=date(2026, 11, 28),
        tz=SH,
        known_at=bj(23),
    )
    assert bool(days) is gap_expected


def test_holiday_on_a_weekday_is_no_gap_but_the_plan_still_shows_it():
    calendar = WorkingCalendar({date(2026, 11, 24): "国庆节"}, {}, frozenset({2026}))
    absences = [away(A, bj(24), bj(25)), away(B, bj(24), bj(25))]
    plans = plan_days(
        HA,
        HB,
        absences,
        calendar=calendar,
        first=date(2026, 11, 24),
        last=date(2026, 11, 24),
        tz=SH,
        known_at=bj(23),
    )
    assert plans[0].label == "国庆节" and plans[0].gaps and not plans[0].has_gap


def test_a_deactivated_and_b_away_for_days_is_a_gap_on_each_working_day():
    days = gap_days(
        Handler(A, is_active=False),
        HB,
        [away(B, bj(26), bj(30))],
        calendar=WEEKDAYS,
        first=date(2026, 11, 23),
        last=date(2026, 11, 30),
        tz=SH,
        known_at=bj(23),
    )
    assert [d.day.day for d in days] == [26, 27]  # Thu, Fri; the weekend does not count


def test_the_plan_uses_what_is_known_at_the_given_moment():
    absences = [
        away(A, bj(25), bj(26), entered_at=bj(23, 9)),
        away(B, bj(25), bj(26), entered_at=bj(23, 9), cancelled_at=bj(23, 11)),
    ]
    kwargs = dict(calendar=WEEKDAYS, first=date(2026, 11, 25), last=date(2026, 11, 25), tz=SH)
    assert gap_days(HA, HB, absences, known_at=bj(23, 10), **kwargs)
    assert not gap_days(HA, HB, absences, known_at=bj(23, 12), **kwargs)


@pytest.mark.parametrize(
    "start, end, text",
    [
        (bj(25), bj(26), "全天"),
        (bj(25, 9), bj(25, 12, 30), "09:00–12:30"),
        (bj(25, 18), bj(26), "18:00–24:00"),
    ],
)
def test_periods_read_as_local_hours(start, end, text):
    assert describe_period(start.astimezone(UTC), end.astimezone(UTC), SH) == text


NOW = bj(23, 10)  # Monday 10:00 in Beijing
ABSENCE_INPUT = [
    ("ahead of time", bj(25, 9), bj(25, 18), "年假", set()),
    ("on the day, from earlier this morning", bj(23, 8), bj(23, 18), "外出", set()),
    ("an earlier day", bj(22, 9), bj(23, 18), "外出", {"starts_at"}),
    ("end before start", bj(25, 18), bj(25, 9), "年假", {"ends_at"}),
    ("already over", bj(23, 8), bj(23, 9), "外出", {"ends_at"}),
    (
        "too long: name a new handler instead",
        bj(24),
        bj(24) + MAX_ABSENCE + timedelta(hours=1),
        "病假",
        {"ends_at"},
    ),
    ("no reason", bj(25, 9), bj(25, 18), "  ", {"reason"}),
    ("no times", None, None, "年假", {"starts_at", "ends_at"}),
]


@pytest.mark.parametrize(
    "case, start, end, reason, fields", ABSENCE_INPUT, ids=[c[0] for c in ABSENCE_INPUT]
)
def test_absence_input(case, start, end, reason, fields):
    assert set(absence_problems(start, end, reason, now=NOW, tz=SH)) == fields


def test_no_back_dating_is_judged_on_the_beijing_day():
    # 00:30 on Tuesday in Beijing is still Monday in UTC: Monday evening is "yesterday".
    now = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
    assert "starts_at" in absence_problems(bj(23, 20), bj(24, 18), "外出", now=now, tz=SH)
    assert absence_problems(bj(24, 0), bj(24, 18), "外出", now=now, tz=SH) == {}


@pytest.mark.parametrize(
    "a, b, eligible, fields",
    [
        (1, 2, {1, 2}, set()),
        (None, 2, {1, 2}, {"handler_a_id"}),
        (1, None, {1, 2}, {"handler_b_id"}),
        (1, 1, {1, 2}, {"handler_b_id"}),
        (1, 9, {1, 2}, {"handler_b_id"}),  # not an active handler of this member
    ],
)
def test_pair_input(a, b, eligible, fields):
    assert set(pair_problems(a, b, eligible)) == fields


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("０２４－２２５３２９６１", "024-22532961"),
        (" 139 0000 0000 ", "13900000000"),
        ("+86 139-0000-0000", "13900000000"),
        ("+86 13900000000", "13900000000"),
        ("(024)22532961", "024-22532961"),
        ("024—22532961", "024-22532961"),
        ("", None),
        (None, None),
    ],
)
def test_phone_numbers_are_normalised(raw, clean):
    assert normalise_phone(raw) == clean


@pytest.mark.parametrize(
    "check, value, ok",
    [
        (is_mobile, "13900000000", True),
        (is_mobile, "12900000000", False),
        (is_mobile, "1390000000", False),
        (is_work_phone, "024-22532961", True),
        (is_work_phone, "0411-88886666-123", True),
        (is_work_phone, "22532961", False),  # a landline needs its area code
        (is_work_phone, "95588", True),
        (is_email, "a.b@icbc.example.cn", True),
        (is_email, "a.b@icbc", False),
        (is_email, "张三 @x.cn", False),
    ],
)
def test_contact_formats(check, value, ok):
    assert check(value) is ok


def test_changed_fields_keep_only_what_changed():
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})
    assert changed_fields({}, {"a": 1}) == ({"a": None}, {"a": 1})
    assert changed_fields({"a": 1}, {"a": 1}) == ({}, {})


moments = st.integers(min_value=0, max_value=48 * 4).map(
    lambda q: bj(23) + timedelta(minutes=15 * q)
)


@st.composite
def absence_lists(draw):
    items = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(moments)
        length = timedelta(minutes=15 * draw(st.integers(1, 40)))
        items.append(away(draw(st.sampled_from([A, B])), start, start + length))
    return items


@settings(max_examples=200, deadline=None)
@given(absences=absence_lists(), probe=moments, a_active=st.booleans())
def test_segments_agree_with_resolution_everywhere(absences, probe, a_active):
    a = Handler(A, is_active=a_active)
    start, end = bj(23), bj(25)
    segments = duty_segments(a, HB, absences, start, end, known_at=bj(22))
    assert segments[0].starts_at == start and segments[-1].ends_at == end
    assert all(
        x.ends_at == y.starts_at and x.answer != y.answer
        for x, y in zip(segments, segments[1:], strict=False)
    )
    if probe < end:
        (inside,) = [s for s in segments if s.starts_at <= probe < s.ends_at]
        assert inside.answer == resolve_duty(a, HB, absences, probe)


# -- Personal customers ------------------------------------------------------------------

from portal.duty.rules import customer_report_problems  # noqa: E402


def test_customer_report_problems():
    today = date(2026, 11, 23)
    assert customer_report_problems(12_000_000, date(2026, 9, 30), today) == {}
    assert customer_report_problems(1, today, today) == {}
    assert customer_report_problems(1, date(2000, 1, 1), today) == {}
    assert set(customer_report_problems(None, None, today)) == {"personal_customers", "as_of"}
    assert "personal_customers" in customer_report_problems(0, today, today)
    assert "personal_customers" in customer_report_problems(2_000_000_001, today, today)
    assert customer_report_problems(5, date(2026, 11, 24), today) == {
        "as_of": "统计截止日期不能晚于今天。"
    }
    assert customer_report_problems(5, date(1999, 12, 31), today) == {
        "as_of": "统计截止日期不能早于2000年1月1日。"
    }
