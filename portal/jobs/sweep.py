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
``run_sweep`` commits the marking (which releases the lock), then works through the
complaints queued for accountability detection (Art. 12(1)), a member's slice per
transaction; the caller then drains the outbox.
"""

from collections.abc import Iterable
from datetime import date, datetime

from flask import current_app
from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.orm import joinedload

from portal.accountability import queue as detection_queue
from portal.accountability.detect import work_queue
from portal.api.idempotency import purge as purge_idempotency_keys
from portal.archives.operations import freeze_due
from portal.auth.models import User
from portal.auth.operations import purge_throttles
from portal.auth.roles import Role
from portal.complaints import search_refs
from portal.complaints.operations import purge_pending_uploads
from portal.db import db
from portal.deadlines.models import OPEN, UNBREACHED, Clock, ClockEvent
from portal.deadlines.rules import (
    DEADLINE_TZ,
    DEFAULT_REMINDER_HOUR,
    STATE_LABELS,
    ClockKind,
    ClockState,
    DeadlinePolicy,
    due_dates_breached_for,
    is_reminder_time,
    reminder_targets,
)
from portal.deadlines.settings import current_policy
from portal.duty.people import (
    member_leaders,
    memoized,
    owner_handlers,
    remembering_people,
    superiors_of,
    users_at,
)
from portal.notify.message import N_, Msg
from portal.notify.operations import Note, notify_many
from portal.tracking.status import purge_look_ups
from portal.web import rate_limit
from portal.workdays.store import current_calendar

# Dossiers rendered per sweep: a catch-up spreads over runs (``archives freeze`` takes all).
DOSSIERS_PER_SWEEP = 20

# pg_try_advisory_xact_lock key: "Art. 11" sweep, any constant shared by all hosts.
SWEEP_LOCK_KEY = 7_311_011


def clock_recipients(clock: Clock) -> list[User]:
    """Who is reminded of ``clock``: those who answer for its owner unit
    (``duty.people.owner_handlers``: the member's A and B, or the nearest handlers)."""
    return memoized(("clock", clock.owner_unit_id), lambda: owner_handlers(clock.owner_unit))


def superior_recipients(clock: Clock) -> list[User]:
    """Who hears of a breach besides the owner (``duty.people.superiors_of``)."""
    return superiors_of(clock.owner_unit)


def breach_recipients(clock: Clock) -> list[User]:
    def load() -> list[User]:
        seen: dict[int, User] = {}
        for user in clock_recipients(clock) + superior_recipients(clock):
            seen.setdefault(user.id, user)
        return list(seen.values())

    return memoized(("breach", clock.owner_unit_id), load)


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


def mark_reminders(now: datetime, due_dates: Iterable[date] | None = None) -> list[int]:
    """Mark the clocks due on ``due_dates`` (today by default) that were not reminded
    today; return their ids."""
    today = now.astimezone(DEADLINE_TZ).date()
    days = due_dates if due_dates is not None else [today]
    return _mark_once_a_day(Clock.reminded_on, today, days, Clock.breached_at.is_(None))


def _mark_once_a_day(column, today: date, due_dates: Iterable[date], breached) -> list[int]:
    """Set ``column`` to ``today`` on the open clocks due on ``due_dates`` that match
    ``breached`` and were not marked today; return their ids. One UPDATE … RETURNING:
    a clock is marked by exactly one run, whatever runs at once."""
    statement = (
        update(Clock)
        .where(
            Clock.due_on.in_(sorted(due_dates)),
            text(OPEN),
            breached,
            or_(column.is_(None), column != today),
        )
        .values({column: today})
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
    recorded = [clock for clock in clocks if clock.case_id in cases]
    db.session.add_all(
        ComplaintEvent(
            complaint_id=clock.case_id,
            at=now,
            action="unaccepted",
            detail={"member_id": clock.owner_unit_id, "due_on": clock.due_on.isoformat()},
        )
        for clock in recorded
    )
    # In the same transaction: a run that stops after this still has them to look at.
    detection_queue.enqueue(db.session, (clock.case_id for clock in recorded))


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


def _describe(clock: Clock, tracking: str | None, tail: Msg) -> Msg:
    """What a deadline notice says of the clock, then ``tail`` (messages: each reader
    reads them in their language, ``notify.message``)."""
    due = clock.due_at.astimezone(DEADLINE_TZ)
    text_ = Msg(
        N_("投诉编号 %(no)s：%(step)s（%(article)s）的期限为%(day)s %(time)s（北京时间）"),
        no=tracking or str(clock.case_id),
        step=Msg(clock.label),
        article=Msg(clock.article),
        day=due.date(),
        time=f"{due:%H:%M}",
    )
    if clock.is_provisional:
        text_ = Msg(N_("%(text)s；该期限按周一至周五暂定，节假日安排公布后可能调整"), text=text_)
    return Msg(N_("%(text)s%(tail)s"), text=text_, tail=tail)


def _reminded_on(clock: Clock) -> date:
    assert clock.reminded_on is not None  # mark_reminders has just set it
    return clock.reminded_on


def _reminder_title(clock: Clock, days_left: int) -> Msg:
    if days_left == 0:
        state = Msg(STATE_LABELS[ClockState.DUE_TODAY])
        return Msg(N_("【%(state)s】%(step)s"), state=state, step=Msg(clock.label))
    return Msg(N_("【即将到期】%(step)s"), step=Msg(clock.label))


def _reminder_tail(days_left: int) -> Msg:
    if days_left == 0:
        return Msg(N_("，今日到期，请按时办结。"))
    return Msg(N_("，还剩%(n)s个工作日，请按时办结。"), n=days_left)


def mark_escalations(today: date, due_dates: Iterable[date]) -> list[int]:
    """Mark the breached open clocks due on ``due_dates`` that were not told further up
    today; return their ids. Once a day, like the reminders: the runs every five minutes
    after the first find nothing to do."""
    return _mark_once_a_day(Clock.escalated_on, today, due_dates, Clock.breached_at.is_not(None))


# A breach that lasts is told further up, level by level (``DeadlinePolicy``): the
# superior unit again, then the leader in charge of complaints (Art. 6, 12).
def _escalate(now: datetime, today: date, calendar, policy: DeadlinePolicy) -> int:
    levels = [
        (level, days, set(due_dates_breached_for(today, calendar, days)))
        for level, days in (
            ("superior", policy.superior_after_days),
            ("leader", policy.leader_after_days),
        )
    ]
    due_dates = set().union(*(dates for _level, _days, dates in levels))
    if not due_dates:
        return 0
    lasting = _clocks(mark_escalations(today, due_dates))
    tracking = _tracking_numbers(lasting)
    notes = [
        Note(
            user_id=user.id,
            title=Msg(N_("【超期%(n)s个工作日】%(step)s仍未办理"), n=days, step=Msg(clock.label)),
            body=_describe(
                clock,
                tracking.get(clock.case_id),
                Msg(N_("，已超期%(n)s个工作日仍未办理，请督促处理（第十二条）。"), n=days),
            ),
            link=f"/cases/{clock.case_id}",
            dedupe_key=f"clock{clock.id}:escalate-{level}:{clock.due_on.isoformat()}",
        )
        for clock in lasting
        for level, days, dates in levels
        if clock.due_on in dates
        for user in _escalation_recipients(clock, level)
    ]
    return notify_many(notes, now=now)


def _escalation_recipients(clock: Clock, level: str) -> list[User]:
    owner = clock.owner_unit
    if level == "superior":
        return superiors_of(owner)
    if owner.is_association:
        return users_at(owner.id, (Role.ASSOC_LEADER,))
    member = owner if owner.is_member else owner.member
    return member_leaders(member) if member is not None else []


def run_sweep(now: datetime, *, progress=None) -> dict:
    """Mark breaches and queue reminders, commit, then look for Art. 12(1) triggers
    among the complaints queued for it, committing a member's slice at a time
    (``detect.work_queue``; ``progress`` is told after each). Returns the counts."""
    with remembering_people():
        counts = _sweep(now)
    # Ends the marking's transaction and its lock: a user's step waits for no more than
    # one slice of the detection below, for its own member only.
    db.session.commit()
    if counts["skipped"]:
        return counts
    detection = work_queue(now, progress=progress)
    counts["accountability"] = detection["changed"]
    counts["looked_at"] = detection["looked_at"]
    counts["uploads_dropped"] = purge_pending_uploads(now)
    counts["throttles_dropped"] = purge_throttles(now)
    counts["search_refs_dropped"] = search_refs.purge(now)
    counts["rate_windows_dropped"] = rate_limit.purge(now)
    counts["look_ups_dropped"] = purge_look_ups(now)
    counts["idempotency_keys_dropped"] = purge_idempotency_keys(now)
    db.session.commit()
    # Art. 8(6): the dossiers of the cases closed since, a few a run (each is a PDF).
    counts["dossiers_frozen"] = freeze_due(now, limit=DOSSIERS_PER_SWEEP, commit_each=True)
    return counts


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
            title=Msg(N_("【超期】%(step)s已超过期限"), step=Msg(clock.label)),
            body=_describe(
                clock,
                tracking.get(clock.case_id),
                Msg(N_("。已通报上级单位，请立即处理（第十二条）。")),
            ),
            link=f"/cases/{clock.case_id}",
            dedupe_key=f"clock{clock.id}:breach:{clock.due_on.isoformat()}",
        )
        for clock in breached
        for user in breach_recipients(clock)
    ]
    notify_many(notes, now=now)
    counts["notifications"] += len(notes)
    counts["breaches"] = len(breached)

    # Reminders in the morning (Beijing time): on the due day, and the working days before
    # it that the association chose; once per clock and day.
    if is_reminder_time(now, hour):
        policy, calendar = current_policy(), current_calendar()
        today = now.astimezone(DEADLINE_TZ).date()
        targets = reminder_targets(today, calendar, policy.reminder_days)
        reminded = _clocks(mark_reminders(now, targets))
        _record(reminded, "reminded", now)
        tracking = _tracking_numbers(reminded)
        notes = [
            Note(
                user_id=user.id,
                title=_reminder_title(clock, targets[clock.due_on]),
                body=_describe(
                    clock, tracking.get(clock.case_id), _reminder_tail(targets[clock.due_on])
                ),
                link=f"/cases/{clock.case_id}",
                dedupe_key=f"clock{clock.id}:due:{_reminded_on(clock).isoformat()}",
            )
            for clock in reminded
            for user in clock_recipients(clock)
        ]
        notify_many(notes, now=now)
        counts["notifications"] += len(notes)
        counts["reminders"] = len(reminded)
        escalated = _escalate(now, today, calendar, policy)
        counts["notifications"] += escalated
        counts["escalations"] = escalated
    return counts
