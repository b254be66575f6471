"""Search terms too personal for a URL (issue 21): a full mobile or ID number, or enough
digits of one, never travels in a query string, where access logs, the browser's
history and a Referer would keep it. The search box posts such a term; it is kept here,
encrypted, under an opaque random reference, and the inbox's URL carries ``ref=``
instead. Only the user who searched may use the reference; the sweep drops it after a
day (``purge``)."""

import secrets
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from portal.complaints import pii
from portal.complaints.models import SearchRef
from portal.complaints.rules import TRACKING_RE
from portal.db import db

LIFETIME = timedelta(days=1)
# Up to this many digits a term stays in the URL (a part of a tracking number, a year, an
# amount); from one more on it may be most of a mobile (11) or an ID number (15 or 18).
PLAIN_DIGITS = 6
REF_LENGTH = 32  # characters of ``secrets.token_urlsafe(24)``


def is_personal(term: str) -> bool:
    """Whether ``term`` may be (most of) a mobile or ID number: more than
    ``PLAIN_DIGITS`` digits, separators aside. A whole tracking number is not."""
    term = term.strip()
    if TRACKING_RE.match(term.upper()):
        return False
    return sum(c.isdigit() for c in term) > PLAIN_DIGITS


def store(user, term: str, *, now) -> str:
    """Keep ``term`` for ``user``; the opaque reference to put in the URL."""
    ref = secrets.token_urlsafe(24)
    encrypted = pii.encrypt(term)
    assert encrypted is not None  # a term to keep is never empty
    db.session.add(SearchRef(ref=ref, user_id=user.id, term_enc=encrypted, created_at=now))
    db.session.flush()
    return ref


def resolve(user, ref: str, *, now) -> str | None:
    """The term ``user`` kept under ``ref``; None when unknown, another user's or expired."""
    if not ref or len(ref) > REF_LENGTH * 2:
        return None
    encrypted = db.session.scalar(
        select(SearchRef.term_enc).where(
            SearchRef.ref == ref,
            SearchRef.user_id == user.id,
            SearchRef.created_at >= now - LIFETIME,
        )
    )
    return pii.decrypt(encrypted)


def purge(now) -> int:
    """References older than a day: dropped (the sweep)."""
    result = cast(
        CursorResult[Any],
        db.session.execute(delete(SearchRef).where(SearchRef.created_at < now - LIFETIME)),
    )
    return result.rowcount
