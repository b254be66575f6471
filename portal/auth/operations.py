"""Writes about users: sign-in bookkeeping, passwords, administration. Each flushes;
the request commits once."""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from portal.audit.operations import diff, record
from portal.auth.models import User
from portal.auth.passwords import dummy_verify, hash_password, verify_password
from portal.auth.rules import LockoutPolicy, after_failure, is_locked
from portal.auth.signals import user_changed
from portal.db import db


class SignInError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid", "locked", "inactive"


def _policy() -> LockoutPolicy:
    cfg = current_app.config
    return LockoutPolicy(cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]))


def find_by_username(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )


def authenticate(username: str, password: str, now) -> User:
    """The user, or SignInError. Failures count towards a lockout stored in the row."""
    user = find_by_username(username)
    if user is None:
        dummy_verify(password)
        raise SignInError("invalid")
    if is_locked(user.locked_until, now):
        raise SignInError("locked")
    if not verify_password(user.password_hash, password):
        # Count under a row lock, from the count as stored now: wrong passwords tried at
        # once on several app servers must each count, and one that comes in after
        # another server locked the account must not unlock it.
        db.session.refresh(user, ["failed_logins", "locked_until", "version"], with_for_update=True)
        if is_locked(user.locked_until, now):
            raise SignInError("locked")
        user.failed_logins, user.locked_until = after_failure(user.failed_logins, _policy(), now)
        db.session.flush()
        raise SignInError("locked" if user.locked_until else "invalid")
    if not user.is_active or not user.unit.is_active:
        raise SignInError("inactive")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def new_session_token() -> str:
    return secrets.token_hex(16)


def change_password(user: User, new_password: str, now) -> None:
    user.password_hash = hash_password(new_password)
    # A new token ends every other session of this user.
    user.session_token = new_session_token()
    record(
        actor=user,
        unit_path=user.unit.path,
        subject=user,
        action="password_changed",
        changes={},
        now=now,
    )
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
    record(
        actor=actor,
        unit_path=unit.path,
        subject=user,
        action="user_created",
        changes=diff({}, _snapshot(user)),
        now=now,
    )
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
        record(
            actor=actor,
            unit_path=unit.path,
            subject=user,
            action="user_updated",
            changes=changes,
            now=now,
        )
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
    record(
        actor=actor,
        unit_path=user.unit.path,
        subject=user,
        action="user_activated" if active else "user_deactivated",
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
    record(
        actor=actor,
        unit_path=user.unit.path,
        subject=user,
        action="password_reset",
        changes={},
        now=now,
    )
    db.session.flush()
