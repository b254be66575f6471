"""Paths people use every day that worked without a test to prove it: the printable
worksheet, the repeat suggestions at intake, rectification opinions added and completed
(Art. 9(2)), and the category administration."""

from handoff_support import at
from sqlalchemy import func, select

from portal.complaints.models import Category, Complaint, ComplaintEvent, Rectification
from portal.db import db
from portal.deadlines.models import Clock
from portal.jobs.sweep import run_sweep


def _version(app, case_id) -> int:
    with app.app_context():
        return db.session.get(Complaint, case_id).version


def test_the_printable_worksheet_holds_the_intake(desk, app):
    case_id = desk.register()
    page = desk.as_("assoc-staff").get(f"/cases/{case_id}/worksheet")
    html = page.get_data(as_text=True)
    with app.app_context():
        tracking = db.session.get(Complaint, case_id).tracking_no
    assert page.status_code == 200
    assert "客户投诉受理工作表" in html and tracking in html
    assert "王丽" in html and "第1银行和平支行1号网点" in html and "柜员态度差。" in html
    # Members do not print the association's worksheet.
    desk.step("assoc-staff", case_id, "forward")
    assert desk.as_("bank1-a").get(f"/cases/{case_id}/worksheet").status_code == 403


def test_repeat_suggestions_find_the_earlier_complaint_of_the_same_mobile(desk, app):
    earlier = desk.register()
    with app.app_context():
        tracking = db.session.get(Complaint, earlier).tracking_no
    staff = desk.as_("assoc-staff")
    found = staff.post(
        "/cases/repeats", data={"mobile": "13812341234"}, headers={"HX-Request": "true"}
    )
    assert found.status_code == 200 and tracking in found.get_data(as_text=True)
    other = staff.post(
        "/cases/repeats", data={"mobile": "13900009999"}, headers={"HX-Request": "true"}
    )
    assert tracking not in other.get_data(as_text=True)


def test_rectification_opinions_are_added_and_completed(desk, app):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.step("bank1-a", case_id, "verify", finding="substantiated", facts="属实。")
    desk.step(
        "bank1-a",
        case_id,
        "rectify",
        kind="rectification",
        opinion="加强柜员服务培训。",
        owner="和平支行",
        due_on="2026-12-15",
    )
    with app.app_context():
        item = db.session.scalar(select(Rectification).where(Rectification.complaint_id == case_id))
        assert (item.opinion, item.due_on.isoformat(), item.completed_at) == (
            "加强柜员服务培训。",
            "2026-12-15",
            None,
        )
        item_id = item.id
    page = desk.as_("bank1-a").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "加强柜员服务培训。" in page and "跟踪中" in page
    desk.step("bank1-a", case_id, "rectify_done", item_id=item_id, note="已完成全员培训。")
    with app.app_context():
        item = db.session.get(Rectification, item_id)
        assert item.completed_at is not None and item.completion_note == "已完成全员培训。"
        actions = db.session.scalars(
            select(ComplaintEvent.action).where(ComplaintEvent.complaint_id == case_id)
        ).all()
        assert actions[-2:] == ["rectification_added", "rectification_completed"]
    again = desk.as_("bank1-a").post(
        f"/cases/{case_id}/do/rectify_done",
        data={
            "rectify_done-version": str(_version(app, case_id)),
            "rectify_done-item_id": str(item_id),
            "rectify_done-note": "再次",
        },
    )
    assert again.status_code == 422 and "该整改事项已完成" in again.get_data(as_text=True)


def test_the_association_administrator_keeps_the_category_taxonomy(desk, app):
    admin = desk.as_("assoc-admin")
    desk.register()  # seeds the default taxonomy
    listing = admin.get("/categories")
    assert listing.status_code == 200 and "ATT-01" in listing.get_data(as_text=True)
    with app.app_context():
        parent = db.session.scalar(select(Category.id).where(Category.parent_id.is_(None)))
    made = admin.post(
        "/categories", data={"parent_id": str(parent), "code": "ATT-99", "name": "测试小类"}
    )
    assert made.status_code in (200, 302)
    with app.app_context():
        created = db.session.scalar(select(Category).where(Category.code == "ATT-99"))
        assert created is not None and created.parent_id == parent and created.is_active
        created_id = created.id
    taken = admin.post("/categories", data={"parent_id": "0", "code": "ATT-99", "name": "重复"})
    assert taken.status_code == 422 and "该代码已被使用" in taken.get_data(as_text=True)
    assert admin.post(f"/categories/{created_id}/active", data={"active": "0"}).status_code in (
        200,
        302,
    )
    with app.app_context():
        assert db.session.get(Category, created_id).is_active is False
    assert desk.as_("assoc-staff").get("/categories").status_code == 403


