"""Idempotency keys of the API's writes: a system that did not hear the answer to a
step sends it again with the same ``Idempotency-Key`` and gets the same answer, without
a second step.

The key's row is inserted before the step, in the step's own transaction, and given the
answer after it: it commits with the step or not at all (a refused step, 4xx, keeps no
key, so the corrected request may use it again). A second request with the key while
the first runs waits on the unique key (PostgreSQL) and then replays the stored answer;
where it cannot wait it is told the key is in use (409). Kept a day (``purge``)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError

from portal.api.models import ApiIdempotency
from portal.db import db

KEPT = timedelta(hours=24)
MAX_KEY = 200


@dataclass
class Stored:
    status: int
    body: dict


class KeyReused(Exception):
    """The key was used for another request (another body, path or method)."""


class KeyInUse(Exception):
    """The key's first request has not finished."""


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(
        [method.upper(), path, body], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(row: ApiIdempotency, print_: str) -> Stored:
    if row.fingerprint != print_:
        raise KeyReused()
    if row.status_code is None:
        raise KeyInUse()
    return Stored(row.status_code, row.response_body or {})


def _find(token_id: int, key: str) -> ApiIdempotency | None:
    return db.session.scalar(
        select(ApiIdempotency)
        .where(ApiIdempotency.token_id == token_id, ApiIdempotency.key == key)
        .execution_options(populate_existing=True)
    )


def begin(token_id: int, key: str, print_: str, now: datetime) -> ApiIdempotency | Stored:
    """The stored answer for ``key``, or the new pending row the step will complete.
    Raises ``KeyReused`` or ``KeyInUse``. Called before the request writes anything."""
    existing = _find(token_id, key)
    if existing is not None:
        return _stored(existing, print_)
    row = ApiIdempotency(token_id=token_id, key=key, fingerprint=print_, created_at=now)
    db.session.add(row)
    try:
        # The request's first write (no savepoint: SQLite's driver would commit on its
        # release), so a failure here loses nothing but itself.
        db.session.flush()
    except IntegrityError:
        # Another request with the key committed meanwhile (we waited for it) or runs.
        db.session.rollback()
        existing = _find(token_id, key)
        if existing is None:
            raise KeyInUse() from None
        return _stored(existing, print_)
    return row


def finish(row: ApiIdempotency, status: int, body: dict) -> None:
    row.status_code = status
    row.response_body = body


def purge(now: datetime) -> int:
    """Keys older than a day: dropped (the sweep)."""
    result = cast(
        CursorResult[Any],
        db.session.execute(delete(ApiIdempotency).where(ApiIdempotency.created_at < now - KEPT)),
    )
    return result.rowcount or 0
