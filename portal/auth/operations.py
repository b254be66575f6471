"""Writes about users: sign-in bookkeeping, passwords, administration. Each flushes;
the request commits once."""

import secrets
from collections.abc import Mapping
from datetime import timedelta
from math import ceil
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, case, delete, func, select, update

from portal.audit.operations import diff, record
from portal.auth.devices import known_device
from portal.auth.models import SignIn, SignInThrottle, User
from portal.auth.passwords import dummy_verify, hash_password, needs_rehash, verify_password
from portal.auth.rules import (
    ThrottleLevel,
    attempt_levels,
    throttle_delay,
    throttle_key,
    throttle_levels,
)
from portal.auth.signals import unknown_user_refused, user_changed
from portal.db import db, dialect_insert


def record_about(user: User, action: str, *, actor, now, changes: dict | None = None) -> None:
    """An audit entry about ``user``'s account, under their unit (so their unit's
    administrators see it); ``actor`` None where nobody is signed in yet."""
    record(
        actor=actor,
        unit_path=user.unit.path,
        subject=user,
        action=action,
        changes=changes or {},
        now=now,
    )


THROTTLE_MEMORY = timedelta(days=1)


class SignInError(Exception):
    def __init__(self, reason: str, wait_seconds: int = 0):
        super().__init__(reason)
        self.reason = reason  # "invalid", "throttled", "inactive"
        self.wait_seconds = wait_seconds


def _levels() -> tuple[ThrottleLevel, ...]:
    cfg = current_app.config
    return throttle_levels(
        cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"])
    )


def find_by_username(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )


def wait_before_sign_in(username: str, address: str, now, device: str | None = None) -> int:
    """Seconds an attempt under this name from this address (and known ``device``, if
    the browser showed a device cookie of the user) must still wait (0: none)."""
    return wait_under(_keys(username, address, device), now)


def _attempt_levels(device: str | None) -> tuple[ThrottleLevel, ...]:
    return attempt_levels(_levels(), known_device=device is not None)


def _keys(username: str, address: str, device: str | None) -> list[str]:
    return [
        throttle_key(level, username, address, device or "") for level in _attempt_levels(device)
    ]


def wait_under(keys: list[str], now) -> int:
    """Seconds attempts counted under any of ``keys`` must still wait (0: none)."""
    until = db.session.scalar(
        select(func.max(SignInThrottle.wait_until)).where(SignInThrottle.key.in_(keys))
    )
    if until is None or until <= now:
        return 0
    return max(1, ceil((until - now).total_seconds()))


def count_failure(username: str, address: str, now, device: str | None = None) -> None:
    """One more wrong password at each level of this attempt."""
    for level in _attempt_levels(device):
        count_failure_under(level, throttle_key(level, username, address, device or ""), now)


def count_failure_under(level: ThrottleLevel, key: str, now) -> None:
    """One more failure under ``key``, counted atomically (attempts at once on several
    app servers all count); past the level's free failures the next attempts wait. A
    count left alone for a day starts again."""
    table = SignInThrottle.__table__
    stale = SignInThrottle.last_failure_at < now - THROTTLE_MEMORY
    upsert = (
        dialect_insert(SignInThrottle)
        .values(key=key, failures=1, last_failure_at=now, wait_until=None)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((stale, 1), else_=SignInThrottle.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(SignInThrottle.failures)
    )
    failures = db.session.execute(upsert).scalar_one()
    delay = throttle_delay(level, failures)
    if delay:
        db.session.execute(
            update(SignInThrottle).where(SignInThrottle.key == key).values(wait_until=now + delay)
        )


def clear_failures(username: str, address: str, device: str | None = None) -> None:
    """A right password: this name's counts at this attempt's levels start again (the
    address's stay; from a known device, so do the name's: guesses from elsewhere go on
    being slowed down)."""
    keys = [
        throttle_key(level, username, address, device or "")
        for level in _attempt_levels(device)
        if level.prefix != "address"
    ]
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(keys)))


def purge_throttles(now) -> int:
    """Counts nobody added to for a day: dropped (the sweep)."""
    result = db.session.execute(
        delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - THROTTLE_MEMORY)
    )
    return cast(CursorResult[Any], result).rowcount


