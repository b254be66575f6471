"""The detection queue: the complaints a change may have made prove a trigger of
Art. 12(1), for the sweep to look at (``detect.work_queue``) instead of reading the
whole province every five minutes.

A trigger only becomes true through a change to one of its complaints: a repeat or a
media complaint registered, a finding of substantiated, a corrected outlet, category or
date (time only ages complaints out of the Art. 12(1)3 window). Every such change goes
through the ORM, so one listener queues it, in the transaction of the change, whichever
step, correction or script made it. The sweep queues its own 'unaccepted' records
(Art. 12(1)1) itself, and a change of thresholds queues every candidate.
"""

from collections.abc import Iterable

from sqlalchemy import event, exists, insert, inspect, literal, or_, select
from sqlalchemy.orm import Session, scoped_session

from portal.accountability.models import DetectionQueue
from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import utcnow

# What the rules read of a complaint (``detect.ROW_COLUMNS``).
WATCHED = (
    "member_id",
    "outlet_id",
    "category_id",
    "received_on",
    "repeat_of_id",
    "repeat_reason",
    "finding",
    "is_media",
)


def may_prove(complaint: Complaint) -> bool:
    """Whether ``complaint`` may prove a trigger of Art. 12(1)2-4 as it stands."""
    return bool(
        complaint.is_media
        or complaint.repeat_of_id is not None
        or complaint.finding == "substantiated"
    )


def enqueue(session: Session | scoped_session, complaint_ids: Iterable[int]) -> None:
    rows = [{"complaint_id": i, "queued_at": utcnow()} for i in sorted(set(complaint_ids))]
    if rows:
        session.execute(insert(DetectionQueue.__table__), rows)


def enqueue_candidates(session: Session | scoped_session) -> None:
    """Queue every complaint that may prove a trigger (after the thresholds changed):
    one INSERT … SELECT; the sweep then works through them a member at a time."""
    unaccepted = exists().where(
        ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.action == "unaccepted"
    )
    candidates = select(Complaint.id, literal(utcnow(), DetectionQueue.queued_at.type)).where(
        or_(
            Complaint.is_media.is_(True),
            Complaint.repeat_of_id.is_not(None),
            Complaint.finding == "substantiated",
            unaccepted,
        )
    )
    session.execute(
        insert(DetectionQueue.__table__).from_select(["complaint_id", "queued_at"], candidates)
    )


def _changed(complaint: Complaint) -> bool:
    state = inspect(complaint)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


@event.listens_for(Session, "after_flush")
def _queue_changes(session: Session, _context) -> None:
    # After the flush the new complaints have their ids; the attribute history still
    # tells what this flush changed.
    ids = [
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Complaint) and may_prove(obj) and (obj in session.new or _changed(obj))
    ]
    enqueue(session, ids)
