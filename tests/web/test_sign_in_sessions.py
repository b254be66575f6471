"""Sign-in and sign-out on the server (issue 21): signing out ends that session for good,
signing in starts a fresh one, and every sign-in, refused or not, is in the audit log
with the client's address and browser; exports are never stored by the browser; HSTS in
production."""

from sqlalchemy import select
from support import PASSWORD, sign_in

from portal.audit.models import AuditEntry
from portal.auth.models import SignIn
from portal.db import db

AGENT = {"User-Agent": "Mozilla/5.0 (iPad) test-tablet"}


def test_a_copy_of_the_cookie_is_refused_after_sign_out(app, province):
    client = app.test_client()
    sign_in(client, "bank1-a")
    stolen = client.get_cookie("session").value
    assert client.get("/home").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    answer = thief.get("/home")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    with app.app_context():
        ended = db.session.scalars(select(SignIn)).all()
        assert len(ended) == 1 and ended[0].ended_at is not None


def test_signing_in_starts_a_fresh_session_with_a_new_csrf_token(make_app, province):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    with client.session_transaction() as before:
        old = before.get("csrf_token")
    assert old
    answer = client.post(
        "/login", data={"username": "bank1-a", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302
    client.get("/home")
    with client.session_transaction() as after:
        assert after.get("csrf_token") != old


def test_other_sessions_of_the_user_live_on_after_one_signs_out(app, province):
    desk, tablet = app.test_client(), app.test_client()
    sign_in(desk, "bank1-a")
    sign_in(tablet, "bank1-a")
    tablet.post("/logout")
    assert desk.get("/home").status_code == 200
    assert tablet.get("/home").status_code == 302


def test_every_sign_in_is_in_the_audit_log_with_address_and_browser(app, province):
    client = app.test_client()
    client.post("/login", data={"username": "bank1-a", "password": "wrong-one"}, headers=AGENT)
    client.post("/login", data={"username": "nobody", "password": "wrong-one"}, headers=AGENT)
    client.post("/login", data={"username": "bank1-a", "password": PASSWORD}, headers=AGENT)
    client.post("/logout")
    with app.app_context():
        signing = ("sign_in_failed", "signed_in", "signed_out")
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(signing)).order_by(AuditEntry.id)
        ).all()
        actions = [(e.action, e.changes.get("username")) for e in entries]
        assert actions == [
            ("sign_in_failed", "bank1-a"),
            ("sign_in_failed", "nobody"),
            ("signed_in", None),
            ("signed_out", None),
        ]
        assert entries[2].changes == {"address": "127.0.0.1", "agent": AGENT["User-Agent"]}
        assert entries[1].unit_path == province.unit("assoc").path
    admin = app.test_client()
    sign_in(admin, "assoc-admin")
    page = admin.get("/audit").get_data(as_text=True)
    assert "登录失败" in page and "nobody" in page and "test-tablet" in page


def test_exports_are_not_kept_by_the_browser_and_production_sends_hsts(make_app, province):
    app = make_app()
    client = app.test_client()
    sign_in(client, "assoc-staff")
    export = client.get("/cases/export.xlsx")
    assert export.status_code == 200, export.status_code
    assert export.headers["Cache-Control"] == "private, no-store"
    assert "Strict-Transport-Security" not in export.headers
    production = make_app(ENV_NAME="production", SECRET_KEY="x" * 40, BASE_URL="https://p.example")
    answer = production.test_client().get("/login")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_reveal_is_in_the_audit_log_of_the_unit_holding_the_case(app, province):
    from support import make_case

    case_id = make_case(app, province, state="handling", mobile="13812341234")
    handler = app.test_client()
    sign_in(handler, "bank1-a")
    assert handler.post(f"/cases/{case_id}/reveal/mobile").status_code < 400
    admin = app.test_client()
    sign_in(admin, "bank1-admin")
    page = admin.get("/audit").get_data(as_text=True)
    assert "查看完整个人信息" in page and "mobile" in page
    assert "13812341234" not in page  # the log says who looked, never the number


def test_the_audit_log_exports_to_excel_as_filtered(app, province):
    from io import BytesIO

    from openpyxl import load_workbook

    client = app.test_client()
    client.post("/login", data={"username": "bank1-a", "password": "wrong-one"}, headers=AGENT)
    admin = app.test_client()
    sign_in(admin, "assoc-admin")
    answer = admin.get("/audit.xlsx?action=sign_in_failed")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private, no-store"
    rows = list(load_workbook(BytesIO(answer.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("时间", "操作人", "操作", "内容")
    assert len(rows) == 2 and rows[1][2] == "登录失败"
    assert "bank1-a" in rows[1][3] and "test-tablet" in rows[1][3]
    member = app.test_client()
    sign_in(member, "bank1-a")
    assert member.get("/audit.xlsx").status_code in (403, 404)
