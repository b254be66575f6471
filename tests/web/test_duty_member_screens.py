"""A member's duty screens (Art. 6, 7): profile, handlers' contacts, A/B pair, calendar.
Each screen answers as a page and as a piece; bad input is a 422 with the message and
writes nothing; reports are dated by the server."""

import pytest
from duty_support import NOW, away, bj, count, prepare
from sqlalchemy import select
from support import sign_in

from portal.auth.models import User
from portal.db import db
from portal.duty.models import ContactReport, MemberProfile

GOOD_PROFILE = {
    "leader_name": "王立新",
    "leader_title": "副行长",
    "leader_work_phone": "０２４－２２５３１１１１",  # full-width, as typed on a Chinese keyboard
    "leader_mobile": "139 1234 5678",
    "leader_email": "wanglx@bank1.example.cn",
    "leader_user_id": "0",
    "department_name": "消费者权益保护部",
    "department_phone": "024-22532222",
}


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)


@pytest.fixture
def duty(app, province):
    with app.app_context():
        return prepare(province)


def _reports(app, section):
    with app.app_context():
        return db.session.scalars(
            select(ContactReport).where(ContactReport.section == section).order_by(ContactReport.id)
        ).all()


def test_profile_answers_page_or_piece(client, duty):
    sign_in(client, "bank1-admin")
    bank1 = duty.unit("bank1").id
    page = client.get(f"/duty/members/{bank1}").get_data(as_text=True)
    assert "<html" in page and "尚未向协会报备分管领导" in page and "第1行B角" in page
    piece = client.get(f"/duty/members/{bank1}", headers={"HX-Request": "true"})
    body = piece.get_data(as_text=True)
    assert piece.status_code == 200 and "<html" not in body and f'id="member-{bank1}-duty"' in body
    assert client.get("/duty").headers["Location"].endswith(f"/duty/members/{bank1}")


def test_bad_profile_input_is_refused_with_messages_and_nothing_written(app, client, duty):
    sign_in(client, "bank1-admin")
    bad = GOOD_PROFILE | {
        "leader_name": "",
        "leader_mobile": "12345",
        "leader_email": "wang@",
        "department_phone": "22532222",
    }
    response = client.post(f"/duty/members/{duty.unit('bank1').id}/profile/edit", data=bad)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("请填写分管领导姓名", "手机号应为 11 位", "电子邮箱格式不正确", "须带区号"):
        assert message in text
    with app.app_context():
        assert (
            count(MemberProfile) == 0
            and count(ContactReport, ContactReport.section == "profile") == 0
        )


def test_a_saved_profile_is_reported_at_server_time_whatever_the_form_says(app, client, duty):
    sign_in(client, "bank1-admin")
    url = f"/duty/members/{duty.unit('bank1').id}/profile/edit"
    response = client.post(url, data=GOOD_PROFILE | {"reported_at": "2020-01-01T08:00"})
    assert response.status_code == 302
    (report,) = _reports(app, "profile")
    assert report.reported_at == NOW  # Art. 6: no back-dating
    assert report.after["leader_work_phone"] == "024-22531111"
    assert report.after["leader_mobile"] == "13912345678"
    # A second form opened before that save is stale: refused, not overwritten.
    stale = client.post(url, data=GOOD_PROFILE | {"leader_name": "李强", "version": ""})
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    assert len(_reports(app, "profile")) == 1


def test_profile_is_kept_by_the_member_administrator_only(client, duty):
    url = f"/duty/members/{duty.unit('bank1').id}/profile/edit"
    for username in ("bank1-a", "bank1-leader", "assoc-admin"):
        sign_in(client, username)
        assert client.get(url).status_code == 403, username
        client.post("/logout")


def test_handlers_keep_their_own_contacts(app, client, duty):
    sign_in(client, "bank1-a")
    a, b = duty.user("bank1-a"), duty.user("bank1-b")
    form = {"work_phone": "024-22538888", "mobile": "13811112222", "email": "a@bank1.example.cn"}
    assert client.post(f"/duty/handlers/{b.id}/contacts", data=form).status_code == 403
    with app.app_context():
        version = db.session.get(User, a.id).version
    response = client.post(f"/duty/handlers/{a.id}/contacts", data=form | {"version": version})
    assert response.status_code == 302
    (report,) = _reports(app, "handler")
    assert report.before["mobile"] == "13900000000" and report.after["mobile"] == "13811112222"
    assert report.reported_by_id == a.id


def test_bad_contacts_are_refused(app, client, duty):
    sign_in(client, "bank1-admin")
    b = duty.user("bank1-b")
    with app.app_context():
        version = db.session.get(User, b.id).version
    form = {"work_phone": "2253", "mobile": "10000000000", "email": "", "version": version}
    response = client.post(f"/duty/handlers/{b.id}/contacts", data=form)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "须带区号" in text and "手机号应为 11 位" in text and "请填写电子邮箱" in text
    assert _reports(app, "handler") == []


