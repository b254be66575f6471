"""Detection of the four triggers of Art. 12(1) over the complaints in the database.

Idempotent: every complaint proves a trigger once (``CaseEvidence`` is unique per
trigger and complaint), so the sweep may run it as often as it likes. It runs in the
sweep and in requests (an intake, a verification), on any host: on PostgreSQL one run
at a time (a transaction-level advisory lock), so two runs cannot both open a case for
the same member and trigger, nor both claim the same complaint.
"""

from datetime import datetime

from sqlalchemy import exists, or_, select, text

from portal.accountability import operations
from portal.accountability.rules import CaseRow, months_before
from portal.accountability.rules import detect as detect_rows
from portal.complaints.models import Complaint, ComplaintEvent, Rectification
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ

# pg_advisory_xact_lock key shared by every host (the sweep's own lock is 7_311_011).
DETECT_LOCK_KEY = 7_312_001


def _serialise() -> None:
    """Wait for any other detection to commit; held until this transaction ends. Its
    reads then see what the other one wrote (READ COMMITTED: a snapshot per statement)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DETECT_LOCK_KEY})


def _candidates(since) -> list[Complaint]:
    unaccepted = exists().where(
        ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.action == "unaccepted"
    )
    repeated = select(Complaint.repeat_of_id).where(Complaint.repeat_of_id.is_not(None))
    return list(
        db.session.scalars(
            select(Complaint)
            .where(
                or_(
                    Complaint.is_media.is_(True),
                    Complaint.repeat_of_id.is_not(None),
                    Complaint.id.in_(repeated),
                    unaccepted,
                    (Complaint.finding == "substantiated") & (Complaint.received_on > since),
                )
            )
            .order_by(Complaint.id)
        )
    )


def detect(now: datetime) -> dict:
    """Open or extend accountability cases for every trigger that holds; returns counts."""
    _serialise()
    today = now.astimezone(DEADLINE_TZ).date()
    limits = operations.thresholds()
    complaints = _candidates(months_before(today, limits.recurring_months))
    ids = [c.id for c in complaints]
    unaccepted = set(
        db.session.scalars(
            select(ComplaintEvent.complaint_id).where(
                ComplaintEvent.action == "unaccepted", ComplaintEvent.complaint_id.in_(ids)
            )
        )
    )
    rectified = set(
        db.session.scalars(
            select(Rectification.complaint_id).where(
                Rectification.completed_at.is_not(None), Rectification.complaint_id.in_(ids)
            )
        )
    )
    rows = [
        CaseRow(
            id=c.id,
            member_id=c.member_id,
            outlet_id=c.outlet_id,
            category_id=c.category_id,
            received_on=c.received_on,
            repeat_of_id=c.repeat_of_id,
            repeat_reason=c.repeat_reason,
            finding=c.finding,
            is_media=c.is_media,
            is_unaccepted=c.id in unaccepted,
            has_completed_rectification=c.id in rectified,
        )
        for c in complaints
    ]
    by_id = {c.id: c for c in complaints}
    counts = {"findings": 0, "changed": 0}
    for finding in detect_rows(rows, today, limits):
        counts["findings"] += 1
        changed = operations.open_or_add_evidence(
            trigger=finding.trigger,
            member_id=finding.member_id,
            complaints=[by_id[i] for i in finding.complaint_ids],
            now=now,
        )
        counts["changed"] += int(changed)
    return counts
