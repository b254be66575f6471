"""Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): after
a sign-in the browser keeps a signed, long-lived, httponly cookie naming the user and a
random device id. A later attempt under that name from that browser is held per device,
not by the per-name wait (``rules.attempt_levels``), so guesses from elsewhere never keep
the handler on duty out (Art. 7). The cookie proves nothing else: the password (and the
second factor) are asked as always.

One cookie per user (``device_<user id>``), so handlers sharing a computer each keep
theirs; it is sent to the sign-in page only. Signed with the app's ``SECRET_KEY``: a
forged cookie, or one of another user, is ignored.
"""

import secrets
from collections.abc import Mapping
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.auth.models import User

COOKIE_PREFIX = "device_"
MAX_AGE = timedelta(days=365)
_SALT = "portal.auth.device-cookie"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def cookie_name(user: User) -> str:
    return f"{COOKIE_PREFIX}{user.id}"


def known_device(user: User | None, cookies: Mapping[str, str]) -> str | None:
    """The device id of a valid device cookie of ``user`` this browser sent (None: none,
    or not valid: forged, expired, or another user's)."""
    if user is None:
        return None
    value = cookies.get(cookie_name(user))
    if not value:
        return None
    try:
        data = _serializer().loads(value, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:  # a forged or expired one (SignatureExpired is a BadSignature)
        return None
    if not isinstance(data, dict) or data.get("user") != user.id:
        return None
    device = data.get("device")
    return device if isinstance(device, str) and device else None


def remember_device(response, user: User, cookies: Mapping[str, str]):
    """Give this browser ``user``'s device cookie (keeping its device id if it had one)."""
    device = known_device(user, cookies) or secrets.token_urlsafe(16)
    response.set_cookie(
        cookie_name(user),
        _serializer().dumps({"user": user.id, "device": device}),
        max_age=int(MAX_AGE.total_seconds()),
        path=url_for("auth.login"),
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response
