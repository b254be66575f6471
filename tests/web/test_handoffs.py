"""Every hand-off reaches its next owner (Art. 7: no complaint left without someone to
act), driven through HTTP with the portal's own forms: who is told of each step, once,
in the portal and by e-mail; an escalated case keeps a clock of its own (Art. 10(1),
11(3)); followers (关注) hear every step.

The first-responsible principle: at the member the handler who accepted the case owns
it (here bank1-a), at the association the handler who forwarded it (assoc-staff).
"""

from collections import Counter
from datetime import date

from handoff_support import at
from sqlalchemy import select

from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.db import db
from portal.deadlines.models import Clock
from portal.deadlines.rules import DeadlinePolicy
from portal.deadlines.settings import save_policy
from portal.notify.models import Notification, OutboxMessage
from portal.orgs.models import Unit


def test_the_association_forwards_the_member_accepts_and_passes_down(desk):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    # Art. 7: the handler on duty (A) is told; the one who forwarded is not.
    assert desk.told() == Counter({("bank1-a", "新投诉待受理"): 1})
    desk.step("bank1-a", case_id, "accept")
    assert desk.told() == Counter()  # nobody else needs to act; nobody follows yet
    desk.step("bank1-a", case_id, "forward_down", unit_id=desk.province.unit("bank1-outlet1").id)
    # The outlet gaining it must reply; the member's pair, losing it, knows where it went.
    assert desk.told() == Counter(
        {("bank1-outlet1", "投诉已转交下级单位"): 1, ("bank1-b", "投诉已转交下级单位"): 1}
    )


def test_the_outlets_steps_reach_the_handler_who_accepted_the_case(desk):
    case_id = desk.register()
    desk.to_outlet(case_id)
    desk.step(
        "bank1-outlet1",
        case_id,
        "contact",
        contacted_at="2026-11-23T09:55",
        how="phone",
        summary="已致电客户。",
    )
    assert desk.told() == Counter({("bank1-a", "网点已联系客户"): 1})
    # Art. 11(3): a progress report with a promised date also reaches the superior unit
    # (the sub-branch and the city branch have nobody: the member's A and B).
    desk.step("bank1-outlet1", case_id, "progress", summary="正在协调。", promised_on="2026-11-30")
    assert desk.told() == Counter({("bank1-a", "处理进度报告"): 1, ("bank1-b", "处理进度报告"): 1})
    desk.step(
        "bank1-outlet1",
        case_id,
        "final_reply",
        result="已致歉。",
        told_at="2026-11-23T09:58",
        told_how="phone",
        reaction="接受",
    )
    assert desk.told() == Counter({("bank1-a", "已答复客户"): 1})


def test_the_members_report_reaches_the_association_handler_who_forwarded_it(desk):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.step("bank1-a", case_id, "verify", finding="substantiated", facts="属实。")
    desk.told()
    desk.step("bank1-a", case_id, "report", summary="已处理。")
    assert desk.told() == Counter({("assoc-staff", "会员单位上报处理结果"): 1})
    # Sent back: the handler who accepted it and the pair re-verify.
    desk.step("assoc-staff", case_id, "send_back", reason="核实不充分。")
    assert desk.told() == Counter(
        {("bank1-a", "协会退回重新核实"): 1, ("bank1-b", "协会退回重新核实"): 1}
    )
    desk.step("bank1-a", case_id, "verify", finding="substantiated", facts="补充核实。")
    desk.step("bank1-a", case_id, "report", summary="已处理。")
    desk.told()
    desk.step("assoc-staff", case_id, "close", note="同意办结")
    assert desk.told() == Counter(
        {("bank1-a", "协会审核通过，投诉已办结"): 1, ("bank1-b", "协会审核通过，投诉已办结"): 1}
    )
    # A dissatisfied return visit: the member hears it; the other association handler
    # hears of the repeat complaint waiting to be forwarded.
    desk.step(
        "assoc-staff", case_id, "return_visit", satisfaction="dissatisfied", comment="不满意。"
    )
    assert desk.told() == Counter(
        {
            ("bank1-a", "回访不满意，已重新登记"): 1,
            ("bank1-b", "回访不满意，已重新登记"): 1,
            ("assoc-staff2", "重复投诉待转办"): 1,
        }
    )


