"""Writes of the analysis (Art. 8(5)): thresholds, runs, decisions on findings, typical
cases, industry advice and its follow-up. Each appends to its history and the audit log,
then flushes; the caller commits."""

from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import select

from portal.analysis import queries
from portal.analysis.models import (
    Advice,
    AdviceAddressee,
    AdviceEntry,
    AnalysisRun,
    AnalysisSettings,
    Finding,
    FindingCase,
    FindingEvent,
)
from portal.analysis.rules import AdviceStatus, Status, Thresholds, analyse, next_advice_status
from portal.audit.operations import diff, record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.notify.message import N_, Msg
from portal.notify.operations import Note, notify_many
from portal.orgs.models import Unit
from portal.statistics.rules import Period


class AnalysisError(ValueError):
    """A step refused for a reason the user can fix; the message (a msgid) is shown."""


def _association() -> Unit:
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    assert root is not None  # the tree has its root from the first migration's seed on
    return root


def thresholds() -> Thresholds:
    row = db.session.get(AnalysisSettings, 1)
    if row is None:
        return Thresholds()
    return Thresholds(**{name: getattr(row, name) for name in asdict(Thresholds())})


def update_thresholds(values: Thresholds, *, actor: User, now: datetime) -> None:
    before = asdict(thresholds())
    row = db.session.get(AnalysisSettings, 1) or AnalysisSettings(id=1)
    for name, value in asdict(values).items():
        setattr(row, name, value)
    row.updated_by_id, row.updated_at = actor.id, now
    db.session.add(row)
    db.session.flush()
    record(
        actor=actor,
        unit_path=_association().path,
        subject=row,
        action="analysis_thresholds_updated",
        changes=diff(before, asdict(values)),
        now=now,
    )
    db.session.flush()


def _event(finding: Finding, action: str, *, actor, now, note=None, **detail) -> None:
    db.session.add(
        FindingEvent(
            finding_id=finding.id,
            at=now,
            actor_id=actor.id if actor else None,
            action=action,
            note=note,
            detail=detail,
        )
    )


def run(period: Period, *, actor: User | None, now: datetime) -> AnalysisRun:
    """Art. 8(5): find the period's clusters and surges. Idempotent: a finding found again
    (same kind, subject and period) gets today's figures and any new cases, keeps its
    decision (a dismissed one stays dismissed); one no longer found is marked so."""
    t = thresholds()
    detected = analyse(
        queries.period_rows(period),
        queries.previous_counts(period),
        queries.chain_rows(period),
        period.code,
        t,
    )
    existing = {
        f.key: f for f in db.session.scalars(select(Finding).where(Finding.period == period.code))
    }
    new = 0
    for d in detected:
        finding = existing.pop(d.key, None)
        if finding is None:
            finding = Finding(
                key=d.key,
                kind=d.kind.value,
                period=d.period,
                member_id=d.member_id,
                outlet_id=d.outlet_id,
                category_id=d.category_id,
                figures=d.figures,
                holds=True,
                status=Status.OPEN,
                found_at=now,
            )
            db.session.add(finding)
            db.session.flush()
            _event(finding, "found", actor=actor, now=now, cases=len(d.complaint_ids))
            new += 1
            have: set[int] = set()
        else:
            have = set(
                db.session.scalars(
                    select(FindingCase.complaint_id).where(FindingCase.finding_id == finding.id)
                )
            )
            added = [i for i in d.complaint_ids if i not in have]
            if finding.figures != d.figures or added or not finding.holds:
                finding.figures, finding.holds = d.figures, True
                _event(finding, "refreshed", actor=actor, now=now, cases=len(added))
        db.session.add_all(
            FindingCase(finding_id=finding.id, complaint_id=i, added_at=now)
            for i in d.complaint_ids
            if i not in have
        )
    for gone in existing.values():
        if gone.holds:
            gone.holds = False
            _event(gone, "no_longer_holds", actor=actor, now=now)
    result = AnalysisRun(
        period=period.code,
        at=now,
        actor_id=actor.id if actor else None,
        thresholds=asdict(t),
        found=len(detected),
        new=new,
    )
    db.session.add(result)
    db.session.flush()
    record(
        actor=actor,
        unit_path=_association().path,
        subject=result,
        action="analysis_run",
        changes={"period": period.code, "found": len(detected), "new": new},
        now=now,
    )
    db.session.flush()
    return result


