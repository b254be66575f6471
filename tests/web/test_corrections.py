"""After intake: corrections with a reason (outlet, member, category, contact), the flags
set any time (重大, 舆情, Art. 12(1)4), and the outcomes besides valid and invalid (out
of scope and referred elsewhere; a duplicate registration). Every change is a history
entry with before → after; the statistics follow the corrected values."""

from sqlalchemy import func, select

from portal.accountability.models import AccountabilityCase
from portal.auth.models import User
from portal.complaints.models import Category, Complaint, ComplaintEvent
from portal.db import db
from portal.deadlines.models import Clock
from portal.statistics import queries as statistics
from portal.statistics.rules import parse_period


def _case(app, case_id) -> Complaint:
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        db.session.expunge(case)
        return case


def _open_clocks(app, case_id) -> list[tuple[str, int]]:
    with app.app_context():
        return sorted(
            db.session.execute(
                select(Clock.kind, Clock.owner_unit_id).where(
                    Clock.case_id == case_id, Clock.met_at.is_(None), Clock.cancelled_at.is_(None)
                )
            ).tuples()
        )


def _last_entry(app, case_id, action=None) -> ComplaintEvent:
    with app.app_context():
        query = select(ComplaintEvent).where(ComplaintEvent.complaint_id == case_id)
        if action:
            query = query.where(ComplaintEvent.action == action)
        entry = db.session.scalars(query.order_by(ComplaintEvent.id.desc())).first()
        db.session.expunge(entry)
        return entry


def _category(app, code) -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.code == code))


