"""Clocks on a case: the complaint lifecycle calls only ``start_clock`` (``start_clocks``
for several), ``stop_clock`` and ``extend_clock`` (and ``cancel_clock``/``cancel_clocks``
when a step is withdrawn); calendar changes call ``recompute_open_clocks``.

Every call appends ``ClockEvent`` rows, which the case history merges, and sets the
case's ``Complaint.next_due_at`` to the earliest due time among its open clocks
(``sync_next_due``; inside a ``batch()`` of calls, once per case: with the step's own
UPDATE of the case, or when the batch ends): these functions are the only writers of a
clock's due time and of its being open, so that copy can never drift.
Operations flush and never commit: the request or the command commits once.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, event, func, inspect, select, text, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from portal.db import PREPARE, db
from portal.deadlines.models import OPEN, Clock, ClockEvent
from portal.deadlines.rules import (
    DEADLINE_TZ,
    DEFAULT_ACCEPT_LIMIT_DAYS,
    ClockKind,
    limit_days,
    local_day,
)
from portal.workdays.rules import WorkingCalendar, end_of_day


class ClockError(ValueError):
    """The lifecycle asked for something a clock cannot do (a bug in the caller)."""


def _due_at(due_on: date) -> datetime:
    # Art. 11: due at the END of the day, 23:59:59 Beijing time.
    return end_of_day(due_on, DEADLINE_TZ).astimezone(UTC)


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ClockError(f"{what} must be timezone-aware")
    return moment


def _snapshot(clock: Clock) -> dict:
    return {
        "due_on": clock.due_on.isoformat(),
        "due_at": clock.due_at.isoformat(),
        "is_provisional": clock.is_provisional,
        "limit_days": clock.limit_days,
    }


def _event(clock: Clock, event: str, at: datetime, actor=None, **detail) -> None:
    row = {
        "case_id": clock.case_id,
        "at": at,
        "event": event,
        "actor_id": actor.id if actor else None,
        "detail": {"kind": clock.kind, **detail},
    }
    running = _running()
    if running is not None:
        # Written when the batch ends, all in one INSERT (a new clock has its id by then).
        running["events"].append((clock, row))
        return
    db.session.add(ClockEvent(clock_id=clock.id, **row))


def _running() -> dict | None:
    return db.session.info.get("clock_batch")


def _flush_alone() -> None:
    """Flush a step's changes now, unless a batch runs: it flushes once when it ends."""
    if _running() is None:
        db.session.flush()


@contextmanager
def batch():
    """Several clock steps of one action (forwarding stops one clock and starts three):
    the calendar is read once, each case's open clocks are read once, the clock events
    are written in one INSERT when the outermost batch ends, and ``next_due_at`` is set
    once per case: on the case itself when the step has changed it (its UPDATE carries
    the value), else by one UPDATE when the batch ends. Nothing of it is written if the
    batch ends with an error: the transaction is then rolled back."""
    info = db.session.info
    outermost = "clock_batch" not in info
    if outermost:
        info["clock_batch"] = {
            "cases": set(),  # next_due_at by UPDATE when the batch ends
            "in_session": set(),  # next_due_at set on the loaded case, flushed with it
            "calendar": None,
            "open": {},
            "every": {},  # each case's clocks, open or not, kept up to date like "open"
            "events": [],
        }
    try:
        yield
    except BaseException:
        if outermost:
            info.pop("clock_batch", None)
        raise
    if outermost:
        running = info.pop("clock_batch")
        if running["events"] or running["in_session"]:
            db.session.flush()  # the new clocks get their ids, the cases their next_due_at
            db.session.execute(
                _INSERT_EVENTS,
                [{"clock_id": clock.id, **row} for clock, row in running["events"]],
            )
        if running["cases"]:
            sync_next_due(running["cases"])
        _remember_case_clocks(running["every"])


