"""SQL aggregations for the statistics tables, scoped through ``portal.orgs.scoping``.

One function per table: the dashboard, the Excel export and the bulletin all call the
same one, so they can never disagree (Art. 8(4), 8(5)). Each returns plain rows (dicts)
and runs unchanged on SQLite and PostgreSQL.

Definitions (the period is the Beijing date of receipt, ``Complaint.received_on``):
- received: every complaint recorded in the period;
- valid: decided valid, i.e. neither still undecided (registered) nor set aside at intake
  (invalid, Art. 8(3); out of scope and referred elsewhere; a duplicate registration);
- referred, duplicates: set aside at intake as out of scope, or as the same matter as a
  case already registered (counted apart, never valid);
- major, media: flagged 重大 or 舆情 (Art. 12(1)4) when the figures were taken;
- forwarded: ever sent to a member (an accept clock was started, Art. 11(1));
- closed: the association accepted the member's report;
- on-time rate per clock: clocks met no later than their due time / clocks met;
- satisfaction: satisfied or basically satisfied / return visits recorded;
- repeat rate: complaints marked as repeats / received.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import Grouping

from portal.accountability.queries import decisions_for_period
from portal.auth.models import User
from portal.complaints.models import Category, Complaint
from portal.complaints.rules import SET_ASIDE_STATES, State
from portal.db import UTCDateTime, db
from portal.deadlines.models import ACCEPT, Clock
from portal.deadlines.rules import LIFECYCLE_KINDS
from portal.orgs.models import Unit
from portal.orgs.scoping import across_banks, scope_filter
from portal.statistics.rules import AnyPeriod, rate
from portal.workdays.store import current_calendar

CLOCK_KINDS = [k.value for k in LIFECYCLE_KINDS]
SUBSTANTIATED = ("substantiated", "partly")
SATISFIED = ("satisfied", "basically")


def _in_period(user: User, period: AnyPeriod, *extra, member_id=None, category_id=None):
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


def period_ids(period: AnyPeriod) -> tuple[int, int] | None:
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
    # Word for word the predicate of ix_clock_accept_case, so that index serves it.
    accepted = select(Clock.case_id).where(
        Clock.case_id >= low, Clock.case_id <= high, text(ACCEPT)
    )
    return (
        func.count(Complaint.id).label("received"),
        _count_if(Complaint.state.notin_([State.REGISTERED, *SET_ASIDE_STATES])).label("valid"),
        _count_if(Complaint.state == State.REFERRED).label("referred"),
        _count_if(Complaint.state == State.DUPLICATE).label("duplicates"),
        _count_if(Complaint.is_major.is_(True)).label("major"),
        _count_if(Complaint.is_media.is_(True)).label("media"),
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
BEIJING_EPOCH = datetime(1970, 1, 1, tzinfo=UTC) - timedelta(seconds=BEIJING_OFFSET)


def _day_number(day: date) -> int:
    return (day - EPOCH).days


def _local_day(column):
    """The Beijing date of a UTC timestamp as its number of days since 1970-01-01, by
    plain arithmetic: much cheaper than a time-zone conversion on half a million rows."""
    if db.engine.dialect.name == "postgresql":
        # Whole days since Beijing's midnight of 1970-01-01: the "day" field of the
        # difference (cheaper than date_part('epoch') and a division, same result).
        since = column - literal(BEIJING_EPOCH, UTCDateTime())
        return cast(func.date_part("day", since), Integer)
    seconds = cast(func.strftime("%s", column), Integer)
    return (seconds + BEIJING_OFFSET) // 86400  # integer division


def _working_day_numbers(calendar, period: AnyPeriod) -> tuple[int, list[int]]:
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
    numbered = (
        values(column("day", Integer), column("n", Integer), name="working_day")
        .data(rows)
        .cte("working_day")
    )
    return lambda day: select(numbered.c.n).where(numbered.c.day == day).scalar_subquery()


def clock_figures(
    user: User, period: AnyPeriod, calendar, by_member: bool = False, ids=None, **filters
):
    """{(member_id or None, kind): {"met", "on_time", "rate", "days", "days_total"}} over the
    clocks of the period's complaints (cancelled ones left out): how many steps were done,
    how many on time, and their average (and total) working days from start to end
    (``days`` is None when none was done).

    One pass over the clocks, in the period's range of the ``(case_id, kind)`` index. The
    working days of a step are ``n(end) - n(start)`` (``_numbering``); a step recorded as done
    before it started counts 0, not a negative number (the correction, evaluated for
    those rows only). A group with a step beyond the table of numbers is counted again
    exactly (``_exact_days``); normal data has none.
    """
    ids = ids or period_ids(period)
    if ids is None:
        return {}
    low, numbers = _working_day_numbers(calendar, period)
    numbered = _numbering(low, numbers)
    start, end = numbered(_local_day(Clock.started_at)), numbered(_local_day(Clock.met_at))
    key = (Complaint.member_id,) if by_member else ()
    outside = or_(
        Clock.started_at < _day_start(low), Clock.met_at >= _day_start(low + len(numbers))
    )
    # Aggregates skip NULLs: an open clock (met_at NULL) adds nothing to these but the count.
    stmt = (
        select(
            *key,
            Clock.kind,
            func.count(Clock.met_at).label("met"),
            func.count(case((Clock.met_at <= Clock.due_at, 1))).label("on_time"),
            func.sum(end - start).label("days"),  # NULL, so left out, while open
            func.sum(case((Clock.met_at < Clock.started_at, start - end))).label("backwards"),
            func.count(case((outside, 1))).label("outside"),
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
    # Counts at first; the average days and the rate (None: nothing to divide) at the end.
    out: dict[tuple[int | None, str], dict[str, Any]] = {}
    uncounted = []
    for row in db.session.execute(stmt).mappings():
        member = row["member_id"] if by_member else None
        days = int(row["days"] or 0) + int(row["backwards"] or 0)
        out[(member, row["kind"])] = {
            "met": int(row["met"]),
            "on_time": int(row["on_time"]),
            "days": days,
        }
        if row["outside"]:
            uncounted.append((member, row["kind"]))
    for group in uncounted:
        out[group]["days"] = _exact_days(user, period, calendar, ids, group, by_member, filters)
    for figures in out.values():
        figures["rate"] = rate(figures["on_time"], figures["met"])
        figures["days_total"] = figures["days"]
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


def on_time_rates(user: User, period: AnyPeriod, by_member: bool = False, **filters) -> dict:
    """{(member_id or None, kind): {"met", "on_time", "rate"}} for clocks of the period's
    complaints."""
    figures = clock_figures(user, period, current_calendar(), by_member, **filters)
    return {
        k: {"met": f["met"], "on_time": f["on_time"], "rate": f["rate"]} for k, f in figures.items()
    }


def average_working_days(
    user: User, period: AnyPeriod, calendar, by_member: bool = False, **filters
) -> dict:
    """{(member_id or None, kind): average working days from a step's start to its end}
    (``WorkingCalendar.working_days_between``, the same count as the limits, Art. 11)."""
    figures = clock_figures(user, period, calendar, by_member, **filters)
    return {k: f["days"] for k, f in figures.items() if f["days"] is not None}


def member_counts(period: AnyPeriod, member_id: int, names: tuple[str, ...]) -> dict[str, int]:
    """One member's counts ``names`` (of ``_case_columns``) of the period on the
    bulletin's basis: every complaint about the member (``Complaint.member_id``),
    wherever it is handled, including those the association kept (not yet forwarded,
    invalid, referred, duplicates), which the member's own dashboard, scoped to the cases
    handed to it, does not count. Counts only: no case is listed. Read on each member
    dashboard of a published period, so only the columns asked for (not the clock
    look-up behind "forwarded")."""
    columns = [c for c in _case_columns(None) if c.name in names]
    with across_banks():  # the cases the association kept are beyond the member's wall
        row = (
            db.session.execute(
                select(*columns).where(
                    Complaint.member_id == member_id,
                    Complaint.received_on >= period.first_day,
                    Complaint.received_on <= period.last_day,
                )
            )
            .mappings()
            .one()
        )
    return {k: int(v or 0) for k, v in row.items()}


def _member_figures(user: User, period: AnyPeriod, **filters) -> dict[int, dict]:
    """{member_id: counts, and per step the raw clock sums} for the members with
    complaints in the period. Every figure of the headline is a sum of these, so the
    headline and the member table come from the same two passes (``overview``)."""
    ids = period_ids(period)
    stmt = (
        select(Complaint.member_id, *_case_columns(ids))
        .where(_in_period(user, period, **filters))
        .group_by(Complaint.member_id)
    )
    rows: dict[int, dict[str, Any]] = {
        row["member_id"]: {k: int(v or 0) for k, v in row.items()}
        for row in db.session.execute(stmt).mappings()
    }
    if not rows:
        return {}
    clocks = clock_figures(user, period, current_calendar(), by_member=True, ids=ids, **filters)
    for row in rows.values():
        row["clocks"] = {kind: clocks.get((row["member_id"], kind)) for kind in CLOCK_KINDS}
    return rows


COUNTS: tuple[str, ...] = (
    "received",
    "valid",
    "forwarded",
    "closed",
    "substantiated",
    "visited",
    "satisfied",
    "repeats",
    "referred",
    "duplicates",
    "major",
    "media",
)


def _finish(row: dict) -> dict:
    """Rates from the counts, on-time rates and average working days from the clock sums."""
    clocks = row.pop("clocks")
    row = _with_rates(row)
    row["on_time"] = {k: rate(c["on_time"], c["met"]) if c else None for k, c in clocks.items()}
    row["working_days"] = {
        k: c["days_total"] / c["met"] if c and c["met"] else None for k, c in clocks.items()
    }
    return row


def _total(rows) -> dict:
    total = {name: sum(row[name] for row in rows) for name in COUNTS}
    total["clocks"] = {}
    for kind in CLOCK_KINDS:
        sums = [row["clocks"][kind] for row in rows if row["clocks"][kind]]
        total["clocks"][kind] = (
            {n: sum(c[n] for c in sums) for n in ("met", "on_time", "days_total")} if sums else None
        )
    return total


def _table(user: User, period: AnyPeriod, rows: dict[int, dict]) -> list[dict]:
    """The member rows with the members' names, in the order of the unit tree, and the
    number of accountability decisions taken on each member in the period. Decisions
    concern the member as a whole (Art. 12), so a category filter does not narrow them."""
    names = db.session.execute(
        select(Unit.id, Unit.name, Unit.path).where(Unit.id.in_(list(rows)))
    ).all()
    decisions = Counter(d["member_id"] for d in accountability_decisions(user, period))
    table = []
    for member_id, name, _path in sorted(names, key=lambda n: n[2]):
        item = {"member_id": member_id, "member_name": name}
        item |= {k: v for k, v in rows[member_id].items() if k != "member_id"}
        item["decisions"] = decisions[member_id]
        table.append(_finish(item))
    return table


def overview(user: User, period: AnyPeriod, **filters) -> tuple[dict, list[dict]]:
    """``(headline(...), member_table(...))`` from one pass over the period's complaints
    and one over their clocks: what the dashboard, the export and the bulletin show."""
    rows = _member_figures(user, period, **filters)
    return _finish(_total(list(rows.values()))), _table(user, period, rows)


def headline(user: User, period: AnyPeriod, **filters) -> dict:
    """The headline figures of a period, with the on-time rate of each clock."""
    return _finish(_total(list(_member_figures(user, period, **filters).values())))


def member_table(user: User, period: AnyPeriod, **filters) -> list[dict]:
    """One row per member bank (in the user's scope) with complaints in the period."""
    return _table(user, period, _member_figures(user, period, **filters))


def by_category(user: User, period: AnyPeriod, **filters) -> list[dict]:
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
            top.c.name_en.label("name_en"),
            func.count().label("count"),
            _count_if(inner.c.finding.in_(SUBSTANTIATED)).label("substantiated"),
        )
        .select_from(inner)
        .join(top, top.c.id == inner.c.top_id)
        .group_by(top.c.id, top.c.name, top.c.name_en)
        .order_by(func.count().desc(), top.c.id)
    )
    return [
        {**r, "count": int(r["count"]), "substantiated": int(r["substantiated"])}
        for r in db.session.execute(stmt).mappings()
    ]


