"""Inboxes: a user's scoped cases, nearest due time first, with filters and search.

The order is the earliest due time among the open clocks the user can see (none last),
then the newest receipt, then the id. For the association and the member banks that due
time is the case's own ``next_due_at`` (see ``sees_every_clock``), kept in step with the
clocks by ``portal.deadlines.operations`` and indexed in this order, so that a page is
an index range read by its key (``inbox_page``), whatever its number.
"""

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, true, tuple_
from sqlalchemy.orm import aliased

from portal.complaints.models import Category, CategoryNames, Complaint, StateNames
from portal.complaints.queries import (
    cases_query,
    open_state_filter,
    search_condition,
    walled_text_test,
)
from portal.complaints.rules import SET_ASIDE_STATES, State
from portal.db import db, likely
from portal.deadlines.models import Clock
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import in_subtree, scope_filter, scope_root
from portal.web.bounds import parse_date_arg
from portal.web.clock import local_today
from portal.web.pagination import KeysetPage


@dataclass(frozen=True)
class InboxFilters:
    q: str = ""
    state: str = "open"  # open / all / one State value
    clock: str = ""  # breached / due_today / running
    category_id: int | None = None
    unit_id: int | None = None  # member bank or any unit: the case's outlet lies under it
    received_from: date | None = None
    received_to: date | None = None
    flag: str = ""  # major / media / repeat
    queue: str = ""  # a step waiting (QUEUES): what the home page counts and links to

    @classmethod
    def from_args(cls, args) -> "InboxFilters":
        def as_date(name):  # out of 2000-01-01 … today + 1 year: no filter
            return parse_date_arg(args.get(name), local_today())

        return cls(
            q=(args.get("q") or "").strip(),
            state=args.get("state") or "open",
            clock=args.get("clock") or "",
            category_id=args.get("category", type=int),
            unit_id=args.get("unit", type=int),
            received_from=as_date("from"),
            received_to=as_date("to"),
            flag=args.get("flag") or "",
            queue=args.get("queue") or "",
        )


def nearest_due(user):
    """Per case, the earliest open clock owned inside the user's scope."""
    return (
        select(Clock.case_id.label("case_id"), func.min(Clock.due_at).label("due_at"))
        .where(
            Clock.met_at.is_(None),
            Clock.cancelled_at.is_(None),
            scope_filter(user, Clock.owner_path),
        )
        .group_by(Clock.case_id)
        .subquery()
    )


def sees_every_clock(user) -> bool:
    """Whether every open clock of every case ``user`` sees is owned inside the user's
    scope, so that the due time the user sees is the case's ``next_due_at``.

    True for the association and for a member bank: the association's own clock (forward,
    Art. 11(1)) is met when the case is forwarded and restarts only with the case back at
    the association (``operations.forward_to_member``, ``recall_from_member``), and
    every later clock is owned by the member or a unit below it. A branch officer sees
    only the clocks of its own subtree (the reply and the promise, Art. 11(3)), not the
    member's verify and report clocks, so its due times are computed per request; its
    scope holds few cases.
    """
    return scope_root(user).kind in (UnitKind.ASSOCIATION, UnitKind.MEMBER)


def _scoped(user):
    """(select of (Complaint, due_at) in the user's scope, the due_at column)."""
    if sees_every_clock(user):
        due_at = Complaint.next_due_at
        query = cases_query(user).add_columns(due_at.label("due_at"))
    else:
        due = nearest_due(user)
        due_at = due.c.due_at
        query = cases_query(user).add_columns(due_at).outerjoin(due, due.c.case_id == Complaint.id)
    root = scope_root(user)
    if root.kind == UnitKind.MEMBER:
        # The same rows as the scope alone: a case enters a member's tree only by being
        # forwarded to that member (``operations.forward_to_member``), so it is the
        # member's case. Said as an indexed equality, the member's inbox is read in order
        # from its own index instead of filtering the whole province's.
        query = query.where(Complaint.member_id == root.id)
    return query, due_at


