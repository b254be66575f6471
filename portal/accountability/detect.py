"""Detection of the four triggers of Art. 12(1) over the complaints in the database.

Idempotent: every complaint proves a trigger once (``CaseEvidence`` is unique per
trigger and complaint), so the sweep may run it as often as it likes.

The sweep runs it over the whole province; a step on a case (a media or repeat intake,
a verification, a rectification) runs it over that case's member only, which is all the
step can newly make true, so a busy province does not slow every verification down.
What such a narrower run could miss (a repeat chain across two members) the next sweep
finds.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, exists, false, or_, select, text

from portal.accountability import operations
from portal.accountability.models import CaseEvidence
from portal.accountability.rules import CaseRow, months_before
from portal.accountability.rules import detect as detect_rows
from portal.complaints.models import Complaint, ComplaintEvent, Rectification
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ

# What the rules read of a complaint: columns only, so a big province loads no texts.
ROW_COLUMNS = (
    Complaint.id,
    Complaint.member_id,
    Complaint.outlet_id,
    Complaint.category_id,
    Complaint.received_on,
    Complaint.repeat_of_id,
    Complaint.repeat_reason,
    Complaint.finding,
    Complaint.is_media,
)


def _candidates(since, member_id: int | None) -> Sequence[Row]:
    """The complaints some trigger may hold for, with the two flags the rules need."""
    unaccepted = exists().where(
        ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.action == "unaccepted"
    )
    rectified = exists().where(
        Rectification.complaint_id == Complaint.id, Rectification.completed_at.is_not(None)
    )
    repeated = select(Complaint.repeat_of_id).where(Complaint.repeat_of_id.is_not(None))
    conditions = [
        Complaint.is_media.is_(True),
        Complaint.repeat_of_id.is_not(None),
        Complaint.id.in_(repeated),
        (Complaint.finding == "substantiated") & (Complaint.received_on > since),
    ]
    # Art. 12(1)1 is the sweep's alone: it records the accept deadlines nobody met and
    # runs this over the province in the same transaction; a step on a case cannot make
    # it newly true, and a member's run is spared the search through the history.
    whole = member_id is None
    query = select(
        *ROW_COLUMNS,
        (unaccepted if whole else false()).label("is_unaccepted"),
        rectified.label("has_completed_rectification"),
    )
    if whole:
        conditions.append(unaccepted)
    else:
        query = query.where(Complaint.member_id == member_id)
    return db.session.execute(query.where(or_(*conditions)).order_by(Complaint.id)).all()


def _proven(member_id: int | None) -> set[tuple[str, int]]:
    """(trigger, complaint id) of every complaint that proves a trigger already."""
    query = select(CaseEvidence.trigger, CaseEvidence.complaint_id)
    if member_id is not None:
        query = query.join(Complaint, Complaint.id == CaseEvidence.complaint_id).where(
            Complaint.member_id == member_id
        )
    return set(db.session.execute(query).tuples())


# pg_advisory_xact_lock(key, member id): one member's accountability cases being written.
MEMBER_LOCK_KEY = 1_212  # Art. 12


def _lock_member(member_id: int) -> None:
    if db.session.get_bind().dialect.name == "postgresql":  # SQLite has one writer anyway
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:key, :member)"),
            {"key": MEMBER_LOCK_KEY, "member": member_id},
        )


def detect(now: datetime, *, member_id: int | None = None) -> dict:
    """Open or extend accountability cases for every trigger that holds, over the whole
    province or over one member's complaints; returns counts."""
    today = now.astimezone(DEADLINE_TZ).date()
    limits = operations.thresholds()
    since = months_before(today, limits.recurring_months)
    rows = [CaseRow(**c._asdict()) for c in _candidates(since, member_id)]
    # Read once: most findings of a run were proven by an earlier one.
    proven = _proven(member_id)
    findings = detect_rows(rows, today, limits)
    fresh = [
        f for f in findings if not all((f.trigger.value, i) in proven for i in f.complaint_ids)
    ]
    # Two detections at once (two findings saved, or one and the sweep) would both see the
    # same complaints unproven: the second waits here for the first to commit, then finds
    # its case and evidence. Members in ascending order, so two sweeps' runs cannot deadlock.
    for member in sorted({f.member_id for f in fresh}):
        _lock_member(member)
    counts = {"findings": len(findings), "changed": 0}
    for finding in fresh:
        complaints = db.session.scalars(
            select(Complaint).where(Complaint.id.in_(finding.complaint_ids)).order_by(Complaint.id)
        ).all()
        changed = operations.open_or_add_evidence(
            trigger=finding.trigger, member_id=finding.member_id, complaints=complaints, now=now
        )
        counts["changed"] += int(changed)
    return counts
