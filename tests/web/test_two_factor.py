"""Two-factor sign-in (issue 21): a TOTP code after the password, required for the
association's roles and administrators (``privileged``, the default) or for everyone
(``all``); enrolment with a QR code and ten recovery codes shown once; a code accepted
once; wrong codes counted; a half-signed-in session reaches nothing; one's own page;
the administrator's reset. Codes are computed with pyotp from the secret the enrolment
page shows, at the frozen time of the app."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select
from support import NOW, PASSWORD

from portal.audit.models import AuditEntry
from portal.auth import two_factor
from portal.auth.models import RecoveryCode, SignIn, User
from portal.db import db

HOME = "/home"


@pytest.fixture
def privileged(make_app, province):
    return make_app(TWO_FACTOR="privileged", FROZEN_NOW=NOW)


@pytest.fixture
def everyone(make_app, province):
    return make_app(TWO_FACTOR="all", FROZEN_NOW=NOW)


def at(app, seconds: float) -> None:
    """The app's clock, ``seconds`` after NOW."""
    app.config["FROZEN_NOW"] = NOW + timedelta(seconds=seconds)


def code(secret: str, app) -> str:
    return pyotp.TOTP(secret).at(app.config["FROZEN_NOW"])


def password_step(client, username: str) -> str:
    """The password, right: where the portal sends the person next."""
    answer = client.post("/login", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return answer.headers["Location"]


def shown_secret(html: str) -> str:
    found = re.search(r'data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)<', html)
    assert found, "no secret on the enrolment page"
    return found.group(1).replace(" ", "")


def shown_codes(html: str) -> list[str]:
    return re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", html)


def enrol_at_sign_in(app, client, username: str) -> tuple[str, list[str]]:
    """Signs ``username`` in through enrolment; the secret and the recovery codes."""
    assert password_step(client, username).endswith("/login/enrol")
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = shown_secret(page)
    answer = client.post("/login/enrol", data={"code": code(secret, app)})
    assert answer.status_code == 200
    codes = shown_codes(answer.get_data(as_text=True))
    assert len(codes) == 10
    done = client.post("/login/finish")
    assert done.status_code == 302 and done.headers["Location"].endswith(HOME)
    return secret, codes


def enrolled(app, username: str) -> tuple[str, list[str]]:
    """``username`` enrolled directly (as if earlier): the secret and recovery codes."""
    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        step = int((NOW - timedelta(minutes=10)).timestamp()) // 30
        codes = two_factor.enrol(user, secret, step, now=NOW - timedelta(minutes=10))
        db.session.commit()
    return secret, codes


def user_row(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def actions(app, *names: str) -> list[tuple[str, dict]]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(names)).order_by(AuditEntry.id)
        ).all()
        return [(e.action, e.changes) for e in entries]


# -- who must ---------------------------------------------------------------------------


def test_an_association_user_cannot_reach_home_before_enrolling(privileged):
    client = privileged.test_client()
    assert password_step(client, "assoc-staff").endswith("/login/enrol")
    assert client.get(HOME).status_code == 302
    page = client.get("/login/enrol")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and 'class="qr"' in html  # the QR code, drawn on the server
    assert "辽宁省银行业协会投诉平台" in html and "assoc-staff" in html
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    secret = shown_secret(html)
    assert len(secret) == 32
    assert shown_secret(client.get("/login/enrol").get_data(as_text=True)) == secret  # kept
    assert client.get("/login/verify").headers["Location"].endswith("/login/enrol")
    answer = client.post("/login/enrol", data={"code": code(secret, privileged)})
    html = answer.get_data(as_text=True)
    assert "只显示这一次" in html and len(set(shown_codes(html))) == 10
    assert client.get(HOME).status_code == 302  # not yet: "I have saved them" first
    # A reload (or a second click) does not show the codes again.
    again = client.post("/login/enrol", data={"code": code(secret, privileged)})
    assert again.status_code == 200 and shown_codes(again.get_data(as_text=True)) == []
    assert "不再重复显示" in again.get_data(as_text=True)
    done = client.post("/login/finish")
    assert done.headers["Location"].endswith(HOME)
    assert client.get(HOME).status_code == 200
    row = user_row(privileged, "assoc-staff")
    assert row.totp_confirmed_at == NOW
    assert row.totp_secret_enc and secret not in row.totp_secret_enc  # encrypted at rest
    with privileged.app_context():
        assert two_factor.secret_of(db.session.get(User, row.id)) == secret
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and not set(hashes) & set(shown_codes(html))
    enrolment, signing_in = actions(privileged, "two_factor_enrolled", "signed_in")
    assert enrolment == ("two_factor_enrolled", {})
    assert signing_in[0] == "signed_in" and signing_in[1]["second_factor"] == "totp"