# The steps waiting for someone, as conditions on the case: who must act is the one who
# sees the list (the association forwards and reviews, the member accepts, passes down
# and reports). Named on the home page of each role, each linking to its list.
QUEUES = {
    "to_forward": lambda: [Complaint.state == State.REGISTERED],
    "to_accept": lambda: [Complaint.state == State.FORWARDED],
    # Accepted and still held by the member itself, nobody answered the customer yet.
    "pass_down": lambda: [
        Complaint.state == State.HANDLING,
        Complaint.handling_unit_id == Complaint.member_id,
        Complaint.replied_at.is_(None),
    ],
    # Verified (Art. 11(2)): the result report is next.
    "to_report": lambda: [Complaint.state == State.HANDLING, Complaint.finding.is_not(None)],
    "to_review": lambda: [Complaint.state == State.REPORTED],
}


def _state_and_clock(
    filters: InboxFilters, due_at, *, now: datetime, tz, in_order: bool = False
) -> list:
    """The conditions of the state, queue and clock filters; ``in_order`` for rows read
    in the inbox order (a page, the export), not counted."""
    conditions = []
    if filters.queue in QUEUES:
        conditions += QUEUES[filters.queue]()
    if filters.state == "open":
        # Read in order, the open cases come from their own index, in the inbox order.
        # SQLite took each open state for a few rows, read them one by one and sorted
        # them all; told that the condition holds for most rows (as it does in that
        # index: portal.db.likely), it reads the index. A count keeps the plain
        # condition, which SQLite answers state by state from the state's index (with
        # the hint it read the whole path index: 20 ms at 250,000 cases).
        open_cases = open_state_filter()
        conditions.append(likely(open_cases) if in_order else open_cases)
    elif filters.state in set(State):
        conditions.append(Complaint.state == filters.state)
    elif filters.state == "valid":
        # The valid complaints (decided valid, not set aside): the regulator's basis, so
        # the statistics' regulator figures link to the list that counts them.
        conditions.append(Complaint.state.notin_([State.REGISTERED, *SET_ASIDE_STATES]))
    end_of_today = datetime.combine(now.astimezone(tz).date(), time(23, 59, 59), tz)
    if filters.clock == "breached":
        conditions.append(due_at < now)
    elif filters.clock == "due_today":
        conditions += [due_at >= now, due_at <= end_of_today]
    elif filters.clock == "running":
        conditions.append(due_at > end_of_today)
    return conditions


def _narrowing(filters: InboxFilters, unit: Unit | None) -> list:
    """The conditions of the other filters: category, unit, dates, flags, search."""
    conditions: list[ColumnElement[bool]] = []
    if filters.category_id:
        # A top-level category takes its subcategories (the statistics count it so too).
        children = select(Category.id).where(Category.parent_id == filters.category_id)
        conditions.append(
            (Complaint.category_id == filters.category_id) | Complaint.category_id.in_(children)
        )
    if unit is not None and unit.kind == UnitKind.MEMBER:
        # The complained-of outlet lies under the member exactly when the case is that
        # member's (``Complaint.member_id`` is the outlet's member): an indexed equality.
        conditions.append(Complaint.member_id == unit.id)
    elif unit is not None:
        outlets = select(Unit.id).where(in_subtree(Unit.path, unit.path))
        conditions.append(Complaint.outlet_id.in_(outlets))
    if filters.received_from:
        conditions.append(Complaint.received_on >= filters.received_from)
    if filters.received_to:
        conditions.append(Complaint.received_on <= filters.received_to)
    if filters.flag == "major":
        conditions.append(Complaint.is_major.is_(True))
    elif filters.flag == "media":
        conditions.append(Complaint.is_media.is_(True))
    elif filters.flag == "repeat":
        conditions.append(Complaint.repeat_of_id.is_not(None))
    condition = search_condition(filters.q)
    if condition is not None:
        conditions.append(condition)
    return conditions


def _filtered(
    user, filters: InboxFilters, *, now: datetime, tz, narrowing: list, in_order: bool = False
):
    """(select of (Complaint, due_at), the due_at column), filtered by ``filters`` and
    their ``narrowing`` conditions, unordered; to be read ``in_order`` (see
    ``_state_and_clock``) or counted."""
    query, due_at = _scoped(user)
    conditions = _state_and_clock(filters, due_at, now=now, tz=tz, in_order=in_order)
    return query.where(*conditions, *narrowing), due_at


def inbox_query(user, filters: InboxFilters, *, now: datetime, tz, unit: Unit | None = None):
    """Rows of (Complaint, nearest due_at) for ``user``, in inbox order: red/amber/green
    come from due_at. ``unit`` (in the user's scope) keeps the cases whose complained-of
    outlet lies under it. For the Excel export; pages use ``inbox_page``, counts
    ``count_inbox``."""
    narrowing = _narrowing(filters, unit)
    query, due_at = _filtered(user, filters, now=now, tz=tz, narrowing=narrowing, in_order=True)
    return query.order_by(
        due_at.is_(None), due_at, Complaint.received_at.desc(), Complaint.id.desc()
    )


