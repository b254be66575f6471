"""Writes on accountability cases. Each appends to the case's history and to the history
of every linked complaint, then flushes; the caller commits."""

from collections.abc import Sequence
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accountability import pdf, queue
from portal.accountability.models import (
    AccountabilityCase,
    AccountabilityDocument,
    AccountabilityEvent,
    AccountabilitySettings,
    CaseEvidence,
    Disqualification,
    Interview,
    RateEvidence,
    RectificationPlan,
)
from portal.accountability.rules import (
    ACTION_LABELS as RATE_ACTION_LABELS,
)
from portal.accountability.rules import (
    PLAN_STATES,
    TRIGGER_LABELS,
    CaseState,
    Thresholds,
    Trigger,
    can_criticise,
    next_state,
)
from portal.auth.models import User
from portal.auth.roles import Role
from portal.complaints.models import Complaint, ComplaintEvent
from portal.complaints.rules import ACTION_LABELS
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ
from portal.documents import operations as documents
from portal.notify.message import N_, Msg
from portal.notify.operations import notify_user
from portal.orgs.models import Unit
from portal.orgs.scoping import across_banks


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
    # New thresholds may make triggers hold over complaints nobody changed: the next
    # sweeps look at every candidate again, a member at a time (``detect.work_queue``).
    queue.enqueue_candidates(db.session)


# Who hears of each human step: the member of the association's decisions, the
# association of the member's answers. Detection itself notifies nobody: the sweep's
# breach notices already went out, and the association reviews its list.
_TELL_MEMBER = {"dismiss", "interview", "verify", "plan_rejected", "criticise", "order"}
_TELL_ASSOCIATION = {"plan_submitted", "plan_completed"}
_MEMBER_ROLES = (Role.MEMBER_ADMIN, Role.MEMBER_LEADER, Role.MEMBER_HANDLER)
_ASSOCIATION_ROLES = (Role.ASSOC_ADMIN, Role.ASSOC_LEADER)


def _tell(case, action, *, now, note) -> None:
    if action in _TELL_MEMBER:
        where = (User.unit_id == case.member_id, User.role.in_([r.value for r in _MEMBER_ROLES]))
    elif action in _TELL_ASSOCIATION:
        where = (
            User.unit.has(Unit.parent_id.is_(None)),
            User.role.in_([r.value for r in _ASSOCIATION_ROLES]),
        )
    else:
        return
    key = f"accountability_{action}"
    label = ACTION_LABELS.get(key) or RATE_ACTION_LABELS.get(key, action)
    for user in db.session.scalars(
        select(User).where(User.is_active.is_(True), *where).order_by(User.id)
    ):
        notify_user(
            user,
            title=Msg(N_("【问责】%(bank)s：%(step)s"), bank=case.member.name, step=Msg(label)),
            body=note or "",
            link=f"/accountability/{case.id}",
            dedupe_key=f"accountability{case.id}:{action}:{now.isoformat()}",
            now=now,
        )


def _log(case, action, *, actor, now, note=None, concerning=None, **detail) -> None:
    """The case's history, and that of the complaints ``concerning`` it (by default
    every complaint in its evidence)."""
    _tell(case, action, now=now, note=note)
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
    complaint_ids = concerning or [e.complaint_id for e in case.evidence]
    # Some of the member's cases in evidence may be held by the association (a repeat
    # complaint is evidence from its registration, before any forward): beyond the
    # member's wall in the database (orgs/scoping.py), yet their history must say what
    # the member did. Written, not read.
    with across_banks():
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
        db.session.flush()


def open_or_add_evidence(*, trigger, member_id, complaints: Sequence[Complaint], now) -> bool:
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
    db.session.add_all(
        CaseEvidence(
            case_id=case.id,
            trigger=trigger,
            complaint_id=complaint.id,
            outlet_id=complaint.outlet_id,
            added_at=now,
        )
        for complaint in new
    )
    db.session.flush()
    db.session.expire(case, ["evidence"])
    # The new complaints' histories say they became evidence; the earlier ones' already
    # do (writing to every complaint of a growing case made detection quadratic).
    _log(
        case,
        action,
        actor=None,
        now=now,
        concerning=[c.id for c in new],
        complaints=[c.tracking_no for c in new],
    )
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


