"""Demo accountability cases at each rung of the Art. 12 ladder, and the current season.

Runs after the demo complaints: detection finds what the complaints already prove; where
it finds fewer than three members, a handled complaint per member is flagged as having
reached the media (Art. 12(1)4). Idempotent: once any case has left review, it stops.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from portal.accountability import operations
from portal.accountability.detect import detect
from portal.accountability.models import AccountabilityCase, Season
from portal.accountability.rules import CaseState
from portal.auth.models import User
from portal.auth.roles import Role
from portal.complaints.models import Complaint
from portal.db import db

TZ = ZoneInfo("Asia/Shanghai")
PLAN = {
    "team": "分管副行长（组长）、个人金融部总经理、涉事网点负责人、客服中心主管",
    "problem": "涉事网点对客户诉求推诿拖延，处置不当导致客户在网络发帖。",
    "containment": "三日内上门致歉，解决客户合理诉求；网点负责人每日复盘投诉。",
    "root_cause": "网点首问负责制落实不到位，投诉升级渠道不畅。",
    "corrective_action": "修订网点投诉处理流程，明确升级时限；涉事人员离岗培训。",
    "verification": "一个月内组织两次神秘客户暗访，抽查投诉台账。",
    "prevention": "将投诉处理质量纳入网点季度考核。",
    "owner": "个人金融部总经理",
}


def _season(today) -> Season:
    name = f"{today.year}年度优服创建活动赛季"
    season = db.session.scalar(select(Season).where(Season.name == name))
    if season is None:
        season = Season(
            name=name,
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
        )
        db.session.add(season)
        db.session.flush()
    return season


def _member_user(member_id: int, role: Role) -> User | None:
    return db.session.scalar(
        select(User).where(User.unit_id == member_id, User.role == role.value).order_by(User.id)
    )


def _ensure_three_members(now: datetime) -> None:
    members = set(db.session.scalars(select(AccountabilityCase.member_id)))
    if len(members) >= 3:
        return
    for complaint in db.session.scalars(
        select(Complaint).where(Complaint.accepted_at.is_not(None)).order_by(Complaint.id)
    ):
        if complaint.member_id not in members:
            complaint.is_media = True
            members.add(complaint.member_id)
        if len(members) >= 3:
            break
    db.session.flush()
    detect(now)


def seed_accountability(now: datetime) -> int:
    """Returns how many cases the demo holds."""
    today = now.astimezone(TZ).date()
    season = _season(today)
    if db.session.scalar(
        select(AccountabilityCase.id).where(AccountabilityCase.state != CaseState.DETECTED)
    ):
        return len(db.session.scalars(select(AccountabilityCase.id)).all())
    detect(now)
    _ensure_three_members(now)
    leader = db.session.scalar(select(User).where(User.role == Role.ASSOC_LEADER.value))
    cases, seen = [], set()
    for case in db.session.scalars(select(AccountabilityCase).order_by(AccountabilityCase.id)):
        if case.member_id not in seen:
            cases.append(case)
            seen.add(case.member_id)
    if len(cases) < 3:  # a province of fewer than three banks: leave them all in review
        return len(cases)
    # Rung 2: an interview held three weeks ago, the member's plan still open.
    # Rung 3: an interview six weeks ago whose plan fell overdue: public criticism.
    for case, weeks_ago, due_in in ((cases[1], 3, 20), (cases[2], 6, -10)):
        held = now - timedelta(weeks=weeks_ago)
        operations.schedule_interview(
            case,
            actor=leader,
            now=held,
            data={
                "held_on": held.astimezone(TZ).date(),
                "association_attendees": "协会秘书长、服务拓展部主任",
                "member_attendees": f"{case.member.name}行长、分管副行长",
                "requirements": "一个月内查明原因，落实整改，书面报告整改结果。",
                "rectify_by": today + timedelta(days=due_in),
            },
        )
        handler = _member_user(case.member_id, Role.MEMBER_HANDLER)
        operations.submit_plan(
            case,
            actor=handler,
            now=held + timedelta(days=3),
            data=PLAN | {"due_on": today + timedelta(days=due_in)},
        )
    operations.criticise(
        cases[2],
        actor=leader,
        now=now,
        today=today,
        reason="约见谈话后整改逾期未完成，涉事网点同类投诉仍有发生。",
        recurred=False,
        season=season,
        regulator=current_app.config["REGULATOR_NAME"],
    )
    return len(db.session.scalars(select(AccountabilityCase.id)).all())