def count_inbox(user, filters: InboxFilters, *, now: datetime, tz, unit: Unit | None = None):
    query, _ = _filtered(user, filters, now=now, tz=tz, narrowing=_narrowing(filters, unit))
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def count_inboxes(
    user, lists: dict, *, within: str, now: datetime, tz, unit: Unit | None = None
) -> dict:
    """The number of rows of each inbox list in ``lists`` ({key: InboxFilters}), lists
    that differ only in their state, queue and clock filters and all lie inside the list
    ``within`` (e.g. the open cases). One statement reads the ``within`` list and counts
    each list with a FILTER on that list's own state and clock conditions. Where the due
    times come from a join (a branch officer's), each list is counted on its own."""
    common = {dataclasses.replace(f, state="all", clock="", queue="") for f in lists.values()}
    if not sees_every_clock(user) or len(common) != 1:
        return {key: count_inbox(user, f, now=now, tz=tz, unit=unit) for key, f in lists.items()}
    query, due_at = _scoped(user)
    inside = _state_and_clock(lists[within], due_at, now=now, tz=tz)
    query = query.where(*_narrowing(common.pop(), unit), *inside)

    def own(f: InboxFilters) -> list:
        # A list's conditions that the WHERE (the ``within`` list) does not already hold:
        # repeated in every FILTER, the open states' IN took half the time of the count
        # of open cases (the dashboard's; docs/performance.md).
        conditions = _state_and_clock(f, due_at, now=now, tz=tz)
        return [c for c in conditions if not any(c.compare(w) for w in inside)]

    counts = [func.count().filter(and_(true(), *own(f))).label(key) for key, f in lists.items()]
    row = db.session.execute(query.with_only_columns(*counts)).one()
    return {key: int(value) for key, value in row._asdict().items()}


@dataclass(frozen=True)
class InboxKey:
    """Where a row stands in the inbox order: due time (None last), receipt (newest
    first), id. Carried in the URL of the next/previous page as ``due.received.id`` in
    integer microseconds since 1970 UTC, ``-`` for no due time."""

    due_at: datetime | None
    received_at: datetime
    id: int

    def encode(self) -> str:
        due = "-" if self.due_at is None else str(_micros(self.due_at))
        return f"{due}.{_micros(self.received_at)}.{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> "InboxKey | None":
        try:
            due, received, row_id = (value or "").split(".")
            return cls(
                None if due == "-" else _from_micros(int(due)),
                _from_micros(int(received)),
                int(row_id),
            )
        except (ValueError, OverflowError):
            return None

    @classmethod
    def of(cls, row) -> "InboxKey":
        case, due_at = row
        return cls(due_at, case.received_at, case.id)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def _stretches(due_at, key: InboxKey | None, backwards: bool):
    """The inbox order after (or, backwards, before) ``key`` as consecutive stretches,
    each one (condition, order) that an index in the inbox order reads as one range:
    the rest of the key's due time, the later (earlier) due times, the cases with none.
    A row-value comparison on (received_at, id) keeps each stretch a range even deep
    into the list, so page 200 costs what page 1 does. Each stretch is ordered by the
    whole key, which is the indexes' order (PostgreSQL does not infer that a column
    held to IS NULL is constant, so ordering by the rest alone would not use them)."""
    forward = (due_at.asc().nulls_last(), Complaint.received_at.desc(), Complaint.id.desc())
    reverse = (due_at.desc().nulls_first(), Complaint.received_at.asc(), Complaint.id.asc())
    rest = tuple_(Complaint.received_at, Complaint.id)
    if key is None:
        return [(true(), forward)]
    if not backwards:
        after = rest < tuple_(literal(key.received_at), literal(key.id))
        if key.due_at is None:
            return [(and_(due_at.is_(None), after), forward)]
        return [
            (and_(due_at == key.due_at, after), forward),
            (due_at > key.due_at, forward),
            (due_at.is_(None), forward),
        ]
    before = rest > tuple_(literal(key.received_at), literal(key.id))
    if key.due_at is None:
        return [(and_(due_at.is_(None), before), reverse), (due_at.is_not(None), reverse)]
    return [(and_(due_at == key.due_at, before), reverse), (due_at < key.due_at, reverse)]


