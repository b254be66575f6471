"""What a new password must be (issue 21): 10 to 128 characters, letters and digits,
not the username, and not common or easy to guess (zxcvbn, offline)."""

import pytest

from portal.auth.rules import password_problems


@pytest.mark.parametrize("weak", ["password1", "qwerty123", "welcome123", "Password2026"])
def test_common_passwords_are_refused(weak):
    assert password_problems(weak, "bank1-a") != []


def test_length_is_bounded_both_ways():
    assert "too_short" in password_problems("Ab3-xyz", "u")
    assert password_problems("Aa1-" * 33, "u") == ["too_long"]  # 132 characters


def test_the_username_may_not_hide_in_it():
    assert "contains_username" in password_problems("zhang.wei-2026-Liao", "zhang.wei")


def test_a_long_irregular_password_passes():
    assert password_problems("Liaoning-2026-hd", "bank1-a") == []
    assert password_problems("shenyang kefu 88 lan", "bank1-a") == []