def test_administrators_must_enrol_and_member_staff_need_not(privileged):
    assert password_step(privileged.test_client(), "bank1-admin").endswith("/login/enrol")
    assert password_step(privileged.test_client(), "assoc-leader").endswith("/login/enrol")
    assert password_step(privileged.test_client(), "bank1-a").endswith(HOME)
    assert password_step(privileged.test_client(), "bank1-leader").endswith(HOME)


def test_an_outlet_officer_may_skip_it_under_privileged_but_not_under_all(privileged, everyone):
    assert password_step(privileged.test_client(), "bank1-outlet1").endswith(HOME)
    client = everyone.test_client()
    assert password_step(client, "bank1-outlet1").endswith("/login/enrol")
    assert client.get(HOME).status_code == 302


def test_whoever_enrolled_uses_it_even_where_it_is_optional(make_app, province):
    optional = make_app(TWO_FACTOR="optional", FROZEN_NOW=NOW)
    secret, _ = enrolled(optional, "bank1-outlet1")
    client = optional.test_client()
    assert password_step(client, "bank1-outlet1").endswith("/login/verify")
    answer = client.post("/login/verify", data={"code": code(secret, optional)})
    assert answer.status_code == 302 and client.get(HOME).status_code == 200


# -- enrolment and codes ----------------------------------------------------------------


def test_enrolment_with_a_wrong_code_is_refused_and_nothing_is_stored(privileged):
    client = privileged.test_client()
    password_step(client, "assoc-admin")
    secret = shown_secret(client.get("/login/enrol").get_data(as_text=True))
    right = code(secret, privileged)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for typed in (wrong, "12345", "abcdef"):
        answer = client.post("/login/enrol", data={"code": typed})
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert "验证码不正确" in html and 'data-testid="error-summary"' in html
    empty = client.post("/login/enrol", data={"code": ""})
    assert empty.status_code == 422 and "请输入验证码" in empty.get_data(as_text=True)
    row = user_row(privileged, "assoc-admin")
    assert row.totp_secret_enc is None and row.totp_confirmed_at is None
    with privileged.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        assert db.session.scalar(select(func.count()).select_from(SignIn)) == 0
    assert client.get(HOME).status_code == 302
    assert client.post("/login/finish").headers["Location"].endswith("/login/enrol")


def test_a_code_is_accepted_once(privileged):
    client = privileged.test_client()
    secret, _ = enrol_at_sign_in(privileged, client, "assoc-staff")
    client.post("/logout")
    # The code that confirmed the enrolment, again in the same 30 seconds: refused.
    assert password_step(client, "assoc-staff").endswith("/login/verify")
    replayed = client.post("/login/verify", data={"code": code(secret, privileged)})
    assert replayed.status_code == 401
    assert "已使用过" in replayed.get_data(as_text=True)
    assert client.get(HOME).status_code == 302
    # The next code, 30 seconds on, signs in; and it too works only once.
    at(privileged, 30)
    fresh = code(secret, privileged)
    assert client.post("/login/verify", data={"code": fresh}).status_code == 302
    assert client.get(HOME).status_code == 200
    other = privileged.test_client()
    password_step(other, "assoc-staff")
    assert other.post("/login/verify", data={"code": fresh}).status_code == 401
    assert [c["reason"] for _, c in actions(privileged, "two_factor_failed")] == [
        "replayed",
        "replayed",
    ]


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-60, False), (-30, True), (30, True), (60, False)]
)
def test_the_code_of_the_step_before_or_after_is_accepted_not_two_away(
    privileged, offset, accepted
):
    secret, _ = enrolled(privileged, "assoc-leader")
    client = privileged.test_client()
    password_step(client, "assoc-leader")
    typed = pyotp.TOTP(secret).at(NOW + timedelta(seconds=offset))
    answer = client.post("/login/verify", data={"code": typed})
    assert (answer.status_code == 302) is accepted


