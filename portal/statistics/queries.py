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

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    Float,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    or_,
    select,
    type_coerce,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import Grouping

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


def period_ids(period: Period) -> tuple[int, int] | None:
    """The lowest and highest id of the period's complaints (None: there are none).

    Every clock of the period's complaints has a case id in this range, so the clock
    queries add it as a redundant condition: the clocks are then one range of the
    ``(case_id, kind)`` index instead of the whole table. Ids follow the order of intake,
    so the range holds little besides the period's own clocks.
    """
    # count() keeps PostgreSQL from answering min and max by walking the primary key
    # from each end (which reads every older case before the first of the period).
    low, high, _count = db.session.execute(
        select(func.min(Complaint.id), func.max(Complaint.id), func.count()).where(
            Complaint.received_on >= period.first_day, Complaint.received_on <= period.last_day
        )
    ).one()
    return None if low is None else (low, high)


def _case_columns(ids: tuple[int, int] | None):
    low, high = ids or (0, -1)
    accepted = select(Clock.case_id).where(
        Clock.case_id >= low, Clock.case_id <= high, Clock.kind == ClockKind.ACCEPT
    )
    return (
        func.count(Complaint.id).label("received"),
        _count_if(Complaint.state.notin_([State.REGISTERED, State.INVALID])).label("valid"),
        # One hashed set of the range's accepted cases, not a probe per complaint.
        _count_if(Complaint.id.in_(accepted)).label("forwarded"),
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


# The working-day numbers sent with a clock query reach this far past the period: steps
# finished later than that (rare) are counted by the slower per-date path.
DAYS_AFTER_PERIOD = 400
EPOCH = date(1970, 1, 1)
BEIJING_OFFSET = 8 * 3600  # seconds; China keeps UTC+8 all year


def _day_number(day: date) -> int:
    return (day - EPOCH).days


def _local_day(column):
    """The Beijing date of a UTC timestamp as its number of days since 1970-01-01, by
    plain arithmetic: much cheaper than a time-zone conversion on half a million rows."""
    if db.engine.dialect.name == "postgresql":
        seconds = func.date_part("epoch", column, type_=Float)
        return cast(func.floor((seconds + BEIJING_OFFSET) / 86400.0), Integer)
    seconds = cast(func.strftime("%s", column), Integer)
    return (seconds + BEIJING_OFFSET) // 86400  # integer division


def _working_day_numbers(calendar, period: Period) -> tuple[int, list[int]]:
    """The day number of the day before the period, and for each day from it on (over
    the period and ``DAYS_AFTER_PERIOD`` more) the working days since it
    (``WorkingCalendar.working_days_between``): a step took ``n(end) - n(start)`` working
    days, the same count as the limits (Art. 11: the day it started does not count)."""
    low = period.first_day - timedelta(days=1)
    span = (period.last_day - low).days + DAYS_AFTER_PERIOD
    return _day_number(low), [
        calendar.working_days_between(low, low + timedelta(days=i)) for i in range(span)
    ]


def _numbering(low: int, numbers: list[int]):
    """A function giving, in SQL, the working-day number of a day (a ``_local_day``), NULL
    outside the table. PostgreSQL looks it up in an int[] parameter (one subscript per
    row, no join); SQLite in a small VALUES table."""
    if db.engine.dialect.name == "postgresql":
        param = bindparam("working_day_numbers", numbers, type_=ARRAY(Integer))
        # The parentheses make "(CAST(... AS INTEGER[]))[i]": PostgreSQL needs them.
        table = type_coerce(Grouping(cast(param, ARRAY(Integer))), ARRAY(Integer))
        return lambda day: table[day - (low - 1)]
    rows = [(low + i, n) for i, n in enumerate(numbers)]
    numbered = values(column("day", Integer), column("n", Integer), name="working_day")
    numbered = numbered.data(rows).cte("working_day")
    return lambda day: select(numbered.c.n).where(numbered.c.day == day).scalar_subquery()


def clock_figures(user: User, period: Period, calendar, by_member: bool = False, **filters):
    """{(member_id or None, kind): {"met", "on_time", "rate", "days"}} over the clocks of the
    period's complaints (cancelled ones left out): how many steps were done, how many on
    time, and their average working days from start to end (None when none was done).

    One pass over the clocks, in the period's range of the ``(case_id, kind)`` index; the
    working days of each step are looked up from its Beijing start and end days
    (``_numbering``): the sum of ``n(end) - n(start)`` is the sum of the ends' numbers less
    the sum of the starts'. A group holding a step outside the table of numbers, or one
    "done" before it started (0 days, not a negative number), is counted again exactly
    (``_exact_days``); there are none in normal data.
    """
    ids = period_ids(period)
    if ids is None:
        return {}
    low, numbers = _working_day_numbers(calendar, period)
    numbered = _numbering(low, numbers)
    first_moment = _day_start(low)
    after_moment = _day_start(low + len(numbers))
    met = Clock.met_at.isnot(None)
    key = (Complaint.member_id,) if by_member else ()
    odd = or_(
        Clock.started_at < first_moment,
        Clock.met_at >= after_moment,
        Clock.met_at < Clock.started_at,
    )
    stmt = (
        select(
            *key,
            Clock.kind,
            _count_if(met).label("met"),
            _count_if(and_(met, Clock.met_at <= Clock.due_at)).label("on_time"),
            func.sum(numbered(_local_day(Clock.met_at))).label("ends"),
            func.sum(case((met, numbered(_local_day(Clock.started_at))), else_=None)).label(
                "starts"
            ),
            _count_if(and_(met, odd)).label("odd"),
        )
        .join(Complaint, Complaint.id == Clock.case_id)
        .where(
            _in_period(user, period, **filters),
            Clock.case_id >= ids[0],
            Clock.case_id <= ids[1],
            Clock.cancelled_at.is_(None),
        )
        .group_by(*key, Clock.kind)
    )
    out, odd_groups = {}, []
    for row in db.session.execute(stmt).mappings():
        member = row["member_id"] if by_member else None
        out[(member, row["kind"])] = {
            "met": int(row["met"] or 0),
            "on_time": int(row["on_time"] or 0),
            "days": int(row["ends"] or 0) - int(row["starts"] or 0),
        }
        if row["odd"]:
            odd_groups.append((member, row["kind"]))
    for group in odd_groups:
        out[group]["days"] = _exact_days(user, period, calendar, ids, group, by_member, filters)
    for figures in out.values():
        figures["rate"] = rate(figures["on_time"], figures["met"])
        figures["days"] = figures["days"] / figures["met"] if figures["met"] else None
    return out


def _day_start(day_number: int) -> datetime:
    """The UTC moment at which the Beijing day ``day_number`` begins."""
    return datetime.combine(EPOCH + timedelta(days=day_number), time(), UTC) - timedelta(
        seconds=BEIJING_OFFSET
    )


def _exact_days(user, period, calendar, ids, group, by_member, filters) -> int:
    """The working days of one (member, step) group, counted pair of days by pair of
    days with the calendar itself: the slow, always exact way."""
    member, kind = group
    start, end = _local_day(Clock.started_at), _local_day(Clock.met_at)
    extra = [Complaint.member_id == member] if by_member else []
    stmt = (
        select(start, end, func.count())
        .join(Complaint, Complaint.id == Clock.case_id)
        .where(
            _in_period(user, period, *extra, **filters),
            Clock.case_id >= ids[0],
            Clock.case_id <= ids[1],
            Clock.kind == kind,
            Clock.cancelled_at.is_(None),
            Clock.met_at.isnot(None),
        )
        .group_by(start, end)
    )
    return sum(
        calendar.working_days_between(
            EPOCH + timedelta(days=int(first)), EPOCH + timedelta(days=int(last))
        )
        * count
        for first, last, count in db.session.execute(stmt)
    )


def on_time_rates(user: User, period: Period, by_member: bool = False, **filters) -> dict:
    """{(member_id or None, kind): {"met", "on_time", "rate"}} for clocks of the period's
    complaints."""
    figures = clock_figures(user, period, current_calendar(), by_member, **filters)
    return {
        k: {"met": f["met"], "on_time": f["on_time"], "rate": f["rate"]} for k, f in figures.items()
    }


def average_working_days(
    user: User, period: Period, calendar, by_member: bool = False, **filters
) -> dict:
    """{(member_id or None, kind): average working days from a step's start to its end}
    (``WorkingCalendar.working_days_between``, the same count as the limits, Art. 11)."""
    figures = clock_figures(user, period, calendar, by_member, **filters)
    return {k: f["days"] for k, f in figures.items() if f["days"] is not None}


def headline(user: User, period: Period, **filters) -> dict:
    """The headline figures of a period, with the on-time rate of each clock."""
    row = dict(
        db.session.execute(
            select(*_case_columns(period_ids(period))).where(_in_period(user, period, **filters))
        )
        .mappings()
        .one()
    )
    row = _with_rates({k: int(v or 0) for k, v in row.items()})
    clocks = clock_figures(user, period, current_calendar(), **filters)
    row["on_time"] = {kind: clocks.get((None, kind), {}).get("rate") for kind in CLOCK_KINDS}
    row["working_days"] = {kind: clocks.get((None, kind), {}).get("days") for kind in CLOCK_KINDS}
    return row


def member_table(user: User, period: Period, **filters) -> list[dict]:
    """One row per member bank (in the user's scope) with complaints in the period."""
    stmt = (
        select(
            Unit.id.label("member_id"),
            Unit.name.label("member_name"),
            *_case_columns(period_ids(period)),
        )
        .select_from(Complaint)
        .join(Unit, Unit.id == Complaint.member_id)
        .where(_in_period(user, period, **filters))
        .group_by(Unit.id, Unit.name, Unit.path)
        .order_by(Unit.path)
    )
    clocks = clock_figures(user, period, current_calendar(), by_member=True, **filters)
    rows = []
    for row in db.session.execute(stmt).mappings():
        item = _with_rates({k: (int(v) if k != "member_name" else v) for k, v in row.items()})
        mine = {kind: clocks.get((item["member_id"], kind), {}) for kind in CLOCK_KINDS}
        item["on_time"] = {kind: mine[kind].get("rate") for kind in CLOCK_KINDS}
        item["working_days"] = {kind: mine[kind].get("days") for kind in CLOCK_KINDS}
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
    counts = (
        select(Complaint.outlet_id, func.count().label("count"))
        .where(_in_period(user, period, Complaint.finding.in_(SUBSTANTIATED), **filters))
        .group_by(Complaint.outlet_id)
        .order_by(func.count().desc(), Complaint.outlet_id)
        .limit(limit)
        .subquery()
    )
    # Names for the few outlets listed, not for every outlet counted.
    stmt = (
        select(Unit.id.label("outlet_id"), Unit.name.label("name"), counts.c.count)
        .join(counts, counts.c.outlet_id == Unit.id)
        .order_by(counts.c.count.desc(), Unit.id)
    )
    return [{**r, "count": int(r["count"])} for r in db.session.execute(stmt).mappings()]


def accountability_decisions(user: User, period: Period) -> list[dict]:
    """The period's accountability decisions (issue 6). Empty until that package exists.

    The hook: once ``portal.accountability`` is part of the app (its models registered
    through ``portal.models``) and offers ``queries.decisions_for_period(user, period)``
    returning dicts with ``member``, ``reason`` and ``decision``, they are shown in the
    bulletin; until then nothing is. The package is never imported from here: a module
    outside this app (another checkout on the path) must not register tables.
    """
    import sys

    if "portal.accountability" not in sys.modules:
        return []
    try:
        from portal.accountability.queries import decisions_for_period  # type: ignore
    except ImportError:
        return []
    return list(decisions_for_period(user, period))


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