def _audit(finding: Finding, action: str, *, actor, now, **changes) -> None:
    record(
        actor=actor,
        unit_path=_association().path,
        subject=finding,
        action=action,
        changes=changes,
        now=now,
    )


def decide(finding: Finding, decision: str, *, actor: User, now: datetime, reason: str) -> None:
    """Confirm or dismiss an open finding, saying why (one decision; it stays)."""
    if finding.status != Status.OPEN:
        raise AnalysisError(N_("该发现已审查，不能再次确认或排除。"))
    target = {"confirm": Status.CONFIRMED, "dismiss": Status.DISMISSED}[decision]
    finding.status, finding.reason = target.value, reason
    finding.decided_at, finding.decided_by_id = now, actor.id
    _event(finding, target.value, actor=actor, now=now, note=reason)
    _audit(finding, f"analysis_finding_{target.value}", actor=actor, now=now, reason=reason)
    db.session.flush()


def _require_confirmed(finding: Finding) -> None:
    if finding.status != Status.CONFIRMED:
        raise AnalysisError(N_("只有已确认的发现才能列为典型案例或提出整改建议。"))


def make_typical(finding: Finding, *, actor: User, now: datetime, case_id: int) -> None:
    """典型案例 (Art. 8(5)): a confirmed finding goes into the bulletin with the case
    that shows it best (one of its own cases)."""
    _require_confirmed(finding)
    if case_id not in {c.id for c in queries.finding_cases(finding)}:
        raise AnalysisError(N_("请从该发现涉及的投诉中选择典型案例。"))
    finding.is_typical, finding.typical_case_id = True, case_id
    _event(finding, "typical", actor=actor, now=now, case_id=case_id)
    _audit(finding, "analysis_finding_typical", actor=actor, now=now, case_id=case_id)
    db.session.flush()


def update_words(finding: Finding, *, actor: User, now: datetime, words: str) -> None:
    """The staff's words on a confirmed finding, for the bulletin's Art. 8(5) section."""
    _require_confirmed(finding)
    before = finding.words
    finding.words = words
    _event(finding, "words", actor=actor, now=now, note=words)
    _audit(
        finding,
        "analysis_finding_words",
        actor=actor,
        now=now,
        **diff({"words": before}, {"words": words}),
    )
    db.session.flush()


_MEMBER_NOTICE_ROLES = (Role.MEMBER_HANDLER.value, Role.MEMBER_LEADER.value)
_ASSOCIATION_NOTICE_ROLES = (Role.ASSOC_HANDLER.value, Role.ASSOC_ADMIN.value)


def _users(where) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.is_active.is_(True), *where).order_by(User.id))
    )