def schedule_interview(case, *, actor, now, data: dict) -> Interview:
    """Art. 12(1): the association's leader summons the member unit's leader."""
    decide(case, "interview", actor=actor, now=now, reason=data["requirements"])
    interview = Interview(case_id=case.id, **data)
    db.session.add(interview)
    db.session.flush()
    return interview


def submit_plan(case, *, actor, now, data: dict) -> RectificationPlan:
    """The member's 8D plan; a rejected plan is replaced by the new one."""
    if case.state not in PLAN_STATES:
        raise LadderError("plan")
    plan = db.session.scalar(select(RectificationPlan).where(RectificationPlan.case_id == case.id))
    if plan is not None and plan.status not in ("rejected",):
        raise LadderError("plan")
    plan = plan or RectificationPlan(case_id=case.id)
    for name, value in data.items():
        setattr(plan, name, value)
    plan.status, plan.submitted_at, plan.closure, plan.completed_at = "submitted", now, None, None
    db.session.add(plan)
    db.session.flush()
    _log(case, "plan_submitted", actor=actor, now=now, due_on=plan.due_on.isoformat())
    db.session.flush()
    return plan


def complete_plan(case, plan, *, actor, now, closure: str) -> None:
    """The member reports completion (D8) with its evidence."""
    if case.state not in PLAN_STATES or plan is None or plan.status != "submitted":
        raise LadderError("complete")
    plan.closure, plan.completed_at, plan.status = closure, now, "completed"
    _log(case, "plan_completed", actor=actor, now=now, note=closure)
    db.session.flush()


def verify_plan(case, plan, *, actor, now, reason: str) -> None:
    if plan is None or plan.status != "completed":
        raise LadderError("verify")
    plan.status = "verified"
    decide(case, "verify", actor=actor, now=now, reason=reason)


def reject_plan(case, plan, *, actor, now, reason: str) -> None:
    """The association sends the plan (or its evidence) back, saying why."""
    if case.state not in PLAN_STATES or plan is None or plan.status == "rejected":
        raise LadderError("reject")
    plan.status = "rejected"
    _log(case, "plan_rejected", actor=actor, now=now, note=reason)
    db.session.flush()


class AlreadyOrdered(Exception):
    """Rectification was already ordered for this member, period and step."""

    def __init__(self, case_id: int):
        super().__init__(case_id)
        self.case_id = case_id


def rate_order_of(member_id: int, period: str, stage: str) -> int | None:
    """The case ordered for a member's rate of one step in one period, if any."""
    return db.session.scalar(
        select(RateEvidence.case_id).where(
            RateEvidence.member_id == member_id,
            RateEvidence.period == period,
            RateEvidence.stage == stage,
        )
    )


def order_rectification(
    *,
    member_id: int,
    period: str,
    stage: str,
    on_time: int,
    met: int,
    line_percent: int,
    requirements: str,
    actor,
    now,
) -> AccountabilityCase:
    """责令整改 from a rate below the line: a case of ``Trigger.RATE_BELOW_LINE`` with the
    rate as its evidence, ordered at once, so the member answers with its 8D plan as for
    the other triggers. The caller has checked that the rate is below the line and that
    the step is the member's (``statistics.rules.may_order``). One case per member,
    period and step: ``AlreadyOrdered`` names the existing one (also when another request
    ordered it a moment ago: the unique constraint decides)."""
    existing = rate_order_of(member_id, period, stage)
    if existing is not None:
        raise AlreadyOrdered(existing)
    case = AccountabilityCase(member_id=member_id, trigger=Trigger.RATE_BELOW_LINE, opened_at=now)
    try:
        # A savepoint: losing the race leaves the request's transaction usable.
        with db.session.begin_nested():
            db.session.add(case)
            db.session.flush()
            db.session.add(
                RateEvidence(
                    case_id=case.id,
                    member_id=member_id,
                    period=period,
                    stage=stage,
                    on_time=on_time,
                    met=met,
                    line_percent=line_percent,
                )
            )
    except IntegrityError:
        existing = rate_order_of(member_id, period, stage)
        if existing is None:
            raise
        raise AlreadyOrdered(existing) from None
    _log(case, "opened", actor=actor, now=now, concerning=[], period=period, stage=stage)
    decide(case, "order", actor=actor, now=now, reason=requirements)
    return case


