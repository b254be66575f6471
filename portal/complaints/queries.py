"""Scoped reads of cases. Every list and every load is scoped by the tenancy layer
(``portal.orgs.scoping``): through ``cases_query``, or, for a statement built once,
through ``scoped`` with the user's ``scope_params``."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort
from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload

from portal.auth.models import User
from portal.auth.roles import ASSOCIATION_ROLES, Role
from portal.complaints import pii
from portal.complaints.models import (
    DOUBLED_SEARCH_COLUMNS,
    OPEN_STATE_VALUES,
    SEARCH_INDEX,
    Attachment,
    CaseFollower,
    Category,
    Complaint,
    ComplaintEvent,
    Rectification,
    doubled,
)
from portal.complaints.rules import TRACKING_RE, State, available_actions
from portal.db import PREPARE, db
from portal.deadlines.models import Clock, ClockEvent
from portal.orgs.models import Unit
from portal.orgs.scoping import scope_filter, scope_params, scope_root, scoped, text_search_bounds


def cases_query(user: User) -> Select:
    """The cases ``user`` may see: those held by a unit in the user's scope (Art. 9, 10).

    The association holds every case until it forwards it, so it sees everything; a
    member sees what was forwarded to it and passed down its tree; an outlet sees what
    reached it.
    """
    return select(Complaint).where(scope_filter(user, Complaint.handling_path))


# The hot reads of a case page are built once, with bound values (the user's scope
# among them): SQLAlchemy then neither rebuilds them nor recomputes their cache keys on
# every request, which cost more than running them.
_CASE = (
    select(Complaint)
    .where(scoped(Complaint.handling_path), Complaint.id == bindparam("case_id"))
    .options(
        joinedload(Complaint.category).joinedload(Category.parent),
        joinedload(Complaint.member),
        joinedload(Complaint.outlet),
    )
    .execution_options(**PREPARE)
)


def load_case_or_404(user: User, case_id: int) -> Complaint:
    """One case in ``user``'s scope, with its category (and the category's parent, for
    the full name every case page and notice shows), its member and its outlet (every
    case page names them, forwarding asks the member who is on duty) loaded in the same
    statement."""
    case = db.session.scalar(_CASE, {"case_id": case_id, **scope_params(user)})
    if case is None:
        abort(404)
    return case


def load_attachment_or_404(user: User, attachment_id: int) -> Attachment:
    attachment = db.session.scalar(
        select(Attachment)
        .join(Complaint, Attachment.complaint_id == Complaint.id)
        .where(Attachment.id == attachment_id, scope_filter(user, Complaint.handling_path))
    )
    if attachment is None:
        abort(404)
    return attachment


def org_id(user: User) -> int:
    """The organisation an internal note belongs to: the association or the member bank."""
    role = Role(user.role)
    if role in ASSOCIATION_ROLES:
        return scope_root(user).id
    return user.unit.member_id


@dataclass(frozen=True)
class Entry:
    """One line of the case history as the case page shows it. Read as plain rows, not
    ORM objects: a 30-entry history with its authors and units cost more to build as
    objects than to fetch."""

    id: int | None
    at: object
    action: str
    detail: dict
    note: str | None = None
    actor_name: str | None = None
    unit_name: str | None = None
    internal_org_id: int | None = None
    clock_kind: str | None = None
    attachments: tuple = ()


_FILES = (
    select(
        Attachment.id,
        Attachment.event_id,
        Attachment.filename,
        Attachment.content_type,
        Attachment.size,
    )
    .where(Attachment.complaint_id == bindparam("case_id"))
    .order_by(Attachment.id)
    .execution_options(**PREPARE)
)


def files(case: Complaint) -> list:
    """The case's attachments without their bytes (id, event_id, filename, content_type,
    size), in upload order."""
    return list(db.session.execute(_FILES, {"case_id": case.id}))


# Clock events worth a line in the case history (Art. 11): the others repeat what the
# case's own entries already say (started on forwarding, met on the reply …).
CLOCK_EVENTS_SHOWN = ("breached", "recomputed", "extended")

# The history (``timeline``): the case's own entries and its clocks' lines in one statement.
# Its constants are written into the SQL, not bound: bound, PostgreSQL could not tell how
# rare the events shown are without their values, priced its generic plan too high, and so
# planned the prepared statement anew on every run, which cost more than running it. Only
# the case and the reader's organisation are parameters.
_ENTRIES = (
    select(
        ComplaintEvent.at.label("at"),
        literal_column("0").label("source"),  # at the same instant, the case's own entry first
        ComplaintEvent.id.label("id"),
        ComplaintEvent.action,
        ComplaintEvent.detail,
        ComplaintEvent.note,
        ComplaintEvent.internal_org_id,
        User.full_name,
        func.coalesce(Unit.short_name, Unit.name),
        null(),
    )
    .outerjoin(User, User.id == ComplaintEvent.actor_id)
    .outerjoin(Unit, Unit.id == ComplaintEvent.actor_unit_id)
    .where(
        ComplaintEvent.complaint_id == bindparam("case_id"),
        or_(
            ComplaintEvent.internal_org_id.is_(None),
            ComplaintEvent.internal_org_id == bindparam("org_id"),
        ),
    )
)
_CLOCK_LINES = (
    select(
        ClockEvent.at,
        literal_column("1"),
        ClockEvent.id,
        literal_column("'clock_'", String) + ClockEvent.event,
        ClockEvent.detail,
        null(),
        null(),
        null(),
        null(),
        Clock.kind,
    )
    .join(Clock, Clock.id == ClockEvent.clock_id)
    .where(
        ClockEvent.case_id == bindparam("case_id"),
        ClockEvent.event.in_([literal_column(f"'{event}'") for event in CLOCK_EVENTS_SHOWN]),
    )
)
_TIMELINE = (
    union_all(_ENTRIES, _CLOCK_LINES)
    .order_by(literal_column("at"), literal_column("source"), literal_column("id"))
    .execution_options(**PREPARE)
)


def timeline(user: User, case: Complaint, case_files: list | None = None) -> list[Entry]:
    """The case history as ``user`` may read it (internal notes of other orgs hidden),
    each entry with its author, unit and attachments, merged with its clocks' breaches,
    recomputations and extensions (Art. 11) — in one statement."""
    by_event: dict[int, list] = {}
    for item in files(case) if case_files is None else case_files:
        if item.event_id is not None:
            by_event.setdefault(item.event_id, []).append(item)
    rows = db.session.execute(_TIMELINE, {"case_id": case.id, "org_id": org_id(user)})
    return [
        Entry(
            id=row_id if source == 0 else None,
            at=at,
            action=action,
            detail=detail or {},
            note=note,
            internal_org_id=internal_org_id,
            actor_name=actor_name,
            unit_name=unit_name,
            clock_kind=clock_kind,
            attachments=tuple(by_event.get(row_id, ())) if source == 0 else (),
        )
        for (
            at,
            source,
            row_id,
            action,
            detail,
            note,
            internal_org_id,
            actor_name,
            unit_name,
            clock_kind,
        ) in rows
    ]


# The cases repeating this one, and the one it repeats: two plain look-ups rather than one
# "repeat_of_id = :case OR id = :earlier", which PostgreSQL planned anew on every run (the
# OR's second half is void for the 95% of cases that repeat nothing, so a plan made with
# the values always looked cheaper than the one made for any values).
_REPEAT_COLUMNS = select(Complaint.id, Complaint.tracking_no, Complaint.repeat_of_id).where(
    scoped(Complaint.handling_path)
)
_LATER_REPEATS = (
    _REPEAT_COLUMNS.where(Complaint.repeat_of_id == bindparam("case_id"))
    .order_by(Complaint.id)
    .execution_options(**PREPARE)
)
_EARLIER_CASE = _REPEAT_COLUMNS.where(Complaint.id == bindparam("case_id")).execution_options(
    **PREPARE
)


def repeat_chain(user: User, case: Complaint) -> dict:
    """The case this one repeats and the cases repeating it, as far as ``user`` may see
    them (a repeat handled at another bank is not named to this one): (id, tracking_no)
    rows."""
    scope = scope_params(user)
    earlier = None
    if case.repeat_of_id is not None:
        earlier = db.session.execute(_EARLIER_CASE, {"case_id": case.repeat_of_id, **scope}).first()
    later = db.session.execute(_LATER_REPEATS, {"case_id": case.id, **scope}).all()
    return {"earlier": earlier, "later": later}


_USER_NAME = (
    select(User.full_name).where(User.id == bindparam("user_id")).execution_options(**PREPARE)
)


def user_name(user_id: int | None) -> str | None:
    """A user's full name (the case page names who accepted the case), without loading
    the account and its unit."""
    if user_id is None:
        return None
    return db.session.scalar(_USER_NAME, {"user_id": user_id})


_FOLLOWING = (
    select(CaseFollower.user_id)
    .where(
        CaseFollower.complaint_id == bindparam("case_id"),
        CaseFollower.user_id == bindparam("user_id"),
    )
    .execution_options(**PREPARE)
)


def is_following(user: User, case: Complaint) -> bool:
    if not case.follower_count:
        return False
    return db.session.scalar(_FOLLOWING, {"case_id": case.id, "user_id": user.id}) is not None


def side_of(user: User) -> str:
    role = Role(user.role)
    if role in (Role.ASSOC_HANDLER, Role.ASSOC_ADMIN):
        return "association"
    if role in (Role.MEMBER_HANDLER, Role.MEMBER_ADMIN) and user.unit_id == user.unit.member_id:
        return "member"
    if role in (Role.ASSOC_LEADER, Role.MEMBER_LEADER):
        return "observer"
    return "unit"


def actions_for(user: User, case: Complaint) -> frozenset[str]:
    at_unit = case.handling_unit_id == user.unit_id
    side = side_of(user)
    # Passing down matters only to the member or unit holding a case in hand (Art. 9(1)).
    may_pass_down = side in ("member", "unit") and case.state_enum == State.HANDLING
    return available_actions(
        side=side,
        state=case.state_enum,
        handled_at_member=case.handling_unit_id == case.member_id,
        at_handling_unit=at_unit,
        has_finding=bool(case.finding),
        replied=case.replied_at is not None,
        satisfaction_recorded=bool(case.satisfaction),
        finding_substantiated=case.finding in ("substantiated", "partly"),
        can_pass_down=may_pass_down and has_active_children(case.handling_unit_id),
    )


def has_active_children(unit_id: int) -> bool:
    return (
        db.session.scalar(
            select(Unit.id).where(Unit.parent_id == unit_id, Unit.is_active.is_(True)).limit(1)
        )
        is not None
    )


def sees_full_pii(user: User, case: Complaint) -> bool:
    """Those handling the case may reveal the full number; leaders and lists see masks."""
    side = side_of(user)
    if side == "observer":
        return False
    return side in ("association", "member") or case.handling_unit_id == user.unit_id


def units_below(case: Complaint) -> list[Unit]:
    """Active units under the one now holding the case: where it may be passed down to."""
    low, high = case.handling_path, case.handling_path[:-1] + "0"
    return list(
        db.session.scalars(
            select(Unit)
            .where(
                Unit.path >= low,
                Unit.path < high,
                Unit.id != case.handling_unit_id,
                Unit.is_active.is_(True),
            )
            .order_by(Unit.path)
        )
    )


def categories() -> list[Category]:
    """The categories to choose from: active, under an active parent (deactivating a
    category withdraws its sub-categories too)."""
    parent = aliased(Category)
    return list(
        db.session.scalars(
            select(Category)
            .outerjoin(parent, parent.id == Category.parent_id)
            .where(
                Category.is_active.is_(True),
                or_(Category.parent_id.is_(None), parent.is_active.is_(True)),
            )
            .order_by(Category.sort, Category.id)
        )
    )


def suggest_repeats(
    *,
    mobile: str | None,
    id_number: str | None,
    outlet_id: int | None,
    category_id: int | None,
    today: date,
    exclude_id: int | None = None,
) -> list[Complaint]:
    """Earlier cases by the same person, or about the same outlet and category, in the
    last 90 days: candidates for a repeat complaint (重复投诉)."""
    since = today - timedelta(days=90)
    conditions = []
    if mobile:
        conditions.append(Complaint.mobile_hash == pii.search_hash(mobile))
    if id_number:
        conditions.append(Complaint.id_number_hash == pii.search_hash(id_number))
    if outlet_id and category_id:
        conditions.append(
            and_(Complaint.outlet_id == outlet_id, Complaint.category_id == category_id)
        )
    if not conditions:
        return []
    query = (
        select(Complaint)
        .where(or_(*conditions), Complaint.received_on >= since)
        .order_by(Complaint.received_at.desc())
        .limit(8)
    )
    if exclude_id:
        query = query.where(Complaint.id != exclude_id)
    return list(db.session.scalars(query))


# A term this short finds nothing useful among thousands of cases and would read them
# all: the search box asks for one more character instead (its hint says so).
SHORTEST_SEARCH = 2
# The plain trigram index of the tracking number serves three characters or more.
SHORTEST_TRACKING_FRAGMENT = 3


def search_condition(q: str):
    """Tracking number, exact mobile or ID number (by keyed hash), or text: a part of the
    tracking number, the complainant's name, the facts or the demand (two characters or
    more; ``%`` and ``_`` are matched as themselves)."""
    q = q.strip()
    if not q:
        return None
    by_number = _by_number(q)
    if by_number is not None:
        return by_number
    if len(q) < SHORTEST_SEARCH:
        return false()
    texts = [Complaint.complainant_name, Complaint.facts, Complaint.demand]
    plain = _plain_tests(q)
    tracking = len(q) >= SHORTEST_TRACKING_FRAGMENT
    term = "".join(c + c for c in q)  # doubled (models.DOUBLED_SEARCH_COLUMNS)
    if db.engine.dialect.name == "sqlite":
        return _sqlite_text_condition(term, or_(*plain), tracking=tracking)
    # The doubled indexes (models.DOUBLED_SEARCH_COLUMNS) serve two characters: a term is
    # in a text exactly when the doubled term is in the doubled text. The plain test
    # comes first and is cheap; the doubled one then only runs where the plain one
    # matched. A common word (in 4% of the cases) is searched by reading the inbox in
    # its order until a page is found, some 500 rows, and doubling each row's texts
    # costs more than the plain test (docs/performance.md). Wrapped in coalesce, the
    # planner takes it
    # for a test it knows nothing of (halving its row estimate), not as a second
    # independent text match (which would square it and mislead its choice of plan).
    bounds = text_search_bounds()
    if bounds is not None:
        # Walled to one bank (row-level security): the same test, run by the database
        # where the trigram indexes stay usable, within the bank (orgs/scoping.py).
        matches = func.complaint_text_matches(
            _containing(q), _containing(term), tracking, *bounds
        ).table_valued("id")
        return Complaint.id.in_(select(matches.c.id))
    indexed = [doubled(column).ilike(_containing(term), escape="\\") for column in texts]
    indexed += plain[len(texts) :]
    return and_(func.coalesce(or_(*plain), true()), or_(*indexed))


def _plain_tests(q: str, *, as_written: bool = False) -> list:
    """The texts (and the tracking number, from three characters) holding ``q``, one
    test each: what defines a text search's result; ``as_written`` for a ``q`` that has
    no upper or lower case (LIKE then tests the same, faster than ILIKE)."""
    columns = [Complaint.complainant_name, Complaint.facts, Complaint.demand]
    if len(q) >= SHORTEST_TRACKING_FRAGMENT:
        columns.append(Complaint.tracking_no)
    pattern = _containing(q)
    if as_written:
        return [column.like(pattern, escape="\\") for column in columns]
    return [column.ilike(pattern, escape="\\") for column in columns]


def walled_text_test(q: str):
    """For a text search the row-level wall keeps from the trigram indexes (PostgreSQL,
    a request walled to one bank: ``orgs.scoping.text_search_bounds``), the plain test
    of ``q``, for reading the list in its order until a page is found
    (``inbox.inbox_page``); None for any other search. A term without upper or lower
    case (Chinese) is compared as it is (LIKE), which is the same test, done faster."""
    q = q.strip()
    if not searches_text(q) or text_search_bounds() is None:
        return None
    return or_(*_plain_tests(q, as_written=q.lower() == q == q.upper()))


# SQLite: a term found in more cases than this is searched by reading the inbox in its
# order with LIKE until a page is found; a rarer one through the full-text index. At
# 250,000 cases, reading and sorting the matches costs about 2.5 µs a match (a word in
# 6,273 cases: 17 ms), reading the order about 1 µs a case passed, some 26 × cases /
# matches of them (the same word: 2.3 ms; a name in 336 cases: 19 ms, in 57: 165 ms).
# Near this number either takes 3-5 ms.
COMMON_TERM_MATCHES = 2000


def _sqlite_text_condition(term_doubled: str, plain, *, tracking: bool):
    """SQLite's text search: ``plain`` (the LIKE test, which defines the result), and
    for a term that is not common, the cases SQLite's full-text index (models.
    SEARCH_INDEX) finds for it, which hold every case LIKE matches (FTS5 folds the
    case of every alphabet, LIKE only of ASCII, so LIKE still decides)."""
    matches = _indexed_matches(term_doubled, tracking=tracking)
    counted = select(func.count()).select_from(matches.limit(COMMON_TERM_MATCHES + 1).subquery())
    if db.session.execute(counted).scalar_one() > COMMON_TERM_MATCHES:
        return plain
    return and_(Complaint.id.in_(matches), plain)


def _indexed_matches(term_doubled: str, *, tracking: bool) -> Select:
    """The ids of the cases whose names or texts (and tracking number, if ``tracking``),
    doubled in SQLite's full-text index, hold ``term_doubled``: an FTS5 phrase (every
    character taken literally but the quote, which is doubled again), in those columns."""
    columns = (*DOUBLED_SEARCH_COLUMNS, "tracking_no") if tracking else DOUBLED_SEARCH_COLUMNS
    names = " ".join(columns)
    phrase = term_doubled.replace('"', '""')
    match = literal_column(SEARCH_INDEX.name).match(f'{{{names}}} : "{phrase}"')
    return select(SEARCH_INDEX.c.rowid).where(match)


def _by_number(q: str):
    """The condition for a tracking number, a mobile or an ID number; None for text."""
    if TRACKING_RE.match(q.upper()):
        return Complaint.tracking_no == q.upper()
    digits = q.replace(" ", "")
    if digits.isdigit() and len(digits) == 11:
        return Complaint.mobile_hash == pii.search_hash(digits)
    if len(digits) == 18 and digits[:17].isdigit():
        return Complaint.id_number_hash == pii.search_hash(digits)
    return None


def searches_text(q: str) -> bool:
    """Whether ``search_condition`` looks ``q`` up in the names and texts (not a number)."""
    q = q.strip()
    return len(q) >= SHORTEST_SEARCH and _by_number(q) is None


def search_too_short(q: str) -> bool:
    """A term ``search_condition`` does not search (the list says so)."""
    return 0 < len(q.strip()) < SHORTEST_SEARCH


def _containing(term: str) -> str:
    """A LIKE pattern for ``term`` anywhere, its wildcards and escapes taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def open_state_filter():
    """The open states, their values written into the SQL: SQLite uses the partial
    indexes of the open cases (``models.OPEN_STATES_SQL``) only for a query that says
    their condition word for word, which a bound parameter does not."""
    return Complaint.state.in_(bindparam("open_states", OPEN_STATE_VALUES, literal_execute=True))


