"""Accountability cases (Art. 12), their evidence, their append-only history, and the
thresholds the association administrator sets."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.accountability.rules import STATE_LABELS, TRIGGER_LABELS, CaseState, Trigger
from portal.db import Model, UTCDateTime


class AccountabilityCase(Model):
    """One accountability matter against a member bank, opened by a trigger of Art. 12(1)."""

    __tablename__ = "accountability_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The tenancy key: a member sees the rows carrying its own id, nobody else's.
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=CaseState.DETECTED)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    member = relationship("Unit")
    evidence = relationship(
        "CaseEvidence", back_populates="case", order_by="CaseEvidence.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_accountability_case_member_trigger", "member_id", "trigger"),)

    @property
    def trigger_label(self) -> str:
        return TRIGGER_LABELS[Trigger(self.trigger)]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[CaseState(self.state)]


class CaseEvidence(Model):
    """A complaint that proves a case, and the outlet it concerns.

    Unique per trigger and complaint: one complaint proves a trigger once, so re-running
    the detection never opens a second case on the same evidence (even after dismissal).
    """

    __tablename__ = "accountability_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_case.id"), nullable=False, index=True
    )
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    case = relationship("AccountabilityCase", back_populates="evidence")
    complaint = relationship("Complaint")
    outlet = relationship("Unit")

    __table_args__ = (UniqueConstraint("trigger", "complaint_id"),)


class RateEvidence(Model):
    """What proves a case of ``Trigger.RATE_BELOW_LINE``: a member's on-time rate of one
    step in one half year, below the line when the association ordered rectification.

    Unique per member, period and step: one order per rate, so a second click finds the
    first case (``operations.order_rectification``), even when two arrive at once."""

    __tablename__ = "accountability_rate_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_case.id"), nullable=False, unique=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # e.g. 2026H1
    stage: Mapped[str] = mapped_column(String(20), nullable=False)  # a clock kind
    on_time: Mapped[int] = mapped_column(Integer, nullable=False)
    met: Mapped[int] = mapped_column(Integer, nullable=False)
    line_percent: Mapped[int] = mapped_column(Integer, nullable=False)  # the line then

    case = relationship("AccountabilityCase")

    __table_args__ = (UniqueConstraint("member_id", "period", "stage"),)

    @property
    def rate(self) -> float:
        return self.on_time / self.met if self.met else 0.0

    @property
    def period_label(self) -> str:
        """2026H2 → 2026年下半年 (``statistics.rules.Period.label``, a floor above)."""
        return f"{self.period[:4]}年{'上' if self.period.endswith('1') else '下'}半年"

    @property
    def period_label_en(self) -> str:
        half = "first" if self.period.endswith("1") else "second"
        return f"{half} half of {self.period[:4]}"


class DetectionQueue(Model):
    """A complaint changed in a way that may make a trigger of Art. 12(1) hold, waiting
    for the sweep's detection (``accountability.queue``, ``detect.work_queue``).

    Written in the transaction of the change and deleted in the transaction that looked
    at it, so a run that stops half-way leaves the rest for the next. A complaint may
    wait twice (two changes): the rows are keyed by their own id, so a change made while
    a run looks at the complaint stays queued behind it."""

    __tablename__ = "accountability_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AccountabilityEvent(Model):
    """One entry of a case's history: who decided what, when and why. Append-only."""

    __tablename__ = "accountability_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_case.id"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    actor = relationship("User")


class AccountabilitySettings(Model):
    """The thresholds of Art. 12(1)2-3, one row (id 1); absent means the defaults."""

    __tablename__ = "accountability_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repeat_chain: Mapped[int] = mapped_column(Integer, nullable=False)
    recurring_count: Mapped[int] = mapped_column(Integer, nullable=False)
    recurring_months: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Interview(Model):
    """约见谈话 (Art. 12(1)): the association's leader meets the member unit's leader."""

    __tablename__ = "accountability_interview"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_case.id"), nullable=False, unique=True
    )
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    association_attendees: Mapped[str] = mapped_column(String(200), nullable=False)
    member_attendees: Mapped[str] = mapped_column(String(200), nullable=False)
    requirements: Mapped[str] = mapped_column(Text, nullable=False)
    # The plan's completion is due then.
    rectify_by: Mapped[date] = mapped_column(Date, nullable=False)


class RectificationPlan(Model):
    """The member's answer, in the 8D structure; ``status`` draft → submitted →
    completed (evidence given) → verified / rejected (back to the member)."""

    __tablename__ = "accountability_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_case.id"), nullable=False, unique=True
    )
    team: Mapped[str] = mapped_column(Text, nullable=False)  # D1
    problem: Mapped[str] = mapped_column(Text, nullable=False)  # D2
    containment: Mapped[str] = mapped_column(Text, nullable=False)  # D3
    root_cause: Mapped[str] = mapped_column(Text, nullable=False)  # D4
    corrective_action: Mapped[str] = mapped_column(Text, nullable=False)  # D5
    verification: Mapped[str] = mapped_column(Text, nullable=False)  # D6
    prevention: Mapped[str] = mapped_column(Text, nullable=False)  # D7
    closure: Mapped[str | None] = mapped_column(Text)  # D8: the evidence of completion
    owner: Mapped[str] = mapped_column(String(60), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Season(Model):
    """A season of the service-excellence campaign (优服创建活动赛季), set by the association."""

    __tablename__ = "campaign_season"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)


class Disqualification(Model):
    """Art. 12(3): a member loses the organisation award of the season; an outlet loses
    the advanced-service-unit selection. ``member_id`` scopes both kinds."""

    __tablename__ = "campaign_disqualification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_season.id"), nullable=False, index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    award: Mapped[str] = mapped_column(String(20), nullable=False)  # organisation / outlet
    case_id: Mapped[int] = mapped_column(ForeignKey("accountability_case.id"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    season = relationship("Season")
    unit = relationship("Unit", foreign_keys=[unit_id])
    case = relationship("AccountabilityCase")
    decided_by = relationship("User")

    __table_args__ = (UniqueConstraint("season_id", "unit_id", "award"),)


class AccountabilityDocument(Model):
    """A generated PDF (the criticism notice, the letter to the regulator). Stored with
    its hash so a decision's documents never change afterwards."""

    __tablename__ = "accountability_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("accountability_case.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # notice / regulator
    filename: Mapped[str] = mapped_column(String(120), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("case_id", "kind"),)


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session, flush_context, instances):
    for obj in list(session.deleted) + list(session.dirty):
        if isinstance(obj, AccountabilityEvent | AccountabilityDocument) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RuntimeError("accountability history is append-only")
