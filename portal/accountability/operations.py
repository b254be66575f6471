"""Writes on accountability cases. Each appends to the case's history and to the history
of every linked complaint, then flushes; the caller commits."""

from datetime import datetime

from sqlalchemy import select

from portal.accountability.models import (
    AccountabilityCase,
    AccountabilityEvent,
    AccountabilitySettings,
    CaseEvidence,
)
from portal.accountability.rules import CaseState, Thresholds, next_state
from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import db


class LadderError(ValueError):
    """A decision the ladder does not allow from the case's current state."""


def thresholds() -> Thresholds:
    row = db.session.get(AccountabilitySettings, 1)
    if row is None:
        return Thresholds()
    return Thresholds(row.repeat_chain, row.recurring_count, row.recurring_months)


def update_thresholds(values: Thresholds, *, actor, now: datetime) -> None:
    row = db.session.get(AccountabilitySettings, 1) or AccountabilitySettings(id=1)
    row.repeat_chain = values.repeat_chain
    row.recurring_count = values.recurring_count
    row.recurring_months = values.recurring_months
    row.updated_by_id = actor.id if actor else None
    row.updated_at = now
    db.session.add(row)
    db.session.flush()


def _log(case, action, *, actor, now, note=None, **detail) -> None:
    db.session.add(
        AccountabilityEvent(
            case_id=case.id,
            at=now,
            actor_id=actor.id if actor else None,
            action=action,
            note=note,
            detail=detail,
        )
    )
    complaint_ids = [e.complaint_id for e in case.evidence]
    for complaint_id in complaint_ids:
        db.session.add(
            ComplaintEvent(
                complaint_id=complaint_id,
                at=now,
                actor_id=actor.id if actor else None,
                actor_role=actor.role if actor else None,
                actor_unit_id=actor.unit_id if actor else None,
                action=f"accountability_{action}",
                note=note,
                detail={"accountability_case_id": case.id, **detail},
            )
        )


def open_or_add_evidence(*, trigger, member_id, complaints: list[Complaint], now) -> bool:
    """Art. 12(1): open a case against ``member_id`` for ``trigger`` or add the new
    complaints to its open one. Complaints that already prove this trigger are skipped.
    Returns whether anything changed."""
    taken = set(
        db.session.scalars(
            select(CaseEvidence.complaint_id).where(
                CaseEvidence.trigger == trigger,
                CaseEvidence.complaint_id.in_([c.id for c in complaints]),
            )
        )
    )
    new = [c for c in complaints if c.id not in taken]
    if not new:
        return False
    case = db.session.scalar(
        select(AccountabilityCase)
        .where(
            AccountabilityCase.member_id == member_id,
            AccountabilityCase.trigger == trigger,
            AccountabilityCase.state == CaseState.DETECTED,
        )
        .order_by(AccountabilityCase.id)
    )
    action = "evidence_added"
    if case is None:
        case = AccountabilityCase(member_id=member_id, trigger=trigger, opened_at=now)
        db.session.add(case)
        db.session.flush()
        action = "opened"
    for complaint in new:
        db.session.add(
            CaseEvidence(
                case_id=case.id,
                trigger=trigger,
                complaint_id=complaint.id,
                outlet_id=complaint.outlet_id,
                added_at=now,
            )
        )
    db.session.flush()
    db.session.refresh(case, ["evidence"])
    _log(case, action, actor=None, now=now, complaints=[c.tracking_no for c in new])
    db.session.flush()
    return True


def decide(case: AccountabilityCase, decision: str, *, actor, now, reason: str) -> None:
    """A step of the ladder (Art. 12(1)-(2)) with who, when and why."""
    target = next_state(case.state, decision)
    if target is None:
        raise LadderError(decision)
    case.state = target
    case.decided_at = now
    _log(case, decision, actor=actor, now=now, note=reason, state=target.value)
    db.session.flush()