def sync_next_due(case_ids) -> None:
    """Set ``Complaint.next_due_at`` of these cases to the earliest due time among their
    open clocks (None when none runs); inside a ``batch()``, see ``_next_due_in_session``.

    A set-based UPDATE: it neither bumps the case's optimistic-lock version (the step
    that moved the clock already did) nor touches ``updated_at``; a case loaded in the
    session sees the new value on its next read. Ids without a complaint are ignored.
    """
    running = _running()
    if running is not None:
        for case_id in case_ids:
            if _next_due_in_session(running, case_id):
                running["in_session"].add(case_id)
            else:
                running["cases"].add(case_id)
        return
    ids = sorted(set(case_ids))
    statement = _sync_statement()
    for start in range(0, len(ids), 500):
        db.session.execute(statement, {"ids": ids[start : start + 500]})


@cache
def _sync_statement():
    # Imported here: complaints build on deadlines, not the other way round.
    from portal.complaints.models import Complaint

    return (
        update(Complaint)
        .where(Complaint.id.in_(bindparam("ids", expanding=True)))
        .values(next_due_at=_earliest_open_due(Complaint), updated_at=Complaint.updated_at)
        .execution_options(synchronize_session="fetch")
    )


def _next_due_in_session(running: dict, case_id: int) -> bool:
    """Inside a batch: when the batch knows the case's open clocks and the case is loaded
    with changes of its own not yet flushed (the step moved it), set ``next_due_at`` on it,
    so the step's own UPDATE of the case carries it; else (False) an UPDATE sets it when
    the batch ends. Either way the case's version moves once per step."""
    from portal.complaints.models import Complaint

    known = running["open"].get(case_id)
    if known is None:
        return False
    case = db.session.identity_map.get(identity_key(Complaint, case_id))
    if case is None or not inspect(case).modified:
        return False
    case.next_due_at = min((clock.due_at for clock in known), default=None)
    return True


def _earliest_open_due(complaint):
    """The earliest due time among the case's open clocks, as a correlated subquery."""
    return (
        select(func.min(Clock.due_at))
        .where(Clock.case_id == complaint.id, text(OPEN))
        .scalar_subquery()
    )