# -- Art. 9(2): rectifications, followed to completion ---------------------------------

RECTIFICATION_STATUSES = ("open", "overdue", "done", "all")


def rectifications_query(
    user: User, *, status: str, today: date, member_id: int | None = None
) -> Select:
    """Rectification opinions ``user`` may see, the overdue and soonest due first. An
    opinion is seen by whoever may see the complained outlet, which rectifies (Art.
    9(2)), wherever its case is held now."""
    outlet = aliased(Unit)
    query = (
        select(Rectification)
        .join(Complaint, Complaint.id == Rectification.complaint_id)
        .join(outlet, outlet.id == Complaint.outlet_id)
        .options(
            joinedload(Rectification.complaint).options(
                joinedload(Complaint.outlet), joinedload(Complaint.handling_unit)
            )
        )
        .where(scope_filter(user, outlet.path))
    )
    if status in ("open", "overdue"):
        query = query.where(Rectification.completed_at.is_(None))
    if status == "overdue":
        query = query.where(Rectification.due_on < today)
    if status == "done":
        query = query.where(Rectification.completed_at.is_not(None))
    if member_id:
        query = query.where(Complaint.member_id == member_id)
    return query.order_by(
        Rectification.completed_at.is_not(None),
        Rectification.due_on.is_(None),
        Rectification.due_on,
        Rectification.id,
    )


def load_rectification_or_404(user: User, rectification_id: int) -> Rectification:
    outlet = aliased(Unit)
    item = db.session.scalar(
        select(Rectification)
        .join(Complaint, Complaint.id == Rectification.complaint_id)
        .join(outlet, outlet.id == Complaint.outlet_id)
        .where(Rectification.id == rectification_id, scope_filter(user, outlet.path))
    )
    if item is None:
        abort(404)
    return item
