"""The demo duty roster, relative to the seeding time, so a newcomer sees every state:
every member's reported contacts and A/B pair (Art. 6, 7); bank1's handler A away for
part of the current week, so B is on duty; a few past contact changes in the feed; and
bank3 with a gap next week (A and B both away on the same working day).

Idempotent: profiles and pairs are made once; the absences are added again only when a
later run finds them over (so the demo keeps showing the same states)."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.db import db
from portal.demo.province import BANKS
from portal.duty import operations, queries
from portal.orgs.models import Unit

DEPARTMENTS = (
    "个人金融业务部（消费者权益保护中心）",
    "消费者权益保护部",
    "运营管理部",
    "办公室（消费者权益保护办公室）",
    "零售业务部",
    "消费者权益保护部",
    "综合管理部",
)
TITLES = ("副行长", "副行长", "副行长", "行长助理", "副行长", "副行长", "副行长")


def _user(key: str) -> User:
    return db.session.execute(select(User).where(User.username == key)).scalar_one()


def _member(code: str) -> Unit:
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def _first_report(member: Unit, n: int, people: dict[str, User], at: datetime) -> None:
    leader = people["leader"]
    operations.save_profile(
        member,
        actor=people["admin"],
        now=at,
        leader_user_id=leader.id,
        leader_name=leader.full_name,
        leader_title=TITLES[n],
        leader_work_phone=leader.work_phone,
        leader_mobile=leader.mobile,
        leader_email=leader.email,
        department_name=DEPARTMENTS[n],
        department_phone=member.complaint_phone,
    )
    operations.set_pair(
        member,
        handler_a_id=people["a"].id,
        handler_b_id=people["b"].id,
        actor=people["admin"],
        now=at,
    )


def _later_changes(member: Unit, people: dict[str, User], now: datetime) -> None:
    """A few past reports for the feed: a new department phone, a new leader mobile, a
    handler's new mobile."""
    profile = queries.profile_of(member)
    fields = {name: getattr(profile, name) for name in operations.PROFILE_FIELDS}
    fields["department_phone"] = fields["department_phone"][:-1] + "9"
    leader_id = people["leader"].id
    operations.save_profile(
        member,
        actor=people["admin"],
        now=now - timedelta(days=9),
        leader_user_id=leader_id,
        **fields,
    )
    fields["leader_mobile"] = "13840001234"
    operations.save_profile(
        member,
        actor=people["admin"],
        now=now - timedelta(days=3),
        leader_user_id=leader_id,
        **fields,
    )
    b = people["b"]
    operations.update_handler_contacts(
        b,
        work_phone=b.work_phone,
        mobile="13640005678",
        email=b.email,
        actor=b,
        now=now - timedelta(days=5),
    )


def _away(handler: User, start: datetime, end: datetime, reason: str, now: datetime) -> None:
    operations.create_absence(
        handler,
        starts_at=start,
        ends_at=end,
        reason=reason,
        actor=handler,
        now=now,
        confirmed=True,
    )


def _quarter_ends(today: date, count: int) -> list[date]:
    """The last days of the ``count`` quarters that ended before ``today``, oldest first."""
    ends = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        month = 3 * quarter
        ends.append(date(year, month, 30 if month in (6, 9) else 31))
    return ends[::-1]


def _customer_reports(member: Unit, bank, admin: User, now: datetime) -> None:
    """The member's personal customers as of the end of each of the last five quarters
    (a little growth each time), reported a week after each; once."""
    if bank.personal_customers is None or queries.customer_reports_of(member, limit=1):
        return
    ends = _quarter_ends(queries.local_today(now), 5)
    for i, as_of in enumerate(ends):
        count = round(bank.personal_customers * (1 - 0.01 * (len(ends) - 1 - i)), -4)
        at = min(now, datetime.combine(as_of + timedelta(days=7), time(2, 0), now.tzinfo))
        operations.report_customers(
            member, personal_customers=int(count), as_of=as_of, actor=admin, now=at
        )


def seed_duty(now: datetime) -> None:
    tz = queries.local_tz()
    for n, bank in enumerate(BANKS):
        member = _member(bank.code)
        people = {k: _user(f"{bank.key}-{k}") for k in ("admin", "a", "b", "leader")}
        if queries.profile_of(member) is None:
            _first_report(member, n, people, now - timedelta(days=30))
            if n < 2:
                _later_changes(member, people, now)
        _customer_reports(member, bank, people["admin"], now)
    today = queries.local_today(now)
    # bank1's A is away from today until the day after tomorrow (or the week's end).
    bank1_a = _user("bank1-a")
    if queries.on_duty(queries.duty_units_of(bank1_a)[0], now).role == "A":
        start = datetime.combine(today, time(0), tz)
        days = min(2, 7 - today.weekday())
        _away(bank1_a, start, start + timedelta(days=days), "外出培训", now)
    # bank3: both A and B away on next week's first working day: a gap to see.
    bank3 = _member(BANKS[2].code)
    monday = today + timedelta(days=7 - today.weekday())
    if not queries.gaps_between(bank3, monday, monday + timedelta(days=6), known_at=now):
        week = [monday + timedelta(days=i) for i in range(7)]
        day = next(filter(queries.current_calendar().is_working_day, week), monday)
        start = datetime.combine(day, time(0), tz)
        _away(_user("bank3-a"), start, start + timedelta(days=1), "年假", now)
        _away(_user("bank3-b"), start, start + timedelta(days=1), "外出参加培训", now)