def _headline(app, username="assoc-staff"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return statistics.headline(user, parse_period("2026H2"))


def test_a_wrong_category_and_contact_are_corrected_with_the_reason(desk, app):
    case_id = desk.register()
    fee = _category(app, "FEE-01")
    desk.step(
        "assoc-staff",
        case_id,
        "correct",
        category_id=fee,
        complainant_name="王莉",
        mobile="13900001111",
        address="沈阳市和平区",
        reply_channel="sms",
        reason="登记时选错类别，客户姓名录入有误。",
    )
    case = _case(app, case_id)
    assert (case.category_id, case.complainant_name, case.mobile_masked) == (
        fee,
        "王莉",
        "139****1111",
    )
    entry = _last_entry(app, case_id)
    assert entry.action == "corrected" and entry.note == "登记时选错类别，客户姓名录入有误。"
    changes = entry.detail["changes"]
    assert changes["complainant_name"] == ["王丽", "王莉"]
    assert changes["mobile"] == ["138****1234", "139****1111"]  # never the full number
    with app.app_context():
        assert changes["category"][1] == db.session.get(Category, fee).full_name
    page = desk.as_("assoc-staff").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "更正登记信息" in page and "王丽 → 王莉" in page
    # The statistics count it under the corrected category, as if registered so.
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        group = db.session.get(Category, fee).parent_id  # the table's top-level category
        rows = statistics.by_category(user, parse_period("2026H2"))
        assert {c["category_id"]: c["count"] for c in rows} == {group: 1}


def test_a_correction_without_a_reason_or_without_a_change_writes_nothing(desk, app):
    case_id = desk.register()
    before = _case(app, case_id).version
    with app.app_context():
        version = str(db.session.get(Complaint, case_id).version)
    client = desk.as_("assoc-staff")
    no_reason = client.post(
        f"/cases/{case_id}/do/correct",
        data={"correct-version": version, "correct-complainant_name": "王莉", "correct-reason": ""},
    )
    assert no_reason.status_code == 422 and "请填写更正原因" in no_reason.get_data(as_text=True)
    same = client.post(
        f"/cases/{case_id}/do/correct",
        data={
            "correct-version": version,
            "correct-complainant_name": "王丽",
            "correct-category_id": str(_case(app, case_id).category_id),
            "correct-reply_channel": "phone",
            "correct-reason": "核对",
        },
    )
    assert same.status_code == 422 and "没有需要更正的内容" in same.get_data(as_text=True)
    assert _case(app, case_id).version == before
    assert _last_entry(app, case_id).action == "registered"
    # Only the association corrects: a member's handler has no such step.
    desk.step("assoc-staff", case_id, "forward")
    with app.app_context():
        version = str(db.session.get(Complaint, case_id).version)
    refused = desk.as_("bank1-a").post(
        f"/cases/{case_id}/do/correct",
        data={"correct-version": version, "correct-complainant_name": "X", "correct-reason": "x"},
    )
    assert refused.status_code == 403


def test_a_wrong_member_before_acceptance_reroutes_the_case_to_the_right_pair(desk, app):
    """Forwarded to bank 1 but the outlet is bank 2's: corrected before bank 1 accepts,
    the case goes to bank 2's pair with fresh clocks (Art. 7, 11(2)); bank 1's pair is
    told it need not act; the statistics count it for bank 2."""
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.told()
    bank2 = desk.province.unit("bank2")
    desk.step(
        "assoc-staff",
        case_id,
        "correct",
        outlet_id=desk.province.unit("bank2-outlet1").id,
        complainant_name="王丽",
        reply_channel="phone",
        reason="被投诉网点选错，应为第2银行。",
    )
    case = _case(app, case_id)
    assert (case.member_id, case.handling_unit_id, case.state) == (bank2.id, bank2.id, "forwarded")
    assert _open_clocks(app, case_id) == [
        ("accept", bank2.id),
        ("report", bank2.id),
        ("verify", bank2.id),
    ]
    told = desk.told()
    assert told[("bank2-a", "新投诉待受理")] == 1  # bank 2's handler on duty
    assert told[("bank1-a", "协会已撤回转办")] == 1 and told[("bank1-b", "协会已撤回转办")] == 1
    assert desk.as_("bank1-a").get(f"/cases/{case_id}").status_code == 404
    assert desk.as_("bank2-a").get(f"/cases/{case_id}").status_code == 200
    desk.step("bank2-a", case_id, "accept")
    # Accepted: the member can no longer change.
    with app.app_context():
        version = str(db.session.get(Complaint, case_id).version)
    refused = desk.as_("assoc-staff").post(
        f"/cases/{case_id}/do/correct",
        data={
            "correct-version": version,
            "correct-outlet_id": str(desk.province.unit("bank1-outlet1").id),
            "correct-complainant_name": "王丽",
            "correct-reply_channel": "phone",
            "correct-reason": "再改回",
        },
    )
    assert refused.status_code == 422
    assert "不能改由其他会员单位办理" in refused.get_data(as_text=True)
    assert _case(app, case_id).member_id == bank2.id
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        _, rows = statistics.overview(user, parse_period("2026H2"))
    assert {row["member_id"]: row["received"] for row in rows} == {bank2.id: 1}


def test_flags_are_set_any_time_with_a_reason_and_open_accountability_at_once(desk, app):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.told()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountabilityCase)) == 0
    # The member's handler learns the customer posted online (Art. 12(1)4).
    desk.step("bank1-a", case_id, "flags", is_media="y", reason="客户已在微博发帖。")
    case = _case(app, case_id)
    assert case.is_media and not case.is_major
    entry = _last_entry(app, case_id, "flags_changed")
    assert entry.note == "客户已在微博发帖。"
    assert entry.detail["changes"] == {"is_media": [False, True]}
    with app.app_context():
        opened = db.session.scalars(select(AccountabilityCase)).all()
        assert [(c.member_id, c.trigger) for c in opened] == [
            (desk.province.unit("bank1").id, "media")
        ]
    told = desk.told()
    assert told[("assoc-staff", "标记变更")] == 1  # the association's owner of the case
    # The association marks it major; the statistics count it.
    desk.step("assoc-staff", case_id, "flags", is_media="y", is_major="y", reason="涉及金额较大。")
    assert _case(app, case_id).is_major
    head = _headline(app)
    assert (head["major"], head["media"]) == (1, 1)
    page = desk.as_("assoc-staff").get("/statistics?period=2026H2").get_data(as_text=True)
    assert 'data-testid="major">1<' in page


