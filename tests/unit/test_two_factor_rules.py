"""Two-factor sign-in, the pure rules: who must use it under each setting, how long a
pending sign-in lives, which codes are accepted (one step either way, each once), the
shape of recovery codes; and a setting the portal does not know stops it from starting."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from portal import create_app
from portal.auth import totp
from portal.auth.roles import Role
from portal.auth.rules import (
    PENDING_ENROL_TTL,
    PENDING_VERIFY_TTL,
    TWO_FACTOR_SETTINGS,
    pending_is_live,
    two_factor_required,
)

A, H, L = Role.ASSOC_ADMIN, Role.ASSOC_HANDLER, Role.ASSOC_LEADER
MA, MH, ML, BO = Role.MEMBER_ADMIN, Role.MEMBER_HANDLER, Role.MEMBER_LEADER, Role.BRANCH_OFFICER

# setting -> the roles that must use a second factor
REQUIRED = {
    "privileged": {A, H, L, MA},  # the association's roles and every administrator
    "all": set(Role),
    "optional": set(),
}


@pytest.mark.parametrize("setting", sorted(TWO_FACTOR_SETTINGS))
@pytest.mark.parametrize("role", list(Role))
def test_who_must_use_a_second_factor(setting, role):
    assert two_factor_required(setting, role) is (role in REQUIRED[setting])


def test_the_table_covers_every_setting():
    assert set(REQUIRED) == set(TWO_FACTOR_SETTINGS)


START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "ttl", "live"),
    [
        (timedelta(0), PENDING_VERIFY_TTL, True),
        (timedelta(minutes=4, seconds=59), PENDING_VERIFY_TTL, True),
        (timedelta(minutes=5), PENDING_VERIFY_TTL, False),
        (timedelta(minutes=14), PENDING_ENROL_TTL, True),
        (timedelta(minutes=15), PENDING_ENROL_TTL, False),
        (timedelta(seconds=-1), PENDING_VERIFY_TTL, False),  # a clock turned back
    ],
)
def test_a_pending_sign_in_lives_for_its_minutes(after, ttl, live):
    assert pending_is_live(START, START + after, ttl) is live


def test_pending_sign_ins_last_five_minutes_and_enrolment_fifteen():
    assert PENDING_VERIFY_TTL == timedelta(minutes=5)
    assert PENDING_ENROL_TTL == timedelta(minutes=15)


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STEP = totp.time_step(START)


@pytest.mark.parametrize(
    ("offset", "last_step", "outcome"),
    [
        (0, None, "ok"),
        (-1, None, "ok"),  # the step before (a phone's clock slightly behind)
        (1, None, "ok"),  # the step after
        (-2, None, "invalid"),
        (2, None, "invalid"),
        (0, STEP - 1, "ok"),
        (0, STEP, "replayed"),  # that code was already used
        (-1, STEP, "replayed"),  # an older code after a newer one
        (1, STEP, "ok"),
    ],
)
def test_codes_within_one_step_are_accepted_once(offset, last_step, outcome):
    typed = pyotp.TOTP(SECRET).at(START + timedelta(seconds=30 * offset))
    result, step = totp.check_code(SECRET, typed, START, last_step)
    assert result == outcome
    if outcome != "invalid":
        assert step == STEP + offset


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "１２３４５６", None])
def test_what_is_not_six_digits_is_no_code(typed):
    assert totp.check_code(SECRET, typed, START, None) == ("invalid", 0)


def test_a_code_may_be_typed_with_a_space_in_the_middle():
    typed = pyotp.TOTP(SECRET).at(START)
    assert totp.check_code(SECRET, f"{typed[:3]} {typed[3:]}", START, None)[0] == "ok"


def test_recovery_codes_are_ten_distinct_and_read_without_ambiguity():
    codes = totp.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert not set(code.replace("-", "")) & set("01ilo")
        assert totp.is_recovery_code_shaped(code)
        assert totp.normalise_recovery_code(code.upper().replace("-", " ")) == code.replace("-", "")
    assert not totp.is_recovery_code_shaped("abcde-1234o")


def test_the_secret_is_shown_in_groups_of_four_and_the_app_learns_issuer_and_name():
    assert totp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"
    uri = totp.provisioning_uri(SECRET, "bank1-a")
    assert uri.startswith("otpauth://totp/") and "bank1-a" in uri and f"secret={SECRET}" in uri
    assert "issuer=" in uri
    svg = totp.qr_svg(uri, "扫描")
    assert svg.startswith("<svg") and "<title>扫描</title>" in svg and "viewBox" in svg


@pytest.mark.parametrize("value", ["privileged", "all", "optional", " ALL "])
def test_the_setting_takes_three_values(value):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TWO_FACTOR": value})
    assert app.config["TWO_FACTOR"] == value.strip().lower()


def test_by_default_privileged_roles_must_use_it(monkeypatch):
    monkeypatch.delenv("PORTAL_TWO_FACTOR", raising=False)
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["TWO_FACTOR"] == (
        "privileged"
    )


@pytest.mark.parametrize("value", ["", "sometimes", "off", "admins"])
def test_an_unknown_setting_refuses_to_start(monkeypatch, value):
    monkeypatch.setenv("PORTAL_TWO_FACTOR", value)
    with pytest.raises(RuntimeError, match="PORTAL_TWO_FACTOR must be one of privileged"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
