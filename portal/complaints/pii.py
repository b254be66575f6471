"""Personal data at rest (PIPL; JR/T 0171-2020 classes ID and phone numbers as
sensitive): encrypted with a key from the environment, plus a keyed hash so that an
exact mobile or ID number can still be searched for."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from flask import current_app


def _master_key() -> bytes:
    key = current_app.config.get("DATA_KEY")
    if not key:
        if current_app.config.get("ENV_NAME") == "production":
            raise RuntimeError("PORTAL_DATA_KEY must be set in production")
        key = "dev-data-key:" + current_app.config["SECRET_KEY"]
    return key.encode()


def _derive(purpose: bytes) -> bytes:
    return hmac.new(_master_key(), purpose, hashlib.sha256).digest()


def encrypt(value: str | None) -> str | None:
    if not value:
        return None
    fernet = Fernet(base64.urlsafe_b64encode(_derive(b"encrypt")))
    return fernet.encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    fernet = Fernet(base64.urlsafe_b64encode(_derive(b"encrypt")))
    return fernet.decrypt(token.encode()).decode()


def search_hash(value: str | None) -> str | None:
    """Keyed hash of a normalised value: equality search without storing the value."""
    if not value:
        return None
    normalised = value.strip().upper().replace(" ", "")
    return hmac.new(_derive(b"search"), normalised.encode(), hashlib.sha256).hexdigest()
