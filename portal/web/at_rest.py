"""Secrets at rest, under the data key (``PORTAL_DATA_KEY``): encryption that can be
read back and keyed hashes that can only be compared. Each use derives its own key from
the data key (``purpose``), so a value encrypted for one use cannot be read back as
another (a TOTP secret copied into a complaint's mobile column stays unreadable there).

Complainants' mobile and ID numbers (``complaints.pii``) and users' second factor
(``auth.two_factor``) both rest on it; it sits on the lowest floor so both can."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from flask import current_app

# The purpose the complainants' numbers have always been encrypted under: keep it, or
# every stored number becomes unreadable.
PII = b"encrypt"


def _master_key() -> bytes:
    key = current_app.config.get("DATA_KEY")
    if not key:
        if current_app.config.get("ENV_NAME") == "production":
            raise RuntimeError("PORTAL_DATA_KEY must be set in production")
        key = "dev-data-key:" + current_app.config["SECRET_KEY"]
    return key.encode()


def derive(purpose: bytes) -> bytes:
    """The key of one use, derived from the data key."""
    return hmac.new(_master_key(), purpose, hashlib.sha256).digest()


def _fernet(purpose: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive(purpose)))


def encrypt(value: str | None, purpose: bytes = PII) -> str | None:
    if not value:
        return None
    return _fernet(purpose).encrypt(value.encode()).decode()


def decrypt(token: str | None, purpose: bytes = PII) -> str | None:
    if not token:
        return None
    return _fernet(purpose).decrypt(token.encode()).decode()


def keyed_hash(value: str, purpose: bytes) -> str:
    """HMAC-SHA256 of ``value`` under the use's key, as hex: equality without the value."""
    return hmac.new(derive(purpose), value.encode(), hashlib.sha256).hexdigest()
