"""Pure rules of the clocks: the Art. 11 table of limits, a clock's state at a moment,
elapsed working days for statistics, and when the due-day reminder goes out."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.deadlines.rules import (
    DEADLINE_TZ,
    RULES,
    ClockKind,
    ClockState,
    DeadlinePolicy,
    clock_state,
    due_dates_breached_for,
    elapsed_working_days,
    limit_days,
    local_day,
    policy_problems,
    reminder_targets,
    should_remind,
)
from portal.workdays.official import official_calendar

CAL = official_calendar()


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=DEADLINE_TZ)


@pytest.mark.parametrize(
    "kind, days, article",
    [
        (ClockKind.FORWARD, 2, "第十一条第（一）项"),  # association forwards within 2 WD
        (ClockKind.ACCEPT, 1, "第七条"),  # nobody may leave it unaccepted: next working day
        (ClockKind.VERIFY, 2, "第十一条第（二）项"),
        (ClockKind.REPORT, 5, "第十一条第（二）项"),
        (ClockKind.BRANCH_REPLY, 3, "第十一条第（三）项"),
        (ClockKind.PROMISE, None, "第十一条第（三）项"),  # the date promised to the customer
    ],
)
def test_the_table_of_limits(kind, days, article):
    assert limit_days(kind) == days
    assert RULES[kind].article == article


def test_the_acceptance_limit_is_configurable_but_at_least_one_day():
    assert limit_days("accept", accept_limit_days=3) == 3
    assert limit_days("verify", accept_limit_days=3) == 2
    with pytest.raises(ValueError):
        limit_days("accept", accept_limit_days=0)
    with pytest.raises(ValueError):
        limit_days("audit")


DUE = bj(2025, 10, 10, 23, 59, 59)


@pytest.mark.parametrize(
    "met_at, now, state",
    [
        (None, bj(2025, 10, 9, 23, 59, 59), ClockState.RUNNING),
        (None, bj(2025, 10, 10, 0, 0, 0), ClockState.DUE_TODAY),
        (None, bj(2025, 10, 10, 23, 59, 59, 999_999), ClockState.DUE_TODAY),  # same second
        (None, bj(2025, 10, 11, 0, 0, 0), ClockState.BREACHED),
        (bj(2025, 10, 10, 23, 59, 59, 999_999), bj(2025, 10, 20), ClockState.MET_ON_TIME),
        (bj(2025, 10, 11, 0, 0, 0), bj(2025, 10, 20), ClockState.MET_LATE),
        (bj(2025, 10, 1, 9), bj(2025, 10, 1, 9), ClockState.MET_ON_TIME),
        # "today" is the Beijing date: 16:30 UTC on the 9th is already the 10th there.
        (None, datetime(2025, 10, 9, 16, 30, tzinfo=UTC), ClockState.DUE_TODAY),
        (None, datetime(2025, 10, 9, 15, 59, tzinfo=UTC), ClockState.RUNNING),
    ],
)
def test_clock_state(met_at, now, state):
    assert clock_state(DUE.astimezone(UTC), met_at, now) == state


def test_clock_times_must_be_aware():
    with pytest.raises(ValueError):
        clock_state(datetime(2025, 10, 10, 15, 59, 59), None, bj(2025, 10, 1))
    with pytest.raises(ValueError):
        local_day(datetime(2025, 10, 10))


@given(offset=st.integers(min_value=-86_400 * 3, max_value=86_400 * 3))
def test_met_is_on_time_exactly_up_to_the_due_second(offset):
    met = DUE + timedelta(seconds=offset, microseconds=500_000)
    expected = ClockState.MET_ON_TIME if offset <= 0 else ClockState.MET_LATE
    assert clock_state(DUE, met, met + timedelta(days=30)) == expected


@given(offset=st.integers(min_value=-86_400 * 5, max_value=86_400 * 5))
def test_an_unmet_clock_is_breached_exactly_after_the_due_second(offset):
    now = DUE + timedelta(seconds=offset)
    state = clock_state(DUE, None, now)
    assert (state == ClockState.BREACHED) == (offset > 0)
    if offset <= 0:
        assert (state == ClockState.DUE_TODAY) == (now.date() == DUE.date())


@pytest.mark.parametrize(
    "start, end, days",
    [
        (bj(2026, 11, 23, 9), bj(2026, 11, 25, 17), 2),  # Mon -> Wed
        (bj(2026, 11, 23, 9), bj(2026, 11, 23, 17), 0),  # answered the same day
        (bj(2026, 11, 27, 9), bj(2026, 11, 30, 9), 1),  # Fri -> Mon
        (bj(2025, 9, 30, 16), bj(2025, 10, 9, 9), 1),  # across National Day 2025
        (bj(2025, 9, 26, 9), bj(2025, 9, 28, 9), 1),  # Sun 28 Sep 2025 was worked
        (bj(2026, 11, 25, 9), bj(2026, 11, 23, 9), 0),  # end before start
        # 23:30 UTC on the 22nd is 07:30 on Monday 23rd in Beijing: Monday's count.
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), bj(2026, 11, 24, 9), 1),
    ],
)
def test_elapsed_working_days(start, end, days):
    assert elapsed_working_days(start, end, CAL) == days


@pytest.mark.parametrize(
    "now, reminded_on, remind",
    [
        (bj(2026, 11, 23, 7, 59), None, False),  # before the morning
        (bj(2026, 11, 23, 8, 0), None, True),
        (bj(2026, 11, 23, 15, 0), None, True),  # a late sweep still reminds that day
        (bj(2026, 11, 23, 9, 0), date(2026, 11, 23), False),  # once a day
        (bj(2026, 11, 23, 9, 0), date(2026, 11, 20), True),  # due again after a new promise
        (bj(2026, 11, 22, 9, 0), None, False),  # not due that day
    ],
)
def test_the_reminder_goes_out_on_the_due_morning(now, reminded_on, remind):
    assert should_remind(date(2026, 11, 23), reminded_on, now, hour=8) is remind


def test_the_deadline_clock_is_beijing_time_whatever_the_display_zone():
    assert DEADLINE_TZ == ZoneInfo("Asia/Shanghai")


# -- the association's policy: reminders before the due day, lasting breaches -----------


@pytest.mark.parametrize(
    "today, lead, targets",
    [
        # Monday 23 Nov 2026: the due day itself and the next working day (Tuesday).
        (date(2026, 11, 23), (1, 0), {date(2026, 11, 23): 0, date(2026, 11, 24): 1}),
        # Friday 27 Nov: one working day ahead is Monday 30 Nov.
        (date(2026, 11, 27), (1, 0), {date(2026, 11, 27): 0, date(2026, 11, 30): 1}),
        # Sunday 29 Nov: only what is due that day (a promised date may fall on a Sunday).
        (date(2026, 11, 29), (2, 1, 0), {date(2026, 11, 29): 0}),
        # Wednesday 30 Sep 2026, before National Day (1-7 Oct off): 8 Oct, then 9 Oct.
        (date(2026, 9, 30), (2, 1), {date(2026, 10, 8): 1, date(2026, 10, 9): 2}),
    ],
)
def test_reminder_targets_count_working_days_ahead(today, lead, targets):
    assert reminder_targets(today, CAL, lead) == targets


@pytest.mark.parametrize(
    "today, days, due_dates",
    [
        # Monday 23 Nov: due Friday 20 Nov (or a weekend promise) breached a working day ago.
        (date(2026, 11, 23), 1, [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)]),
        (date(2026, 11, 23), 2, [date(2026, 11, 19)]),
        (date(2026, 11, 24), 1, [date(2026, 11, 23)]),
        # Thursday 8 Oct 2026, the first working day after National Day.
        (date(2026, 10, 8), 1, [date(2026, 9, 30), *(date(2026, 10, d) for d in range(1, 8))]),
        (date(2026, 11, 22), 1, []),  # Sunday: nobody is told on a day off
        (date(2026, 11, 23), 0, []),  # 0 turns the level off
    ],
)
def test_a_lasting_breach_is_found_by_its_working_days(today, days, due_dates):
    assert due_dates_breached_for(today, CAL, days) == due_dates


@given(st.dates(date(2026, 1, 5), date(2026, 12, 20)), st.integers(1, 5))
def test_each_due_date_is_escalated_on_exactly_one_day(due_on, days):
    """Whatever the calendar, a breach due on a day is told on one working day only."""
    hits = [
        due_on + timedelta(n)
        for n in range(1, 40)
        if due_on in due_dates_breached_for(due_on + timedelta(n), CAL, days)
    ]
    assert hits == [CAL.add_working_days(due_on, days)]


def test_a_policy_outside_its_bounds_is_refused():
    assert policy_problems(DeadlinePolicy()) == {}
    problems = policy_problems(DeadlinePolicy(escalated_reply_days=0, reminder_days=(9,)))
    assert set(problems) == {"escalated_reply_days", "reminder_days"}
