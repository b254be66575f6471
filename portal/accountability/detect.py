"""Detection of the four triggers of Art. 12(1) over the complaints in the database.

Idempotent: every complaint proves a trigger once (``CaseEvidence`` is unique per
trigger and complaint), so the sweep may run it as often as it likes.
"""

from datetime import datetime

from sqlalchemy import exists, or_, select

from portal.accountability import operations
from portal.accountability.rules import CaseRow, months_before
from portal.accountability.rules import detect as detect_rows
from portal.complaints.models import Complaint, ComplaintEvent, Rectification
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ


def _candidates_condition(since):
    unaccepted = exists().where(
        ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.action == "unaccepted"
    )
    repeated = select(Complaint.repeat_of_id).where(Complaint.repeat_of_id.is_not(None))
    return or_(
        Complaint.is_media.is_(True),
        Complaint.repeat_of_id.is_not(None),
        Complaint.id.in_(repeated),
        unaccepted,
        (Complaint.finding == "substantiated") & (Complaint.received_on > since),
    )


def _candidates(since) -> list[Complaint]:
    return list(
        db.session.scalars(
            select(Complaint).where(_candidates_condition(since)).order_by(Complaint.id)
        )
    )


def detect(now: datetime) -> dict:
    """Open or extend accountability cases for every trigger that holds; returns counts."""
    today = now.astimezone(DEADLINE_TZ).date()
    limits = operations.thresholds()
    since = months_before(today, limits.recurring_months)
    complaints = _candidates(since)
    # The candidates as a subquery, not a list of ids: a province's history holds more
    # candidates than a statement may have parameters (65,535 on PostgreSQL).
    candidate_ids = select(Complaint.id).where(_candidates_condition(since))
    unaccepted = set(
        db.session.scalars(
            select(ComplaintEvent.complaint_id).where(
                ComplaintEvent.action == "unaccepted",
                ComplaintEvent.complaint_id.in_(candidate_ids),
            )
        )
    )
    rectified = set(
        db.session.scalars(
            select(Rectification.complaint_id).where(
                Rectification.completed_at.is_not(None),
                Rectification.complaint_id.in_(candidate_ids),
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