def test_a_recovery_code_works_exactly_once(privileged):
    _, codes = enrolled(privileged, "assoc-staff")
    client = privileged.test_client()
    assert password_step(client, "assoc-staff").endswith("/login/verify")
    page = client.get("/login/verify?method=recovery_code").get_data(as_text=True)
    assert "恢复码" in page and 'name="method" value="recovery_code"' in page
    answer = client.post("/login/verify", data={"method": "recovery_code", "code": codes[0]})
    assert answer.status_code == 302 and client.get(HOME).status_code == 200
    client.post("/logout")
    password_step(client, "assoc-staff")
    again = client.post("/login/verify", data={"method": "recovery_code", "code": codes[0]})
    assert again.status_code == 401 and "恢复码不正确或已使用过" in again.get_data(as_text=True)
    # Typed as read off paper: capitals, spaces, no dash.
    typed = codes[1].replace("-", " ").upper()
    assert (
        client.post("/login/verify", data={"method": "recovery_code", "code": typed}).status_code
        == 302
    )
    signed = [c.get("second_factor") for _, c in actions(privileged, "signed_in")]
    assert signed == ["recovery_code", "recovery_code"]
    with privileged.app_context():
        used = db.session.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
        )
        assert used == 2


def test_five_wrong_codes_drop_the_pending_state_and_later_codes_wait(privileged):
    secret, _ = enrolled(privileged, "assoc-staff")
    client = privileged.test_client()
    password_step(client, "assoc-staff")
    right = code(secret, privileged)
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        answer = client.post("/login/verify", data={"code": wrong})
        assert answer.status_code == 401
        assert f"还可再试 {left} 次" in answer.get_data(as_text=True)
        # The summary joins the field's messages without doubling their punctuation.
        assert "。；" not in answer.get_data(as_text=True)
    fifth = client.post("/login/verify", data={"code": wrong})
    assert fifth.status_code == 401
    html = fifth.get_data(as_text=True)
    assert "错误次数过多" in html and 'name="password"' in html  # back at the password
    # The pending state is gone: even the right code leads back to the password.
    assert client.get("/login/verify").headers["Location"].endswith("/login")
    assert client.post("/login/verify", data={"code": right}).headers["Location"].endswith("/login")
    assert client.get(HOME).status_code == 302
    assert len(actions(privileged, "two_factor_failed")) == 5
    # Starting over does not start the count over: the server makes the next code wait.
    password_step(client, "assoc-staff")
    waiting = client.post("/login/verify", data={"code": right})
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "30"
    at(privileged, 31)
    later = code(secret, privileged)
    assert client.post("/login/verify", data={"code": later}).status_code == 302
    assert client.get(HOME).status_code == 200


def test_the_pending_state_expires_after_five_minutes(privileged):
    secret, _ = enrolled(privileged, "assoc-staff")
    client = privileged.test_client()
    password_step(client, "assoc-staff")
    at(privileged, 5 * 60 + 1)
    answer = client.post("/login/verify", data={"code": code(secret, privileged)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert "登录已超时" in client.get("/login").get_data(as_text=True)
    assert client.get(HOME).status_code == 302
    with privileged.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignIn)) == 0
    # Within the five minutes it works.
    password_step(client, "assoc-staff")
    at(privileged, 5 * 60 + 1 + 4 * 60)
    assert client.post("/login/verify", data={"code": code(secret, privileged)}).status_code == 302


def test_a_half_signed_in_session_gets_what_a_stranger_gets(privileged):
    """Between the password and the code: every page without an id answers exactly as
    to someone who never signed in (the sign-in steps apart)."""
    enrolled(privileged, "assoc-admin")
    half, stranger = privileged.test_client(), privileged.test_client()
    password_step(half, "assoc-admin")
    steps = {"/login", "/login/verify", "/login/enrol", "/login/finish"}
    checked = 0
    for rule in privileged.url_map.iter_rules():
        if rule.arguments or "GET" not in (rule.methods or ()) or rule.rule in steps:
            continue
        mine, theirs = half.get(rule.rule), stranger.get(rule.rule)
        assert (mine.status_code, mine.headers.get("Location")) == (
            theirs.status_code,
            theirs.headers.get("Location"),
        ), rule.rule
        checked += 1
    assert checked > 20
    for path in (HOME, "/cases", "/users", "/audit", "/account/two-factor"):
        assert half.get(path).status_code in (302, 401), path
    piece = half.get("/cases", headers={"HX-Request": "true"})
    assert piece.status_code == 401 and "/login" in piece.headers["HX-Redirect"]