def test_a_recall_tells_the_unit_losing_the_case(desk):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.told()
    desk.step("assoc-staff", case_id, "recall", reason="转错会员单位。")
    assert desk.told() == Counter(
        {("bank1-a", "协会已撤回转办"): 1, ("bank1-b", "协会已撤回转办"): 1}
    )
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.step("bank1-a", case_id, "forward_down", unit_id=desk.province.unit("bank1-outlet1").id)
    desk.told()
    desk.step("bank1-b", case_id, "recall_up", reason="由省分行直接处理。")
    # The outlet losing it; bank1-a, who accepted it, learns B took it back.
    assert desk.told() == Counter(
        {("bank1-outlet1", "投诉已收回至会员单位"): 1, ("bank1-a", "投诉已收回至会员单位"): 1}
    )


def _open_clocks(app, case_id) -> list[tuple[str, str, date]]:
    with app.app_context():
        rows = db.session.execute(
            select(Clock.kind, Unit.code, Clock.due_on)
            .join(Unit, Unit.id == Clock.owner_unit_id)
            .where(Clock.case_id == case_id, Clock.met_at.is_(None), Clock.cancelled_at.is_(None))
            .order_by(Clock.kind)
        ).all()
        return [tuple(row) for row in rows]


def test_an_escalated_case_keeps_a_reply_clock_owned_by_the_unit_holding_it(desk, app):
    """Art. 10(1): beyond its authority the outlet escalates; the sub-branch above owns a
    reply clock from arrival (3 working days, Art. 11(3)); the outlet's stops as it stood;
    the member's verify and report run on. Everyone concerned is told."""
    case_id = desk.register()
    desk.to_outlet(case_id)
    app.config["FROZEN_NOW"] = at("2026-11-24", 11)  # Tuesday
    desk.step("bank1-outlet1", case_id, "escalate", reason="涉及赔偿，超出网点权限。")
    sub = desk.province.unit("bank1-sub")
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        assert case.handling_unit_id == sub.id
        outlet_reply = db.session.scalars(
            select(Clock)
            .where(Clock.case_id == case_id, Clock.kind == "branch_reply")
            .order_by(Clock.id)
        ).first()
        assert outlet_reply.met_at == at("2026-11-24", 11)  # stopped, on time as it stood
    # Tue 24 Nov + 3 working days: 25, 26, 27 → Friday 27 November.
    assert _open_clocks(app, case_id) == [
        ("branch_reply", sub.code, date(2026, 11, 27)),
        ("report", "BANK1", date(2026, 11, 30)),
        ("verify", "BANK1", date(2026, 11, 25)),
    ]
    # The sub-branch has nobody of its own: the nearest handlers (the member's A and B);
    # the association handler who forwarded it hears it moved up.
    assert desk.told() == Counter(
        {
            ("bank1-a", "下级单位上报投诉"): 1,
            ("bank1-b", "下级单位上报投诉"): 1,
            ("assoc-staff", "下级单位上报投诉"): 1,
        }
    )
    # The sub-branch passes it back down? No: the member recalls it; the member's own reply
    # clock then runs, still never none.
    desk.step("bank1-a", case_id, "recall_up", reason="省分行直接处理。")
    kinds = {(kind, owner) for kind, owner, _due in _open_clocks(app, case_id)}
    assert ("branch_reply", "BANK1") in kinds