def test_a_category_under_a_missing_or_stopped_parent_is_refused_saying_why(desk, app):
    admin = desk.as_("assoc-admin")
    desk.register()  # seeds the default taxonomy
    with app.app_context():
        parent = db.session.scalar(select(Category.id).where(Category.parent_id.is_(None)))
        before = db.session.scalar(select(func.count()).select_from(Category))
    missing = admin.post("/categories", data={"parent_id": "999999", "code": "X-1", "name": "甲"})
    assert missing.status_code == 422 and "所选上级类别不存在" in missing.get_data(as_text=True)
    admin.post(f"/categories/{parent}/active", data={"active": "0"})
    stopped = admin.post(
        "/categories", data={"parent_id": str(parent), "code": "X-2", "name": "乙"}
    )
    assert stopped.status_code == 422 and "上级类别已停用" in stopped.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == before


def test_deactivating_a_category_withdraws_its_sub_categories_from_intake(desk, app):
    admin = desk.as_("assoc-admin")
    desk.register()  # seeds the default taxonomy
    with app.app_context():
        child = db.session.scalar(select(Category).where(Category.parent_id.is_not(None)))
        parent_id, child_value = child.parent_id, f'value="{child.id}"'
    staff = desk.as_("assoc-staff")
    assert child_value in staff.get("/cases/new").get_data(as_text=True)
    admin.post(f"/categories/{parent_id}/active", data={"active": "0"})
    assert child_value not in staff.get("/cases/new").get_data(as_text=True)


def _substantiated(desk, app) -> int:
    case_id = desk.register()
    desk.to_outlet(case_id)
    desk.step("bank1-a", case_id, "verify", finding="substantiated", facts="属实。")
    return case_id


def test_a_rectification_with_a_date_owns_a_clock_held_by_the_outlet(desk, app):
    """Art. 9(2): the opinion's completion date is tracked like any deadline: the outlet
    owns the clock, is told of the opinion, records its work from its own list (even
    when the case is held elsewhere), and completing it meets the clock."""
    case_id = _substantiated(desk, app)
    desk.told()
    desk.step(
        "bank1-a",
        case_id,
        "rectify",
        kind="rectification",
        opinion="网点整改排队管理。",
        due_on="2026-11-30",
    )
    outlet = desk.province.unit("bank1-outlet1")
    with app.app_context():
        item = db.session.scalar(select(Rectification).where(Rectification.complaint_id == case_id))
        clock = db.session.scalar(select(Clock).where(Clock.rectification_id == item.id))
        assert (clock.kind, clock.owner_unit_id, clock.due_on.isoformat()) == (
            "rectify",
            outlet.id,
            "2026-11-30",
        )
        item_id = item.id
    assert desk.told()[("bank1-outlet1", "下发整改意见")] == 1
    # The case goes back up to the member; the outlet still sees its opinion.
    desk.step("bank1-a", case_id, "recall_up", reason="省分行直接处理。")
    officer = desk.as_("bank1-outlet1")
    assert officer.get(f"/cases/{case_id}").status_code == 404
    listing = officer.get("/rectifications").get_data(as_text=True)
    assert "网点整改排队管理。" in listing and "跟踪中" in listing
    empty = officer.post(f"/rectifications/{item_id}/work", data={"note": ""})
    assert empty.status_code == 422 and "请填写整改进展或完成情况" in empty.get_data(as_text=True)
    desk.told()
    progress = officer.post(f"/rectifications/{item_id}/work", data={"note": "已调整窗口排班。"})
    assert progress.status_code == 200 and "已登记整改进展" in progress.get_data(as_text=True)
    assert desk.told()[("bank1-a", "整改进展")] == 1
    done = officer.post(
        f"/rectifications/{item_id}/work", data={"note": "排队时间已缩短。", "done": "y"}
    )
    assert done.status_code == 200
    with app.app_context():
        assert db.session.get(Rectification, item_id).completed_at is not None
        assert db.session.scalar(select(Clock.met_at).where(Clock.rectification_id == item_id))
    # The association reads, does not record.
    assert (
        desk.as_("assoc-staff")
        .post(f"/rectifications/{item_id}/work", data={"note": "x"})
        .status_code
        == 403
    )


def test_overdue_rectifications_are_listed_and_the_sweep_tells_the_outlet(desk, app):
    case_id = _substantiated(desk, app)
    desk.step(
        "bank1-a",
        case_id,
        "rectify",
        kind="staff",
        opinion="对柜员进行批评教育。",
        due_on="2026-11-24",
    )
    desk.told()
    with app.app_context():
        run_sweep(at("2026-11-24", 9))  # the due morning: the outlet is reminded
        db.session.commit()
    assert desk.told()[("bank1-outlet1", "【今日到期】整改完成")] == 1
    app.config["FROZEN_NOW"] = at("2026-11-25", 9)
    with app.app_context():
        counts = run_sweep(at("2026-11-25", 9))
        db.session.commit()
    assert counts["breaches"] >= 1
    assert desk.told()[("bank1-outlet1", "【超期】整改完成已超过期限")] == 1
    overdue = desk.as_("assoc-staff").get("/rectifications?status=overdue").get_data(as_text=True)
    assert "对柜员进行批评教育。" in overdue and "已超期" in overdue
    bank2 = desk.as_("bank2-a").get("/rectifications?status=all").get_data(as_text=True)
    assert "对柜员进行批评教育。" not in bank2  # another bank's opinion
