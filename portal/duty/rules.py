"""Pure duty rules: who accepts a forwarded complaint at a given moment, and when nobody would.

Art. 7: every member names handler A and handler B; "when A is away from the post, B
accepts the complaint" and "a complaint that nobody accepts is strictly forbidden".
Art. 6: the member reports its leader, department and handlers' phones and e-mail.

Imports only the standard library and other pure modules; never reads the clock: the
moment, the calendar and the time zone are arguments.

Absences are bitemporal. ``starts_at``/``ends_at`` say when the handler is away (a
half-open interval: away from ``starts_at`` up to, not including, ``ends_at``);
``entered_at``/``cancelled_at`` say when the portal learnt of it and of its cancellation.
"Who was on duty at T" is answered with what was known at T, so an absence typed in
after a complaint arrived does not rewrite who was responsible for accepting it.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from portal.auth.rules import MOBILE_RE, PHONE_RE
from portal.orgs.rules import N_
from portal.workdays.rules import WEEKDAYS_ZH, WorkingCalendar

Role = Literal["A", "B"]

# A longer absence is not an absence but a change of handler: name a new A or B (Art. 7).
MAX_ABSENCE = timedelta(days=92)
MAX_REASON = 200


@dataclass(frozen=True)
class Handler:
    """One side of an A/B pair as the rules see it."""

    user_id: int
    is_active: bool = True


@dataclass(frozen=True)
class Interval:
    """A handler's absence: away from ``starts_at`` up to (not including) ``ends_at``."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    entered_at: datetime | None = None  # None: known from the beginning
    cancelled_at: datetime | None = None
    reason: str = ""

    def is_known_at(self, moment: datetime) -> bool:
        """Entered, and not yet cancelled, at ``moment``."""
        if self.entered_at is not None and self.entered_at > moment:
            return False
        return self.cancelled_at is None or self.cancelled_at > moment

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Away:
    """Why a handler cannot accept: not named, account disabled, or away (with the
    absence's own reason, as the member typed it)."""

    kind: Literal["unnamed", "inactive", "away"]
    detail: str = ""


@dataclass(frozen=True)
class DutyAnswer:
    """Who accepts at one moment: A, else B, else nobody (a gap). ``why_a`` and ``why_b``
    say why A (and, for a gap, B) cannot; screens word them in the reader's language."""

    user_id: int | None
    role: Role | None
    is_gap: bool
    why_a: Away | None = None
    why_b: Away | None = None
    no_pair: bool = False

    @property
    def reason(self) -> str:
        """The answer in Chinese, for exports: the wording of ``duty.wording``, as stored."""
        from portal.duty.wording import answer_msg  # it words this class: imported late

        return str(answer_msg(self))


@dataclass(frozen=True)
class Segment:
    """A stretch of time with one answer."""

    starts_at: datetime
    ends_at: datetime
    answer: DutyAnswer


@dataclass(frozen=True)
class DayPlan:
    """One local calendar day: what kind of day it is and who is on duty through it."""

    day: date
    is_working_day: bool
    label: str  # 周三, 国庆节, 调休上班（春节）
    segments: tuple[Segment, ...]

    @property
    def gaps(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.answer.is_gap)

    @property
    def has_gap(self) -> bool:
        """A gap that matters: complaints are forwarded and accepted on working days (Art. 11)."""
        return self.is_working_day and bool(self.gaps)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def _why_away(
    handler: Handler | None, absences: Sequence[Interval], at: datetime, known_at: datetime
) -> Away | None:
    """None when ``handler`` can accept at ``at``; otherwise why not."""
    if handler is None:
        return Away("unnamed")
    if not handler.is_active:
        return Away("inactive")
    for absence in absences:
        if (
            absence.user_id == handler.user_id
            and absence.is_known_at(known_at)
            and absence.covers(at)
        ):
            return Away("away", absence.reason)
    return None


def resolve_duty(
    a: Handler | None,
    b: Handler | None,
    absences: Sequence[Interval],
    at: datetime,
    *,
    known_at: datetime | None = None,
) -> DutyAnswer:
    """Who accepts a complaint forwarded at ``at`` (Art. 7): A unless A is away or
    inactive, then B; if both are unavailable, nobody — a gap.

    ``known_at`` (default ``at``) is the moment whose knowledge of absences counts: an
    absence entered later, or cancelled earlier, is ignored.
    """
    _require_aware(at, "at")
    known = at if known_at is None else known_at
    why_a = _why_away(a, absences, at, known)
    if a is not None and why_a is None:  # a missing handler is never available
        return DutyAnswer(a.user_id, "A", False)
    why_b = _why_away(b, absences, at, known)
    if b is not None and why_b is None:
        return DutyAnswer(b.user_id, "B", False, why_a=why_a)
    return DutyAnswer(None, None, True, why_a=why_a, why_b=why_b)


