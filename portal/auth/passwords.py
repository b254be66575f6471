"""Password hashing with argon2id (memory-hard).

The parameters are OWASP's recommended minimum for argon2id (19 MiB, two passes, one
lane): about 20 ms of CPU per check on the association's servers, so a morning's
sign-ins under load do not queue behind the hash (docs/performance.md). The
configuration may raise them (``ARGON2_PARAMS``); a hash made with other parameters is
upgraded at the user's next sign-in (``needs_rehash``).
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

OWASP_MINIMUM = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}


def _hasher() -> PasswordHasher:
    params = current_app.config.get("ARGON2_PARAMS") or OWASP_MINIMUM
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


_dummy_hashes: dict[str, str] = {}


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check when the user does not exist, so that
    "no such user" and "wrong password" cannot be told apart by timing."""
    hasher = _hasher()
    key = repr(sorted((current_app.config.get("ARGON2_PARAMS") or OWASP_MINIMUM).items()))
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not-a-password")
    verify_password(_dummy_hashes[key], password)