def resync_next_due() -> int:
    """Set ``Complaint.next_due_at`` of every case from its open clocks, in one statement:
    after a bulk load that wrote clocks directly (``flask demo generate``). Returns the
    number of cases updated."""
    from portal.complaints.models import Complaint

    open_cases = select(Clock.case_id).where(text(OPEN))
    result = db.session.execute(
        update(Complaint)
        .where(Complaint.id.in_(open_cases) | Complaint.next_due_at.is_not(None))
        .values(next_due_at=_earliest_open_due(Complaint), updated_at=Complaint.updated_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _find_open(case_id: int, kind: ClockKind) -> Clock | None:
    return next(iter(_find_open_kinds(case_id, [kind])), None)


def _open_in_batch(running: dict, case_id: int) -> list[Clock]:
    """The case's open clocks, read once per batch and kept up to date by the batch's own
    steps (every opening and closing of a clock goes through this module). The read
    takes all the case's clocks: the page the step answers with shows them all
    (``case_clocks``)."""
    known = running["open"].get(case_id)
    if known is None:
        # Not flushing the step's pending change of the case first: the read does not
        # depend on it, and the case's UPDATE then carries its next_due_at as well.
        with db.session.no_autoflush:
            every = running["every"][case_id] = _query_case_clocks(case_id)
        known = running["open"][case_id] = sorted(
            (clock for clock in every if clock.is_open), key=lambda clock: clock.id
        )
    return known


def _calendar(calendar: WorkingCalendar | None) -> WorkingCalendar:
    if calendar is not None:
        return calendar
    # Imported here: the store recomputes clocks through this module.
    from portal.workdays.store import current_calendar

    running = _running()
    if running is None:
        return current_calendar()
    if running["calendar"] is None:
        # As in _open_in_batch: a case step writes no calendar rows (a calendar change
        # flushes its own revision, store._touch_revision), so nothing pending bears on it.
        with db.session.no_autoflush:
            running["calendar"] = current_calendar()
    return running["calendar"]


def start_clock(
    *,
    case_id: int,
    kind: ClockKind | str,
    owner_unit,
    started_at: datetime,
    now: datetime,
    calendar: WorkingCalendar | None = None,
    due_on: date | None = None,
    actor=None,
) -> Clock:
    """Start the ``kind`` clock of a case, owned by ``owner_unit``.

    The step was received at ``started_at``; the due time follows the Art. 11 rule
    (end of the N-th working day after that Beijing date). A ``promise`` clock takes
    the date promised to the customer as ``due_on`` instead (Art. 11(3)). Starting a
    clock that is already open cancels the open one first (re-verification restarts).
    """
    kind = ClockKind(kind)
    _aware(started_at, "started_at")
    previous = _find_open(case_id, kind)
    if previous is not None:
        _cancel(previous, at=now, reason="restarted", actor=actor)
        db.session.flush()  # the open-clock unique index must see it closed first
    limit = limit_days(kind, current_app.config.get("ACCEPT_LIMIT_DAYS", DEFAULT_ACCEPT_LIMIT_DAYS))
    start_day = local_day(started_at)
    if limit is None:
        if due_on is None:
            raise ClockError("a promise clock needs the promised date (due_on)")
        if due_on < start_day:
            raise ClockError("the promised date lies before the day of the promise")
        provisional = False
    else:
        if due_on is not None:
            raise ClockError(f"the {kind} clock counts working days; only a promise takes a date")
        calendar = _calendar(calendar)
        due_on = calendar.add_working_days(start_day, limit)
        provisional = calendar.is_provisional(start_day, due_on)
    clock = Clock(
        case_id=case_id,
        kind=kind.value,
        owner_unit_id=owner_unit.id,
        owner_path=owner_unit.path,
        started_at=started_at,
        limit_days=limit,
        due_on=due_on,
        due_at=_due_at(due_on),
        is_provisional=provisional,
    )
    db.session.add(clock)
    _opened([clock])
    if _running() is None:
        db.session.flush()  # the event names the new clock's id
    _event(clock, "started", started_at, actor, owner_unit_id=owner_unit.id, **_snapshot(clock))
    _flush_alone()
    sync_next_due([case_id])
    return clock


def start_clocks(
    *,
    case_id: int,
    kinds,
    owner_unit,
    started_at: datetime,
    now: datetime,
    calendar: WorkingCalendar | None = None,
    actor=None,
) -> list[Clock]:
    """Start several working-day clocks of a case at once, as ``start_clock`` would one
    after the other (forwarding starts accept, verify and report; a report sent back
    restarts verify and report): one look-up of the open ones, one write of the new."""
    kinds = [ClockKind(kind) for kind in kinds]
    _aware(started_at, "started_at")
    accept_limit = current_app.config.get("ACCEPT_LIMIT_DAYS", DEFAULT_ACCEPT_LIMIT_DAYS)
    limits = {kind: limit_days(kind, accept_limit) for kind in kinds}
    if None in limits.values():
        raise ClockError("a promise clock needs the promised date: use start_clock")
    running = _find_open_kinds(case_id, kinds)
    for previous in running:
        _cancel(previous, at=now, reason="restarted", actor=actor)
    if running:
        db.session.flush()  # the open-clock unique index must see them closed first
    calendar = _calendar(calendar)
    start_day = local_day(started_at)
    clocks = []
    for kind in kinds:
        due_on = calendar.add_working_days(start_day, limits[kind])
        clocks.append(
            Clock(
                case_id=case_id,
                kind=kind.value,
                owner_unit_id=owner_unit.id,
                owner_path=owner_unit.path,
                started_at=started_at,
                limit_days=limits[kind],
                due_on=due_on,
                due_at=_due_at(due_on),
                is_provisional=calendar.is_provisional(start_day, due_on),
            )
        )
    db.session.add_all(clocks)
    _opened(clocks)
    if _running() is None:
        db.session.flush()  # the events name the new clocks' ids
    for clock in clocks:
        _event(clock, "started", started_at, actor, owner_unit_id=owner_unit.id, **_snapshot(clock))
    _flush_alone()
    sync_next_due([case_id])
    return clocks


def cancel_clocks(*, case_id: int, kinds, at: datetime, reason: str, actor=None) -> list[Clock]:
    """Withdraw the open clocks of these kinds at once (a recalled forward withdraws
    accept, verify and report); the ones not open are left alone."""
    running = _find_open_kinds(case_id, [ClockKind(kind) for kind in kinds])
    for clock in running:
        _cancel(clock, at=at, reason=reason, actor=actor)
    if running:
        _flush_alone()
        sync_next_due([case_id])
    return running


def _find_open_kinds(case_id: int, kinds: list[ClockKind]) -> list[Clock]:
    running = _running()
    if running is None:
        return _query_open(case_id, kinds)
    wanted = {kind.value for kind in kinds}
    return [clock for clock in _open_in_batch(running, case_id) if clock.kind in wanted]


# Built once, so SQLAlchemy neither rebuilds them nor recomputes their cache keys per
# call (a batch reads a case's clocks with ``_case_clocks_statement`` instead).
_OPEN = (
    select(Clock)
    .where(
        Clock.case_id == bindparam("case_id"),
        Clock.met_at.is_(None),
        Clock.cancelled_at.is_(None),
    )
    .execution_options(**PREPARE)
)
_OPEN_OF_KINDS = _OPEN.where(Clock.kind.in_(bindparam("kinds", expanding=True))).order_by(Clock.id)
_INSERT_EVENTS = ClockEvent.__table__.insert()


def _query_open(case_id: int, kinds: list[ClockKind]) -> list[Clock]:
    values = {"case_id": case_id, "kinds": [kind.value for kind in kinds]}
    return list(db.session.scalars(_OPEN_OF_KINDS, values))


def _opened(clocks: list[Clock]) -> None:
    running = _running()
    for clock in clocks:
        if running is not None and clock.case_id in running["open"]:
            running["open"][clock.case_id].append(clock)
            running["every"][clock.case_id].append(clock)


def _closed(clock: Clock) -> None:
    running = _running()
    if running is not None and clock in running["open"].get(clock.case_id, ()):
        running["open"][clock.case_id].remove(clock)


def stop_clock(
    *, case_id: int, kind: ClockKind | str, met_at: datetime, actor=None
) -> Clock | None:
    """The step was done at ``met_at``: stop its open clock (None if none is open)."""
    clock = _find_open(case_id, ClockKind(kind))
    if clock is None:
        return None
    clock.met_at = _aware(met_at, "met_at")
    _closed(clock)
    _event(clock, "met", met_at, actor, state=clock.state(met_at).value)
    _flush_alone()
    sync_next_due([case_id])
    return clock


def extend_clock(
    *, case_id: int, kind: ClockKind | str, due_on: date, at: datetime, actor=None
) -> Clock:
    """Give the open clock a new due date (a new promise to the customer, Art. 11(3)).

    The clock then runs to the end of ``due_on`` and is no longer counted in working
    days, so calendar changes leave it alone. A breach of the previous date stays in
    the clock's history; the clock itself is open again until the new date passes.
    """
    kind = ClockKind(kind)
    clock = _find_open(case_id, kind)
    if clock is None:
        raise ClockError(f"case {case_id} has no open {kind} clock to extend")
    if due_on < local_day(_aware(at, "at")):
        raise ClockError("the new date lies in the past")
    before = _snapshot(clock) | {"breached_at": _iso(clock.breached_at)}
    clock.due_on = due_on
    clock.due_at = _due_at(due_on)
    clock.limit_days = None
    clock.is_provisional = False
    if clock.breached_at is not None and clock.due_at > at:
        clock.breached_at = None
    _event(clock, "extended", at, actor, before=before, after=_snapshot(clock))
    _flush_alone()
    sync_next_due([case_id])
    return clock


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _cancel(clock: Clock, *, at: datetime, reason: str, actor=None) -> None:
    clock.cancelled_at = _aware(at, "at")
    _closed(clock)
    _event(clock, "cancelled", at, actor, reason=reason)


def cancel_clock(
    *, case_id: int, kind: ClockKind | str, at: datetime, reason: str, actor=None
) -> Clock | None:
    """Withdraw the open clock (the step no longer applies); None if none is open."""
    clock = _find_open(case_id, ClockKind(kind))
    if clock is None:
        return None
    _cancel(clock, at=at, reason=reason, actor=actor)
    _flush_alone()
    sync_next_due([case_id])
    return clock


def open_clocks(case_id: int) -> list[Clock]:
    """The case's running clocks, the soonest due first."""
    return db.session.scalars(
        select(Clock)
        .where(Clock.case_id == case_id, Clock.met_at.is_(None), Clock.cancelled_at.is_(None))
        .order_by(Clock.due_at, Clock.id)
    ).all()


@cache
def _case_clocks_statement():
    # Built on first use, not at import: naming the owner relationship configures every
    # mapper, and at import time the models this module's importers need may not all be
    # loaded yet.
    return (
        select(Clock)
        .options(joinedload(Clock.owner_unit))  # the clock table names each owner
        .where(Clock.case_id == bindparam("case_id"))
        .order_by(Clock.started_at, Clock.id)
        .execution_options(**PREPARE)
    )


# The clocks of the cases a batch of clock changes has just written, by case id, valid
# until anything else is written in the session's transaction or it ends.
_KNOWN = "case_clocks"


def case_clocks(case_id: int) -> list[Clock]:
    """Every clock the case ever had, in the order they started (the statement is built
    once: every case page reads it). After a step, as its batch of clock changes left
    them: the page the step answers with does not read them again."""
    known = db.session.info.get(_KNOWN, {}).get(case_id)
    if known is not None:
        return list(known)
    return _query_case_clocks(case_id)


def _query_case_clocks(case_id: int) -> list[Clock]:
    return list(db.session.scalars(_case_clocks_statement(), {"case_id": case_id}))


def _remember_case_clocks(every: dict[int, list[Clock]]) -> None:
    if any(clock.id is None for clocks in every.values() for clock in clocks):
        return  # not flushed (no batch ends so; a guard, not a path)
    known = db.session.info.setdefault(_KNOWN, {})
    for case_id, clocks in every.items():
        known[case_id] = sorted(clocks, key=lambda clock: (clock.started_at, clock.id))


@event.listens_for(Session, "do_orm_execute")
def _forget_after_writes(execute_state):
    if not execute_state.is_select:
        execute_state.session.info.pop(_KNOWN, None)


@event.listens_for(Session, "before_flush")
def _forget_before_flush(session, flush_context, instances):
    # Any flush may change a clock (a loaded one altered in place, a new one): forgotten
    # unless nothing at all is written. The batch remembers only after its own flush.
    if _KNOWN in session.info and (session.new or session.dirty or session.deleted):
        session.info.pop(_KNOWN)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_at_the_end(session, *_previous):
    session.info.pop(_KNOWN, None)


def case_clock_events(case_id: int) -> list[ClockEvent]:
    """The clocks' history of a case, oldest first (for the case history)."""
    return db.session.scalars(
        select(ClockEvent)
        .where(ClockEvent.case_id == case_id)
        .order_by(ClockEvent.at, ClockEvent.id)
    ).all()


def recompute_open_clocks(
    calendar: WorkingCalendar,
    now: datetime,
    actor=None,
    *,
    since: date | None = None,
    reason: str = "",
) -> int:
    """Recount the due time of every open working-day clock on ``calendar``.

    ``since`` narrows it to clocks due on or after that date (a change on day D moves
    only limits that reach D). A clock whose due date or provisional flag changes gets a
    ``recomputed`` event; a breach that the new due time undoes is withdrawn. Returns
    how many clocks changed.
    """
    query = select(Clock).where(text(OPEN), Clock.limit_days.is_not(None))
    if since is not None:
        query = query.where(Clock.due_on >= since)
    clocks = db.session.scalars(query.order_by(Clock.id)).all()
    if not clocks:
        return 0
    starts = [local_day(clock.started_at) for clock in clocks]
    dues = calendar.add_working_days_many(starts, [clock.limit_days for clock in clocks])
    changed, moved = 0, set()
    for clock, start, due_on in zip(clocks, starts, dues, strict=True):
        provisional = calendar.is_provisional(start, due_on)
        if due_on == clock.due_on and provisional == clock.is_provisional:
            continue
        before = _snapshot(clock)
        clock.due_on, clock.due_at, clock.is_provisional = due_on, _due_at(due_on), provisional
        withdrawn = clock.breached_at is not None and clock.due_at > now
        if withdrawn:
            clock.breached_at = None
        _event(
            clock,
            "recomputed",
            now,
            actor,
            before=before,
            after=_snapshot(clock),
            reason=reason,
            breach_withdrawn=withdrawn,
        )
        changed += 1
        moved.add(clock.case_id)
    db.session.flush()
    sync_next_due(moved)
    return changed
