"""Demo bulletins (Art. 8(4)): the last complete half year published, the current one
left as a draft for a newcomer to edit, preview and publish."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from portal.auth.models import User
from portal.bulletins import operations, pdf
from portal.bulletins.models import Bulletin
from portal.complaints.models import Complaint
from portal.db import db
from portal.statistics.rules import last_complete_period, period_of

TZ = ZoneInfo("Asia/Shanghai")

OVERVIEW = (
    "本期全省银行业客户投诉总体平稳，投诉主要集中在服务态度、排队等候和收费等方面。"
    "各会员单位基本能够按照《客户投诉处理工作制度》规定的时限受理、核实和反馈。"
)
ADVICE = (
    "一、加强一线员工服务规范培训，杜绝推诿拒办；二、高峰时段增开窗口，"
    "完善预约与分流；三、收费项目事前明示，做到公开透明。"
)
NEXT_STEPS = "继续跟踪属实投诉的整改落实情况，对重复投诉较多的网点开展专项调研。"


def seed_bulletins(now: datetime) -> str:
    """Publish the last complete half year's bulletin and open a draft for the current
    one, unless bulletins exist already (idempotent); commits. Returns a line to print."""
    if db.session.scalar(select(func.count()).select_from(Bulletin)):
        return "demo bulletins already there"
    staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
    if staff is None:
        return "no association staff: demo bulletins skipped"
    today = now.astimezone(TZ).date()
    last = last_complete_period(today)
    published = operations.create_draft(last, actor=staff, now=now)
    typical = db.session.scalars(
        select(Complaint.id)
        .where(
            Complaint.received_on.between(last.first_day, last.last_day),
            Complaint.finding.in_(("substantiated", "partly")),
        )
        .order_by(Complaint.id)
        .limit(2)
    ).all()
    operations.update_draft(
        published,
        now=now,
        overview=OVERVIEW,
        typical_cases_note="以下案例已隐去客户个人信息。",
        advice=ADVICE,
        next_steps=NEXT_STEPS,
        typical_case_ids=list(typical),
    )
    operations.issue_number(published, actor=staff, now=now)  # printed in the PDF
    context = pdf.build_context(published, staff)
    operations.publish(
        published,
        pdf.render_pdf(context),
        actor=staff,
        now=now,
        change_note=None,
        figures=context["figures"],
    )
    draft = operations.create_draft(period_of(today), actor=staff, now=now)
    operations.update_draft(draft, now=now, overview="（草稿）本期情况待补充。")
    db.session.commit()
    return f"bulletin {last.code} published (v1), draft for {draft.period} opened"