def test_sign_out_still_ends_the_session_on_the_server(privileged):
    client = privileged.test_client()
    enrol_at_sign_in(privileged, client, "assoc-admin")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = privileged.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get(HOME).status_code == 302
    with privileged.app_context():
        assert db.session.scalars(select(SignIn.ended_at)).one() is not None


def test_the_whole_way_with_csrf_protection_on(make_app, province):
    app = make_app(TWO_FACTOR="privileged", FROZEN_NOW=NOW, WTF_CSRF_ENABLED=True)
    client = app.test_client()

    def token(html: str) -> str:
        return html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]

    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login", data={"username": "assoc-staff", "password": PASSWORD, "csrf_token": token(login)}
    )
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = shown_secret(page)
    assert client.post("/login/enrol", data={"code": code(secret, app)}).status_code == 400
    codes = client.post(
        "/login/enrol", data={"code": code(secret, app), "csrf_token": token(page)}
    ).get_data(as_text=True)
    assert client.post("/login/finish").status_code == 400
    done = client.post("/login/finish", data={"csrf_token": token(codes)})
    assert done.status_code == 302 and client.get(HOME).status_code == 200


# -- one's own account ------------------------------------------------------------------


def test_turning_it_off_is_refused_where_it_is_required(privileged):
    client = privileged.test_client()
    enrol_at_sign_in(privileged, client, "assoc-staff")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "已开启" in page and "剩余 10 个恢复码" in page
    assert "协会受理人员须使用两步验证" in page and "/account/two-factor/off" not in page
    refused = client.post("/account/two-factor/off", data={"off-proof": PASSWORD})
    assert refused.status_code == 403
    assert "协会受理人员须使用两步验证，因此不能关闭" in refused.get_data(as_text=True)
    assert user_row(privileged, "assoc-staff").has_two_factor


def test_under_all_turning_it_off_is_refused_for_everyone(everyone):
    _, codes = enrolled(everyone, "bank1-outlet1")
    client = everyone.test_client()
    password_step(client, "bank1-outlet1")
    client.post("/login/verify", data={"method": "recovery_code", "code": codes[0]})
    refused = client.post("/account/two-factor/off", data={"off-proof": PASSWORD})
    assert refused.status_code == 403 and "要求所有用户" in refused.get_data(as_text=True)
    assert user_row(everyone, "bank1-outlet1").has_two_factor


def test_an_officer_turns_it_on_and_off_from_the_account_page(privileged):
    client = privileged.test_client()
    assert password_step(client, "bank1-outlet1").endswith(HOME)
    assert "两步验证" in client.get("/account/password").get_data(as_text=True)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "未开启" in page and "/account/two-factor/enrol" in page
    enrol_page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    secret = shown_secret(enrol_page)
    assert 'name="password"' in enrol_page
    wrong_password = client.post(
        "/account/two-factor/enrol",
        data={"password": "not-it-at-all", "code": code(secret, privileged)},
    )
    assert wrong_password.status_code == 422 and "当前密码不正确" in wrong_password.get_data(
        as_text=True
    )
    assert not user_row(privileged, "bank1-outlet1").has_two_factor
    done = client.post(
        "/account/two-factor/enrol", data={"password": PASSWORD, "code": code(secret, privileged)}
    )
    assert done.status_code == 200 and len(shown_codes(done.get_data(as_text=True))) == 10
    assert user_row(privileged, "bank1-outlet1").has_two_factor
    # Turning it off takes the password or a current code (a wrong one is refused).
    assert client.post("/account/two-factor/off", data={"off-proof": "123456"}).status_code == 422
    at(privileged, 30)
    off = client.post("/account/two-factor/off", data={"off-proof": code(secret, privileged)})
    assert off.status_code == 302
    row = user_row(privileged, "bank1-outlet1")
    assert not row.has_two_factor and row.totp_secret_enc is None
    with privileged.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    client.post("/logout")
    assert password_step(client, "bank1-outlet1").endswith(HOME)
    assert [a for a, _ in actions(privileged, "two_factor_enrolled", "two_factor_disabled")] == [
        "two_factor_enrolled",
        "two_factor_disabled",
    ]