def test_the_pair_is_named_by_the_administrator(app, client, duty):
    bank1, a, b = duty.unit("bank1"), duty.user("bank1-a"), duty.user("bank1-b")
    sign_in(client, "bank1-a")
    assert client.get(f"/duty/units/{bank1.id}/pair").status_code == 403
    client.post("/logout")
    sign_in(client, "bank1-admin")
    assert "A角（主办）" in client.get(f"/duty/units/{bank1.id}/pair").get_data(as_text=True)
    same = client.post(
        f"/duty/units/{bank1.id}/pair",
        data={"handler_a_id": a.id, "handler_b_id": a.id, "version": 1},
    )
    assert same.status_code == 422 and "不能是同一人" in same.get_data(as_text=True)
    swapped = client.post(
        f"/duty/units/{bank1.id}/pair",
        data={"handler_a_id": b.id, "handler_b_id": a.id, "version": 1},
    )
    assert swapped.status_code == 302
    report = _reports(app, "pair")[-1]
    assert report.after == {"handler_a": "第1行B角（bank1-b）", "handler_b": "bank1-a（bank1-a）"}
    # The member's own pair can be changed, never removed.
    assert client.post(f"/duty/units/{bank1.id}/pair/remove").status_code == 409


def test_a_city_branch_gets_and_loses_its_own_pair(app, client, duty):
    sign_in(client, "bank1-admin")
    city, a, b = duty.unit("bank1-city"), duty.user("bank1-a"), duty.user("bank1-b")
    response = client.post(
        f"/duty/units/{city.id}/pair",
        data={"handler_a_id": a.id, "handler_b_id": b.id, "version": ""},
    )
    assert response.status_code == 302
    assert city.name in client.get(f"/duty/members/{duty.unit('bank1').id}").get_data(as_text=True)
    assert client.post(f"/duty/units/{city.id}/pair/remove").status_code == 302
    assert client.get(f"/duty/units/{duty.unit('bank1-outlet1').id}/pair").status_code == 404


def test_calendar_shows_who_is_on_duty_and_the_gaps(app, client, duty):
    with app.app_context():
        away(duty.user("bank1-a").id, bj(23), bj(24), "外出培训")
        away(duty.user("bank1-a").id, bj(25), bj(26))
        away(duty.user("bank1-b").id, bj(25, 13), bj(25, 17))
        db.session.commit()
    sign_in(client, "bank1-leader")
    url = f"/duty/members/{duty.unit('bank1').id}/calendar"
    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and "今天" in page
    monday = page.split('data-label="2026年11月23日 周一"')[1].split("</td>")[0]
    assert "B角 第1行B角" in monday
    wednesday = page.split('data-label="2026年11月25日 周三"')[1].split("</td>")[0]
    assert "13:00–17:00" in wednesday and "缺口：无人受理" in wednesday
    piece = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in piece and 'id="duty-calendar"' in piece


def test_branch_officers_have_no_duty_screens(client, duty):
    sign_in(client, "bank1-outlet1")
    assert client.get("/duty").status_code == 403
    assert client.get(f"/duty/members/{duty.unit('bank1').id}").status_code == 404
    assert "值班与联络" not in client.get("/home").get_data(as_text=True)


@pytest.mark.parametrize("username", ["bank1-admin", "bank1-a", "bank1-leader", "assoc-staff"])
def test_the_menu_leads_to_the_duty_screens(client, duty, username):
    sign_in(client, username)
    nav = client.get("/home").get_data(as_text=True).split('<nav class="mainnav"')[1]
    assert ">值班与联络</a>" in nav.split("</nav>")[0]


def test_every_duty_route_with_an_id_is_in_the_tenancy_matrix(app):
    from web.test_tenancy_matrix import FOREIGN_OBJECTS, id_routes

    routes = {rule.endpoint for rule, _, _ in id_routes(app) if rule.endpoint.startswith("duty.")}
    assert {"duty.profile", "duty.edit_pair", "duty.cancel_absence", "duty.edit_contacts"} <= routes
    assert {"member_id", "absence_id"} <= set(FOREIGN_OBJECTS)


def test_contacts_changed_in_user_administration_are_reported_too(app, client, duty):
    sign_in(client, "bank1-admin")
    b = duty.user("bank1-b")
    with app.app_context():
        version = db.session.get(User, b.id).version
    response = client.post(
        f"/users/{b.id}/edit",
        data={
            "username": "bank1-b",
            "full_name": "第1行B角",
            "unit_id": duty.unit("bank1").id,
            "role": "member_handler",
            "email": "b-new@bank1.example.cn",
            "work_phone": "024-22530000",
            "mobile": "13900000000",
            "version": version,
        },
    )
    assert response.status_code == 302
    assert client.post(f"/users/{b.id}/active", data={"active": "0"}).status_code == 302
    edited, deactivated = _reports(app, "handler")
    assert edited.before == {"email": "bank1-b@bank1.example.cn"}
    assert edited.after == {"email": "b-new@bank1.example.cn"}
    assert deactivated.before == {"is_active": "启用"} and deactivated.after == {
        "is_active": "停用"
    }
    assert (
        deactivated.reported_at == NOW and deactivated.reported_by_id == duty.user("bank1-admin").id
    )
