"""The whole journey through HTTP, with frozen time across National Day 2026 (Art. 8–11):
intake → forward → accept by B while A is away → forward to the outlet → progress with
a promise → final reply → verification → report → close → return visit dissatisfied →
reopened as a linked repeat. Clock states are checked at each step.

2026 calendar (State Council notice): 9/25–27 中秋节 off; 10/1–7 国庆节 off; Sunday 9/20
and Saturday 10/10 are make-up working days.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from support import PASSWORD, add_absence, category_id, make_case, sign_in, with_duty_roster

from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import db
from portal.deadlines.models import Clock

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: str, hh: int, mm: int = 0) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hh, mm, tzinfo=BEIJING).astimezone(UTC)


def clock_of(app, case_id, kind):
    with app.app_context():
        rows = db.session.scalars(
            select(Clock)
            .where(Clock.case_id == case_id, Clock.kind == kind, Clock.cancelled_at.is_(None))
            .order_by(Clock.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows[-1]


def due_local(clock) -> str:
    return clock.due_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def state_on_page(client, case_id, kind) -> str:
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    match = re.search(rf'data-testid="clock-state-{kind}">([^<]+)<', html)
    return match.group(1) if match else ""


def version(app, case_id) -> str:
    with app.app_context():
        return str(db.session.get(Complaint, case_id).version)


def post(client, app, case_id, action, data):
    fields = {f"{action}-{k}": v for k, v in data.items()}
    fields[f"{action}-version"] = version(app, case_id)
    return client.post(f"/cases/{case_id}/do/{action}", data=fields)


def test_the_whole_journey(app, province):
    with_duty_roster(app, province)
    staff, bank_a, bank_b, outlet = (app.test_client() for _ in range(4))
    app.config["FROZEN_NOW"] = at("2026-09-29", 10)
    for client, name in (
        (staff, "assoc-staff"),
        (bank_a, "bank1-a"),
        (bank_b, "bank1-b"),
        (outlet, "bank1-outlet1"),
    ):
        sign_in(client, name)

    # Intake on Tuesday 9/29 at 10:00.
    response = staff.post(
        "/cases/new",
        data={
            "received_at": "2026-09-29T09:40",
            "channel": "phone",
            "complainant_name": "王丽",
            "mobile": "13812341234",
            "reply_channel": "phone",
            "outlet_id": province.unit("bank1-outlet1").id,
            "category_id": category_id(app, "QUE-01"),
            "facts": "周六排队一个半小时，只开一个窗口。",
            "demand": "增加窗口。",
        },
    )
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        assert re.fullmatch(r"LN2026-\d{6}", case.tracking_no)
        assert case.mobile_masked == "138****1234" and "13812341234" not in (case.mobile_enc or "")
    # Art. 11(1): 2 working days after 9/29: 9/30, then 10/1–7 off, 10/8 → due 10/8 end of day.
    assert due_local(clock_of(app, case_id, "forward")) == "2026-10-08 23:59:59"
    assert state_on_page(staff, case_id, "forward") == "进行中"
    # The member cannot see it before it is forwarded.
    assert bank_a.get(f"/cases/{case_id}").status_code == 404

    # Forward on 9/30 at 15:00.
    app.config["FROZEN_NOW"] = at("2026-09-30", 15)
    assert post(staff, app, case_id, "forward", {}).status_code == 200
    assert state_on_page(staff, case_id, "forward") == "按时完成"
    # Art. 11(2): verify within 2 WD (10/8, 10/9), report within 5 (10/8, 10/9, Sat 10/10, 10/12, 10/13).
    assert due_local(clock_of(app, case_id, "verify")) == "2026-10-09 23:59:59"
    assert due_local(clock_of(app, case_id, "report")) == "2026-10-13 23:59:59"
    assert due_local(clock_of(app, case_id, "accept")) == "2026-10-08 23:59:59"

    # A is away on 10/8: B is on duty and accepts (Art. 7); on the morning it is due today.
    add_absence(app, "bank1-a", at("2026-10-08", 0), at("2026-10-09", 23), province)
    app.config["FROZEN_NOW"] = at("2026-10-08", 8, 30)
    assert state_on_page(bank_b, case_id, "accept") == "今日到期"
    assert case_id_in_inbox(bank_a, case_id) and case_id_in_inbox(bank_b, case_id)
    assert post(bank_b, app, case_id, "accept", {}).status_code == 200
    late = post(bank_a, app, case_id, "accept", {})
    assert late.status_code in (403, 409)  # A sees it has been taken
    page = bank_a.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "受理人：第1行B角" in page

    # B passes it to the outlet at 10:00: its 3 WD are 10/9, Sat 10/10 (make-up), 10/12.
    app.config["FROZEN_NOW"] = at("2026-10-08", 10)
    assert (
        post(
            bank_b, app, case_id, "forward_down", {"unit_id": province.unit("bank1-outlet1").id}
        ).status_code
        == 200
    )
    assert due_local(clock_of(app, case_id, "branch_reply")) == "2026-10-12 23:59:59"

    # The outlet reports progress on 10/9 and promises a reply by 10/15.
    app.config["FROZEN_NOW"] = at("2026-10-09", 11)
    past = post(
        outlet, app, case_id, "progress", {"summary": "正在协调", "promised_on": "2026-10-09"}
    )
    assert past.status_code == 422 and "晚于今天" in past.get_data(as_text=True)
    assert (
        post(
            outlet,
            app,
            case_id,
            "progress",
            {"summary": "正在协调，已告知客户。", "promised_on": "2026-10-15"},
        ).status_code
        == 200
    )
    assert state_on_page(outlet, case_id, "branch_reply") == "按时完成"
    assert due_local(clock_of(app, case_id, "promise")) == "2026-10-15 23:59:59"

    # The member verifies on 10/9 (on time).
    assert (
        post(
            bank_b, app, case_id, "verify", {"finding": "substantiated", "facts": "调阅监控属实。"}
        ).status_code
        == 200
    )
    assert state_on_page(bank_b, case_id, "verify") == "按时完成"

    # The promise is broken: the final reply comes on 10/16.
    app.config["FROZEN_NOW"] = at("2026-10-16", 10)
    assert state_on_page(outlet, case_id, "promise") == "已超期"
    assert (
        post(
            outlet,
            app,
            case_id,
            "final_reply",
            {
                "result": "已增开窗口并向客户致歉。",
                "told_at": "2026-10-16T09:50",
                "told_how": "phone",
                "reaction": "客户表示接受",
            },
        ).status_code
        == 200
    )
    assert state_on_page(outlet, case_id, "promise") == "逾期完成"

    # The member reports on 10/16: the 5-day limit ended 10/13, so it is met late.
    assert post(bank_b, app, case_id, "report", {"summary": "处理完毕。"}).status_code == 200
    assert state_on_page(bank_b, case_id, "report") == "逾期完成"

    # The association closes it, then the return visit finds the customer dissatisfied.
    app.config["FROZEN_NOW"] = at("2026-10-19", 9)
    assert post(staff, app, case_id, "close", {"note": "同意办结"}).status_code == 200
    app.config["FROZEN_NOW"] = at("2026-10-20", 9)
    response = post(
        staff,
        app,
        case_id,
        "return_visit",
        {"satisfaction": "dissatisfied", "comment": "窗口仍然不够。"},
    )
    # The step created a case elsewhere: the answer is the repeat's whole page.
    assert response.status_code == 303
    with app.app_context():
        repeat = db.session.scalar(select(Complaint).where(Complaint.repeat_of_id == case_id))
        assert response.headers["Location"].endswith(f"/cases/{repeat.id}")
        assert (
            repeat is not None
            and repeat.state == "registered"
            and repeat.repeat_reason == "dissatisfied"
        )
        actions = [
            e.action
            for e in db.session.scalars(
                select(ComplaintEvent)
                .where(ComplaintEvent.complaint_id == case_id)
                .order_by(ComplaintEvent.id)
            )
        ]
    assert actions[:3] == ["registered", "forwarded", "accepted"]
    assert actions[-2:] == ["return_visit", "reopened"]
    html = staff.get(f"/cases/{case_id}").get_data(as_text=True)
    assert repeat.tracking_no in html


def case_id_in_inbox(client, case_id) -> bool:
    return f'id="case-row-{case_id}"' in client.get("/cases").get_data(as_text=True)


def test_clock_states_follow_the_frozen_time(app, province):
    with_duty_roster(app, province)
    staff = app.test_client()
    app.config["FROZEN_NOW"] = at("2026-09-29", 10)
    sign_in(staff, "assoc-staff")
    response = staff.post(
        "/cases/new",
        data={
            "received_at": "2026-09-29T09:00",
            "channel": "letter",
            "complainant_name": "李强",
            "mobile": "13912345678",
            "reply_channel": "letter",
            "address": "沈阳市和平区",
            "outlet_id": province.unit("bank1-outlet2").id,
            "category_id": category_id(app, "FEE-01"),
            "facts": "乱收费",
            "demand": "退费",
        },
    )
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for moment, label in (
        (at("2026-10-07", 12), "进行中"),
        (at("2026-10-08", 12), "今日到期"),
        (at("2026-10-09", 0, 1), "已超期"),
    ):
        app.config["FROZEN_NOW"] = moment
        assert state_on_page(staff, case_id, "forward") == label, moment
    app.config["FROZEN_NOW"] = at("2026-10-09", 0, 1) + timedelta(minutes=1)
    assert post(staff, app, case_id, "forward", {}).status_code == 200
    assert state_on_page(staff, case_id, "forward") == "逾期完成"


def test_forwarding_routes_to_the_handler_on_duty(app, province):
    """Art. 7: forwarded while A is away, B is told and accepts; without an A/B pair the
    member cannot receive it at all."""
    from portal.notify.models import Notification

    staff = app.test_client()
    app.config["FROZEN_NOW"] = at("2026-11-23", 10)
    sign_in(staff, "assoc-staff")
    case_id = make_case(app, province, state="registered")
    refused = post(staff, app, case_id, "forward", {})
    assert refused.status_code == 422 and "尚未设置A/B角" in refused.get_data(as_text=True)

    with_duty_roster(app, province)
    add_absence(app, "bank1-a", at("2026-11-23", 0), at("2026-11-24", 23), province)
    assert post(staff, app, case_id, "forward", {}).status_code == 200
    with app.app_context():
        told = {
            n.user.username: n.body
            for n in db.session.scalars(select(Notification))
            if "新投诉待受理" in n.title
        }
    assert "bank1-b" in told and "bank1-a" not in told
    bank_b = app.test_client()
    sign_in(bank_b, "bank1-b")
    assert post(bank_b, app, case_id, "accept", {}).status_code == 200
    bank_a = app.test_client()
    sign_in(bank_a, "bank1-a")
    page = bank_a.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="action-accept"' not in page and "受理人：第1行B角" in page


def test_a_step_form_works_without_javascript_with_csrf_on(make_app, province):
    """The case page's step forms carry their own hidden fields (CSRF token, version,
    last entry seen), written out by the template: a plain form post, with no htmx
    header, is accepted; a post without the token is refused and changes nothing."""
    app = make_app(WTF_CSRF_ENABLED=True, FROZEN_NOW=at("2026-11-23", 10))
    with_duty_roster(app, province)
    case_id = make_case(app, province, state="registered")
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post(
        "/login", data={"username": "assoc-staff", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="[^"]*/do/forward".*?</form>', page, re.S)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[0]))
    assert set(hidden) == {"forward-csrf_token", "forward-version", "forward-seen_event"}

    without = {k: v for k, v in hidden.items() if k != "forward-csrf_token"}
    assert client.post(f"/cases/{case_id}/do/forward", data=without).status_code == 400
    with app.app_context():
        assert db.session.get(Complaint, case_id).state == "registered"

    assert client.post(f"/cases/{case_id}/do/forward", data=hidden).status_code == 200
    with app.app_context():
        assert db.session.get(Complaint, case_id).state == "forwarded"
