"""Hostile input on the sign-in steps and one's own account (issue 21, point 6): the
sign-in form (with a hostile device cookie too), the second factor's forms in their
pending state (verify, enrol at sign-in, finish), /account/* and the language switch.
No answer is a 5xx; a refused request writes nothing but what a refused sign-in writes on
purpose (the throttle's count and the 操作记录 entry).

Each example starts from a fresh browser and an empty throttle, so guesses never hold
the suite's actors up (rules.throttle_levels)."""

from urllib.parse import urlencode

import pyotp
import pytest
from fuzz_support import ALL_AT_ONCE, FUZZ, check, forms_on, hostile
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select
from support import NOW, PASSWORD, sign_in

from portal.auth import two_factor
from portal.auth.devices import COOKIE_PREFIX
from portal.auth.models import SignInThrottle, User
from portal.db import db

# What a refused sign-in or a wrong code writes on purpose.
COUNTED = ("sign_in_throttle", "audit_entry")
ENROLLED = "bank1-leader"  # has an authenticator app (the verify step)
MUST_ENROL = "assoc-leader"  # an association role under "privileged": enrols at sign-in


@pytest.fixture
def auth_app(fuzz_app):
    fuzz_app.config["TWO_FACTOR"] = "privileged"
    with fuzz_app.app_context():
        user = db.session.scalar(select(User).where(User.username == ENROLLED))
        fuzz_app.totp_secret = pyotp.random_base32()
        two_factor.enrol(user, fuzz_app.totp_secret, int(NOW.timestamp()) // 30 - 20, now=NOW)
        db.session.commit()
    return fuzz_app


def forget_failures(app) -> None:
    with app.app_context():
        db.session.execute(delete(SignInThrottle))
        db.session.commit()


# Printable ASCII a cookie can carry (the browser's side sends nothing else).
cookie_values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=120)


def test_hostile_sign_in_forms_answer_below_500(auth_app):
    user_id = auth_app.province.user("bank1-a").id
    names = st.sampled_from(["bank1-a", ENROLLED, MUST_ENROL, "nobody", ""]) | hostile
    passwords = st.sampled_from([PASSWORD, ""]) | hostile

    @FUZZ
    @given(
        data=st.fixed_dictionaries(
            {"username": names, "password": passwords},
            optional={"next": hostile, "csrf_token": hostile},
        ),
        cookie=st.none() | cookie_values,
        address=st.sampled_from(["10.1.1.1", "::1", "2001:db8::7"]),
    )
    def one(data, cookie, address):
        forget_failures(auth_app)
        client = auth_app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        if cookie is not None:
            client.set_cookie(f"{COOKIE_PREFIX}{user_id}", cookie, path="/login")
        # The page itself, with the hostile "next" in its query string (a NUL: 400).
        check(auth_app, client, "GET", "/login?" + urlencode({"next": data.get("next", "")}))
        check(auth_app, client, "POST", "/login", data=data, ignore=COUNTED)

    one()
    for value in ALL_AT_ONCE:
        forget_failures(auth_app)
        fields = dict.fromkeys(("username", "password", "next"), value)
        check(auth_app, auth_app.test_client(), "POST", "/login", data=fields, ignore=COUNTED)


def _pending(app, username: str):
    """A fresh browser whose password step is done: the second factor is pending."""
    forget_failures(app)
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return client, answer.headers["Location"]


@pytest.mark.parametrize(
    "username, step, url",
    [
        (ENROLLED, "/login/verify", "/login/verify"),
        (ENROLLED, "/login/verify", "/login/verify?method=recovery"),
        (MUST_ENROL, "/login/enrol", "/login/enrol"),
        (MUST_ENROL, "/login/enrol", "/login/finish"),
    ],
)
def test_hostile_second_factor_forms_answer_below_500(auth_app, username, step, url):
    client, location = _pending(auth_app, username)
    assert location.endswith(step)
    forms = forms_on(client.get(url if url != "/login/finish" else step).get_data(as_text=True))
    fields = next((f for action, f in forms if (action or step).startswith(url.split("?")[0])), {})
    fields = {**fields, "code": "", "method": ""}

    @FUZZ
    @given(data=st.fixed_dictionaries({k: st.just(v) | hostile for k, v in fields.items()}))
    def one(data):
        client, _ = _pending(auth_app, username)
        check(auth_app, client, "POST", url, data=data, ignore=COUNTED)

    one()
    for value in ALL_AT_ONCE:
        client, _ = _pending(auth_app, username)
        check(auth_app, client, "POST", url, data=dict.fromkeys(fields, value), ignore=COUNTED)


@pytest.mark.parametrize("actor", [ENROLLED, "bank2-a"])
def test_hostile_account_forms_answer_below_500_and_refusals_write_nothing(auth_app, actor):
    client = auth_app.test_client()
    if actor == ENROLLED:  # signed in through the second factor, as in production
        client.post("/login", data={"username": actor, "password": PASSWORD})
        code = pyotp.TOTP(auth_app.totp_secret).at(auth_app.config["FROZEN_NOW"])
        assert client.post("/login/verify", data={"code": code}).status_code == 302
    else:
        sign_in(client, actor)
    forms = []
    for page in ("/account/password", "/account/two-factor", "/account/two-factor/enrol"):
        response = check(auth_app, client, "GET", page)
        forms += [(a or page, f) for a, f in forms_on(response.get_data(as_text=True)) if f]
    forms = [(a, f) for a, f in forms if a.startswith("/account/")]
    assert len(forms) >= 2, forms

    for url, fields in forms:
        for value in ALL_AT_ONCE:
            forget_failures(auth_app)
            check(auth_app, client, "POST", url, data=dict.fromkeys(fields, value), ignore=COUNTED)
        _fuzz_own_form(auth_app, client, url, fields)
    assert client.get("/home").status_code == 200  # still signed in: nothing was changed


def _fuzz_own_form(app, client, url, fields):
    @FUZZ
    @given(data=st.fixed_dictionaries({k: st.just(v) | hostile for k, v in fields.items()}))
    def one(data):
        forget_failures(app)
        check(app, client, "POST", url, data=data, ignore=COUNTED)

    one()


def test_hostile_language_switches_answer_below_500(fuzz_app, signed_in):
    client = signed_in("bank1-a")

    @FUZZ
    @given(code=hostile, target=hostile)
    def one(code, target):
        path = "/lang/" + "".join(c for c in code if c not in "/?#%") or "x"
        response = check(fuzz_app, client, "GET", f"{path}?{urlencode({'next': target})}")
        assert response.status_code in (302, 400, 404), response.status_code

    one()
    for value in ("en", "zh", "xx", str(2**63), "\x00"):
        check(fuzz_app, client, "GET", f"/lang/{value}?next=//evil.example/")
