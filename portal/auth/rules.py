"""Pure sign-in rules: lockout after repeated failures (no clock read here)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_PASSWORD_LENGTH = 8


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
