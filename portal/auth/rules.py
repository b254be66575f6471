"""Pure sign-in rules: lockout after repeated failures (no clock read here)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_PASSWORD_LENGTH = 8

# Art. 6: contacts reported to the association. Mainland mobile: 11 digits starting
# 1[3-9]; work phone: landline with area code (optional extension), a mobile, a 400
# number or a bank's 95xxx service line. Plain patterns, so pure rules can use them.
MOBILE_RE = r"^1[3-9]\d{9}$"
PHONE_RE = r"^(0\d{2,3}-?\d{7,8}(-\d{1,6})?|1[3-9]\d{9}|400-?\d{3}-?\d{4}|95\d{3,4})$"


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    lockout: timedelta


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def after_failure(
    failures: int, policy: LockoutPolicy, now: datetime
) -> tuple[int, datetime | None]:
    """The failure count and lock time after one more wrong password."""
    failures += 1
    if failures >= policy.max_failures:
        return 0, now + policy.lockout
    return failures, None


def password_problems(password: str, username: str) -> list[str]:
    """Reasons a new password is refused (empty list: acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    if password.isdigit() or password.isalpha():
        problems.append("letters_and_digits")
    if username and username.lower() in password.lower():
        problems.append("contains_username")
    return problems