def duty_segments(
    a: Handler | None,
    b: Handler | None,
    absences: Sequence[Interval],
    start: datetime,
    end: datetime,
    *,
    known_at: datetime,
) -> list[Segment]:
    """``[start, end)`` cut into stretches with one answer each, as known at ``known_at``."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return []
    ids = {h.user_id for h in (a, b) if h is not None}
    relevant = [x for x in absences if x.user_id in ids and x.is_known_at(known_at)]
    # The answer can only change where an absence starts or ends: resolve once per piece.
    points = {start, end}
    points.update(t for x in relevant for t in (x.starts_at, x.ends_at) if start < t < end)
    ordered = sorted(points)
    segments: list[Segment] = []
    for low, high in zip(ordered, ordered[1:], strict=False):
        answer = resolve_duty(a, b, relevant, low, known_at=known_at)
        if segments and segments[-1].answer == answer:
            segments[-1] = Segment(segments[-1].starts_at, high, answer)
        else:
            segments.append(Segment(low, high, answer))
    return segments


def day_window(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight: a day as people in ``tz`` live it."""
    return (
        datetime.combine(day, time(0), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
    )


def plan_days(
    a: Handler | None,
    b: Handler | None,
    absences: Sequence[Interval],
    *,
    calendar: WorkingCalendar,
    first: date,
    last: date,
    tz: tzinfo,
    known_at: datetime,
) -> list[DayPlan]:
    """Every local day from ``first`` to ``last`` (inclusive) with who is on duty through it."""
    plans = []
    day = first
    while day <= last:
        start, end = day_window(day, tz)
        kind, label = calendar.day_kind(day)
        segments = duty_segments(a, b, absences, start, end, known_at=known_at)
        plans.append(DayPlan(day, kind in ("workday", "makeup"), label, tuple(segments)))
        day += timedelta(days=1)
    return plans


def gap_days(
    a: Handler | None,
    b: Handler | None,
    absences: Sequence[Interval],
    *,
    calendar: WorkingCalendar,
    first: date,
    last: date,
    tz: tzinfo,
    known_at: datetime,
) -> list[DayPlan]:
    """The working days from ``first`` to ``last`` on which, at some moment, neither A nor
    B could accept (Art. 7). Days off do not count: nothing is forwarded then (Art. 11)."""
    plans = plan_days(
        a, b, absences, calendar=calendar, first=first, last=last, tz=tz, known_at=known_at
    )
    return [plan for plan in plans if plan.has_gap]


# -- wording ----------------------------------------------------------------------------


def cn_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_ZH[day.weekday()]}）"


