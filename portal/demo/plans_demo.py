"""Demo contingency plans (Art. 9(3)) and half-year summaries (Art. 9(4)).

- bank1 (工行): a plan for its core-system upgrade over the last weeks, for the whole bank
  and the categories of its recent complaints, so those case pages show "预案在案"; edited
  once (its history shows two versions).
- bank2 (建行): a plan for the Spring Festival queues at its first city's outlets, with a
  withdrawn earlier draft beside it.
- For the last complete half year: bank1 submitted its summary (figures frozen) with three
  countermeasures (one verified, one reported done, one overdue); bank3 has a draft; every
  other member is missing, bank2 among them, and was reminded once.

Idempotent: nothing is added once bank1 has a plan."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.auth.models import User
from portal.complaints.models import Category, Complaint
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.plans import operations as plans
from portal.plans.models import ContingencyPlan
from portal.statistics.rules import last_complete_period
from portal.summaries import operations as summaries
from portal.summaries import queries as summary_queries

TZ = ZoneInfo("Asia/Shanghai")


def _user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _bank(user: User) -> Unit:
    return db.session.execute(select(Unit).where(Unit.id == user.unit_id)).scalar_one()


def _recent_top_categories(member_id: int, since) -> list[int]:
    rows = db.session.execute(
        select(Category.parent_id, Category.id)
        .join(Complaint, Complaint.category_id == Category.id)
        .where(Complaint.member_id == member_id, Complaint.received_on >= since)
    ).all()
    counts = Counter(parent or own for parent, own in rows)
    return [category for category, _ in counts.most_common(3)]


def _seed_plans(now: datetime, today) -> int:
    a1, a2 = _user("bank1-a"), _user("bank2-a")
    bank1, bank2 = _bank(a1), _bank(a2)
    start = today - timedelta(days=45)
    categories = _recent_top_categories(bank1.id, start) or list(
        db.session.scalars(select(Category.id).where(Category.parent_id.is_(None)).limit(2))
    )
    upgrade = plans.file_plan(
        member=bank1,
        actor=a1,
        now=now - timedelta(days=50),
        data={
            "kind": "migration",
            "title": "核心系统升级切换期间客户投诉应对预案",
            "measures": (
                "一、切换前十日在网点、手机银行公告停机时段及替代渠道；\n"
                "二、切换期间各网点增设引导岗，大堂经理主动解释，排队超过30分钟致歉并登记；\n"
                "三、客服热线增配坐席，系统异常导致的交易失败当日回访；\n"
                "四、投诉由省分行消保中心统一协调，2个工作日内核实完毕。"
            ),
            "category_ids": categories,
            "unit_ids": [],
            "starts_on": start,
            "ends_on": today + timedelta(days=20),
        },
    )
    plans.edit_plan(
        upgrade,
        actor=a1,
        now=now - timedelta(days=48),
        data={
            "kind": upgrade.kind,
            "title": upgrade.title,
            "measures": upgrade.measures + "\n五、切换完成后一周内汇总投诉，形成专项分析报告。",
            "category_ids": upgrade.category_ids,
            "unit_ids": [],
            "starts_on": upgrade.starts_on,
            "ends_on": upgrade.ends_on,
        },
        note="增加事后分析要求",
    )
    city = db.session.scalar(
        select(Unit)
        .where(Unit.parent_id == bank2.id, Unit.kind == UnitKind.CITY_BRANCH)
        .order_by(Unit.path)
    )
    queue_categories = list(
        db.session.scalars(select(Category.id).where(Category.parent_id.is_(None)).limit(2))
    )
    festival = {
        "kind": "holiday",
        "title": "春节前后网点排队客户投诉应对预案",
        "measures": "节前两周每日开足窗口；推广自助渠道；高峰时段行长值班；排队投诉当日回复。",
        "category_ids": queue_categories,
        "unit_ids": [city.id] if city else [],
        "starts_on": today + timedelta(days=50),
        "ends_on": today + timedelta(days=80),
    }
    early = plans.file_plan(
        member=bank2,
        actor=a2,
        now=now - timedelta(days=20),
        data=festival | {"title": "春节排队预案（初稿）"},
    )
    plans.withdraw_plan(early, actor=a2, now=now - timedelta(days=19), reason="与正式预案重复")
    plans.file_plan(member=bank2, actor=a2, now=now - timedelta(days=19), data=festival)
    return 3


def _seed_summaries(now: datetime, today) -> None:
    period = last_complete_period(today)
    a1 = _user("bank1-a")
    bank1 = _bank(a1)
    at = now - timedelta(days=12)
    summary = summaries.start(member=bank1, period=period.code, actor=a1, now=at)
    summaries.save(
        summary,
        analysis=(
            f"{period.label}本行受理协会转办投诉较上期有所下降，集中在服务态度、"
            "排队等候和收费三个方面；其中排队投诉七成发生在月初代发工资日，"
            "服务态度投诉多涉及新入职柜员。处理及时率总体达标，上报结果环节偶有超期。"
        ),
        now=at,
    )
    for action, owner, days in (
        ("新入职柜员服务规范复训并考核上岗", "个人金融部", -30),
        ("代发工资日网点弹性排班、增开窗口", "运营管理部", -20),
        ("上报结果环节设专人督办，每周通报超期", "消费者权益保护中心", -5),
    ):
        summaries.add_measure(
            summary, action=action, owner=owner, due_on=today + timedelta(days=days), now=at
        )
    figures = summary_queries.live_figures(a1, bank1.id, period, at)
    summaries.submit(summary, figures=figures, actor=a1, now=at)
    staff = _user("assoc-staff")
    first, second, _third = summary.measures
    summaries.follow_up(
        first, "done", actor=a1, now=at + timedelta(days=2), note="已完成两期复训，32人考核合格。"
    )
    summaries.follow_up(
        first, "verify", actor=staff, now=at + timedelta(days=4), note="抽查培训记录属实。"
    )
    summaries.follow_up(
        second, "done", actor=a1, now=at + timedelta(days=6), note="已执行弹性排班。"
    )
    # bank3 has started; the others (bank2 among them) have not, and were reminded.
    a3 = _user("bank3-a")
    draft = summaries.start(
        member=_bank(a3), period=period.code, actor=a3, now=now - timedelta(days=3)
    )
    summaries.save(draft, analysis="（草稿）本期投诉主要集中在……", now=now - timedelta(days=3))
    summaries.remind(
        members=summary_queries.not_submitted(period),
        period=period,
        actor=staff,
        now=now - timedelta(days=2),
    )


def seed_plans_and_summaries(now: datetime) -> str:
    today = now.astimezone(TZ).date()
    bank1 = _bank(_user("bank1-a"))
    if db.session.scalar(select(ContingencyPlan.id).where(ContingencyPlan.member_id == bank1.id)):
        return "contingency plans and summaries already seeded (Art. 9(3), 9(4))"
    count = _seed_plans(now, today)
    _seed_summaries(now, today)
    db.session.flush()
    return f"{count} contingency plans (Art. 9(3)); a submitted, a draft and missing summaries (Art. 9(4))"
