"""Demo analysis (Art. 8(5)): the association's staff run the analysis over the current
half year; one cluster is confirmed, made a typical case with the staff's words and an
industry advice to its member bank, which has answered once; another finding is
dismissed with a reason. Idempotent: a second seed runs the analysis again (adding
nothing) and decides nothing twice."""

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.analysis import operations, queries
from portal.analysis.models import Advice, Finding
from portal.analysis.rules import Kind, Status
from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ
from portal.statistics.rules import period_of


def _user(**where) -> User | None:
    query = select(User).where(User.is_active.is_(True))
    for name, value in where.items():
        query = query.where(getattr(User, name) == value)
    return db.session.scalar(query.order_by(User.id))


def _open(period: str, kinds: tuple[Kind, ...]) -> list[Finding]:
    return list(
        db.session.scalars(
            select(Finding)
            .where(
                Finding.period == period,
                Finding.status == Status.OPEN,
                Finding.kind.in_([k.value for k in kinds]),
                Finding.member_id.isnot(None),
            )
            .order_by(Finding.id)
        )
    )


def seed_analysis(now: datetime) -> str:
    staff = _user(username="assoc-staff")
    if staff is None:
        return "analysis: no demo province"
    today = now.astimezone(DEADLINE_TZ).date()
    period = period_of(today)
    run = operations.run(period, actor=staff, now=now)
    decided = db.session.scalar(
        select(Finding.id).where(Finding.period == period.code, Finding.status != Status.OPEN)
    )
    if decided is not None:
        return f"analysis {period.code}: {run.found} findings (decisions kept)"
    candidates = _open(period.code, (Kind.OUTLET_CLUSTER, Kind.MEMBER_SURGE, Kind.REPEAT_CHAIN))
    if not candidates:
        return f"analysis {period.code}: {run.found} findings, none to confirm"
    # The cluster with the most cases: the clearest one to show.
    cluster = max(
        candidates, key=lambda f: (f.kind == Kind.OUTLET_CLUSTER, len(queries.finding_cases(f)))
    )
    operations.decide(
        cluster,
        "confirm",
        actor=staff,
        now=now,
        reason="同一网点同类投诉短期内集中发生，经核查与业务流程有关。",
    )
    cases = queries.finding_cases(cluster)
    operations.make_typical(cluster, actor=staff, now=now, case_id=cases[0].id)
    operations.update_words(
        cluster,
        actor=staff,
        now=now,
        words="该网点同类投诉在数周内集中发生，反映出业务办理流程和客户告知方面的不足，"
        "提请各会员单位对照排查。",
    )
    advice = operations.issue_advice(
        cluster,
        actor=staff,
        now=now,
        today=today,
        title="关于同类投诉集中问题的整改建议",
        text="一、排查同类业务的办理流程和告知要求；\n二、对网点人员开展专项培训；"
        "\n三、于答复期限前报告整改情况。",
        due_on=today + timedelta(days=30),
        member_ids=[m for m in (cluster.member_id,) if m],
    )
    handler = _user(unit_id=cluster.member_id, role=Role.MEMBER_HANDLER.value)
    if handler is not None:
        operations.answer(
            advice,
            advice.addressees[0],
            actor=handler,
            now=now,
            text="已对涉及网点开展专项检查，完善了业务告知材料，并组织全辖网点培训。",
        )
    others = [f for f in _open(period.code, tuple(Kind)) if f.id != cluster.id]
    if others:
        operations.decide(
            others[0],
            "dismiss",
            actor=staff,
            now=now,
            reason="经核查为同一客户就同一事项多次来电，已一并解决，不属行业性问题。",
        )
    advice_count = db.session.scalar(select(Advice.id).where(Advice.period == period.code))
    return (
        f"analysis {period.code}: {run.found} findings, one confirmed as a typical case with "
        f"advice {advice_count} answered, {len(others[:1])} dismissed"
    )
