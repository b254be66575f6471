"""Pure rules of the clocks on a case: which limit each step has, and what state a clock
is in at a given moment.

Art. 11 sets the limits in working days: the association forwards within 2 (11(1)),
the member unit verifies within 2 and reports the result within 5 (11(2)), the outlet
replies within 3 (11(3)); an outlet that cannot finish reports progress and promises
the customer a date, which is then tracked like any limit (11(3)). Art. 7 forbids a
forwarded complaint that nobody accepts; the portal gives acceptance its own clock,
by default to the end of the next working day.

Standard library only; the clock, the calendar and the time zone are arguments.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from portal.workdays.rules import BEIJING, WorkingCalendar

# Art. 11 counts Beijing working days, whatever zone a user's screen shows.
DEADLINE_TZ = BEIJING
# Reminders go out on the morning of the due day, not at midnight (local time).
DEFAULT_REMINDER_HOUR = 8
DEFAULT_ACCEPT_LIMIT_DAYS = 1


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


class ClockKind(StrEnum):
    FORWARD = "forward"
    ACCEPT = "accept"
    VERIFY = "verify"
    REPORT = "report"
    BRANCH_REPLY = "branch_reply"
    PROMISE = "promise"
    # Art. 9(2): a rectification opinion with a completion date, one clock per opinion.
    RECTIFY = "rectify"


# The steps of Art. 11 (and acceptance, Art. 7) whose timeliness the statistics report;
# a rectification's date is the member's own, not a regulation limit.
LIFECYCLE_KINDS = tuple(kind for kind in ClockKind if kind != ClockKind.RECTIFY)
# Kinds of which a case may run several at once, one per item (``Clock.rectification_id``).
PER_ITEM_KINDS = frozenset({ClockKind.RECTIFY})


class ClockState(StrEnum):
    RUNNING = "running"
    DUE_TODAY = "due_today"
    MET_ON_TIME = "met_on_time"
    MET_LATE = "met_late"
    BREACHED = "breached"


@dataclass(frozen=True)
class ClockRule:
    """One row of the table of clocks (issue 3), with the article it comes from."""

    kind: ClockKind
    limit_days: int | None  # None: the due date is given (a promise to the customer)
    article: str
    label: str  # Chinese name of the step
    owner: str  # who must act: association, member, outlet


RULES: dict[ClockKind, ClockRule] = {
    ClockKind.FORWARD: ClockRule(
        ClockKind.FORWARD, 2, N_("第十一条第（一）项"), N_("转递会员单位"), "association"
    ),
    ClockKind.ACCEPT: ClockRule(
        ClockKind.ACCEPT, DEFAULT_ACCEPT_LIMIT_DAYS, N_("第七条"), N_("受理"), "member"
    ),
    ClockKind.VERIFY: ClockRule(
        ClockKind.VERIFY, 2, N_("第十一条第（二）项"), N_("核实情况"), "member"
    ),
    ClockKind.REPORT: ClockRule(
        ClockKind.REPORT, 5, N_("第十一条第（二）项"), N_("上报处理结果"), "member"
    ),
    ClockKind.BRANCH_REPLY: ClockRule(
        ClockKind.BRANCH_REPLY, 3, N_("第十一条第（三）项"), N_("网点答复客户"), "outlet"
    ),
    ClockKind.PROMISE: ClockRule(
        ClockKind.PROMISE, None, N_("第十一条第（三）项"), N_("承诺再次回复"), "outlet"
    ),
    ClockKind.RECTIFY: ClockRule(
        ClockKind.RECTIFY, None, N_("第九条第（二）项"), N_("整改完成"), "outlet"
    ),
}

STATE_LABELS = {
    ClockState.RUNNING: N_("进行中"),
    ClockState.DUE_TODAY: N_("今日到期"),
    ClockState.MET_ON_TIME: N_("按时完成"),
    ClockState.MET_LATE: N_("逾期完成"),
    ClockState.BREACHED: N_("已超期"),
}


@dataclass(frozen=True)
class DeadlinePolicy:
    """What the association sets about deadlines beyond Art. 11's own limits: the reply
    limit of a case moved up to a superior unit, the reminders before a deadline, and
    who is told when a breach lasts (all in working days)."""

    # Art. 11(3)'s branch limit by default: the unit a case is escalated to replies in it.
    escalated_reply_days: int = 3
    # Working days before the due day on which the owner is reminded (0: the due day).
    reminder_days: tuple[int, ...] = (1, 0)
    # Working days after the due day: the superior unit is told again, then the member's
    # leader in charge (分管领导, Art. 6). 0 turns a level off.
    superior_after_days: int = 1
    leader_after_days: int = 2


def policy_problems(policy: DeadlinePolicy) -> dict[str, str]:
    """What is wrong with a policy, by field (empty when it may be saved)."""
    problems = {}
    if not 1 <= policy.escalated_reply_days <= 10:
        problems["escalated_reply_days"] = N_("上报后的答复期限应为 1 至 10 个工作日。")
    if any(not 0 <= n <= 5 for n in policy.reminder_days) or not policy.reminder_days:
        problems["reminder_days"] = N_("提醒日为到期前 0 至 5 个工作日，至少一项。")
    for name in ("superior_after_days", "leader_after_days"):
        if not 0 <= getattr(policy, name) <= 10:
            problems[name] = N_("超期后的通报时间应为 0 至 10 个工作日（0 为不通报）。")
    return problems


def reminder_targets(
    today: date, calendar: WorkingCalendar, lead_days: Iterable[int]
) -> dict[date, int]:
    """The due dates whose owners are reminded today, with the working days left: the
    due day itself (0) whatever day it is, a due date ``n`` working days ahead only on a
    working day (nobody is reminded on a Sunday of Tuesday's deadline)."""
    targets: dict[date, int] = {}
    for n in sorted(set(lead_days)):
        if n == 0:
            targets[today] = 0
        elif calendar.is_working_day(today):
            targets.setdefault(calendar.add_working_days(today, n), n)
    return targets


def due_dates_breached_for(today: date, calendar: WorkingCalendar, days: int) -> list[date]:
    """The due dates whose ``days``-th working day after falls on today: a breach that
    has lasted that long is told further up (``DeadlinePolicy``). Only on a working day;
    a due date on a day off counts from that day."""
    if days < 1 or not calendar.is_working_day(today):
        return []
    found, day = [], today - timedelta(days=1)
    while day >= today - timedelta(days=7 * days + 30):  # past any holiday's length
        if calendar.add_working_days(day, days) == today:
            found.append(day)
        elif found:
            break  # earlier days reach today's working day too early
        day -= timedelta(days=1)
    return sorted(found)


@dataclass(frozen=True)
class TimeLeft:
    """How long a step has, in working days (Art. 11 counts nothing else): ``left``
    working days to go, due ``today``, or ``overdue`` by ``days`` working days."""

    state: str  # left / today / overdue
    days: int


def time_left(due_on: date, today: date, calendar: WorkingCalendar) -> TimeLeft:
    """Counted like a limit: the working days after ``today`` up to the due day; a due
    day past, the working days after it up to today."""
    if due_on == today:
        return TimeLeft("today", 0)
    if due_on > today:
        return TimeLeft("left", calendar.working_days_between(today, due_on))
    return TimeLeft("overdue", calendar.working_days_between(due_on, today))


def limit_days(kind: ClockKind, accept_limit_days: int = DEFAULT_ACCEPT_LIMIT_DAYS) -> int | None:
    """The limit in working days of ``kind``; acceptance's is a setting (ACCEPT_LIMIT_DAYS)."""
    kind = ClockKind(kind)
    if kind == ClockKind.ACCEPT:
        if accept_limit_days < 1:
            raise ValueError("the acceptance limit is at least one working day")
        return accept_limit_days
    return RULES[kind].limit_days


def _seconds(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("clock times must be timezone-aware")
    return moment.replace(microsecond=0)


def clock_state(
    due_at: datetime, met_at: datetime | None, now: datetime, tz: tzinfo = DEADLINE_TZ
) -> ClockState:
    """The state of a clock due at ``due_at`` and met at ``met_at`` (or not yet), at ``now``.

    Times compare at one-second precision: a step done at 23:59:59.4 on the due day is
    on time. ``due_today`` means not met, not past due, and due on today's Beijing date.
    """
    due = _seconds(due_at)
    if met_at is not None:
        return ClockState.MET_ON_TIME if _seconds(met_at) <= due else ClockState.MET_LATE
    current = _seconds(now)
    if current > due:
        return ClockState.BREACHED
    if current.astimezone(tz).date() == due.astimezone(tz).date():
        return ClockState.DUE_TODAY
    return ClockState.RUNNING


def local_day(moment: datetime, tz: tzinfo = DEADLINE_TZ) -> date:
    """The Beijing date of an aware moment: the day D of receipt (Art. 11)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moments must be timezone-aware")
    return moment.astimezone(tz).date()


def elapsed_working_days(
    start_at: datetime, end_at: datetime, calendar: WorkingCalendar, tz: tzinfo = DEADLINE_TZ
) -> int:
    """Working days from ``start_at`` to ``end_at`` for statistics (0 if end is not later).

    Counted like a limit: the day of ``start_at`` does not count, the day of ``end_at``
    does. A step received on Monday and answered on Wednesday took 2 working days; one
    answered the same day took 0.
    """
    return calendar.working_days_between(local_day(start_at, tz), local_day(end_at, tz))


def is_reminder_time(now: datetime, hour: int, tz: tzinfo = DEADLINE_TZ) -> bool:
    """Reminders go out from ``hour`` o'clock Beijing time, not at midnight."""
    return now.astimezone(tz).time() >= time(hour)


def should_remind(
    due_on: date, reminded_on: date | None, now: datetime, hour: int, tz: tzinfo = DEADLINE_TZ
) -> bool:
    """True on the morning a clock is due (from ``hour`` o'clock), once that day.

    The sweep applies the same rule to all clocks at once: ``is_reminder_time`` and then
    one UPDATE on ``due_on`` and ``reminded_on`` (``sweep.mark_reminders``).
    """
    today = now.astimezone(tz).date()
    return due_on == today and is_reminder_time(now, hour, tz) and reminded_on != today