def by_channel(user: User, period: AnyPeriod, **filters) -> list[dict]:
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


def by_month(user: User, period: AnyPeriod, **filters) -> list[dict]:
    """Complaints received per month of the period (every month listed, zeros included)."""
    month = func.extract("month", Complaint.received_on)
    stmt = (
        select(month.label("month"), func.count().label("count"))
        .where(_in_period(user, period, **filters))
        .group_by(month)
    )
    counts = {int(r["month"]): int(r["count"]) for r in db.session.execute(stmt).mappings()}
    return [{"month": m, "count": counts.get(m, 0)} for m in period.months]


def top_outlets(user: User, period: AnyPeriod, limit: int = 10, **filters) -> list[dict]:
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


def accountability_decisions(user: User, period: AnyPeriod) -> list[dict]:
    """The period's accountability decisions in ``user``'s scope (Art. 12(2)): member,
    trigger and the rung decided, oldest first."""
    return decisions_for_period(user, period)


OPEN_NOW: tuple[tuple[str, dict[str, Any]], ...] = (
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
    from portal.complaints.inbox import InboxFilters, count_inboxes

    lists = {
        key: InboxFilters(unit_id=member.id if member else None, category_id=category_id, **args)
        for key, args in OPEN_NOW
    }
    return count_inboxes(user, lists, within="open", now=now, tz=tz, unit=member)