def authenticate(
    username: str, password: str, now, address: str = "", cookies: Mapping[str, str] | None = None
) -> User:
    """The user, or SignInError. Wrong passwords slow down later attempts (``rules``);
    a browser showing the user's device cookie (``devices``) is held per device instead
    of per name. A name that does not exist is answered like a wrong password, after the
    same work (one argon2 check)."""
    user = find_by_username(username)
    device = known_device(user, cookies or {})
    wait = wait_before_sign_in(username, address, now, device)
    if wait:
        raise SignInError("throttled", wait)
    if user is None:
        dummy_verify(password)
        count_failure(username, address, now)
        raise SignInError("invalid")
    if not verify_password(user.password_hash, password):
        count_failure(username, address, now, device)
        raise SignInError("invalid")
    if not user.is_active or not user.unit.is_active:
        raise SignInError("inactive")
    clear_failures(username, address, device)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # older parameters: upgrade now
    user.last_login_at = now
    db.session.flush()
    return user


def _client(address: str | None, agent: str | None) -> dict:
    return {"address": (address or "")[:64], "agent": (agent or "")[:200]}


def start_sign_in(
    user: User, *, now, address: str | None, agent: str | None, second_factor: str | None = None
) -> str:
    """A new server-side session for ``user`` (its key goes into the cookie), recorded
    in the audit log with the client's address and browser, and the second factor it
    took ("totp" or "recovery_code") if any. Returns the key."""
    key = secrets.token_urlsafe(32)
    client = _client(address, agent)
    db.session.add(SignIn(user_id=user.id, key=key, started_at=now, **client))
    record_about(
        user,
        "signed_in",
        actor=user,
        changes=client | ({"second_factor": second_factor} if second_factor else {}),
        now=now,
    )
    db.session.flush()
    user.sign_in_key = key
    return key


def end_sign_in(user: User, *, now) -> None:
    """Sign-out: the session's key is refused from now on, wherever the cookie is."""
    sign_in = db.session.scalar(select(SignIn).where(SignIn.key == user.sign_in_key))
    if sign_in is not None and sign_in.ended_at is None:
        sign_in.ended_at = now
        record_about(user, "signed_out", actor=user, now=now)
    db.session.flush()


def record_failed_sign_in(
    username: str, reason: str, *, now, address: str | None, agent: str | None
) -> None:
    """A refused sign-in, for the audit log: under the user when the name exists (its
    unit's administrators see it), else under the association."""
    user = find_by_username(username)
    changes = {"username": username.strip()[:60], "reason": reason, **_client(address, agent)}
    if user is not None:
        record_about(user, "sign_in_failed", actor=None, changes=changes, now=now)
    else:
        unknown_user_refused.send(None, changes=changes, now=now)
    db.session.flush()


def new_session_token() -> str:
    return secrets.token_hex(16)


def change_password(user: User, new_password: str, now) -> None:
    user.password_hash = hash_password(new_password)
    # A new token ends every other session of this user.
    user.session_token = new_session_token()
    record_about(user, "password_changed", actor=user, now=now)
    db.session.flush()


USER_FIELDS = ("username", "full_name", "unit_id", "role", "email", "work_phone", "mobile")


def _snapshot(user: User) -> dict:
    return {f: getattr(user, f) for f in USER_FIELDS} | {"is_active": user.is_active}


def create_user(*, actor, unit, password: str, now, **fields) -> User:
    user = User(
        unit=unit,
        unit_id=unit.id,
        password_hash=hash_password(password),
        session_token=new_session_token(),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    record_about(user, "user_created", actor=actor, changes=diff({}, _snapshot(user)), now=now)
    return user


def _report_contacts(user: User, changes: dict, *, actor, now) -> None:
    # Art. 6: a member's handlers are reported to the association; the duty domain
    # keeps those reports (a change made here must not escape them).
    user_changed.send(user, changes=changes, actor=actor, now=now)


def update_user(user: User, *, actor, unit, now, **fields) -> User:
    before = _snapshot(user)
    for name, value in fields.items():
        setattr(user, name, value)
    user.unit = unit
    user.unit_id = unit.id
    changes = diff(before, _snapshot(user))
    if changes:
        user.version += 1
        record_about(user, "user_updated", actor=actor, changes=changes, now=now)
        _report_contacts(user, changes, actor=actor, now=now)
    db.session.flush()
    return user


def set_user_active(user: User, active: bool, *, actor, now) -> None:
    if user.is_active == active:
        return
    user.is_active = active
    user.version += 1
    if not active:
        user.session_token = new_session_token()  # signs the user out everywhere
    record_about(
        user,
        "user_activated" if active else "user_deactivated",
        actor=actor,
        changes={"is_active": [not active, active]},
        now=now,
    )
    _report_contacts(user, {"is_active": [not active, active]}, actor=actor, now=now)
    db.session.flush()


def reset_password(user: User, new_password: str, *, actor, now) -> None:
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None
    record_about(user, "password_reset", actor=actor, now=now)
    db.session.flush()
