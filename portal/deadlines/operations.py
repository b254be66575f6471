"""Clocks on a case. The complaint lifecycle calls only ``start_clock`` (``start_clocks``
for several), ``stop_clock`` and ``extend_clock`` (and ``cancel_clock``/``cancel_clocks``
when a step is withdrawn); a calendar change calls ``recompute_open_clocks``.

Every call receives the step's ``ClockBatch`` (``portal.deadlines.batch``), appends clock
events to it and tells it which cases' open clocks changed. These functions are the only
writers of a clock's due time and of its being open, so the case's copy of its next due
time can never drift. Nothing here commits: the request or the command commits once.
"""

from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import select, text

from portal.db import db
from portal.deadlines.batch import ClockBatch, case_clocks_statement
from portal.deadlines.models import OPEN, Clock, ClockEvent
from portal.deadlines.rules import (
    DEADLINE_TZ,
    DEFAULT_ACCEPT_LIMIT_DAYS,
    PER_ITEM_KINDS,
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


def _accept_limit() -> int:
    return current_app.config.get("ACCEPT_LIMIT_DAYS", DEFAULT_ACCEPT_LIMIT_DAYS)


def _open_of_kinds(batch: ClockBatch, case_id: int, kinds: list[ClockKind]) -> list[Clock]:
    wanted = {kind.value for kind in kinds}
    return [clock for clock in batch.open_clocks(case_id) if clock.kind in wanted]


def _open_of_kind(
    batch: ClockBatch, case_id: int, kind: ClockKind, rectification_id: int | None = None
) -> Clock | None:
    """The open clock of ``kind``; of a kind run per item, the one of that item."""
    return next(
        (
            clock
            for clock in _open_of_kinds(batch, case_id, [kind])
            if clock.rectification_id == rectification_id
        ),
        None,
    )


def _cancel(batch: ClockBatch, clock: Clock, *, at: datetime, reason: str, actor=None) -> None:
    clock.cancelled_at = _aware(at, "at")
    batch.closed(clock)
    batch.record(clock, "cancelled", at, actor, reason=reason)


def start_clock(
    batch: ClockBatch,
    *,
    case_id: int,
    kind: ClockKind | str,
    owner_unit,
    started_at: datetime,
    now: datetime,
    calendar: WorkingCalendar | None = None,
    due_on: date | None = None,
    limit: int | None = None,
    rectification_id: int | None = None,
    actor=None,
) -> Clock:
    """Start the ``kind`` clock of a case, owned by ``owner_unit``.

    The step was received at ``started_at``; the due time follows the Art. 11 rule
    (end of the N-th working day after that Beijing date), N the kind's limit or
    ``limit`` (a case escalated to a superior unit: what the association set). A
    ``promise`` clock takes the date promised to the customer as ``due_on`` instead
    (Art. 11(3)); so does a ``rectify`` clock, one per ``rectification_id`` (Art. 9(2)).
    Starting a clock that is already open cancels the open one first (re-verification
    restarts).
    """
    kind = ClockKind(kind)
    _aware(started_at, "started_at")
    if (kind in PER_ITEM_KINDS) != (rectification_id is not None):
        raise ClockError("a rectification clock, and only one, names its rectification")
    previous = _open_of_kind(batch, case_id, kind, rectification_id)
    if previous is not None:
        _cancel(batch, previous, at=now, reason="restarted", actor=actor)
        batch.session.flush()  # the open-clock unique index must see it closed first
    if limit is None:
        limit = limit_days(kind, _accept_limit())
    elif limit < 1 or kind == ClockKind.PROMISE:
        raise ClockError("a limit is a positive number of working days, never a promise's")
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
        calendar = calendar or batch.calendar()
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
        rectification_id=rectification_id,
    )
    batch.opened([clock])
    batch.record(
        clock, "started", started_at, actor, owner_unit_id=owner_unit.id, **_snapshot(clock)
    )
    batch.moved(case_id)
    return clock