def rectify_due_on(interview, plan):
    """The date rectification was due: the plan's own date, else the interview's."""
    if plan is not None and plan.status != "rejected":
        return plan.due_on
    return interview.rectify_by if interview else None


def has_recurred(case, interview) -> bool:
    """Art. 12(2): the same kind of problem recurred: detection opened another case of the
    same trigger against the same member after the interview."""
    if interview is None:
        return False
    since = datetime.combine(interview.held_on, time.min, tzinfo=DEADLINE_TZ)
    return (
        db.session.scalar(
            select(AccountabilityCase.id).where(
                AccountabilityCase.member_id == case.member_id,
                AccountabilityCase.trigger == case.trigger,
                AccountabilityCase.id != case.id,
                AccountabilityCase.opened_at > since,
            )
        )
        is not None
    )


def criticise(case, *, actor, now, today, reason: str, recurred: bool, season, regulator: str):
    """Art. 12(2)-(3): public criticism within the industry, the report to the regulator,
    and the loss of this season's eligibility for the member and the outlets concerned."""
    interview = db.session.scalar(select(Interview).where(Interview.case_id == case.id))
    plan = db.session.scalar(select(RectificationPlan).where(RectificationPlan.case_id == case.id))
    allowed = can_criticise(
        state=case.state,
        plan_due_on=rectify_due_on(interview, plan),
        plan_verified=plan is not None and plan.status == "verified",
        recurred=recurred or has_recurred(case, interview),
        today=today,
    )
    if not allowed or season is None:
        raise LadderError("criticise")
    decide(case, "criticise", actor=actor, now=now, reason=reason)
    outlets = sorted({e.outlet_id for e in case.evidence})
    for unit_id, award in [(case.member_id, "organisation")] + [(o, "outlet") for o in outlets]:
        exists_ = db.session.scalar(
            select(Disqualification.id).where(
                Disqualification.season_id == season.id,
                Disqualification.unit_id == unit_id,
                Disqualification.award == award,
            )
        )
        if exists_ is None:
            db.session.add(
                Disqualification(
                    season_id=season.id,
                    member_id=case.member_id,
                    unit_id=unit_id,
                    award=award,
                    case_id=case.id,
                    reason=reason,
                    decided_by_id=actor.id if actor else None,
                    decided_at=now,
                )
            )
    context = document_context(case, interview, reason=reason, today=today, season=season)
    context["regulator"] = regulator
    for kind in ("notice", "regulator"):
        # GB/T 9704-2012: each document is numbered (辽银协〔2026〕12号) as it is issued,
        # in this transaction, so a failed decision gives its numbers back.
        number = documents.issue(
            kind, case.id, now=now, actor=actor, title=pdf.title(kind, context["member"])
        )
        context |= {"doc": pdf.frame(kind, context, number), "reference": number.number}
        data, digest = pdf.render(kind, context)
        db.session.add(
            AccountabilityDocument(
                case_id=case.id,
                kind=kind,
                filename=pdf.FILENAMES[kind],
                sha256=digest,
                data=data,
                created_at=now,
            )
        )
    _log(case, "disqualified", actor=actor, now=now, season=season.name, outlets=len(outlets))
    db.session.flush()


def document_context(case, interview, *, reason, today, season) -> dict:
    association = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    evidence = [
        {
            "tracking_no": e.complaint.tracking_no,
            "outlet": e.outlet.name,
            "received_on": e.complaint.received_on.isoformat(),
            "category": e.complaint.category.full_name,
        }
        for e in case.evidence
    ]
    outlets = sorted({e.outlet.name for e in case.evidence})
    return {
        "member": case.member.name,
        "trigger": TRIGGER_LABELS[Trigger(case.trigger)].split("（")[0],
        "interview_on": f"{interview.held_on.year}年{interview.held_on.month}月{interview.held_on.day}日",
        "requirements": interview.requirements,
        "reason": reason,
        "evidence": evidence,
        "outlets": "、".join(outlets),
        "season": season.name,
        "association": association.name if association else "",
        "decided_on": f"{today.year}年{today.month}月{today.day}日",
        "reference": f"问责〔{today.year}〕{case.id}号",
    }
