"""What /track answers: a case's stage for its complainant, found by its tracking number
and the last four digits of the mobile given at intake.

The page has no user, so the database's wall is closed to it: every read here runs
inside ``orgs.scoping.across_banks`` and returns plain values (``Status``), never a
row to lazy-load from after the wall has closed again. Nothing personal leaves: no
name, no number, no text of the complaint; the bank's name only."""

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select

from portal.complaints.models import Complaint
from portal.complaints.rules import OPEN_STATES, State
from portal.db import db
from portal.deadlines import operations as clocks
from portal.deadlines.display import describe_clock
from portal.deadlines.rules import TimeLeft, time_left
from portal.orgs.models import Unit
from portal.orgs.scoping import across_banks
from portal.tracking.models import FOUND, NOT_FOUND, TrackLookup
from portal.tracking.rules import CLOCK_WORDS, DUMMY_LAST_FOUR, last_four_of, stage_of
from portal.workdays import store


@dataclass(frozen=True)
class Step:
    """The current step's deadline, as ``_macros.time_left`` shows a step."""

    label: str
    due_on: date
    left: TimeLeft
    is_provisional: bool
    lines: tuple[str, ...]  # the day-by-day explanation (Art. 11)
    rule: str


@dataclass(frozen=True)
class Status:
    tracking_no: str
    state: str
    stage: str
    sentence: str
    bank: str | None
    received_on: date
    step: Step | None
    promised_on: date | None
    closed_on: datetime | None


def look_up(tracking_no: str, last_four: str, *, now: datetime, today: date, lang: str):
    """(Status, complaint id) for a right pair, (None, None) otherwise: an unknown
    number, a wrong pair and a case without a mobile answer alike, after the same
    work (one read, one comparison)."""
    with across_banks():
        row = db.session.execute(
            select(Complaint.id, Complaint.mobile_masked).where(
                Complaint.tracking_no == tracking_no
            )
        ).first()
        expected = last_four_of(row.mobile_masked) if row is not None else None
        same = hmac.compare_digest((expected or DUMMY_LAST_FOUR).encode(), last_four.encode())
        if not same or row is None or expected is None:
            return None, None
        return _status(row.id, now=now, today=today, lang=lang), row.id


def _status(case_id: int, *, now: datetime, today: date, lang: str) -> Status:
    case = db.session.get_one(Complaint, case_id)
    state = State(case.state)
    stage, sentence = stage_of(
        state,
        replied=case.replied_at is not None,
        promised=case.promised_on is not None and case.promised_on >= today,
        satisfaction_recorded=bool(case.satisfaction),
    )
    # The bank is named once the case has reached it (a set-aside intake never did).
    forwarded = state in OPEN_STATES - {State.REGISTERED} or state == State.CLOSED
    bank = db.session.scalar(select(Unit.name).where(Unit.id == case.member_id))
    return Status(
        tracking_no=case.tracking_no,
        state=state.value,
        stage=stage,
        sentence=sentence,
        bank=bank if forwarded else None,
        received_on=case.received_on,
        step=_current_step(case, now=now, today=today, lang=lang) if state in OPEN_STATES else None,
        promised_on=case.promised_on
        if state == State.HANDLING and case.replied_at is None
        else None,
        closed_on=case.closed_at,
    )


def _current_step(case: Complaint, *, now: datetime, today: date, lang: str) -> Step | None:
    """The open clock due first among the steps a customer is shown (Art. 7, 11)."""
    running = [c for c in clocks.case_clocks(case.id) if c.is_open and c.kind in CLOCK_WORDS]
    if not running:
        return None
    first = min(running, key=lambda c: (c.due_at, c.id))
    calendar = store.current_calendar()
    described = describe_clock(first, calendar, now, lang)
    return Step(
        label=CLOCK_WORDS[first.kind],
        due_on=first.due_on,
        left=time_left(first.due_on, today, calendar),
        is_provisional=first.is_provisional,
        lines=described.lines,
        rule=described.rule,
    )


def record_look_up(
    *, now: datetime, address: str | None, tracking_no: str | None, outcome: str, case_id=None
) -> None:
    """Every look-up is kept (throttled ones too); a found one names its case."""
    with across_banks():
        db.session.add(
            TrackLookup(
                at=now,
                client_address=(address or "")[:64] or None,
                tracking_no=(tracking_no or "")[:20] or None,
                outcome=outcome,
                complaint_id=case_id if outcome == FOUND else None,
            )
        )
        db.session.flush()


def look_ups_of(case_id: int) -> tuple[int, datetime | None]:
    """How often the customer followed the case online, and when last (the case page;
    read under the reader's own wall: the look-ups of a case they see)."""
    count, last = db.session.execute(
        select(func.count(TrackLookup.id), func.max(TrackLookup.at)).where(
            TrackLookup.complaint_id == case_id, TrackLookup.outcome == FOUND
        )
    ).one()
    return count, last


__all__ = ["FOUND", "NOT_FOUND", "Status", "Step", "look_up", "look_ups_of", "record_look_up"]


# Look-ups are kept long enough to answer "who asked about this case, and how often"
# after an incident, not for ever: a client address is personal data too.
LOOK_UP_MEMORY = timedelta(days=180)


def purge_look_ups(now: datetime) -> int:
    """Look-ups older than ``LOOK_UP_MEMORY``: dropped (the sweep)."""
    result = db.session.execute(delete(TrackLookup).where(TrackLookup.at < now - LOOK_UP_MEMORY))
    return result.rowcount or 0  # type: ignore[attr-defined]