# What a list row shows (templates/complaints/_inbox_table.html) and its sort key; the
# long texts and the encrypted personal data stay in the database.
LIST_COLUMNS = (
    Complaint.tracking_no,
    Complaint.state,
    Complaint.received_at,
    Complaint.complainant_name,
    Complaint.mobile_masked,
    Complaint.outlet_id,
    Complaint.member_id,
    Complaint.category_id,
    Complaint.handling_unit_id,
    Complaint.is_major,
    Complaint.is_media,
    Complaint.repeat_of_id,
    Complaint.next_due_at,
)


@dataclass(frozen=True, slots=True)
class ListedUnit:
    name: str
    short_name: str | None = None


@dataclass(frozen=True, slots=True)
class ListedCategory(CategoryNames):
    name: str
    name_en: str | None
    parent: "ListedCategory | None"


@dataclass(frozen=True, slots=True)
class ListedCase(StateNames):
    """A case as a list shows it: its ``LIST_COLUMNS``, the names of its outlet, handling
    unit and category, as plain values read without the ORM (a page's rows are read on
    every list and home request, and mapped objects cost three times the reading)."""

    id: int
    tracking_no: str
    state: str
    received_at: datetime
    complainant_name: str
    mobile_masked: str | None
    outlet_id: int
    member_id: int | None
    category_id: int
    handling_unit_id: int | None
    is_major: bool
    is_media: bool
    repeat_of_id: int | None
    next_due_at: datetime | None
    outlet: ListedUnit
    handling_unit: ListedUnit | None
    category: ListedCategory


_CASE_FIELDS = ("id", *(column.key for column in LIST_COLUMNS))
_OUTLET, _HANDLER = aliased(Unit), aliased(Unit)
_CATEGORY, _PARENT = aliased(Category), aliased(Category)


def _listed(query, due_at):
    """``query``'s cases with the columns a list row shows (``ListedCase``), the units and
    categories named in the same statement, and ``due_at``."""
    return (
        query.with_only_columns(
            Complaint.id,
            *LIST_COLUMNS,
            due_at,
            _OUTLET.name,
            _HANDLER.name,
            _HANDLER.short_name,
            _CATEGORY.name,
            _CATEGORY.name_en,
            _PARENT.id,
            _PARENT.name,
            _PARENT.name_en,
        )
        .outerjoin(_OUTLET, _OUTLET.id == Complaint.outlet_id)
        .outerjoin(_HANDLER, _HANDLER.id == Complaint.handling_unit_id)
        .outerjoin(_CATEGORY, _CATEGORY.id == Complaint.category_id)
        .outerjoin(_PARENT, _PARENT.id == _CATEGORY.parent_id)
    )


def _listed_row(row) -> tuple[ListedCase, datetime | None]:
    (*case, due_at, outlet, handler, handler_short, name, name_en, parent_id, p_name, p_en) = row
    parent = None if parent_id is None else ListedCategory(p_name, p_en, None)
    return (
        ListedCase(
            **dict(zip(_CASE_FIELDS, case, strict=True)),
            outlet=ListedUnit(outlet or ""),
            handling_unit=None if handler is None else ListedUnit(handler, handler_short),
            category=ListedCategory(name or "", name_en, parent),
        ),
        due_at,
    )


def _read(query, stretches, wanted: int) -> list:
    rows: list = []
    for condition, order in stretches:
        if len(rows) >= wanted:
            break
        rows += db.session.execute(
            query.where(condition).order_by(*order).limit(wanted - len(rows))
        ).all()
    return [_listed_row(row) for row in rows]


# A walled text search (``queries.walled_text_test``) first reads at most this many
# cases of each stretch of the list in its order, testing each, and keeps the first
# matches: a page of a word in one case of a hundred or more is found so, whatever the
# bank's size. A rarer word falls back to the database's trigram search, which returns
# every match of the bank (docs/performance.md).
WALKED_ROWS = 1000


@dataclass(frozen=True)
class _Walk:
    unsearched: Any  # the list without its text condition, in order (``_filtered``)
    listed: Any  # the same as list rows (``_listed``)
    test: Any  # the plain text test


