"""Sign-in throttling without a lock-out an outsider can trigger (issue 21.7): delays
that grow per name and per client address, and device cookies (OWASP) so that guesses
at handler A's name from changing addresses never keep A out of a browser A signed in
from before (Art. 7: the case must be accepted in time). Unknown names are answered like
wrong passwords, after the same argon2 work."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from itsdangerous import URLSafeTimedSerializer
from support import NOW, PASSWORD, sign_in

from portal.auth.devices import COOKIE_PREFIX


@pytest.fixture
def app(make_app):
    # 3 free failures per name and address; per name 6 free, then 5 s doubling up to 60 s;
    # per address 12 free, then 30 s doubling up to 15 min (rules.throttle_levels).
    return make_app(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15, FROZEN_NOW=NOW)


def attempt(app, username, password="wrong-password", address="10.0.0.1", client=None):
    client = client or app.test_client()
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def later(app, seconds: int) -> None:
    app.config["FROZEN_NOW"] += timedelta(seconds=seconds)


def guess_from_elsewhere(app, username: str, times: int, start: int = 0) -> None:
    """Wrong passwords under ``username``, each from a new address (an outsider)."""
    for n in range(start, start + times):
        assert attempt(app, username, address=f"198.51.100.{n}").status_code == 401


def test_the_wait_per_name_grows_and_stays_short(app, province):
    guess_from_elsewhere(app, "bank1-a", 6)  # no address and no pair reaches its delay
    waits = []
    for n in range(6):
        held = attempt(app, "bank1-a", PASSWORD, address=f"203.0.113.{n}")
        assert held.status_code == 429
        waits.append(int(held.headers["Retry-After"]))
        later(app, waits[-1])
        guess_from_elsewhere(app, "bank1-a", 1, start=10 + n)
    assert waits == [5, 10, 20, 40, 60, 60]  # doubling, never more than a minute
    later(app, 60)
    assert attempt(app, "bank1-a", PASSWORD, address="203.0.113.99").status_code == 302


def test_the_wait_per_address_grows(app, province):
    # Twelve different names from one address: no name or pair reaches its delay.
    for n in range(12):
        assert attempt(app, f"someone-{n}", address="192.0.2.7").status_code == 401
    waits = []
    for n in range(4):
        held = attempt(app, "bank1-leader", PASSWORD, address="192.0.2.7")
        assert held.status_code == 429
        waits.append(int(held.headers["Retry-After"]))
        later(app, waits[-1])
        assert attempt(app, f"other-{n}", address="192.0.2.7").status_code == 401
    assert waits == [30, 60, 120, 240]
    # Another address is not held by it.
    assert attempt(app, "bank1-leader", PASSWORD, address="192.0.2.8").status_code == 302


def test_a_handler_with_a_device_cookie_signs_in_while_the_name_is_held(app, province):
    handler = app.test_client()
    assert attempt(app, "bank1-a", PASSWORD, address="10.8.0.5", client=handler).status_code == 302
    cookie = handler.get_cookie(f"{COOKIE_PREFIX}{province.user('bank1-a').id}", path="/login")
    assert cookie is not None and cookie.http_only
    assert handler.post("/logout").status_code == 302
    guess_from_elsewhere(app, "bank1-a", 6)  # the name now waits 5 s
    # Without the cookie, even the right password from a new address waits …
    stranger = attempt(app, "bank1-a", PASSWORD, address="10.8.0.6")
    assert stranger.status_code == 429
    # … the handler's browser does not, from whichever address (Art. 7).
    back = attempt(app, "bank1-a", PASSWORD, address="10.9.0.1", client=handler)
    assert back.status_code == 302
    # The handler's sign-in did not wipe the outsider's count: the name still waits.
    assert attempt(app, "bank1-a", PASSWORD, address="10.8.0.7").status_code == 429


def test_wrong_passwords_from_a_known_device_are_slowed_per_device(app, province):
    handler = app.test_client()
    sign_in(handler, "bank1-a")
    handler.post("/logout")
    for n in range(3):
        wrong = attempt(app, "bank1-a", address=f"10.7.0.{n}", client=handler)
        assert wrong.status_code == 401
    held = attempt(app, "bank1-a", PASSWORD, address="10.7.0.9", client=handler)
    assert held.status_code == 429 and held.headers["Retry-After"] == "30"
    # The device's count does not hold other browsers: the name has only 3 failures.
    assert attempt(app, "bank1-a", PASSWORD, address="10.7.1.1").status_code == 302


def _device_cookie(client, province, username):
    return client.get_cookie(f"{COOKIE_PREFIX}{province.user(username).id}", path="/login")


@pytest.mark.parametrize("kind", ["another user's", "forged", "signed with another key"])
def test_a_cookie_not_of_this_user_gives_no_way_past_the_wait(app, province, kind):
    other = app.test_client()
    sign_in(other, "bank1-leader")
    b_value = _device_cookie(other, province, "bank1-leader").value
    a_name = f"{COOKIE_PREFIX}{province.user('bank1-a').id}"
    value = {
        "another user's": b_value,
        "forged": b_value[:-4] + ("AAAA" if not b_value.endswith("AAAA") else "BBBB"),
        "signed with another key": URLSafeTimedSerializer(
            "not-the-key", salt="portal.auth.device-cookie"
        ).dumps({"user": province.user("bank1-a").id, "device": "x"}),
    }[kind]
    guess_from_elsewhere(app, "bank1-a", 6)
    intruder = app.test_client()
    intruder.set_cookie(a_name, value, path="/login")
    assert attempt(app, "bank1-a", PASSWORD, address="10.6.0.1", client=intruder).status_code == 429
    # bank1-leader's own cookie still works for bank1-leader.
    assert (
        attempt(app, "bank1-leader", PASSWORD, address="10.6.0.2", client=other).status_code == 302
    )


@pytest.fixture
def argon2_checks(monkeypatch):
    """The argon2 verifications run (the real ones, counted)."""
    calls = []
    real = PasswordHasher.verify

    def counted(self, hash, password):
        calls.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


def test_an_unknown_name_is_answered_like_a_wrong_password(app, province, argon2_checks):
    browser = app.test_client()  # one session: one CSRF token on both pages
    known = attempt(app, "bank1-a", "wrong-password-1", client=browser)
    known_checks = len(argon2_checks)
    unknown = attempt(app, "nobody-here", "wrong-password-1", client=browser)
    unknown_checks = len(argon2_checks) - known_checks
    assert known_checks == unknown_checks == 1  # one argon2 verify each (dummy_verify)
    assert known.status_code == unknown.status_code == 401
    assert known.headers.get("Retry-After") is None and unknown.headers.get("Retry-After") is None
    # The same page, but for the name typed back into the form.
    same = known.get_data(as_text=True).replace("bank1-a", "NAME")
    assert same == unknown.get_data(as_text=True).replace("nobody-here", "NAME")
    assert "用户名或密码不正确" in same
    # And slowed down alike, from the same number of failures on.
    for name in ("bank1-leader", "nobody-else"):
        for n in range(3):
            attempt(app, name, address=f"10.5.{n}.1")
        for n in range(3):
            attempt(app, name, address=f"10.5.{n}.2")
    held = {
        name: attempt(app, name, address="10.5.9.9") for name in ("bank1-leader", "nobody-else")
    }
    assert {r.status_code for r in held.values()} == {429}
    assert {r.headers["Retry-After"] for r in held.values()} == {"5"}
