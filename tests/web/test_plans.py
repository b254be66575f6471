"""Art. 9(3) through HTTP: a member files contingency plans for foreseeable complaints,
edits them in versions (history kept) and withdraws them (never deleted); a complaint in
a plan's scope shows "预案在案" on its case page, one outside says none exists; the
analysis domain's piece lists the plans touching a cluster's scope; the association
reads every member's plans, a member only its own."""

import pytest
from sqlalchemy import func, select
from support import NOW, category_id, make_case, sign_in

from portal.audit.models import AuditEntry
from portal.complaints.models import Category
from portal.db import db
from portal.plans.models import ContingencyPlan, PlanRevision


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)  # Monday 23 November 2026, 10:00 Beijing


def _parent_category(app, code: str) -> int:
    leaf = category_id(app, code)
    with app.app_context():
        return db.session.get(Category, leaf).parent_id


def _plan_form(app, province, **overrides) -> dict:
    data = {
        "kind": "holiday",
        "title": "元旦前后网点排队应对预案",
        "measures": "增开窗口；大堂经理引导分流；排队超过30分钟主动致歉。",
        "category_ids": [_parent_category(app, "ATT-01")],
        "unit_ids": [province.unit("bank1-outlet1").id],
        "starts_on": "2026-11-01",
        "ends_on": "2027-01-10",
    }
    return data | overrides


def _file(app, client, province, **overrides) -> int:
    response = client.post("/plans/new", data=_plan_form(app, province, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_file_edit_withdraw_with_history(app, province):
    member, staff, other = app.test_client(), app.test_client(), app.test_client()
    sign_in(member, "bank1-a")
    sign_in(staff, "assoc-leader")
    sign_in(other, "bank2-admin")
    plan_id = _file(app, member, province)

    page = member.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "元旦前后网点排队应对预案" in page and "第1银行和平支行1号网点" in page
    assert "2026年11月1日" in page and "第 1 版" in page
    # The association reads every member's plans; another member answers 404.
    assert "元旦前后网点排队应对预案" in staff.get("/plans").get_data(as_text=True)
    assert staff.get(f"/plans/{plan_id}").status_code == 200
    assert other.get(f"/plans/{plan_id}").status_code == 404
    assert "元旦前后网点排队应对预案" not in other.get("/plans").get_data(as_text=True)

    # An edit is a new version; the earlier text stays in the history.
    with app.app_context():
        version = db.session.get(ContingencyPlan, plan_id).version
    response = member.post(
        f"/plans/{plan_id}/edit",
        data=_plan_form(
            app, province, measures="增开两个窗口。", note="增加窗口数", version=str(version)
        ),
    )
    assert response.status_code == 303
    page = member.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "增开两个窗口。" in page and "第 2 版" in page and "增加窗口数" in page
    assert "大堂经理引导分流" in page  # the earlier measures, in the history
    # A save on the version someone else has replaced is refused and changes nothing.
    response = member.post(
        f"/plans/{plan_id}/edit",
        data=_plan_form(app, province, measures="过时的修改", version=str(version)),
    )
    assert response.status_code == 409

    # Withdrawn, never deleted.
    with app.app_context():
        version = db.session.get(ContingencyPlan, plan_id).version
    response = member.post(
        f"/plans/{plan_id}/withdraw", data={"reason": "活动取消", "version": str(version)}
    )
    assert response.status_code == 200 and "已撤回" in response.get_data(as_text=True)
    with app.app_context():
        plan = db.session.get(ContingencyPlan, plan_id)
        assert plan.status == "withdrawn" and plan.revision == 3
        actions = db.session.scalars(
            select(PlanRevision.action)
            .where(PlanRevision.plan_id == plan_id)
            .order_by(PlanRevision.id)
        ).all()
        assert actions == ["filed", "edited", "withdrawn"]
        audit = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_type == "ContingencyPlan")
        ).all()
        assert sorted(audit) == ["plan_edited", "plan_filed", "plan_withdrawn"]
    # A withdrawn plan can be neither edited nor withdrawn again.
    assert member.post(f"/plans/{plan_id}/withdraw", data={"reason": "x"}).status_code == 409
    assert member.get(f"/plans/{plan_id}/edit").status_code == 409
    # The default list shows plans in force; "all" shows the withdrawn one.
    assert "元旦前后" not in member.get("/plans").get_data(as_text=True)
    assert "元旦前后" in member.get("/plans?status=all").get_data(as_text=True)


