"""SQL aggregations for the statistics tables, scoped through ``portal.orgs.scoping``.

One function per table: the dashboard, the Excel export and the bulletin all call the
same one, so they can never disagree (Art. 8(4), 8(5)). Each returns plain rows (dicts)
and runs unchanged on SQLite and PostgreSQL.

Definitions (the period is the Beijing date of receipt, ``Complaint.received_on``):
- received: every complaint recorded in the period;
- valid: decided valid, i.e. neither still undecided (registered) nor invalid (Art. 8(3));
- forwarded: ever sent to a member (an accept clock was started, Art. 11(1));
- closed: the association accepted the member's report;
- on-time rate per clock: clocks met no later than their due time / clocks met;
- satisfaction: satisfied or basically satisfied / return visits recorded;
- repeat rate: complaints marked as repeats / received.
"""

from collections import Counter

from sqlalchemy import and_, case, exists, func, select

from portal.accountability.queries import decisions_for_period
from portal.auth.models import User
from portal.complaints.models import Category, Complaint
from portal.complaints.rules import State
from portal.db import db
from portal.deadlines.models import Clock
from portal.deadlines.rules import ClockKind
from portal.orgs.models import Unit
from portal.orgs.scoping import scope_filter
from portal.statistics.rules import Period, rate
from portal.workdays.store import current_calendar

CLOCK_KINDS = [k.value for k in ClockKind]
SUBSTANTIATED = ("substantiated", "partly")
SATISFIED = ("satisfied", "basically")


def _in_period(user: User, period: Period, *extra, member_id=None, category_id=None):
    """The period's complaints in ``user``'s scope, optionally of one member bank and
    one category (a top-level category takes its subcategories)."""
    conditions = [
        scope_filter(user, Complaint.handling_path),
        Complaint.received_on >= period.first_day,
        Complaint.received_on <= period.last_day,
        *extra,
    ]
    if member_id:
        conditions.append(Complaint.member_id == member_id)
    if category_id:
        children = select(Category.id).where(Category.parent_id == category_id)
        conditions.append(
            (Complaint.category_id == category_id) | Complaint.category_id.in_(children)
        )
    return and_(*conditions)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _case_columns():
    return (
        func.count(Complaint.id).label("received"),
        _count_if(Complaint.state.notin_([State.REGISTERED, State.INVALID])).label("valid"),
        _count_if(
            exists().where(Clock.case_id == Complaint.id, Clock.kind == ClockKind.ACCEPT)
        ).label("forwarded"),
        _count_if(Complaint.state == State.CLOSED).label("closed"),
        _count_if(Complaint.finding.in_(SUBSTANTIATED)).label("substantiated"),
        _count_if(Complaint.satisfaction.isnot(None)).label("visited"),
        _count_if(Complaint.satisfaction.in_(SATISFIED)).label("satisfied"),
        _count_if(Complaint.repeat_of_id.isnot(None)).label("repeats"),
    )


def _with_rates(row: dict) -> dict:
    row["satisfaction_rate"] = rate(row["satisfied"], row["visited"])
    row["repeat_rate"] = rate(row["repeats"], row["received"])
    return row


def on_time_rates(user: User, period: Period, by_member: bool = False, **filters) -> dict:
    """{(member_id or None, kind): {"met", "on_time", "rate"}} for clocks of the period's
    complaints."""
    key = (Complaint.member_id,) if by_member else ()
    stmt = (
        select(
            *key,
            Clock.kind,
            _count_if(Clock.met_at.isnot(None)).label("met"),
            _count_if(and_(Clock.met_at.isnot(None), Clock.met_at <= Clock.due_at)).label(
                "on_time"
            ),
        )
        .join(Complaint, Complaint.id == Clock.case_id)
        .where(_in_period(user, period, **filters), Clock.cancelled_at.is_(None))
        .group_by(*key, Clock.kind)
    )
    out = {}
    for row in db.session.execute(stmt).mappings():
        member = row["member_id"] if by_member else None
        out[(member, row["kind"])] = {
            "met": int(row["met"]),
            "on_time": int(row["on_time"]),
            "rate": rate(int(row["on_time"]), int(row["met"])),
        }
    return out


