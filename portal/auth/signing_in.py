"""The end of signing in, and the half-way state before it.

A right password of a user with a second factor (or one who must enrol) signs nobody
in: the session keeps a *pending* state (the user, their session token, when, the page
to go to, the step, wrong codes so far) and Flask-Login knows no user, so every page
but the sign-in steps answers as to a stranger. The state dies after a few minutes
(``rules.PENDING_*_TTL``), after ``rules.MAX_CODE_FAILURES`` wrong codes, or when the
user's token changes (password changed, deactivated). Only ``complete`` signs in.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from flask import redirect, request, session
from flask_login import login_user

from portal.auth import devices, operations
from portal.auth.models import User
from portal.auth.rules import PENDING_ENROL_TTL, PENDING_VERIFY_TTL, pending_is_live
from portal.db import db
from portal.web import clock

PENDING = "two_factor_pending"
# The steps: "verify" (a code or a recovery code), "enrol" (set up an app first),
# "codes" (enrolled; the recovery codes were shown, waiting for "continue").
ENROLLING = frozenset({"enrol", "codes"})


@dataclass(frozen=True)
class Pending:
    user: User
    stage: str
    next_page: str
    failures: int
    secret: str | None  # sealed (two_factor.seal_secret), while enrolling


def begin(user: User, *, stage: str, next_page: str, now: datetime) -> None:
    session[PENDING] = {
        "user": user.id,
        "token": user.session_token,
        "at": int(now.timestamp()),
        "next": next_page,
        "stage": stage,
        "failures": 0,
    }


def load(now: datetime) -> Pending | Literal["expired"] | None:
    """The pending sign-in of this browser if it is still alive; "expired" (and dropped)
    if it timed out; None if there is none or it no longer holds."""
    state = session.get(PENDING)
    if not isinstance(state, dict):
        return None
    ttl = PENDING_ENROL_TTL if state.get("stage") in ENROLLING else PENDING_VERIFY_TTL
    if not pending_is_live(datetime.fromtimestamp(state.get("at", 0), UTC), now, ttl):
        drop()
        return "expired"
    user = db.session.get(User, state.get("user"))
    if (
        user is None
        or not user.is_active
        or not user.unit.is_active
        or user.session_token != state.get("token")
    ):
        drop()
        return None
    return Pending(
        user=user,
        stage=state.get("stage", ""),
        next_page=state.get("next") or "/",
        failures=int(state.get("failures", 0)),
        secret=state.get("secret"),
    )


def update(**changes) -> None:
    session[PENDING] = {**session[PENDING], **changes}


def drop() -> None:
    session.pop(PENDING, None)


def complete(user: User, next_page: str, second_factor: str | None = None):
    """Sign ``user`` in: a fresh session (nothing of the one before, its CSRF token or a
    pending state, carries over), a server-side sign-in that signing out ends,
    Flask-Login's cookie, and the device cookie that keeps later attempts from this
    browser clear of the per-name wait (``devices``). The only way in."""
    client = {"address": request.remote_addr, "agent": request.user_agent.string}
    session.clear()
    operations.start_sign_in(user, now=clock.now(), second_factor=second_factor, **client)
    login_user(user)
    return devices.remember_device(redirect(next_page), user, request.cookies)