def test_case_page_shows_the_plan_covering_it(app, province):
    member = app.test_client()
    sign_in(member, "bank1-a")
    plan_id = _file(app, member, province)
    covered = make_case(app, province, state="at_outlet", outlet="bank1-outlet1")
    outside = make_case(
        app, province, state="handling", outlet="bank1-outlet2", mobile="13700002222"
    )
    other_category = make_case(
        app, province, state="handling", category="FEE-01", mobile="13700003333"
    )

    # The case page loads the piece from the plans domain.
    page = member.get(f"/cases/{covered}").get_data(as_text=True)
    assert f'hx-get="/plans/for-case/{covered}"' in page and 'hx-trigger="load"' in page

    piece = member.get(f"/plans/for-case/{covered}", headers={"HX-Request": "true"})
    text = piece.get_data(as_text=True)
    assert piece.status_code == 200 and "预案在案" in text and f"/plans/{plan_id}" in text
    assert "<html" not in text  # the piece alone
    for case_id in (outside, other_category):
        text = member.get(f"/plans/for-case/{case_id}").get_data(as_text=True)
        assert "无预案在案" in text and "预案在案</span>" not in text

    # The outlet holding the case sees that a plan exists (no register of its own).
    outlet = app.test_client()
    sign_in(outlet, "bank1-outlet1")
    text = outlet.get(f"/plans/for-case/{covered}").get_data(as_text=True)
    assert "预案在案" in text and "元旦前后网点排队应对预案" in text
    assert f'href="/plans/{plan_id}"' not in text
    assert outlet.get("/plans").status_code == 403
    # Scoped like the case: another bank's people, or a case the outlet does not hold.
    stranger = app.test_client()
    sign_in(stranger, "bank2-a")
    assert stranger.get(f"/plans/for-case/{covered}").status_code == 404
    assert outlet.get(f"/plans/for-case/{outside}").status_code == 404

    # Withdrawn: the case no longer shows it.
    with app.app_context():
        version = db.session.get(ContingencyPlan, plan_id).version
    member.post(f"/plans/{plan_id}/withdraw", data={"reason": "取消", "version": str(version)})
    assert "无预案在案" in member.get(f"/plans/for-case/{covered}").get_data(as_text=True)


def test_covering_piece_for_a_clusters_scope(app, province):
    member = app.test_client()
    sign_in(member, "bank1-admin")
    plan_id = _file(app, member, province)
    bank1, outlet1, outlet2 = (
        province.unit(k).id for k in ("bank1", "bank1-outlet1", "bank1-outlet2")
    )
    top = _parent_category(app, "ATT-01")
    leaf = category_id(app, "ATT-01")
    staff = app.test_client()
    sign_in(staff, "assoc-staff")

    def get(client, query):
        return client.get(f"/plans/covering?{query}", headers={"HX-Request": "true"})

    found = get(
        staff, f"member={bank1}&outlet={outlet1}&category={leaf}&start=2026-12-01&end=2026-12-31"
    )
    assert found.status_code == 200 and f"/plans/{plan_id}" in found.get_data(as_text=True)
    assert "预案在案" in get(staff, f"member={bank1}&start=2026-07-01&end=2026-12-31").get_data(
        as_text=True
    )
    assert "预案在案" in get(
        staff, f"member={bank1}&category={top}&start=2026-11-01&end=2026-11-02"
    ).get_data(as_text=True)
    for query in (
        f"member={bank1}&outlet={outlet2}&start=2026-12-01&end=2026-12-31",  # another outlet
        f"member={bank1}&start=2026-01-01&end=2026-06-30",  # before the plan
        f"member={province.unit('bank2').id}&start=2026-12-01&end=2026-12-31",  # another bank
    ):
        text = get(staff, query).get_data(as_text=True)
        assert "无预案在案" in text, query
    # The member itself may ask about its own scope, not another's.
    assert get(member, f"member={bank1}&start=2026-12-01&end=2026-12-31").status_code == 200
    assert (
        get(
            member, f"member={province.unit('bank2').id}&start=2026-12-01&end=2026-12-31"
        ).status_code
        == 404
    )
    # Bad parameters: 400 with a message, never 500.
    for query, words in (
        ("start=2026-01-01&end=2026-02-01", "member"),
        ("member=abc&start=2026-01-01&end=2026-02-01", "member"),
        (f"member={bank1}&start=2026-13-01&end=2026-02-01", "start"),
        (f"member={bank1}&start=2026-03-01", "end"),
        (f"member={bank1}&start=2026-03-01&end=2026-02-01", "结束日期"),
        (
            f"member={bank1}&outlet={province.unit('bank2-outlet1').id}&start=2026-01-01&end=2026-02-01",
            "网点",
        ),
        (f"member={bank1}&category=999999&start=2026-01-01&end=2026-02-01", "类别"),
        (f"member={bank1}&start=0001-01-01&end=2026-02-01", "start"),
        ("member=99999999999999999999&start=2026-01-01&end=2026-02-01", "member"),
    ):
        response = staff.get(f"/plans/covering?{query}")
        assert response.status_code == 400, query
        assert words in response.get_data(as_text=True), query
    # Units that are not members: 404 like an id outside scope.
    assert get(staff, f"member={outlet1}&start=2026-01-01&end=2026-02-01").status_code == 404


def test_bad_input_and_who_may_file(app, province):
    member = app.test_client()
    sign_in(member, "bank1-a")
    before = _count(app)
    # No category, the end before the start, a unit of another bank, an unknown kind.
    for overrides in (
        {"category_ids": []},
        {"ends_on": "2026-10-01"},
        {"unit_ids": [province.unit("bank2-outlet1").id]},
        {"kind": "invented"},
        {"title": ""},
        {"starts_on": "0001-01-01"},
    ):
        response = member.post("/plans/new", data=_plan_form(app, province, **overrides))
        assert response.status_code == 422, overrides
    assert _count(app) == before
    # The leader reads; branch officers and the association file nothing.
    for who in ("bank1-leader", "bank1-outlet1", "assoc-staff"):
        client = app.test_client()
        sign_in(client, who)
        assert client.post("/plans/new", data=_plan_form(app, province)).status_code == 403, who
    leader = app.test_client()
    sign_in(leader, "bank1-leader")
    assert leader.get("/plans").status_code == 200
    assert _count(app) == before


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ContingencyPlan))