def _local_date(column):
    """The Beijing date of a UTC timestamp, in SQL (China keeps UTC+8 all year)."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", column))
    return func.date(column, "+8 hours")


def average_working_days(
    user: User, period: Period, calendar, by_member: bool = False, **filters
) -> dict:
    """{(member_id or None, kind): average working days from a step's start to its end}.

    SQL groups the met clocks by their Beijing start and end dates; the working-day
    calendar (``WorkingCalendar.working_days_between``, the same count as the limits,
    Art. 11) is applied once per group, weighted by the group's size.
    """
    start, end = _local_date(Clock.started_at), _local_date(Clock.met_at)
    key = (Complaint.member_id,) if by_member else ()
    stmt = (
        select(*key, Clock.kind, start.label("start"), end.label("end"), func.count())
        .join(Complaint, Complaint.id == Clock.case_id)
        .where(
            _in_period(user, period, **filters),
            Clock.cancelled_at.is_(None),
            Clock.met_at.isnot(None),
        )
        .group_by(*key, Clock.kind, start, end)
    )
    totals: dict = {}
    for row in db.session.execute(stmt):
        member = row[0] if by_member else None
        kind, first, last, count = row[-4:]
        days = calendar.working_days_between(_as_date(first), _as_date(last))
        total, n = totals.get((member, kind), (0, 0))
        totals[(member, kind)] = (total + days * count, n + count)
    return {k: total / n for k, (total, n) in totals.items()}


def _as_date(value):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value))


def headline(user: User, period: Period, **filters) -> dict:
    """The headline figures of a period, with the on-time rate of each clock."""
    row = dict(
        db.session.execute(select(*_case_columns()).where(_in_period(user, period, **filters)))
        .mappings()
        .one()
    )
    row = _with_rates({k: int(v or 0) for k, v in row.items()})
    rates = on_time_rates(user, period, **filters)
    row["on_time"] = {kind: rates.get((None, kind), {}).get("rate") for kind in CLOCK_KINDS}
    days = average_working_days(user, period, current_calendar(), **filters)
    row["working_days"] = {kind: days.get((None, kind)) for kind in CLOCK_KINDS}
    return row


def member_table(user: User, period: Period, **filters) -> list[dict]:
    """One row per member bank (in the user's scope) with complaints in the period,
    with the number of accountability decisions taken on it in the period."""
    stmt = (
        select(Unit.id.label("member_id"), Unit.name.label("member_name"), *_case_columns())
        .select_from(Complaint)
        .join(Unit, Unit.id == Complaint.member_id)
        .where(_in_period(user, period, **filters))
        .group_by(Unit.id, Unit.name, Unit.path)
        .order_by(Unit.path)
    )
    rates = on_time_rates(user, period, by_member=True, **filters)
    days = average_working_days(user, period, current_calendar(), by_member=True, **filters)
    # Decisions concern the member as a whole (Art. 12), so the category filter does
    # not narrow them.
    decisions = Counter(d["member_id"] for d in accountability_decisions(user, period))
    rows = []
    for row in db.session.execute(stmt).mappings():
        item = _with_rates({k: (int(v) if k != "member_name" else v) for k, v in row.items()})
        item["on_time"] = {
            kind: rates.get((item["member_id"], kind), {}).get("rate") for kind in CLOCK_KINDS
        }
        item["working_days"] = {kind: days.get((item["member_id"], kind)) for kind in CLOCK_KINDS}
        item["decisions"] = decisions[item["member_id"]]
        rows.append(item)
    return rows


def by_category(user: User, period: Period, **filters) -> list[dict]:
    """Complaints per top-level category, most frequent first."""
    top_id = func.coalesce(Category.parent_id, Category.id)
    inner = (
        select(top_id.label("top_id"), Complaint.finding)
        .join(Category, Category.id == Complaint.category_id)
        .where(_in_period(user, period, **filters))
        .subquery()
    )
    top = Category.__table__.alias("top")
    stmt = (
        select(
            top.c.id.label("category_id"),
            top.c.name.label("name"),
            func.count().label("count"),
            _count_if(inner.c.finding.in_(SUBSTANTIATED)).label("substantiated"),
        )
        .select_from(inner)
        .join(top, top.c.id == inner.c.top_id)
        .group_by(top.c.id, top.c.name)
        .order_by(func.count().desc(), top.c.id)
    )
    return [
        {**r, "count": int(r["count"]), "substantiated": int(r["substantiated"])}
        for r in db.session.execute(stmt).mappings()
    ]


def by_channel(user: User, period: Period, **filters) -> list[dict]:
    stmt = (
        select(Complaint.channel, func.count().label("count"))
        .where(_in_period(user, period, **filters))
        .group_by(Complaint.channel)
        .order_by(func.count().desc(), Complaint.channel)
    )
    return [
        {"channel": r["channel"], "count": int(r["count"])}
        for r in db.session.execute(stmt).mappings()
    ]


def by_month(user: User, period: Period, **filters) -> list[dict]:
    """Complaints received per month of the period (every month listed, zeros included)."""
    month = func.extract("month", Complaint.received_on)
    stmt = (
        select(month.label("month"), func.count().label("count"))
        .where(_in_period(user, period, **filters))
        .group_by(month)
    )
    counts = {int(r["month"]): int(r["count"]) for r in db.session.execute(stmt).mappings()}
    return [{"month": m, "count": counts.get(m, 0)} for m in period.months]


def top_outlets(user: User, period: Period, limit: int = 10, **filters) -> list[dict]:
    """The outlets with the most substantiated (or partly substantiated) complaints."""
    stmt = (
        select(Unit.id.label("outlet_id"), Unit.name.label("name"), func.count().label("count"))
        .select_from(Complaint)
        .join(Unit, Unit.id == Complaint.outlet_id)
        .where(_in_period(user, period, Complaint.finding.in_(SUBSTANTIATED), **filters))
        .group_by(Unit.id, Unit.name)
        .order_by(func.count().desc(), Unit.id)
        .limit(limit)
    )
    return [{**r, "count": int(r["count"])} for r in db.session.execute(stmt).mappings()]


def accountability_decisions(user: User, period: Period) -> list[dict]:
    """The period's accountability decisions in ``user``'s scope (Art. 12(2)): member,
    trigger and the rung decided, oldest first."""
    return decisions_for_period(user, period)


OPEN_NOW = (
    ("open", {}),
    ("registered", {"state": "registered"}),
    ("forwarded", {"state": "forwarded"}),
    ("handling", {"state": "handling"}),
    ("reported", {"state": "reported"}),
    ("due_today", {"clock": "due_today"}),
    ("breached", {"clock": "breached"}),
)


def open_now(user: User, *, now, tz, member=None, category_id=None) -> dict:
    """Open cases now, by step and by clock state: each number is the count of the very
    inbox list it links to (``portal.complaints.inbox.inbox_query``), so they agree."""
    from portal.complaints.inbox import InboxFilters, inbox_query

    counts = {}
    for key, args in OPEN_NOW:
        filters = InboxFilters(
            unit_id=member.id if member else None, category_id=category_id, **args
        )
        query = inbox_query(
            user, filters, now=now, tz=tz, unit_path=member.path if member else None
        )
        counts[key] = db.session.scalar(select(func.count()).select_from(query.subquery()))
    return counts
