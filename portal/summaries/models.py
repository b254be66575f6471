"""Members' half-year summaries (Art. 9(4)), their countermeasures and the history of
both (append-only)."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime
from portal.statistics.rules import Period, parse_period
from portal.summaries.rules import (
    MEASURE_LABELS,
    SUMMARY_LABELS,
    MeasureStatus,
    SummaryStatus,
)


class PeriodSummary(Model):
    """One version of a member's summary of a half year (``period``: 2026H1). Drafted,
    then submitted and frozen with the figures taken at that moment; a correction is
    the next version, the submitted one stays as it was."""

    __tablename__ = "period_summary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The tenancy key: a member sees the rows carrying its own id.
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(6), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=SummaryStatus.DRAFT)
    analysis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The statistics for the member and the period as they stood at submission (None
    # while a draft: the page then shows them live).
    figures: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    member = relationship("Unit")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    measures = relationship(
        "Countermeasure",
        back_populates="summary",
        order_by="Countermeasure.position, Countermeasure.id",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("member_id", "period", "number"),
        Index("ix_period_summary_period", "period", "member_id"),
    )

    @property
    def is_draft(self) -> bool:
        return self.status == SummaryStatus.DRAFT

    @property
    def status_label(self) -> str:
        return SUMMARY_LABELS[SummaryStatus(self.status)]

    @property
    def half_year(self) -> Period:
        return parse_period(self.period)


class Countermeasure(Model):
    """A countermeasure (措施) of a summary: what, who, by when; once the summary is
    submitted, followed up like a rectification (the member reports it done, the
    association verifies it or sends it back)."""

    __tablename__ = "summary_countermeasure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    summary_id: Mapped[int] = mapped_column(
        ForeignKey("period_summary.id"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    owner: Mapped[str] = mapped_column(String(60), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=MeasureStatus.OPEN)
    done_note: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    summary = relationship("PeriodSummary", back_populates="measures")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return MEASURE_LABELS[MeasureStatus(self.status)]


class SummaryEvent(Model):
    """One entry of a summary's history (created, submitted, corrected, a countermeasure
    reported done, verified or sent back): who, when, why. Append-only."""

    __tablename__ = "summary_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    summary_id: Mapped[int] = mapped_column(
        ForeignKey("period_summary.id"), nullable=False, index=True
    )
    countermeasure_id: Mapped[int | None] = mapped_column(ForeignKey("summary_countermeasure.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session, flush_context, instances):
    for obj in list(session.deleted) + list(session.dirty):
        if isinstance(obj, SummaryEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("a summary's history is append-only")
    for obj in list(session.dirty):
        # Art. 9(4): a submitted summary is frozen; only its countermeasures' follow-up moves.
        if (
            isinstance(obj, PeriodSummary)
            and session.is_modified(obj)
            and not obj.is_draft
            and not _changed(obj, ("status",))  # the submission itself sets the figures
            and _changed(obj, ("analysis", "figures", "period", "member_id", "number"))
        ):
            raise RuntimeError("a submitted summary is frozen")


def _changed(obj, names) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)