def test_new_recovery_codes_replace_the_old_ones(privileged):
    secret, old = enrolled(privileged, "assoc-staff")
    client = privileged.test_client()
    password_step(client, "assoc-staff")
    client.post("/login/verify", data={"code": code(secret, privileged)})
    wrong = client.post("/account/two-factor/recovery-codes", data={"regenerate-proof": "nope"})
    assert wrong.status_code == 422 and "当前密码或验证码不正确" in wrong.get_data(as_text=True)
    answer = client.post("/account/two-factor/recovery-codes", data={"regenerate-proof": PASSWORD})
    new = shown_codes(answer.get_data(as_text=True))
    assert answer.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    password_step(client, "assoc-staff")
    stale = client.post("/login/verify", data={"method": "recovery_code", "code": old[2]})
    assert stale.status_code == 401
    fresh = client.post("/login/verify", data={"method": "recovery_code", "code": new[2]})
    assert fresh.status_code == 302
    assert actions(privileged, "recovery_codes_regenerated") == [("recovery_codes_regenerated", {})]


# -- the administrator's reset ----------------------------------------------------------


def test_an_administrator_resets_a_lost_phone_in_scope_only(everyone, province):
    enrolled(everyone, "bank1-outlet1")
    enrolled(everyone, "bank2-outlet1")
    admin = everyone.test_client()
    enrol_at_sign_in(everyone, admin, "bank1-admin")
    listing = admin.get("/users?q=bank1-outlet1").get_data(as_text=True)
    target = province.user("bank1-outlet1").id
    assert f"/users/{target}/two-factor/reset" in listing and "重置两步验证" in listing
    answer = admin.post(f"/users/{target}/two-factor/reset")
    assert answer.status_code == 302
    assert "下次登录时须重新设置" in admin.get(answer.headers["Location"]).get_data(as_text=True)
    row = user_row(everyone, "bank1-outlet1")
    assert row.totp_secret_enc is None and row.totp_confirmed_at is None
    (entry,) = actions(everyone, "two_factor_reset")
    assert entry == ("two_factor_reset", {})
    # The officer enrols again at the next sign-in (the setting requires it).
    assert password_step(everyone.test_client(), "bank1-outlet1").endswith("/login/enrol")
    # Another bank's officer: outside the administrator's scope, as if it did not exist.
    foreign = province.user("bank2-outlet1").id
    assert admin.post(f"/users/{foreign}/two-factor/reset").status_code == 404
    assert user_row(everyone, "bank2-outlet1").has_two_factor
    assert admin.post("/users/999999/two-factor/reset").status_code == 404


def test_the_audit_log_names_the_second_factor(privileged):
    secret, codes = enrolled(privileged, "assoc-admin")
    client = privileged.test_client()
    password_step(client, "assoc-admin")
    right = code(secret, privileged)
    client.post("/login/verify", data={"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    client.post("/login/verify", data={"method": "recovery_code", "code": codes[0]})
    failed = client.get("/audit?action=two_factor_failed").get_data(as_text=True)
    assert "两步验证失败" in failed and "动态验证码" in failed
    signed = client.get("/audit?action=signed_in").get_data(as_text=True)
    assert "恢复码" in signed
    client.get("/lang/en")
    english = client.get("/audit?action=two_factor_failed").get_data(as_text=True)
    assert "Two-step verification failed" in english and "authenticator code" in english


def test_the_last_association_administrator_is_reset_from_the_command_line(privileged):
    enrolled(privileged, "assoc-admin")
    runner = privileged.test_cli_runner()
    result = runner.invoke(args=["users", "reset-two-factor", "assoc-admin"])
    assert result.exit_code == 0 and "enrol again at the next sign-in" in result.output
    assert not user_row(privileged, "assoc-admin").has_two_factor
    with privileged.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "two_factor_reset")
        ).one()
        assert entry.actor_id is None
    assert password_step(privileged.test_client(), "assoc-admin").endswith("/login/enrol")
    assert runner.invoke(args=["users", "reset-two-factor", "nobody"]).exit_code != 0