def test_the_escalated_reply_limit_is_the_associations_setting_on_the_holiday_calendar(desk, app):
    with app.app_context():
        save_policy(DeadlinePolicy(escalated_reply_days=5), actor=None, now=at("2026-09-01", 9))
        db.session.commit()
    app.config["FROZEN_NOW"] = at("2026-09-28", 10)
    case_id = desk.register()
    desk.to_outlet(case_id)
    # Escalated on Wednesday 30 September; 1-7 October are the National Day holiday and
    # Saturday 10 October a make-up working day: 8, 9, 10, 12, 13 → Tuesday 13 October.
    app.config["FROZEN_NOW"] = at("2026-09-30", 16)
    desk.step("bank1-outlet1", case_id, "escalate", reason="超出权限。")
    reply = [row for row in _open_clocks(app, case_id) if row[0] == "branch_reply"]
    assert reply == [("branch_reply", "BANK1-SY-01", date(2026, 10, 13))]


def test_followers_hear_every_step_until_they_stop_following(desk):
    case_id = desk.register()
    leader = desk.as_("assoc-leader")
    response = leader.post(f"/cases/{case_id}/follow", data={"follow": "1"})
    assert response.status_code == 200 and "已关注" in response.get_data(as_text=True)
    leader.post(f"/cases/{case_id}/follow", data={"follow": "1"})  # twice: still once
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    told = desk.told()
    assert told[("assoc-leader", "已转办会员单位")] == 1
    assert told[("assoc-leader", "会员单位已受理")] == 1
    leader.post(f"/cases/{case_id}/follow", data={"follow": "0"})
    desk.step("bank1-a", case_id, "verify", finding="unsubstantiated", facts="不属实。")
    assert ("assoc-leader", "核实完毕") not in desk.told()


def test_a_notice_names_the_case_the_step_who_and_the_next_deadline_and_is_mailed_once(desk, app):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.told()
    desk.step("bank1-a", case_id, "forward_down", unit_id=desk.province.unit("bank1-outlet1").id)
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        note = db.session.scalar(
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(User.username == "bank1-outlet1")
        )
        assert note.title == f"投诉已转交下级单位：{case.tracking_no}"
        assert note.link == f"/cases/{case_id}"
        # Who did it, and the next deadline with its date (verify, Art. 11(2)).
        assert "bank1-a（第1银行辽宁省分行）：转交下级单位" in note.body
        assert "下一期限：会员单位核实（2个工作日），2026年11月25日止。" in note.body
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "bank1-outlet1@example.cn")
        ).all()
        assert [m.subject for m in mails] == [note.title]


def test_a_step_refused_tells_nobody(desk, app):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.told()
    with app.app_context():
        version = db.session.get(Complaint, case_id).version
    response = desk.as_("bank1-a").post(
        f"/cases/{case_id}/do/verify",
        data={"verify-version": str(version), "verify-seen_event": "0", "verify-facts": ""},
    )
    assert response.status_code in (403, 422)
    assert desk.told() == Counter()


def test_the_association_administrator_sets_the_deadline_policy(desk, app):
    admin = desk.as_("assoc-admin")
    page = admin.get("/deadlines/settings")
    assert page.status_code == 200 and "上报或收回后的答复期限" in page.get_data(as_text=True)
    assert desk.as_("assoc-staff").get("/deadlines/settings").status_code == 403
    assert desk.as_("bank1-a").post("/deadlines/settings", data={}).status_code == 403
    bad = admin.post(
        "/deadlines/settings",
        data={
            "escalated_reply_days": "0",
            "reminder_days": ["1"],
            "superior_after_days": "1",
            "leader_after_days": "2",
        },
    )
    assert bad.status_code == 422 and "1" in bad.get_data(as_text=True)
    with app.app_context():
        from portal.deadlines.settings import current_policy

        assert current_policy() == DeadlinePolicy()  # a refused form writes nothing
    saved = admin.post(
        "/deadlines/settings",
        data={
            "escalated_reply_days": "4",
            "reminder_days": ["2", "0"],
            "superior_after_days": "1",
            "leader_after_days": "0",
        },
    )
    assert saved.status_code == 200 and "已保存" in saved.get_data(as_text=True)
    with app.app_context():
        assert current_policy() == DeadlinePolicy(4, (2, 0), 1, 0)
