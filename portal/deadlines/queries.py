"""Scoped reads of clocks: every list goes through the tenancy boundary.

A clock is seen by whoever may see its owner unit (``portal.orgs.scoping``): the
association sees every clock, a member bank the clocks of its own tree, an outlet
officer its own unit's. The case page shows a case's clocks through the case's own
scoping instead (``operations.case_clocks``).
"""

from datetime import date, datetime

from sqlalchemy import Select, func, select, text

from portal.db import db
from portal.deadlines.models import OPEN, UNBREACHED, Clock
from portal.orgs.scoping import scope_filter
from portal.workdays import store


def clocks_query(user) -> Select:
    return select(Clock).where(scope_filter(user, Clock.owner_path))


def open_clocks_query(user) -> Select:
    """The running clocks ``user`` may see, the soonest due first."""
    return clocks_query(user).where(text(OPEN)).order_by(Clock.due_at, Clock.id)


def overdue_clocks_query(user, now: datetime) -> Select:
    """Clocks past due and not yet marked by the sweep (the sweep's own condition)."""
    return clocks_query(user).where(Clock.due_at < now, text(UNBREACHED)).order_by(Clock.due_at)


def breached_clocks_query(user) -> Select:
    """Open clocks the sweep has marked as breached (Art. 12 follows them up)."""
    return (
        clocks_query(user)
        .where(text(OPEN), Clock.breached_at.is_not(None))
        .order_by(Clock.due_at, Clock.id)
    )


def furthest_open_due() -> date | None:
    """The latest due date among all open clocks (not scoped: it decides which years'
    calendars must be known, for everyone)."""
    return db.session.scalar(select(func.max(Clock.due_on)).where(text(OPEN)))


def unconfirmed_years_ahead(today: date) -> list[int]:
    """The years whose official arrangement is missing and that today's deadlines need."""
    return store.unconfirmed_years_ahead(today, furthest_open_due())
