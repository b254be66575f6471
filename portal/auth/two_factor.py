"""Writes about the second factor (TOTP, ``auth.totp``): enrolling, a code or a recovery
code accepted once, new recovery codes, turning it off, an administrator's reset, and
the audit entries of each. Each flushes; the request commits once.

The secret rests encrypted under its own key derived from the data key; recovery codes
rest as keyed hashes (``web.at_rest``). Wrong codes are counted per user on the server
(``rules.code_throttle_level``), across sign-in attempts."""

from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.auth import operations, totp
from portal.auth.models import RecoveryCode, SignInThrottle, User
from portal.auth.rules import code_throttle_key, code_throttle_level, two_factor_required
from portal.db import db
from portal.web.at_rest import decrypt, encrypt, keyed_hash

# Keys derived from the data key for these uses only (web.at_rest).
SECRET_PURPOSE = b"totp-secret"
RECOVERY_PURPOSE = b"recovery-code"


def required_for(user: User) -> bool:
    """Whether the setting (``TWO_FACTOR``) makes ``user`` sign in with a second factor."""
    return two_factor_required(current_app.config["TWO_FACTOR"], user.role_enum)


def seal_secret(secret: str) -> str:
    """A secret encrypted for keeping: in the row, or in the session while enrolling."""
    return cast(str, encrypt(secret, SECRET_PURPOSE))


def unseal_secret(sealed: str | None) -> str | None:
    return decrypt(sealed, SECRET_PURPOSE) if sealed else None


def secret_of(user: User) -> str | None:
    return unseal_secret(user.totp_secret_enc)


# -- wrong codes ------------------------------------------------------------------------


def _level():
    cfg = current_app.config
    return code_throttle_level(
        cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"])
    )


def wait_before_code(user: User, now) -> int:
    """Seconds before this user's next code may be tried (0: none)."""
    return operations.wait_under([code_throttle_key(user.id)], now)


def count_wrong_code(user: User, now) -> None:
    operations.count_failure_under(_level(), code_throttle_key(user.id), now)


def clear_wrong_codes(user: User) -> None:
    db.session.execute(
        delete(SignInThrottle).where(SignInThrottle.key == code_throttle_key(user.id))
    )


def record_wrong_code(
    user: User, *, method: str, reason: str, now, address: str | None, agent: str | None
) -> None:
    """A refused second factor, in the audit log under the user's unit (nobody is signed
    in yet, so no actor)."""
    operations.record_about(
        user,
        "two_factor_failed",
        actor=None,
        changes={
            "second_factor": method,
            "reason": reason,
            "address": (address or "")[:64],
            "agent": (agent or "")[:200],
        },
        now=now,
    )
    db.session.flush()


# -- checking ---------------------------------------------------------------------------


def accept_code(user: User, code: str, now) -> str:
    """ "ok" when ``code`` is right for a time step not used before, which is used from
    now on; "replayed" for a right code used before; "invalid" otherwise."""
    secret = secret_of(user)
    if secret is None:
        return "invalid"
    outcome, step = totp.check_code(secret, code, now, user.totp_last_step)
    if outcome != "ok":
        return outcome
    # Atomic: the same code sent twice at once (two tabs, two app servers) wins once.
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        return "replayed"
    set_committed_value(user, "totp_last_step", step)
    return "ok"


def use_recovery_code(user: User, text: str, now) -> bool:
    """Whether ``text`` is one of the user's unused recovery codes; if so it is used up."""
    if not totp.is_recovery_code_shaped(text):
        return False
    code_hash = keyed_hash(totp.normalise_recovery_code(text), RECOVERY_PURPOSE)
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# -- changing ---------------------------------------------------------------------------


def _new_recovery_codes(user: User, now) -> list[str]:
    """Ten new codes for ``user``, the old ones gone. The codes are returned to be shown
    once; only their keyed hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(
            user_id=user.id,
            code_hash=keyed_hash(totp.normalise_recovery_code(code), RECOVERY_PURPOSE),
            created_at=now,
        )
        for code in codes
    )
    return codes


def enrol(user: User, secret: str, step: int, *, now) -> list[str]:
    """The person proved their app holds ``secret`` with the code of ``step``: it is the
    user's second factor from now on (replacing any earlier one), that code is used, and
    ten new recovery codes are made. Returns them, to be shown once."""
    user.totp_secret_enc = seal_secret(secret)
    user.totp_confirmed_at = now
    user.totp_last_step = step
    codes = _new_recovery_codes(user, now)
    operations.record_about(user, "two_factor_enrolled", actor=user, now=now)
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User, *, now) -> list[str]:
    codes = _new_recovery_codes(user, now)
    operations.record_about(user, "recovery_codes_regenerated", actor=user, now=now)
    db.session.flush()
    return codes


def _remove(user: User) -> None:
    user.totp_secret_enc = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(user: User, *, now) -> None:
    """The user turns their second factor off (where the setting leaves it optional)."""
    _remove(user)
    operations.record_about(user, "two_factor_disabled", actor=user, now=now)
    db.session.flush()


def reset(user: User, *, actor: User | None, now) -> None:
    """An administrator (or ``flask users reset-two-factor``: no actor) removes a user's
    second factor (a lost phone): where it is required, the user enrols again at the
    next sign-in."""
    _remove(user)
    clear_wrong_codes(user)
    operations.record_about(user, "two_factor_reset", actor=actor, now=now)
    db.session.flush()
