"""Art. 8(5): the findings of the analysis, their cases and history, the industry advice
(建议) with its addressees and append-only follow-up, and the thresholds."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
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

from portal.analysis.rules import (
    ADVICE_STATUS_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    AdviceStatus,
    Kind,
    Status,
)
from portal.db import Model, UTCDateTime


class AnalysisSettings(Model):
    """The thresholds of the analysis (``rules.Thresholds``), one row (id 1); absent means
    the defaults."""

    __tablename__ = "analysis_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_count: Mapped[int] = mapped_column(Integer, nullable=False)
    cluster_weeks: Mapped[int] = mapped_column(Integer, nullable=False)
    surge_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    surge_minimum: Mapped[int] = mapped_column(Integer, nullable=False)
    rise_members: Mapped[int] = mapped_column(Integer, nullable=False)
    rise_minimum: Mapped[int] = mapped_column(Integer, nullable=False)
    repeat_chain: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnalysisRun(Model):
    """One run of the analysis over a half year: who, when, with which thresholds, and
    what it found (new findings, findings seen again)."""

    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    thresholds: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    found: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    new: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    actor = relationship("User")


class Finding(Model):
    """A cluster or surge of the period, found by ``rules.analyse`` and reviewed by the
    association (Art. 8(5)).

    Invariant: ``key`` (kind, subject, period) is unique, so a run that finds it again
    refreshes its figures and adds new cases but never a second finding, nor changes a
    decision. ``member_id`` is the bank concerned (none for a rise across members)."""

    __tablename__ = "analysis_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_category.id"))
    figures: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # Whether the last run still found it (a case corrected since, thresholds raised).
    holds: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=Status.OPEN)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # The staff's words for the bulletin (Art. 8(5)); the figures come from ``figures``.
    words: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # 典型案例: a confirmed finding chosen for the bulletin, with the case that shows it.
    is_typical: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    typical_case_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    member = relationship("Unit", foreign_keys=[member_id])
    outlet = relationship("Unit", foreign_keys=[outlet_id])
    category = relationship("Category")
    decided_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_analysis_finding_period_status", "period", "status"),)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[Kind(self.kind)]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]


class FindingCase(Model):
    """A complaint a finding rests on. Added by runs, never removed."""

    __tablename__ = "analysis_finding_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_finding.id"), nullable=False, index=True
    )
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    complaint = relationship("Complaint")

    __table_args__ = (UniqueConstraint("finding_id", "complaint_id"),)


class FindingEvent(Model):
    """One entry of a finding's history: found, seen again, confirmed, dismissed, made a
    typical case, words edited, advice issued. Append-only."""

    __tablename__ = "analysis_finding_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_finding.id"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    actor = relationship("User")


class Advice(Model):
    """行业整改建议 (Art. 8(5)): the association's advice drawn from a confirmed finding,
    addressed to member banks, with a date to answer by."""

    __tablename__ = "analysis_advice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_finding.id"), nullable=False, index=True
    )
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    finding = relationship("Finding")
    issued_by = relationship("User")
    addressees = relationship(
        "AdviceAddressee",
        back_populates="advice",
        order_by="AdviceAddressee.id",
        lazy="selectin",
    )


class AdviceAddressee(Model):
    """One member bank an advice is addressed to, and where its answer stands. The
    tenancy key: a member sees the advice through its own row only."""

    __tablename__ = "analysis_advice_addressee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advice_id: Mapped[int] = mapped_column(ForeignKey("analysis_advice.id"), nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=AdviceStatus.OPEN)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    advice = relationship("Advice", back_populates="addressees")
    member = relationship("Unit")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("advice_id", "member_id"),)

    @property
    def status_label(self) -> str:
        return ADVICE_STATUS_LABELS[AdviceStatus(self.status)]


class AdviceEntry(Model):
    """One entry of an advice's history at one member: issued, the member's answer, the
    association's follow-up or closing. Append-only."""

    __tablename__ = "analysis_advice_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advice_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_advice.id"), nullable=False, index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    actor = relationship("User")
    member = relationship("Unit")


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session, flush_context, instances):
    for obj in list(session.deleted) + list(session.dirty):
        if isinstance(obj, FindingEvent | AdviceEntry | FindingCase) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RuntimeError("analysis history is append-only")
