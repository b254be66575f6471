"""The deadline sweep: marks breaches and queues reminders. Run it every few minutes.

Idempotent and safe on several hosts at once:
- on PostgreSQL the sweep takes a transaction-level advisory lock and skips the run
  when another host holds it;
- breaches are marked by ONE UPDATE whose WHERE includes ``breached_at IS NULL``, so a
  clock is marked once whatever runs concurrently; the notices are written in the same
  transaction as the mark;
- reminders are marked the same way through ``reminded_on``, and every notification and
  e-mail carries a dedupe key (``clock{id}:due:{day}``, ``clock{id}:breach:{due day}``),
  written set-based (``notify_many``: INSERT … ON CONFLICT DO NOTHING, a thousand rows
  a statement).
The caller commits (the lock is released with the transaction), then drains the outbox.
"""

from contextvars import ContextVar
from datetime import date, datetime

from flask import current_app
from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.orm import joinedload

from portal.accountability.detect import detect as detect_accountability
from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.deadlines.models import OPEN, UNBREACHED, Clock, ClockEvent
from portal.deadlines.rules import (
    DEADLINE_TZ,
    DEFAULT_REMINDER_HOUR,
    STATE_LABELS,
    ClockKind,
    ClockState,
    is_reminder_time,
)
from portal.notify.operations import Note, notify_many
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind

# pg_try_advisory_xact_lock key: "Art. 11" sweep, any constant shared by all hosts.
SWEEP_LOCK_KEY = 7_311_011

_HANDLER_ROLES = {
    UnitKind.ASSOCIATION: (Role.ASSOC_HANDLER,),
    UnitKind.MEMBER: (Role.MEMBER_HANDLER,),
}
_BRANCH_HANDLER_ROLES = (Role.BRANCH_OFFICER, Role.MEMBER_HANDLER)


# Within one sweep the people of a unit do not change: remember them per unit and roles
# (and a clock's recipients per owner unit), so a night with thousands of breaches does
# not ask the database thousands of times.
_people_memo: ContextVar[dict | None] = ContextVar("sweep_people_memo", default=None)


def _memoized(key, load):
    memo = _people_memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def _users(unit_id: int, roles) -> list[User]:
    return _memoized(
        (unit_id, tuple(roles)),
        lambda: db.session.scalars(
            select(User)
            .where(
                User.unit_id == unit_id,
                User.is_active.is_(True),
                User.role.in_([role.value for role in roles]),
            )
            .order_by(User.id)
        ).all(),
    )


def unit_handlers(unit: Unit) -> list[User]:
    """Active users of ``unit`` who handle complaints at its level (Art. 6, 8, 9, 10)."""
    roles = _HANDLER_ROLES.get(unit.unit_kind, _BRANCH_HANDLER_ROLES)
    return _users(unit.id, roles)


def _nearest_handlers(unit: Unit | None) -> list[User]:
    while unit is not None:
        found = unit_handlers(unit)
        if found:
            return found
        unit = unit.parent
    return []


def clock_recipients(clock: Clock) -> list[User]:
    """Who is reminded of ``clock``: the handlers of its owner unit.

    The one place that decides it (the A/B duty roster will replace the body). Art. 7
    forbids a complaint that nobody handles, so a unit without handlers falls back to
    the nearest unit above it that has some.
    """
    return _memoized(("clock", clock.owner_unit_id), lambda: _owner_handlers(clock.owner_unit))


def _owner_handlers(owner: Unit) -> list[User]:
    if owner.member_id is not None:
        # Art. 7: a member's complaints go to its A and B handlers (both see the inbox).
        from portal.duty.queries import duty_handlers

        handlers = duty_handlers(owner)
        if handlers:
            return handlers
    return _nearest_handlers(owner)


def superior_recipients(clock: Clock) -> list[User]:
    """Who hears of a breach besides the owner: the superior unit (Art. 9, 12).

    The association's own breach goes to its leaders; a member unit's to its leader in
    charge of complaints (分管领导, Art. 6) and to the association's handlers, who track
    every forwarded complaint (Art. 8(3)); any other unit's to the nearest unit above it
    with handlers.
    """
    owner = clock.owner_unit
    if owner.is_association:
        return _users(owner.id, (Role.ASSOC_LEADER,))
    if owner.is_member:
        association = owner.parent
        leaders = _users(owner.id, (Role.MEMBER_LEADER,))
        return leaders + (unit_handlers(association) if association is not None else [])
    return _nearest_handlers(owner.parent)


def breach_recipients(clock: Clock) -> list[User]:
    def load() -> list[User]:
        seen: dict[int, User] = {}
        for user in clock_recipients(clock) + superior_recipients(clock):
            seen.setdefault(user.id, user)
        return list(seen.values())

    return _memoized(("breach", clock.owner_unit_id), load)


def _take_lock() -> bool:
    if db.engine.dialect.name != "postgresql":
        return True  # SQLite serialises writers itself; the UPDATEs below stay correct
    return bool(
        db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK_KEY})
    )


def mark_breaches(now: datetime) -> list[int]:
    """Mark every open clock whose due time passed; return the ids marked by THIS call."""
    statement = (
        update(Clock)
        .where(Clock.due_at < now, text(UNBREACHED))
        .values(breached_at=now)
        .returning(Clock.id)
        .execution_options(synchronize_session=False)
    )
    return list(db.session.scalars(statement))


def mark_reminders(now: datetime) -> list[int]:
    """Mark the clocks due today that were not reminded today; return their ids."""
    today = now.astimezone(DEADLINE_TZ).date()
    statement = (
        update(Clock)
        .where(
            Clock.due_on == today,
            text(OPEN),
            Clock.breached_at.is_(None),
            or_(Clock.reminded_on.is_(None), Clock.reminded_on != today),
        )
        .values(reminded_on=today)
        .returning(Clock.id)
        .execution_options(synchronize_session=False)
    )
    return list(db.session.scalars(statement))


