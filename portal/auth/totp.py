"""The second factor's mechanics, pure: time-based one-time codes (TOTP, RFC 6238: six
digits, 30-second steps, as every authenticator app makes them), the QR code that
carries the secret to the app, and recovery codes. No Flask, no database, no clock:
the time is an argument."""

import secrets
from datetime import datetime

import pyotp
import segno

# What the authenticator app shows above the code, with the username.
ISSUER = "辽宁省银行业协会投诉平台"
STEP_SECONDS = 30
DIGITS = 6
# A code of the step before or after the server's is accepted too: phones' clocks drift
# and people type slowly (RFC 6238 §5.2).
VALID_WINDOW = 1

RECOVERY_CODE_COUNT = 10
# Ten characters from 31 that cannot be mistaken for one another when read off paper
# (no 0/o, 1/l/i): about 50 bits each, shown as "xxxxx-xxxxx".
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 10


def new_secret() -> str:
    """A new shared secret: 160 random bits in base32, as RFC 4226 recommends."""
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret as typed by hand into an app: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` address the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of ``uri`` as an SVG element to put in the page (no image request, no
    outside service: bank intranets are offline). It scales with its container."""
    return segno.make(uri).svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", title=title, dark="#000", light="#fff"
    )


def time_step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def normalise_code(text: str | None) -> str:
    """What the person typed, without the spaces and dashes apps show in the middle."""
    return "".join((text or "").split()).replace("-", "")


def is_code_shaped(text: str | None) -> bool:
    code = normalise_code(text)
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def check_code(secret: str, code: str, at: datetime, last_step: int | None) -> tuple[str, int]:
    """("ok", step) for a right code of a step not used before; ("replayed", step) for a
    right code of a step already used (a code works once: one seen over a shoulder or in
    a proxy's log is worthless afterwards); ("invalid", 0) otherwise."""
    code = normalise_code(code)
    if not is_code_shaped(code):
        return "invalid", 0
    now = time_step(at)
    totp = pyotp.TOTP(secret)
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            if last_step is not None and step <= last_step:
                return "replayed", step
            return "ok", step
    return "invalid", 0


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.add(f"{raw[:5]}-{raw[5:]}")
    return sorted(codes)


def normalise_recovery_code(text: str | None) -> str:
    """A recovery code as stored (hashed): lower case, without spaces and dashes."""
    return "".join((text or "").split()).replace("-", "").lower()


def is_recovery_code_shaped(text: str | None) -> bool:
    code = normalise_recovery_code(text)
    return len(code) == RECOVERY_LENGTH and all(c in RECOVERY_ALPHABET for c in code)
