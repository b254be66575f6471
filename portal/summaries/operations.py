"""Writes on members' summaries (Art. 9(4)): draft, submit (frozen with its figures),
correct (a new version), the countermeasures' follow-up, the association's reminders.
Each appends to the summary's history and to the change log, tells whom it concerns,
then flushes; the caller commits."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.audit.operations import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.notify.message import N_, Msg
from portal.notify.operations import notify_user
from portal.orgs.models import Unit
from portal.statistics.rules import parse_period
from portal.summaries.models import Countermeasure, PeriodSummary, SummaryEvent
from portal.summaries.rules import SummaryStatus, next_measure_status


class SummaryError(ValueError):
    """A step the summary's state refuses, with the message to show."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# Who hears: the association's service department of a submission; the member's leader
# and handlers (and administrator) of a reminder or a countermeasure sent back.
_ASSOCIATION = (Role.ASSOC_ADMIN, Role.ASSOC_HANDLER)
_MEMBER = (Role.MEMBER_LEADER, Role.MEMBER_HANDLER, Role.MEMBER_ADMIN)


def _people(roles, *where) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_active.is_(True), User.role.in_([r.value for r in roles]), *where)
            .order_by(User.id)
        )
    )


def association_people() -> list[User]:
    return _people(_ASSOCIATION, User.unit.has(Unit.parent_id.is_(None)))


def member_people(member_id: int) -> list[User]:
    return _people(_MEMBER, User.unit_id == member_id)


def _log(summary, action, *, actor, now, note=None, measure=None) -> None:
    db.session.add(
        SummaryEvent(
            summary_id=summary.id,
            countermeasure_id=measure.id if measure else None,
            at=now,
            actor_id=actor.id if actor else None,
            action=action,
            note=note,
        )
    )
    member = db.session.get(Unit, summary.member_id)
    record(
        actor=actor,
        unit_path=member.path if member else "/",
        subject=measure or summary,
        action=f"summary_{action}",
        changes={"period": [None, summary.period], "note": [None, note]} if note else {},
        now=now,
    )
    db.session.flush()


def latest(member_id: int, period: str) -> PeriodSummary | None:
    return db.session.scalar(
        select(PeriodSummary)
        .where(PeriodSummary.member_id == member_id, PeriodSummary.period == period)
        .order_by(PeriodSummary.number.desc())
    )


def start(*, member: Unit, period: str, actor, now: datetime) -> PeriodSummary:
    """The member's draft for ``period``: the one under way, or a new first version."""
    current = latest(member.id, period)
    if current is not None:
        if current.is_draft:
            return current
        raise SummaryError(
            _l("该期总结已提交；如需更正，请在已提交的总结上选择“更正（生成新版本）”。")
        )
    summary = PeriodSummary(
        member_id=member.id,
        period=period,
        number=1,
        status=SummaryStatus.DRAFT,
        analysis="",
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
    )
    db.session.add(summary)
    db.session.flush()
    _log(summary, "created", actor=actor, now=now)
    return summary


def _draft_only(summary: PeriodSummary) -> None:
    if not summary.is_draft:
        raise SummaryError(_l("已提交的总结不能修改；如需更正，请生成新版本。"))


def save(summary: PeriodSummary, *, analysis: str, now: datetime) -> None:
    _draft_only(summary)
    summary.analysis = analysis
    summary.updated_at = now
    db.session.flush()


def add_measure(summary: PeriodSummary, *, action: str, owner: str, due_on, now) -> Countermeasure:
    _draft_only(summary)
    position = db.session.scalar(
        select(func.coalesce(func.max(Countermeasure.position), 0)).where(
            Countermeasure.summary_id == summary.id
        )
    )
    measure = Countermeasure(
        summary_id=summary.id,
        position=(position or 0) + 1,
        action=action,
        owner=owner,
        due_on=due_on,
    )
    db.session.add(measure)
    summary.updated_at = now
    db.session.flush()
    db.session.expire(summary, ["measures"])
    return measure


def remove_measure(measure: Countermeasure, *, now) -> None:
    """A draft's item taken out before submission (nothing of it was followed up yet)."""
    summary = measure.summary
    _draft_only(summary)
    db.session.delete(measure)
    summary.updated_at = now
    db.session.flush()
    db.session.expire(summary, ["measures"])