def _clocks(ids: list[int]) -> list[Clock]:
    clocks: list[Clock] = []
    for start in range(0, len(ids), 1000):
        query = (
            select(Clock)
            .options(joinedload(Clock.owner_unit))  # who hears of it depends on the owner
            .where(Clock.id.in_(ids[start : start + 1000]))
            .order_by(Clock.id)
            # The set-based UPDATE bypassed the identity map: reload what it changed.
            .execution_options(populate_existing=True)
        )
        clocks += db.session.scalars(query).all()
    return clocks


def _record_unaccepted(clocks: list[Clock], now: datetime) -> None:
    """Art. 12(1)1: nobody accepted a forwarded complaint in time. The case history keeps
    it, and accountability reads it from there."""
    from portal.complaints.models import Complaint, ComplaintEvent

    ids = {c.case_id for c in clocks}
    cases = (
        set(db.session.scalars(select(Complaint.id).where(Complaint.id.in_(ids)))) if ids else set()
    )
    for clock in clocks:
        if clock.case_id not in cases:
            continue
        db.session.add(
            ComplaintEvent(
                complaint_id=clock.case_id,
                at=now,
                action="unaccepted",
                detail={"member_id": clock.owner_unit_id, "due_on": clock.due_on.isoformat()},
            )
        )


def _tracking_numbers(clocks: list[Clock]) -> dict[int, str]:
    """case id -> tracking number for these clocks' cases, a thousand per query."""
    from portal.complaints.models import Complaint

    ids = sorted({c.case_id for c in clocks})
    found: dict[int, str] = {}
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            select(Complaint.id, Complaint.tracking_no).where(
                Complaint.id.in_(ids[start : start + 1000])
            )
        )
        found.update(rows.tuples().all())
    return found


def _describe(clock: Clock, tracking: str | None) -> str:
    due = clock.due_at.astimezone(DEADLINE_TZ)
    text_ = (
        f"投诉编号 {tracking or clock.case_id}：{clock.label}（{clock.article}）的期限为"
        f"{due.year}年{due.month}月{due.day}日 {due:%H:%M}（北京时间）"
    )
    if clock.is_provisional:
        text_ += "；该期限按周一至周五暂定，节假日安排公布后可能调整"
    return text_


def _reminded_on(clock: Clock) -> date:
    assert clock.reminded_on is not None  # mark_reminders has just set it
    return clock.reminded_on


def run_sweep(now: datetime) -> dict:
    """Mark breaches and queue reminders; returns the counts. The caller commits."""
    token = _people_memo.set({})
    try:
        return _sweep(now)
    finally:
        _people_memo.reset(token)


def _record(clocks: list[Clock], event: str, now: datetime, **detail) -> None:
    """One ``event`` per clock, written in one multi-row INSERT (a night may mark many)."""
    if clocks:
        # A Core executemany (compiled once, pipelined by psycopg), not the ORM bulk path.
        db.session.execute(
            insert(ClockEvent.__table__),
            [
                {
                    "clock_id": clock.id,
                    "case_id": clock.case_id,
                    "at": now,
                    "event": event,
                    "detail": {"kind": clock.kind, "due_on": clock.due_on.isoformat(), **detail},
                }
                for clock in clocks
            ],
        )


def _sweep(now: datetime) -> dict:
    counts = {"skipped": False, "breaches": 0, "reminders": 0, "notifications": 0}
    if not _take_lock():
        counts["skipped"] = True
        return counts
    hour = current_app.config.get("DEADLINE_REMINDER_HOUR", DEFAULT_REMINDER_HOUR)

    # Art. 11 limits passed unmet: the owner and its superior unit hear of it (Art. 12).
    breached = _clocks(mark_breaches(now))
    _record(breached, "breached", now)
    _record_unaccepted([c for c in breached if c.kind == ClockKind.ACCEPT], now)
    tracking = _tracking_numbers(breached)
    notes = [
        Note(
            user_id=user.id,
            title=f"【超期】{clock.label}已超过期限",
            body=_describe(clock, tracking.get(clock.case_id))
            + "。已通报上级单位，请立即处理（第十二条）。",
            link=f"/cases/{clock.case_id}",
            dedupe_key=f"clock{clock.id}:breach:{clock.due_on.isoformat()}",
        )
        for clock in breached
        for user in breach_recipients(clock)
    ]
    notify_many(notes, now=now)
    counts["notifications"] += len(notes)
    counts["breaches"] = len(breached)

    # Reminders on the morning of the due day (Beijing time), once per clock and day.
    if is_reminder_time(now, hour):
        reminded = _clocks(mark_reminders(now))
        _record(reminded, "reminded", now)
        tracking = _tracking_numbers(reminded)
        notes = [
            Note(
                user_id=user.id,
                title=f"【{STATE_LABELS[ClockState.DUE_TODAY]}】{clock.label}",
                body=_describe(clock, tracking.get(clock.case_id)) + "，今日到期，请按时办结。",
                link=f"/cases/{clock.case_id}",
                dedupe_key=f"clock{clock.id}:due:{_reminded_on(clock).isoformat()}",
            )
            for clock in reminded
            for user in clock_recipients(clock)
        ]
        notify_many(notes, now=now)
        counts["notifications"] += len(notes)
        counts["reminders"] = len(reminded)
    db.session.flush()
    counts["accountability"] = detect_accountability(now)["changed"]  # Art. 12(1)
    return counts
