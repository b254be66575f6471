"""Absences over htmx (Art. 7): the list swaps on success; a refused form (422) and the
gap confirmation (409) come back as the form piece; nothing is written until valid and,
for a gap, confirmed."""

import pytest
from duty_support import NOW, away, bj, count, prepare
from sqlalchemy import select
from support import sign_in

from portal.db import db
from portal.duty.models import Absence
from portal.notify.models import Notification

HX = {"HX-Request": "true"}


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)


@pytest.fixture
def duty(app, province):
    with app.app_context():
        return prepare(province)


def url(duty):
    return f"/duty/members/{duty.unit('bank1').id}/absences"


def form(user_id, start="2026-11-25T08:30", end="2026-11-25T17:30", reason="年假", **extra):
    return {"user_id": user_id, "starts_at": start, "ends_at": end, "reason": reason} | extra


def absences(app):
    with app.app_context():
        return db.session.scalars(select(Absence).order_by(Absence.id)).all()


def test_absences_answer_page_or_piece(client, duty):
    sign_in(client, "bank1-a")
    page = client.get(url(duty)).get_data(as_text=True)
    assert "<html" in page and 'id="absence-form"' in page and 'id="absence-list"' in page
    piece = client.get(url(duty), headers=HX).get_data(as_text=True)
    assert "<html" not in piece and 'id="absence-list"' in piece


def test_a_handler_enters_an_absence_and_the_list_swaps(app, client, duty):
    sign_in(client, "bank1-a")
    a = duty.user("bank1-a")
    response = client.post(url(duty), data=form(a.id, reason="外出培训"), headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "duty-changed"
    assert 'id="absence-list"' in body and "外出培训" in body
    assert 'id="absence-form" class="card" hx-swap-oob="true"' in body  # a fresh, empty form
    (absence,) = absences(app)
    assert absence.starts_at == bj(25, 8, 30) and absence.ends_at == bj(25, 17, 30)
    assert absence.entered_by_id == a.id and absence.entered_at == NOW


def test_without_htmx_the_form_posts_and_redirects(app, client, duty):
    sign_in(client, "bank1-admin")
    response = client.post(url(duty), data=form(duty.user("bank1-b").id))
    assert response.status_code == 302 and response.headers["Location"].endswith(url(duty))
    assert len(absences(app)) == 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"end": "2026-11-25T07:00"}, "结束时间须晚于开始时间"),
        ({"start": "2026-11-20T08:30"}, "不能补登以前日期"),  # Art. 7: no back-dating
        ({"reason": ""}, "请填写不在岗事由"),
        ({"start": "下周三"}, "请填写开始时间"),
    ],
)
def test_bad_input_comes_back_as_the_form_piece(app, client, duty, changes, message):
    sign_in(client, "bank1-a")
    response = client.post(url(duty), data=form(duty.user("bank1-a").id, **changes), headers=HX)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#absence-form"
    body = response.get_data(as_text=True)
    assert message in body and 'id="absence-form"' in body and "<html" not in body
    assert absences(app) == []


def test_handlers_enter_their_own_absences_only(app, client, duty):
    sign_in(client, "bank1-a")
    response = client.post(url(duty), data=form(duty.user("bank1-b").id), headers=HX)
    assert response.status_code == 422 and "只能登记本人" in response.get_data(as_text=True)
    assert absences(app) == []


def test_a_gap_asks_for_confirmation_naming_the_days(app, client, duty):
    with app.app_context():
        away(duty.user("bank1-a").id, bj(25), bj(26))
        db.session.commit()
    sign_in(client, "bank1-b")
    b = duty.user("bank1-b")
    entry = form(b.id, start="2026-11-25T09:00", end="2026-11-25T12:00", reason="培训")
    asked = client.post(url(duty), data=entry, headers=HX)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 409 and asked.headers["HX-Retarget"] == "#absence-form"
    assert "2026年11月25日（周三）09:00–12:00" in body and "确认仍然登记" in body
    assert len(absences(app)) == 1
    token = body.split('name="confirm" type="hidden" value="')[1].split('"')[0]
    # Confirming other dates than those shown does not count as confirmation.
    moved = client.post(
        url(duty), data=entry | {"confirm": token, "ends_at": "2026-11-25T15:00"}, headers=HX
    )
    assert moved.status_code == 409 and "09:00–15:00" in moved.get_data(as_text=True)
    confirmed = client.post(url(duty), data=entry | {"confirm": token}, headers=HX)
    assert confirmed.status_code == 200 and len(absences(app)) == 2
    with app.app_context():
        assert (
            count(Notification, Notification.title.like("值班缺口预警%")) == 2
        )  # leader, association


def test_the_gap_confirmation_has_a_full_page_too(app, client, duty):
    with app.app_context():
        away(duty.user("bank1-a").id, bj(25), bj(26))
        db.session.commit()
    sign_in(client, "bank1-b")
    response = client.post(url(duty), data=form(duty.user("bank1-b").id))
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "<html" in body and "2026年11月25日（周三）" in body


def test_cancelling_keeps_the_record(app, client, duty):
    with app.app_context():
        mine = away(duty.user("bank1-a").id, bj(25), bj(26)).id
        theirs = away(duty.user("bank1-b").id, bj(26), bj(27)).id
        db.session.commit()
    sign_in(client, "bank1-a")
    assert client.post(f"/duty/absences/{theirs}/cancel", headers=HX).status_code == 403
    response = client.post(f"/duty/absences/{mine}/cancel", headers=HX)
    assert response.status_code == 200 and 'id="absence-list"' in response.get_data(as_text=True)
    cancelled = {a.id: a.cancelled_at for a in absences(app)}
    assert cancelled == {mine: NOW, theirs: None}
    client.post("/logout")
    sign_in(client, "bank1-admin")
    assert client.post(f"/duty/absences/{theirs}/cancel").status_code == 302
    listing = client.get(url(duty) + "?show=all").get_data(as_text=True)
    assert listing.count(">已取消</span>") == 2


def test_the_leader_reads_but_does_not_enter(client, duty):
    sign_in(client, "bank1-leader")
    page = client.get(url(duty)).get_data(as_text=True)
    assert 'id="absence-list"' in page and 'id="absence-form"' not in page
    assert client.post(url(duty), data=form(duty.user("bank1-a").id)).status_code == 403


def test_ids_in_the_form_are_scoped_too(app, client, duty):
    # Another bank's handler, smuggled in through the form's user_id.
    sign_in(client, "bank1-admin")
    response = client.post(url(duty), data=form(duty.user("bank2-a").id), headers=HX)
    assert response.status_code == 422 and absences(app) == []
    bank1 = duty.unit("bank1").id
    pair = {"handler_a_id": duty.user("bank2-a").id, "handler_b_id": duty.user("bank1-b").id}
    response = client.post(f"/duty/units/{bank1}/pair", data=pair | {"version": 1})
    assert response.status_code == 422 and "本单位启用的承办人" in response.get_data(as_text=True)
