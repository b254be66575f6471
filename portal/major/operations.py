"""Writes of the major-complaint domain: the thresholds, proposals, a person's decision
and the alerts to the leaders. Each flushes; the request (or the command) commits."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select

from portal.audit.operations import diff
from portal.audit.operations import record as audit
from portal.auth.models import User
from portal.auth.roles import Role
from portal.complaints import operations as complaints
from portal.complaints.models import Complaint
from portal.db import db, dialect_insert
from portal.major.models import CONFIRMED, PENDING, REJECTED, MajorProposal, MajorSettings
from portal.major.rules import CRITERION_LABELS, DEFINITION, Reason, Thresholds, merged
from portal.notify.message import N_, Msg
from portal.notify.operations import Note, notify_many
from portal.orgs.models import Unit
from portal.orgs.scoping import across_banks


class DecisionError(ValueError):
    """The decision cannot be taken on the proposal or the case as they are now."""


def thresholds() -> Thresholds:
    row = db.session.get(MajorSettings, 1)
    if row is None:
        return Thresholds()
    return Thresholds(row.repeats, row.complainants, row.window_days)


def update_thresholds(values: Thresholds, *, actor, now: datetime) -> bool:
    """Save the thresholds with an audit entry; False when nothing changed."""
    before = thresholds()
    changes = diff(vars(before), vars(values))
    if not changes:
        return False
    row = db.session.get(MajorSettings, 1) or MajorSettings(id=1)
    row.repeats, row.complainants = values.repeats, values.complainants
    row.window_days = values.window_days
    row.updated_by_id = actor.id if actor else None
    row.updated_at = now
    db.session.add(row)
    db.session.flush()
    audit(
        actor=actor,
        unit_path=actor.unit.path if actor else "/",
        subject=row,
        action="major_thresholds_changed",
        changes=changes,
        now=now,
    )
    return True


def save_proposals(found: Mapping[int, Sequence[Reason]], *, now: datetime) -> int:
    """Record what the rules found: a new pending proposal per complaint, or the reasons
    of a pending one brought up to date. Decided proposals stay as decided. Returns how
    many were new. Written across banks: the system's own finding on whoever's step
    (the chain may run beyond the reader's bank; orgs/scoping.py)."""
    if not found:
        return 0
    ids = sorted(found)
    new = 0
    with across_banks():
        existing = {
            p.complaint_id: p
            for p in db.session.scalars(
                select(MajorProposal).where(MajorProposal.complaint_id.in_(ids))
            )
        }
        for complaint_id in ids:
            reasons = [r.data() for r in found[complaint_id]]
            proposal = existing.get(complaint_id)
            if proposal is None:
                # Two steps may find the same case at once: the first row stands.
                result = db.session.execute(
                    dialect_insert(MajorProposal)
                    .values(
                        complaint_id=complaint_id,
                        state=PENDING,
                        reasons=reasons,
                        proposed_at=now,
                        version=1,
                    )
                    .on_conflict_do_nothing(index_elements=["complaint_id"])
                    .returning(MajorProposal.id)
                )
                new += len(result.all())
            elif proposal.state == PENDING:
                latest = [r.data() for r in merged(proposal.reason_list, found[complaint_id])]
                if latest != proposal.reasons:
                    proposal.reasons = latest
        db.session.flush()
    return new


def _leaders(case: Complaint) -> list[User]:
    """Who hears of a major complaint: the member's leader in charge of complaints
    (分管领导, Art. 6) and the association's leaders."""
    association = select(Unit.id).where(Unit.parent_id.is_(None))
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.is_active.is_(True),
                ((User.role == Role.MEMBER_LEADER.value) & (User.unit_id == case.member_id))
                | ((User.role == Role.ASSOC_LEADER.value) & User.unit_id.in_(association)),
            )
            .order_by(User.id)
        )
    )


def alert_leaders(case: Complaint, reasons: Sequence[Reason], *, now: datetime) -> int:
    """Tell the leaders that ``case`` is a major complaint, in the portal and by e-mail;
    once per case and person, however it became major (a confirmed proposal, the intake
    checkbox, the flag on the case page). Returns how many were told now."""
    body: list = [
        Msg(
            N_("被投诉单位：%(member)s · %(outlet)s"),
            member=case.member.name,
            outlet=case.outlet.name,
        )
    ]
    body += [Msg(r.message, **r.params) for r in reasons] or [Msg(DEFINITION)]
    notes = [
        Note(
            user_id=user.id,
            title=Msg(N_("【重大投诉】%(no)s"), no=case.tracking_no),
            body=body,
            link=f"/cases/{case.id}",
            dedupe_key=f"major:{case.id}",
        )
        for user in _leaders(case)
    ]
    return notify_many(notes, now=now)


def confirm(proposal: MajorProposal, case: Complaint, *, actor, now: datetime, note: str) -> None:
    """A person confirms: the case is flagged 重大 through the lifecycle's own step (its
    history says who, when and why) and the leaders are alerted."""
    if proposal.state != PENDING:
        raise DecisionError(N_("该提示已处理。"))
    if not case.is_major:
        reasons = "；".join(CRITERION_LABELS[r.criterion] for r in proposal.reason_list)
        try:
            complaints.set_flags(
                case,
                actor=actor,
                now=now,
                is_major=True,
                is_media=case.is_media,
                reason=f"确认重大投诉（{reasons}）。{note}".strip(),
            )
        except complaints.CaseError as error:
            raise DecisionError(str(error)) from error
    _decide(proposal, CONFIRMED, actor=actor, now=now, note=note or None)
    alert_leaders(case, proposal.reason_list, now=now)


def reject(proposal: MajorProposal, *, actor, now: datetime, note: str) -> None:
    """A person rejects, with the reason: the case stays as it is."""
    if proposal.state != PENDING:
        raise DecisionError(N_("该提示已处理。"))
    if not note.strip():
        raise DecisionError(N_("请说明否决的理由。"))
    _decide(proposal, REJECTED, actor=actor, now=now, note=note.strip())


def settle_by_flag(case: Complaint, *, now: datetime) -> None:
    """The case was flagged 重大 by hand (intake or the case page): a pending proposal is
    settled by that decision, and the leaders are alerted."""
    proposal = db.session.scalar(select(MajorProposal).where(MajorProposal.complaint_id == case.id))
    reasons = proposal.reason_list if proposal else []
    if proposal is not None and proposal.state == PENDING:
        proposal.state, proposal.decided_at = CONFIRMED, now
        proposal.note = "已在投诉页设置重大投诉标记。"
        db.session.flush()
    alert_leaders(case, reasons, now=now)


def _decide(proposal: MajorProposal, state: str, *, actor, now: datetime, note) -> None:
    before = {"state": proposal.state}
    proposal.state, proposal.decided_at, proposal.note = state, now, note
    proposal.decided_by_id = actor.id if actor else None
    db.session.flush()
    audit(
        actor=actor,
        unit_path=proposal.complaint.handling_path,
        subject=proposal,
        action=f"major_{state}",
        changes=diff(before, {"state": state, "note": note}),
        now=now,
    )
