"""Password hashing with argon2id (memory-hard), parameters from the configuration."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    params = current_app.config.get("ARGON2_PARAMS") or {}
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hashes: dict[str, str] = {}


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check when the user does not exist, so that
    "no such user" and "wrong password" cannot be told apart by timing."""
    hasher = _hasher()
    key = repr(sorted((current_app.config.get("ARGON2_PARAMS") or {}).items()))
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not-a-password")
    verify_password(_dummy_hashes[key], password)
