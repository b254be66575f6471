"""The working-day calendar in the database: the days that depart from Monday–Friday,
which years are confirmed, and an append-only record of every change.

Only departures are stored (statutory holidays, make-up working days 调休上班, and
days an administrator changed): any other date is answered by the Monday–Friday rule,
so "is this a working day, and why" is known for every date. Art. 11 counts every
limit on this calendar.
"""

from datetime import date, datetime
from typing import Literal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime, utcnow

# Where a stored day came from: the chinesecalendar package, an imported State Council
# notice, or an administrator's click on the year page.
SOURCES = ("official", "notice", "manual")


class CalendarDay(Model):
    """One date that departs from the Monday–Friday rule, and why."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # holiday: off even on a weekday; makeup: a weekend day worked (调休上班).
    kind: Mapped[Literal["holiday", "makeup"]] = mapped_column(String(10), nullable=False)
    # The holiday ("国庆节"); for a make-up day, the holiday it makes up for.
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('holiday', 'makeup')", name="kind"),
        CheckConstraint("source IN ('official', 'notice', 'manual')", name="source"),
    )

    def __repr__(self) -> str:
        return f"<CalendarDay {self.day} {self.kind} {self.name}>"


class CalendarYear(Model):
    """Whether a year's State Council arrangement is known.

    A year without a confirmed row is provisional: limits reaching into it are counted
    on the Monday–Friday rule and shown as such, never silently (issue 3).
    """

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The notice's title or number, or the package release the year was seeded from.
    source: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    confirmed_by = relationship("User")

    def __repr__(self) -> str:
        return f"<CalendarYear {self.year} {'confirmed' if self.confirmed else 'provisional'}>"


class CalendarChange(Model):
    """One change of the calendar: who, when, what it was before and after, and why.

    Never updated or deleted: a correction is another change.
    """

    __tablename__ = "calendar_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # seed (package years), day (one day edited), notice (a year's notice imported)
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    day: Mapped[date | None] = mapped_column(Date)
    before: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    after: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # How many open deadlines the change moved or un-flagged (shown next to it).
    recomputed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    actor = relationship("User", lazy="joined")


class CalendarRevision(Model):
    """A single row whose token changes with every calendar change.

    Each app server caches the calendar in memory and compares this token (one primary
    key read) before reusing it, so an edit made on one host is seen by all the others
    at their next request. A random token, not a counter: a counter could return to a
    value some process has cached (a restored backup, emptied test tables).
    """

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


@event.listens_for(Session, "before_flush")
def _refuse_rewriting_calendar_history(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, CalendarChange) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("calendar changes are append-only")
