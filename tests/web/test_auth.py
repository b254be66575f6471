"""Sign-in, lockout, deactivation, sign-out, password change, CSRF."""

import re
from datetime import timedelta

from support import NOW, PASSWORD, sign_in

from portal.auth.models import User
from portal.db import db


def test_sign_in_lands_on_home_with_the_users_name(client, province):
    response = sign_in(client, "bank1-a")
    assert response.headers["Location"].endswith("/home")
    page = client.get("/home").get_data(as_text=True)
    assert "bank1-a" in page and "会员单位承办人" in page


def test_wrong_password_is_refused_with_a_message(client, province):
    response = client.post("/login", data={"username": "bank1-a", "password": "nope12345"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still signed out


def test_unknown_user_gets_the_same_message(client, province):
    response = client.post("/login", data={"username": "ghost", "password": "nope12345"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_empty_form_re_renders_with_field_messages(client, province):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "请输入用户名" in text and "请输入密码" in text


def test_wrong_passwords_slow_down_later_attempts_without_locking_the_account(make_app, province):
    app = make_app(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15, FROZEN_NOW=NOW)
    client = app.test_client()
    for _ in range(3):
        wrong = client.post("/login", data={"username": "bank1-a", "password": "bad"})
        assert wrong.status_code == 401
    # The third made the next attempts from this address wait 30 s, even the right one.
    waiting = client.post("/login", data={"username": "bank1-a", "password": PASSWORD})
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "30"
    assert "30 秒后再试" in waiting.get_data(as_text=True)
    # A name nobody has is answered exactly alike: counted and slowed the same way.
    for _ in range(3):
        assert (
            client.post("/login", data={"username": "ghost", "password": "bad"}).status_code == 401
        )
    assert client.post("/login", data={"username": "ghost", "password": "bad"}).status_code == 429
    # The real handler at another address is not held up by the guesses (Art. 7).
    elsewhere = app.test_client()
    answer = elsewhere.post(
        "/login",
        data={"username": "bank1-a", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert answer.status_code == 302
    # Once the wait has passed, the right password works from the first address too.
    later = make_app(LOGIN_MAX_FAILURES=3, FROZEN_NOW=NOW + timedelta(seconds=31))
    again = later.test_client().post("/login", data={"username": "bank1-a", "password": PASSWORD})
    assert again.status_code == 302


def test_deactivated_user_cannot_sign_in_and_is_signed_out(app, province):
    client = app.test_client()
    sign_in(client, "bank1-a")
    admin = app.test_client()
    sign_in(admin, "bank1-admin")
    target = province.user("bank1-a")
    assert admin.post(f"/users/{target.id}/active", data={"active": "0"}).status_code == 302
    assert client.get("/home").status_code == 302  # the old session ended
    response = app.test_client().post("/login", data={"username": "bank1-a", "password": PASSWORD})
    assert response.status_code == 403 and "已停用" in response.get_data(as_text=True)


def test_sign_out(client, province):
    sign_in(client, "assoc-staff")
    response = client.post("/logout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/home").status_code == 302


def test_next_parameter_only_allows_local_paths(client, province):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "assoc-staff", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"].endswith("/home")
    client.post("/logout")
    response = client.post(
        "/login", data={"username": "assoc-staff", "password": PASSWORD, "next": "/units"}
    )
    assert response.headers["Location"].endswith("/units")


def test_change_password_validates_and_ends_other_sessions(app, province):
    me, other_device = app.test_client(), app.test_client()
    sign_in(me, "bank1-a")
    sign_in(other_device, "bank1-a")
    bad = me.post("/account/password", data={"current": "wrong", "new": "abc", "confirm": "abd"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "至少 8 位" in text and "不一致" in text
    wrong_current = me.post(
        "/account/password",
        data={
            "current": "wrong-one",
            "new": "New-pass-for-bank-9",
            "confirm": "New-pass-for-bank-9",
        },
    )
    assert wrong_current.status_code == 422 and "当前密码不正确" in wrong_current.get_data(
        as_text=True
    )
    ok = me.post(
        "/account/password",
        data={"current": PASSWORD, "new": "New-pass-for-bank-9", "confirm": "New-pass-for-bank-9"},
    )
    assert ok.status_code == 302
    assert me.get("/home").status_code == 200  # this session stays
    assert other_device.get("/home").status_code == 302  # the other one ended
    assert (
        app.test_client()
        .post("/login", data={"username": "bank1-a", "password": "New-pass-for-bank-9"})
        .status_code
        == 302
    )


def test_passwords_are_stored_as_argon2_hashes(app, province):
    with app.app_context():
        user = db.session.get(User, province.user("bank1-a").id)
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_csrf_rejects_posts_without_a_token(make_app, province):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "bank1-a", "password": PASSWORD})
    assert response.status_code == 400 and "请求已失效" in response.get_data(as_text=True)
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    ok = client.post(
        "/login", data={"username": "bank1-a", "password": PASSWORD, "csrf_token": token}
    )
    assert ok.status_code == 302
    # Signed in, a state change without a token is refused …
    assert client.post("/logout").status_code == 400
    # … and htmx's header (sent from <body hx-headers>) is accepted.
    page = client.get("/home").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert client.post("/logout", headers={"X-CSRFToken": header_token}).status_code == 302
