"""Clocks and their history.

A clock keeps its inputs (when the step started, its limit) AND the computed due time,
so that overdue lists and the sweep are indexed queries, and a calendar change
recomputes the stored due times (``operations.recompute_open_clocks``).
"""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime, path_string, utcnow
from portal.deadlines.rules import DEADLINE_TZ, RULES, ClockKind, ClockState, clock_state

# SQL fragments of the partial indexes. The sweep's queries repeat them word for word:
# SQLite uses a partial index only when the query's WHERE visibly implies the index's.
OPEN = "met_at IS NULL AND cancelled_at IS NULL"
# One open clock per case and step, but one per rectification opinion (Art. 9(2)).
OPEN_PER_CASE = "met_at IS NULL AND cancelled_at IS NULL AND rectification_id IS NULL"
OPEN_PER_ITEM = "met_at IS NULL AND cancelled_at IS NULL AND rectification_id IS NOT NULL"
UNBREACHED = "met_at IS NULL AND cancelled_at IS NULL AND breached_at IS NULL"
ACCEPT = "kind = 'accept'"


class Clock(Model):
    """One Art. 11 limit running on one case, owned by the unit that must act."""

    __tablename__ = "clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The complaint by table name: the deadlines package does not import complaints.
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    # A copy of the owner unit's path: lists of clocks are scoped like the unit tree.
    owner_path: Mapped[str] = mapped_column(path_string(), nullable=False, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    limit_days: Mapped[int | None] = mapped_column(Integer)  # None: a promised date
    due_on: Mapped[date] = mapped_column(Date, nullable=False)  # Beijing date
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # 23:59:59 of due_on
    # The opinion a rectification clock follows (Art. 9(2)); None for the steps' clocks.
    # By table name: the deadlines package does not import complaints.
    rectification_id: Mapped[int | None] = mapped_column(ForeignKey("rectification.id"))
    # Counted into a year whose official arrangement is not yet known (weekday rule).
    is_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the sweep when the current due time passed unmet; cleared when the due
    # time moves into the future again (calendar correction, new promise).
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    # The day the sweep last told further up of a lasting breach (``DeadlinePolicy``).
    escalated_on: Mapped[date | None] = mapped_column(Date)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic lock for lifecycle edits; the sweep's set-based UPDATEs touch only
    # breached_at / reminded_on / escalated_on and leave it alone, so a handler meeting a clock while
    # the sweep runs does not fail.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    # Loaded where it is shown (the case page's clock table, the sweep's notices), not
    # with every read: a case step reads its open clocks only for their due times.
    owner_unit = relationship("Unit")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The sweep: WHERE due_at < :now AND <UNBREACHED> — an index range scan.
        Index(
            "ix_clock_overdue",
            "due_at",
            postgresql_where=text(UNBREACHED),
            sqlite_where=text(UNBREACHED),
        ),
        # Reminders on the due day, recomputation after a calendar change, the years
        # open clocks reach into: all "open clocks by due date".
        Index(
            "ix_clock_open_due_on",
            "due_on",
            postgresql_where=text(OPEN),
            sqlite_where=text(OPEN),
        ),
        # A case's clocks; on PostgreSQL it also covers what the statistics read (on-time
        # rates and working days per step, Art. 11), so they need no heap visit.
        Index(
            "ix_clock_case_kind",
            "case_id",
            "kind",
            postgresql_include=["started_at", "met_at", "due_at", "cancelled_at"],
        ),
        # The cases ever forwarded to a member (an accept clock, Art. 11(1)): the
        # statistics count them per period as one small index range.
        Index(
            "ix_clock_accept_case",
            "case_id",
            postgresql_where=text(ACCEPT),
            sqlite_where=text(ACCEPT),
        ),
        # One open clock per case and step: starting it again cancels the open one.
        Index(
            "uq_clock_open_case_kind",
            "case_id",
            "kind",
            unique=True,
            postgresql_where=text(OPEN_PER_CASE),
            sqlite_where=text(OPEN_PER_CASE),
        ),
        # One open clock per rectification opinion.
        Index(
            "uq_clock_open_rectification",
            "rectification_id",
            unique=True,
            postgresql_where=text(OPEN_PER_ITEM),
            sqlite_where=text(OPEN_PER_ITEM),
        ),
    )

    @property
    def clock_kind(self) -> ClockKind:
        return ClockKind(self.kind)

    @property
    def label(self) -> str:
        return RULES[self.clock_kind].label

    @property
    def article(self) -> str:
        return RULES[self.clock_kind].article

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    def state(self, now: datetime) -> ClockState:
        return clock_state(self.due_at, self.met_at, now, DEADLINE_TZ)

    def __repr__(self) -> str:
        return f"<Clock {self.id} case {self.case_id} {self.kind} due {self.due_on}>"


EVENTS = ("started", "met", "breached", "recomputed", "extended", "cancelled", "reminded")


class ClockEvent(Model):
    """What happened to a clock; the case history merges these. Append-only."""

    __tablename__ = "clock_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clock.id"), nullable=False, index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    event: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    clock = relationship("Clock")


@event.listens_for(Session, "before_flush")
def _refuse_rewriting_clock_history(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, ClockEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("clock events are append-only")


class DeadlineSettings(Model):
    """The association's ``rules.DeadlinePolicy``, one row (id 1); absent means the
    defaults."""

    __tablename__ = "deadline_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalated_reply_days: Mapped[int] = mapped_column(Integer, nullable=False)
    # Working days before the due day, e.g. "1,0".
    reminder_days: Mapped[str] = mapped_column(String(40), nullable=False)
    superior_after_days: Mapped[int] = mapped_column(Integer, nullable=False)
    leader_after_days: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
