"""Demo of the 75 % line: this half year's rates below it are marked on the dashboard by
the demo complaints themselves; the association's leader orders rectification from one of
them (the verification of the member with most complaints, if below), and the member
answers with its 8D plan. Idempotent: once an order exists for the period, it stops."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accountability import operations as accountability
from portal.accountability.models import RateEvidence
from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.orgs.models import Unit
from portal.statistics import queries, rate_line
from portal.statistics.rules import period_of, rates_below_line

TZ = ZoneInfo("Asia/Shanghai")
PLAN = {
    "team": "分管副行长（组长）、个人金融部、运营管理部、各二级分行客服主管",
    "problem": "本半年核实环节及时率低于协会警戒线，多件投诉超过两个工作日才核实。",
    "containment": "在办投诉逐件盯办，当日分派核实人并在系统内登记。",
    "root_cause": "核实任务未明确到人，二级分行无专人跟踪期限。",
    "corrective_action": "各二级分行指定核实专人（A/B 角），到期前一日提醒。",
    "verification": "下月起按月复核及时率，连续三个月不低于警戒线。",
    "prevention": "将环节及时率纳入二级分行季度考核。",
    "owner": "个人金融部总经理",
}


def seed_rates(now: datetime) -> str:
    today = now.astimezone(TZ).date()
    period = period_of(today)
    if db.session.scalar(select(RateEvidence.id).where(RateEvidence.period == period.code)):
        return "rate line: a rectification already ordered this half year"
    leader = db.session.scalar(
        select(User).where(User.role == Role.ASSOC_LEADER.value).order_by(User.id)
    )
    if leader is None:
        return "rate line: no association leader"
    rows = queries.member_table(leader, period)
    below = rates_below_line(rows, rate_line.threshold())
    orderable = [item for item in below if item.orderable]
    if not orderable:
        return f"rate line: {len(below)} rates below the line, none a member's to rectify"
    # The member with the most complaints (bank 1's demo logins), verification first.
    received = {row["member_id"]: row["received"] for row in rows}
    chosen = max(orderable, key=lambda i: (i.stage == "verify", received[i.member_id]))
    member = db.session.get(Unit, chosen.member_id)
    assert member is not None  # a row of the member table names an existing unit
    case = rate_line.order(leader, period, member, chosen.stage, now=now - timedelta(days=5))
    handler = db.session.scalar(
        select(User)
        .where(User.unit_id == member.id, User.role == Role.MEMBER_HANDLER.value)
        .order_by(User.id)
    )
    if handler is not None:
        accountability.submit_plan(
            case,
            actor=handler,
            now=now - timedelta(days=2),
            data=PLAN | {"due_on": today + timedelta(days=30)},
        )
    return (
        f"rate line: {len(below)} member × stage rates below {rate_line.line_percent()}%; "
        f"rectification ordered from {member.name}'s {chosen.stage} (case {case.id})"
    )