def issue_advice(
    finding: Finding,
    *,
    actor: User,
    now: datetime,
    today: date,
    title: str,
    text: str,
    due_on: date,
    member_ids: list[int],
) -> Advice:
    """行业整改建议 (Art. 8(5)) from a confirmed finding, to member banks, answered by
    ``due_on``. The addressed members' handlers and leader are told."""
    _require_confirmed(finding)
    if due_on < today:
        raise AnalysisError(N_("答复期限不能早于今天。"))
    members = {m.id: m for m in queries.members()}
    chosen = sorted(set(member_ids))
    if not chosen or any(m not in members for m in chosen):
        raise AnalysisError(N_("请选择建议送达的会员单位。"))
    advice = Advice(
        finding_id=finding.id,
        period=finding.period,
        title=title,
        text=text,
        due_on=due_on,
        issued_by_id=actor.id,
        issued_at=now,
    )
    db.session.add(advice)
    db.session.flush()
    for member_id in chosen:
        db.session.add(AdviceAddressee(advice_id=advice.id, member_id=member_id))
        db.session.add(
            AdviceEntry(
                advice_id=advice.id,
                member_id=member_id,
                at=now,
                actor_id=actor.id,
                action="issued",
                text=text,
            )
        )
    _event(finding, "advice", actor=actor, now=now, advice_id=advice.id, members=chosen)
    db.session.flush()
    db.session.expire(advice, ["addressees"])
    record(
        actor=actor,
        unit_path=_association().path,
        subject=advice,
        action="analysis_advice_issued",
        changes={"title": title, "due_on": due_on.isoformat(), "members": chosen},
        now=now,
    )
    users = _users((User.unit_id.in_(chosen), User.role.in_(_MEMBER_NOTICE_ROLES)))
    notify_many(
        [
            Note(
                user_id=user.id,
                title=Msg(N_("【行业整改建议】%(title)s"), title=title),
                body=Msg(N_("请于%(due)s前答复整改情况。"), due=due_on),
                link=f"/analysis/advice/{advice.id}",
                dedupe_key=f"advice{advice.id}:issued",
            )
            for user in users
        ],
        now=now,
    )
    db.session.flush()
    return advice


def _step(
    advice: Advice, addressee: AdviceAddressee, entry: str, *, actor: User, now, text: str
) -> None:
    target = next_advice_status(addressee.status, entry)
    if target is None:
        raise AnalysisError(N_("当前状态下不能执行该操作。"))
    addressee.status = target.value
    if entry == "answered":
        addressee.answered_at = now
    if target == AdviceStatus.CLOSED:
        addressee.closed_at = now
    db.session.add(
        AdviceEntry(
            advice_id=advice.id,
            member_id=addressee.member_id,
            at=now,
            actor_id=actor.id,
            action=entry,
            text=text,
        )
    )
    record(
        actor=actor,
        unit_path=addressee.member.path,
        subject=advice,
        action=f"analysis_advice_{entry}",
        changes={"member_id": addressee.member_id, "status": target.value},
        now=now,
    )
    db.session.flush()


def answer(advice: Advice, addressee: AdviceAddressee, *, actor: User, now, text: str) -> None:
    """The member says what it did; the association's staff are told."""
    _step(advice, addressee, "answered", actor=actor, now=now, text=text)
    users = _users(
        (
            User.unit.has(Unit.parent_id.is_(None)),
            User.role.in_(_ASSOCIATION_NOTICE_ROLES),
        )
    )
    notify_many(
        [
            Note(
                user_id=user.id,
                title=Msg(
                    N_("【整改建议答复】%(bank)s：%(title)s"),
                    bank=addressee.member.name,
                    title=advice.title,
                ),
                body=text,
                link=f"/analysis/advice/{advice.id}",
                dedupe_key=f"advice{advice.id}:answer:{addressee.member_id}:{now.isoformat()}",
            )
            for user in users
        ],
        now=now,
    )
    db.session.flush()


def review(
    advice: Advice, addressee: AdviceAddressee, decision: str, *, actor: User, now, text: str
) -> None:
    """The association follows an answer up (asks for more: open again) or closes it;
    the member's handlers and leader are told."""
    _step(advice, addressee, decision, actor=actor, now=now, text=text)
    label = N_("协会要求补充整改情况") if decision == "follow_up" else N_("协会已办结该整改建议")
    users = _users((User.unit_id == addressee.member_id, User.role.in_(_MEMBER_NOTICE_ROLES)))
    notify_many(
        [
            Note(
                user_id=user.id,
                title=Msg(N_("【行业整改建议】%(title)s"), title=advice.title),
                body=[Msg(label), text],
                link=f"/analysis/advice/{advice.id}",
                dedupe_key=f"advice{advice.id}:{decision}:{addressee.member_id}:{now.isoformat()}",
            )
            for user in users
        ],
        now=now,
    )
    db.session.flush()
