"""Pure sign-in rules: how wrong passwords slow down later attempts (no clock read
here), what makes a password acceptable, and who must sign in with a second factor."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from zxcvbn import zxcvbn

from portal.auth.roles import ASSOCIATION_ROLES, Permission, Role, has_permission

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# zxcvbn's score (0-4, offline: common passwords, dictionary words, keyboard patterns,
# dates): below 3 it guesses the password in under about 10^8 tries.
MIN_PASSWORD_SCORE = 3

# Art. 6: contacts reported to the association. Mainland mobile: 11 digits starting
# 1[3-9]; work phone: landline with area code (optional extension), a mobile, a 400
# number or a bank's 95xxx service line. Plain patterns, so pure rules can use them.
MOBILE_RE = r"^1[3-9]\d{9}$"
PHONE_RE = r"^(0\d{2,3}-?\d{7,8}(-\d{1,6})?|1[3-9]\d{9}|400-?\d{3}-?\d{4}|95\d{3,4})$"


# -- throttling sign-in attempts -----------------------------------------------------
# Wrong passwords slow down the next attempts, per (name typed, client address), per
# address and per name, with delays that double; nothing locks an account. The name is
# the one typed, existing or not, so an unknown user is answered exactly like a known
# one. Per name the delay stays short (a minute at most), and a browser the user has
# signed in from before is not held by it at all: it shows a device cookie (OWASP's
# "device cookies") and is held per device instead. So an outsider guessing a name from
# changing addresses cannot keep handler A or B from accepting a case (Art. 7).


@dataclass(frozen=True)
class ThrottleLevel:
    prefix: str
    free: int  # failures before the first delay
    base: timedelta  # the first delay; each further failure doubles it
    cap: timedelta


def throttle_levels(free: int, cap: timedelta) -> tuple[ThrottleLevel, ...]:
    """The four levels from the configuration (``free`` failures of one name from one
    address before a delay, delays up to ``cap``): per name and address, per address,
    per name (from browsers the user never signed in from) and per known device."""
    return (
        ThrottleLevel("pair", free, timedelta(seconds=30), cap),
        ThrottleLevel("address", 4 * free, timedelta(seconds=30), cap),
        ThrottleLevel("name", 2 * free, timedelta(seconds=5), min(cap, timedelta(minutes=1))),
        ThrottleLevel("device", free, timedelta(seconds=30), cap),
    )


def attempt_levels(
    levels: tuple[ThrottleLevel, ...], *, known_device: bool
) -> tuple[ThrottleLevel, ...]:
    """The levels an attempt waits at and counts at: one from a device the user signed
    in from before (a valid device cookie for this name) at its device instead of the
    name, so failures from elsewhere never hold it; any other at the name."""
    left_out = "name" if known_device else "device"
    return tuple(level for level in levels if level.prefix != left_out)


def throttle_key(level: ThrottleLevel, username: str, address: str, device: str = "") -> str:
    name = username.strip().lower()[:60]
    if level.prefix == "pair":
        return f"pair:{name}|{address}"
    if level.prefix == "device":
        return f"device:{device}"
    return f"address:{address}" if level.prefix == "address" else f"name:{name}"


def throttle_delay(level: ThrottleLevel, failures: int) -> timedelta:
    """How long attempts wait after ``failures`` wrong ones in a row at this level."""
    if failures < level.free:
        return timedelta(0)
    doublings = min(failures - level.free, 20)
    return min(level.cap, level.base * 2**doublings)


def password_problems(password: str, username: str) -> list[str]:
    """Reasons a new password is refused (empty list: acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        return [*problems, "too_long"]  # not scored: zxcvbn is slow on long input
    if password.isdigit() or password.isalpha():
        problems.append("letters_and_digits")
    if username and username.lower() in password.lower():
        problems.append("contains_username")
    if not problems and zxcvbn(password, user_inputs=[username])["score"] < MIN_PASSWORD_SCORE:
        problems.append("common")
    return problems


# -- two-factor sign-in ---------------------------------------------------------------
# The setting (``TWO_FACTOR``, env PORTAL_TWO_FACTOR): who must use a second factor.
# Whoever has enrolled always uses it, whatever the setting.
TWO_FACTOR_SETTINGS = {
    "privileged": "association roles and administrators of any unit (the default)",
    "all": "everyone",
    "optional": "nobody; anyone may enrol",
}

# Between the password and the code the person is not signed in: a pending state that
# lasts this long, then the password is asked again.
PENDING_VERIFY_TTL = timedelta(minutes=5)
# Enrolling at sign-in (installing an app, scanning) takes longer than typing a code;
# the password was right, and nothing is signed in until the code is.
PENDING_ENROL_TTL = timedelta(minutes=15)
# Wrong codes in one pending state before it is dropped (the password is asked again).
MAX_CODE_FAILURES = 5


def is_administrator(role: Role) -> bool:
    """Administrators of any unit: whoever manages users (the association's and the
    members')."""
    return has_permission(role, Permission.USER_MANAGE)


def two_factor_required(setting: str, role: Role) -> bool:
    """Whether a user of ``role`` must sign in with a second factor under ``setting``."""
    if setting == "all":
        return True
    if setting == "privileged":
        return role in ASSOCIATION_ROLES or is_administrator(role)
    return False


def pending_is_live(started_at: datetime, now: datetime, ttl: timedelta) -> bool:
    """A pending sign-in started at ``started_at`` may still be finished at ``now``."""
    return started_at <= now < started_at + ttl


def code_throttle_level(free: int, cap: timedelta) -> ThrottleLevel:
    """Wrong second-factor codes, counted per user across pending states (a pending state
    lives in the browser's cookie, which can be replayed; this count is on the server).
    Only someone who knew the password gets to guess, so the count cannot be used to
    hold a handler up from outside (Art. 7); it can be long."""
    return ThrottleLevel("code", free, timedelta(seconds=30), cap)


def code_throttle_key(user_id: int) -> str:
    return f"code:{user_id}"