def submit(summary: PeriodSummary, *, figures: dict, actor, now: datetime) -> None:
    """Art. 9(4): the summary goes to the association, frozen with the figures as they
    stand now (kept with it; the dashboards move on)."""
    _draft_only(summary)
    if not summary.analysis.strip():
        raise SummaryError(_l("请先填写总结分析。"))
    if not summary.measures:
        raise SummaryError(_l("请至少列出一项应对措施（第九条第四款）。"))
    summary.status = SummaryStatus.SUBMITTED
    summary.figures = figures
    summary.submitted_by_id = actor.id if actor else None
    summary.submitted_at = now
    summary.updated_at = now
    db.session.flush()
    _log(summary, "submitted", actor=actor, now=now)
    member = db.session.get(Unit, summary.member_id)
    for user in association_people():
        notify_user(
            user,
            title=Msg(
                N_("【总结】%(bank)s 已提交%(period)s投诉处理总结"),
                bank=member.name if member else "",
                period=parse_period(summary.period).label,
            ),
            body=Msg(
                N_("第 %(n)s 版，含应对措施 %(m)s 项。"), n=summary.number, m=len(summary.measures)
            ),
            link=f"/summaries/{summary.id}",
            dedupe_key=f"summary{summary.id}:submitted",
            now=now,
        )


def correct(summary: PeriodSummary, *, actor, now: datetime) -> PeriodSummary:
    """A correction of a submitted summary: the next version, a draft holding the same
    analysis and countermeasures (with their follow-up so far). The submitted one stays."""
    if summary.is_draft:
        raise SummaryError(_l("草稿可直接修改。"))
    newest = latest(summary.member_id, summary.period)
    if newest is not None and newest.id != summary.id:
        raise SummaryError(_l("已有更新的版本。"))
    copy = PeriodSummary(
        member_id=summary.member_id,
        period=summary.period,
        number=summary.number + 1,
        status=SummaryStatus.DRAFT,
        analysis=summary.analysis,
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
    )
    db.session.add(copy)
    db.session.flush()
    for m in summary.measures:
        db.session.add(
            Countermeasure(
                summary_id=copy.id,
                position=m.position,
                action=m.action,
                owner=m.owner,
                due_on=m.due_on,
                status=m.status,
                done_note=m.done_note,
                done_at=m.done_at,
                checked_at=m.checked_at,
            )
        )
    db.session.flush()
    _log(copy, "corrected", actor=actor, now=now, note=f"v{summary.number} → v{copy.number}")
    return copy


def follow_up(measure: Countermeasure, step: str, *, actor, now: datetime, note: str | None):
    """A countermeasure's follow-up (as a rectification's): the member reports it done,
    the association verifies it or sends it back saying why."""
    summary = measure.summary
    if summary.is_draft:
        raise SummaryError(_l("总结提交后才跟踪措施落实。"))
    newest = db.session.scalar(
        select(PeriodSummary.id)
        .where(
            PeriodSummary.member_id == summary.member_id,
            PeriodSummary.period == summary.period,
            PeriodSummary.status == SummaryStatus.SUBMITTED,
        )
        .order_by(PeriodSummary.number.desc())
    )
    if newest != summary.id:
        raise SummaryError(_l("该版本已被更正，请在最新提交的版本上跟踪措施。"))
    target = next_measure_status(measure.status, step)
    if target is None:
        raise SummaryError(_l("当前状态下不能执行该操作。"))
    measure.status = target
    if step == "done":
        measure.done_note, measure.done_at = note, now
    else:
        measure.checked_at = now
    db.session.flush()
    _log(summary, f"measure_{step}", actor=actor, now=now, note=note, measure=measure)
    if step == "return":
        for user in member_people(summary.member_id):
            notify_user(
                user,
                title=Msg(N_("【总结】协会退回应对措施：%(what)s"), what=measure.action[:40]),
                body=note or "",
                link=f"/summaries/{summary.id}",
                dedupe_key=f"measure{measure.id}:returned:{now.isoformat()}",
                now=now,
            )


def remind(*, members: list[Unit], period, actor, now: datetime) -> int:
    """The association reminds the members without a submitted summary for ``period``:
    their leader in charge and handlers (and administrator) are told. Returns how many
    people were told."""
    told = 0
    for member in members:
        for user in member_people(member.id):
            told += notify_user(
                user,
                title=Msg(N_("【总结】请提交%(period)s投诉处理总结"), period=period.label),
                body=Msg(
                    N_("协会提醒：贵单位尚未提交%(period)s的客户投诉处理总结（第九条第四款）。"),
                    period=period.label,
                ),
                link="/summaries",
                dedupe_key=f"summary-remind:{period.code}:{member.id}:{user.id}:{now.isoformat()}",
                now=now,
            )
        record(
            actor=actor,
            unit_path=member.path,
            subject=member,
            action="summary_reminded",
            changes={"period": [None, period.code]},
            now=now,
        )
    db.session.flush()
    return told
