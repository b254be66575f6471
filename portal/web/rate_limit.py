"""How often one key (a client address, a tracking number, an API token) may do a thing:
a count per fixed window, kept in the database so that every app server shares it.

``hit`` counts an attempt and says whether it is over the limit; it writes in the
caller's transaction, so a view that answers 4xx commits first (as signing in does) or
the count is rolled back with the answer. Windows older than a day are dropped by the
sweep (``purge``)."""

from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import Integer, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Model, UTCDateTime, db, dialect_insert

MEMORY = timedelta(days=1)


class RateWindow(Model):
    """Attempts under one key in the window starting at ``window_start``."""

    __tablename__ = "rate_window"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def window_start(now: datetime, window: timedelta) -> datetime:
    """The start of the fixed window ``now`` falls in (windows counted from the epoch)."""
    seconds = int(window.total_seconds())
    stamp = int(now.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, now.tzinfo)


def hit(key: str, *, limit: int, window: timedelta, now: datetime) -> int:
    """Count one attempt under ``key``. 0 when it is within ``limit`` attempts of this
    window; otherwise the seconds until the window ends (the Retry-After)."""
    return attempt(key, limit=limit, window=window, now=now)[1]


def attempt(key: str, *, limit: int, window: timedelta, now: datetime) -> tuple[int, int]:
    """``hit``, also saying how many attempts this window has counted so far (for a
    RateLimit-Remaining header): (count, seconds to wait or 0)."""
    start = window_start(now, window)
    table = RateWindow.__table__
    upsert = (
        dialect_insert(RateWindow)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start],
            set_={"count": RateWindow.count + 1},
        )
        .returning(RateWindow.count)
    )
    count = db.session.execute(upsert).scalar_one()
    if count <= limit:
        return count, 0
    return count, max(1, ceil((start + window - now).total_seconds()))


def purge(now: datetime) -> int:
    """Windows that ended more than a day ago: dropped (the sweep)."""
    result = db.session.execute(delete(RateWindow).where(RateWindow.window_start < now - MEMORY))
    return result.rowcount or 0  # type: ignore[attr-defined]