def _read_walking(walk: _Walk, stretches, wanted: int) -> list | None:
    """The rows of ``_read`` for a text search, from the first ``WALKED_ROWS`` cases of
    each stretch of the list; None when a stretch's walk gave fewer rows than wanted (it
    may have stopped short of a match beyond its reach)."""
    rows: list = []
    for condition, order in stretches:
        if len(rows) >= wanted:
            break
        need = wanted - len(rows)
        walked = (
            walk.unsearched.with_only_columns(Complaint.id, walk.test.label("hit"))
            .where(condition)
            .order_by(*order)
            .limit(WALKED_ROWS)
            .subquery()
        )
        hits = select(walked.c.id).where(walked.c.hit).limit(need)
        found = db.session.execute(
            walk.listed.where(condition, Complaint.id.in_(hits)).order_by(*order).limit(need)
        ).all()
        if len(found) < need:
            return None
        rows += found
    return [_listed_row(row) for row in rows]


def _walk(user, filters: InboxFilters, *, now, tz, unit) -> _Walk | None:
    test = walled_text_test(filters.q)
    if test is None:
        return None
    unsearched = dataclasses.replace(filters, q="")
    narrowing = _narrowing(unsearched, unit)
    query, due_at = _filtered(user, unsearched, now=now, tz=tz, narrowing=narrowing, in_order=True)
    return _Walk(query, _listed(query, due_at), test)


def inbox_page(
    user,
    filters: InboxFilters,
    *,
    now: datetime,
    tz,
    per_page: int,
    unit: Unit | None = None,
    after: InboxKey | None = None,
    before: InboxKey | None = None,
    page: int = 1,
    count_cap: int = 1000,
    count: bool = True,
) -> KeysetPage:
    """One page of the inbox read by its sort key (keyset pagination): the rows after
    ``after``, or before ``before``, or the first ones. Rows inserted or moved while the
    user pages shift nothing: no row is shown twice or skipped for that reason, and page
    N costs the same for every N. ``page`` is only the number shown. The total is counted
    up to ``count_cap`` rows, on the pages that lie within it, unless ``count`` is False
    (a text search: see views.cases.inbox); a list that fits on its first page is its
    own total either way."""
    # Built once: a text search may ask the database how common its term is
    # (queries.search_condition).
    narrowing = _narrowing(filters, unit)
    ordered, due_at = _filtered(user, filters, now=now, tz=tz, narrowing=narrowing, in_order=True)
    query = _listed(ordered, due_at)
    walk = _walk(user, filters, now=now, tz=tz, unit=unit)

    def read(stretches, wanted):
        rows = None if walk is None else _read_walking(walk, stretches, wanted)
        return _read(query, stretches, wanted) if rows is None else rows

    if before is not None:
        rows = read(_stretches(due_at, before, backwards=True), per_page + 1)[::-1]
        if len(rows) <= per_page:  # reached the top: show the first page whole
            return inbox_page(
                user,
                filters,
                now=now,
                tz=tz,
                per_page=per_page,
                unit=unit,
                count_cap=count_cap,
                count=count,
            )
        rows, has_prev, has_next = rows[1:], True, True
    else:
        rows = read(_stretches(due_at, after, backwards=False), per_page + 1)
        has_prev, has_next = after is not None, len(rows) > per_page
        rows = rows[:per_page]
    page = max(page, 2) if has_prev else 1
    total = None
    if page == 1 and not has_next:
        total = len(rows)  # the whole list is on this page: nothing to count
    elif count and (page - 1) * per_page < count_cap:
        counted = db.session.execute(
            select(func.count()).select_from(
                _filtered(user, filters, now=now, tz=tz, narrowing=narrowing)[0]
                .limit(count_cap + 1)
                .subquery()
            )
        ).scalar_one()
        total = counted if counted <= count_cap else None
    return KeysetPage(
        rows,
        page=page,
        per_page=per_page,
        has_prev=has_prev,
        has_next=has_next,
        first_key=InboxKey.of(rows[0]).encode() if rows else None,
        last_key=InboxKey.of(rows[-1]).encode() if rows else None,
        total=total,
        count_cap=count_cap,
        counted=count,
    )


def due_colour(due_at: datetime | None, now: datetime, tz) -> str:
    """red: past due; amber: due today or tomorrow; green: later; '' when nothing runs."""
    if due_at is None:
        return ""
    if due_at < now:
        return "red"
    if due_at.astimezone(tz).date() <= now.astimezone(tz).date() + timedelta(days=1):
        return "amber"
    return "green"