def test_out_of_scope_and_duplicate_registrations_close_at_intake_and_count_apart(desk, app):
    first = desk.register()
    referred = desk.register()
    duplicate = desk.register()
    desk.step(
        "assoc-staff",
        referred,
        "refer",
        referred_to="中国银行保险监督管理委员会辽宁监管局（保险业务）",
        reason="投诉保险理赔，不属银行业协会受理范围。",
        told_how="电话告知",
    )
    case = _case(app, referred)
    assert (case.state, case.referred_to) == (
        "referred",
        "中国银行保险监督管理委员会辽宁监管局（保险业务）",
    )
    assert _open_clocks(app, referred) == []
    with app.app_context():
        tracking = db.session.get(Complaint, first).tracking_no
    unknown = desk.as_("assoc-staff").post(
        f"/cases/{duplicate}/do/duplicate",
        data={
            "duplicate-version": str(_case(app, duplicate).version),
            "duplicate-original": "LN2026-999999",
        },
    )
    assert unknown.status_code == 422 and "没有这个投诉编号" in unknown.get_data(as_text=True)
    desk.step("assoc-staff", duplicate, "duplicate", original=tracking, reason="同一客户重复来电。")
    case = _case(app, duplicate)
    assert (case.state, case.duplicate_of_id) == ("duplicate", first)
    # No clocks of its own: the forward clock is withdrawn, not met.
    with app.app_context():
        kinds = db.session.execute(
            select(Clock.kind, Clock.met_at.is_(None), Clock.cancelled_at.is_not(None)).where(
                Clock.case_id == duplicate
            )
        ).all()
        assert kinds == [("forward", True, True)]
        merged = db.session.scalars(
            select(ComplaintEvent.action).where(ComplaintEvent.complaint_id == first)
        ).all()
        assert "duplicate_merged" in merged
    head = _headline(app)
    assert (head["received"], head["referred"], head["duplicates"]) == (3, 1, 1)
    assert head["valid"] == 0  # the first one is not yet decided either
    page = desk.as_("assoc-staff").get(f"/cases/{duplicate}").get_data(as_text=True)
    assert tracking in page and "重复登记" in page
    worksheet = desk.as_("assoc-staff").get(f"/cases/{referred}/worksheet").get_data(as_text=True)
    assert "不属受理范围" in worksheet and "保险业务" in worksheet


def test_history_entries_cannot_be_rewritten(desk, app):
    case_id = desk.register()
    with app.app_context():
        entry = db.session.scalars(
            select(ComplaintEvent).where(ComplaintEvent.complaint_id == case_id)
        ).first()
        entry.note = "rewritten"
        try:
            db.session.flush()
        except RuntimeError as refused:
            assert "append-only" in str(refused)
        else:
            raise AssertionError("a history entry was rewritten")
        finally:
            db.session.rollback()
    assert _last_entry(app, case_id).note != "rewritten"


def test_the_occasional_steps_load_their_form_when_opened(desk, app):
    """A correction, the flags and the intake outcomes are offered closed; their form is
    built when opened (every case page would otherwise build it)."""
    case_id = desk.register()
    staff = desk.as_("assoc-staff")
    page = staff.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'hx-get="/cases/{case_id}/form/correct"' in page
    assert 'name="correct-reason"' not in page  # not built on the page
    form = staff.get(f"/cases/{case_id}/form/correct", headers={"HX-Request": "true"})
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and 'name="correct-reason"' in html
    assert f'name="correct-version" value="{_case(app, case_id).version}"' in html
    assert staff.get(f"/cases/{case_id}/form/refer").status_code == 200
    assert staff.get(f"/cases/{case_id}/form/forward").status_code == 404  # built eagerly
    assert staff.get(f"/cases/{case_id}/form/nonsense").status_code == 404
    desk.step("assoc-staff", case_id, "forward")
    # A member's handler sets flags but does not correct the intake.
    member = desk.as_("bank1-a")
    assert member.get(f"/cases/{case_id}/form/flags").status_code == 200
    assert member.get(f"/cases/{case_id}/form/correct").status_code == 404
    # The category list of a correction loads its options when opened.
    options = staff.get(f"/categories/options?selected={_case(app, case_id).category_id}")
    assert options.status_code == 200 and "selected" in options.get_data(as_text=True)
    assert member.get("/categories/options").status_code == 403