def start_clocks(
    batch: ClockBatch,
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
    restarts verify and report)."""
    kinds = [ClockKind(kind) for kind in kinds]
    _aware(started_at, "started_at")
    limits = {kind: limit_days(kind, _accept_limit()) for kind in kinds}
    if None in limits.values():
        raise ClockError("a promise clock needs the promised date: use start_clock")
    running = _open_of_kinds(batch, case_id, kinds)
    for previous in running:
        _cancel(batch, previous, at=now, reason="restarted", actor=actor)
    if running:
        batch.session.flush()  # the open-clock unique index must see them closed first
    calendar = calendar or batch.calendar()
    start_day = local_day(started_at)
    clocks = []
    for kind in kinds:
        days = limits[kind]
        assert days is not None  # a kind without a limit was refused above
        due_on = calendar.add_working_days(start_day, days)
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
    batch.opened(clocks)
    for clock in clocks:
        batch.record(
            clock, "started", started_at, actor, owner_unit_id=owner_unit.id, **_snapshot(clock)
        )
    batch.moved(case_id)
    return clocks


def stop_clock(
    batch: ClockBatch,
    *,
    case_id: int,
    kind: ClockKind | str,
    met_at: datetime,
    rectification_id: int | None = None,
    actor=None,
) -> Clock | None:
    """The step was done at ``met_at``: stop its open clock (None if none is open)."""
    clock = _open_of_kind(batch, case_id, ClockKind(kind), rectification_id)
    if clock is None:
        return None
    clock.met_at = _aware(met_at, "met_at")
    batch.closed(clock)
    batch.record(clock, "met", met_at, actor, state=clock.state(met_at).value)
    batch.moved(case_id)
    return clock


def extend_clock(
    batch: ClockBatch,
    *,
    case_id: int,
    kind: ClockKind | str,
    due_on: date,
    at: datetime,
    actor=None,
) -> Clock:
    """Give the open clock a new due date (a new promise to the customer, Art. 11(3)).

    The clock then runs to the end of ``due_on`` and is no longer counted in working
    days, so calendar changes leave it alone. A breach of the previous date stays in
    the clock's history; the clock itself is open again until the new date passes.
    """
    kind = ClockKind(kind)
    clock = _open_of_kind(batch, case_id, kind)
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
    batch.record(clock, "extended", at, actor, before=before, after=_snapshot(clock))
    batch.moved(case_id)
    return clock


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def cancel_clock(
    batch: ClockBatch,
    *,
    case_id: int,
    kind: ClockKind | str,
    at: datetime,
    reason: str,
    actor=None,
) -> Clock | None:
    """Withdraw the open clock (the step no longer applies); None if none is open."""
    clock = _open_of_kind(batch, case_id, ClockKind(kind))
    if clock is None:
        return None
    _cancel(batch, clock, at=at, reason=reason, actor=actor)
    batch.moved(case_id)
    return clock


def cancel_clocks(
    batch: ClockBatch, *, case_id: int, kinds, at: datetime, reason: str, actor=None
) -> list[Clock]:
    """Withdraw the open clocks of these kinds at once (a recalled forward withdraws
    accept, verify and report); the ones not open are left alone."""
    running = _open_of_kinds(batch, case_id, [ClockKind(kind) for kind in kinds])
    for clock in running:
        _cancel(batch, clock, at=at, reason=reason, actor=actor)
    if running:
        batch.moved(case_id)
    return running


def open_clocks(case_id: int) -> list[Clock]:
    """The case's running clocks, the soonest due first."""
    return list(
        db.session.scalars(
            select(Clock)
            .where(Clock.case_id == case_id, Clock.met_at.is_(None), Clock.cancelled_at.is_(None))
            .order_by(Clock.due_at, Clock.id)
        )
    )


def case_clocks(case_id: int) -> list[Clock]:
    """Every clock the case ever had, in the order they started (the statement is built
    once: every case page reads it)."""
    return list(db.session.scalars(case_clocks_statement(), {"case_id": case_id}))


def case_clock_events(case_id: int) -> list[ClockEvent]:
    """The clocks' history of a case, oldest first (for the case history)."""
    return list(
        db.session.scalars(
            select(ClockEvent)
            .where(ClockEvent.case_id == case_id)
            .order_by(ClockEvent.at, ClockEvent.id)
        )
    )


def recompute_open_clocks(
    batch: ClockBatch,
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
    clocks = batch.session.scalars(query.order_by(Clock.id)).all()
    if not clocks:
        return 0
    starts = [local_day(clock.started_at) for clock in clocks]
    limits = [clock.limit_days for clock in clocks]
    dues = calendar.add_working_days_many(starts, limits)  # type: ignore[arg-type]
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
        batch.record(
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
    batch.moved_unread(moved)
    return changed