def describe_period(starts_at: datetime, ends_at: datetime, tz: tzinfo) -> str:
    """Local hours: 全天 for a whole day, else 09:00–12:00 (a midnight end reads 24:00)."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if start.time() == time(0) and end.time() == time(0) and end.date() > start.date():
        return "全天"
    end_text = "24:00" if end.time() == time(0) else end.strftime("%H:%M")
    return f"{start.strftime('%H:%M')}–{end_text}"


def describe_gap_days(plans: Iterable[DayPlan], tz: tzinfo) -> list[str]:
    """One line per day with a gap: "2026年11月25日（周三）全天"."""
    lines = []
    for plan in plans:
        periods = "、".join(describe_period(s.starts_at, s.ends_at, tz) for s in plan.gaps)
        lines.append(f"{cn_day(plan.day)}{periods}")
    return lines


# -- absences ---------------------------------------------------------------------------


def absence_problems(
    starts_at: datetime | None,
    ends_at: datetime | None,
    reason: str | None,
    *,
    now: datetime,
    tz: tzinfo,
) -> dict[str, str]:
    """What is wrong with an absence entered at ``now``, by form field (empty: fine).

    Absences are entered ahead of time or on the day, never for an earlier day: who was
    on duty in the past is a matter of record (Art. 7, 12(1)1).
    """
    problems: dict[str, str] = {}
    text = (reason or "").strip()
    if not text:
        problems["reason"] = "请填写不在岗事由。"
    elif len(text) > MAX_REASON:
        problems["reason"] = f"事由不超过 {MAX_REASON} 字。"
    if starts_at is None:
        problems["starts_at"] = "请填写开始时间。"
    if ends_at is None:
        problems["ends_at"] = "请填写结束时间。"
    if starts_at is None or ends_at is None:
        return problems
    today_starts, _ = day_window(now.astimezone(tz).date(), tz)
    if starts_at < today_starts:
        problems["starts_at"] = "只能提前或当天登记不在岗，不能补登以前日期。"
    if ends_at <= starts_at:
        problems["ends_at"] = "结束时间须晚于开始时间。"
    elif ends_at <= now:
        problems["ends_at"] = "结束时间已过，无需登记。"
    elif ends_at - starts_at > MAX_ABSENCE:
        problems["ends_at"] = f"单次不在岗最长 {MAX_ABSENCE.days} 天；更长时间请调整A/B角。"
    return problems


def pair_problems(a_id: int | None, b_id: int | None, eligible: set[int]) -> dict[str, str]:
    """Art. 7: both A and B named, different people, each an active handler of the member."""
    problems: dict[str, str] = {}
    for field, user_id, role in (("handler_a_id", a_id, "A"), ("handler_b_id", b_id, "B")):
        if not user_id:
            problems[field] = f"请选择{role}角承办人。"
        elif user_id not in eligible:
            problems[field] = f"{role}角须为本单位启用的承办人。"
    if a_id and a_id == b_id and "handler_b_id" not in problems:
        problems["handler_b_id"] = "A角和B角不能是同一人。"
    return problems


# -- contacts (Art. 6) ----------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "－—–‐−"), "-")
_MOBILE = re.compile(MOBILE_RE)
_PHONE = re.compile(PHONE_RE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def normalise_phone(value: str | None) -> str | None:
    """Full-width digits to half-width, spaces dropped, dashes unified; a mobile loses its
    "+86" and grouping; "(024)22532961" becomes "024-22532961". None for an empty value."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", value).translate(_DASHES)
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"^\((0\d{2,3})\)", r"\1-", text)
    digits = text.replace("-", "")
    if re.fullmatch(r"(\+86|0086)?1\d{10}", digits):  # a mobile, however it was grouped
        text = digits[-11:]
    return text or None


def is_mobile(value: str | None) -> bool:
    return _MOBILE.match(value) is not None if value else False


def is_work_phone(value: str | None) -> bool:
    """A landline with its area code (optional extension), a mobile, 400 or 95xxx."""
    return _PHONE.match(value) is not None if value else False


def is_email(value: str | None) -> bool:
    return _EMAIL.match(value) is not None if value else False


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what changed, as (before, after) dictionaries over the same keys."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    keys += [k for k in before if k not in after and before[k] is not None]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# Labels of report fields, for the feed and the export.
FIELD_LABELS = {
    "leader_name": "分管领导",
    "leader_title": "领导职务",
    "leader_work_phone": "领导办公电话",
    "leader_mobile": "领导手机",
    "leader_email": "领导电子邮箱",
    "leader_user": "领导平台账号",
    "department_name": "投诉受理责任部门",
    "department_phone": "部门电话",
    "full_name": "姓名",
    "work_phone": "办公电话",
    "mobile": "手机",
    "email": "电子邮箱",
    "is_active": "账号状态",
    "handler_a": "A角",
    "handler_b": "B角",
}

SECTION_LABELS = {
    "profile": "分管领导与责任部门",
    "handler": "承办人联络方式",
    "pair": "A/B角",
}


# -- Personal customers (the regulator's per 10 million personal customers) -------------

# A member reports its count of personal customers with the date it holds for (Art. 6
# style: reported, never derived). Not in the future, not before 2000; the largest bank
# has under a billion personal customers, so two billion is a typing error.
EARLIEST_CUSTOMER_DATE = date(2000, 1, 1)
MAX_PERSONAL_CUSTOMERS = 2_000_000_000


def customer_report_problems(count: int | None, as_of: date | None, today: date) -> dict[str, str]:
    """{field: message} of what is wrong with a report of personal customers (empty: fine)."""
    problems = {}
    if count is None:
        problems["personal_customers"] = N_("请填写个人客户数。")
    elif count < 1 or count > MAX_PERSONAL_CUSTOMERS:
        problems["personal_customers"] = N_("个人客户数应为 1 至 2,000,000,000 之间的整数。")
    if as_of is None:
        problems["as_of"] = N_("请填写统计截止日期。")
    elif as_of > today:
        problems["as_of"] = N_("统计截止日期不能晚于今天。")
    elif as_of < EARLIEST_CUSTOMER_DATE:
        problems["as_of"] = N_("统计截止日期不能早于2000年1月1日。")
    return problems
