"""Contingency plans (Art. 9(3)) and their append-only history of versions."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime
from portal.plans.rules import KIND_LABELS, STATUS_LABELS, PlanKind, PlanScope, PlanStatus


class ContingencyPlan(Model):
    """A member's plan (预案) for foreseeable complaints, as it stands now (its latest
    version). Edited in versions, withdrawn, never deleted.

    The categories and units are few ids per plan, kept as lists: a plan is only ever
    matched among its member's plans in force (``queries.plans_covering_case``), never
    searched by them."""

    __tablename__ = "contingency_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The tenancy key: a member sees the rows carrying its own id.
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    measures: Mapped[str] = mapped_column(Text, nullable=False)
    category_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    unit_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # []: whole bank
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PlanStatus.ACTIVE)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    member = relationship("Unit")
    filed_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_contingency_plan_member_dates", "member_id", "status", "starts_on"),
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[PlanKind(self.kind)]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[PlanStatus(self.status)]

    @property
    def is_active(self) -> bool:
        return self.status == PlanStatus.ACTIVE

    def scope(self, unit_paths: tuple[str, ...]) -> PlanScope:
        return PlanScope(
            member_id=self.member_id,
            unit_paths=unit_paths,
            category_ids=frozenset(self.category_ids),
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            is_active=self.is_active,
        )


class PlanRevision(Model):
    """One entry of a plan's history: the plan as filed, as each edit left it, or its
    withdrawal, with who, when and why. Append-only."""

    __tablename__ = "contingency_plan_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("contingency_plan.id"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # filed / edited / withdrawn
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)
    # The plan's fields as this version left them (dates as ISO text).
    content: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    changes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    actor = relationship("User")


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session, flush_context, instances):
    for obj in list(session.deleted) + list(session.dirty):
        if isinstance(obj, PlanRevision) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("a plan's history is append-only")
    for obj in session.deleted:
        if isinstance(obj, ContingencyPlan):
            raise RuntimeError("plans are withdrawn, never deleted (Art. 9(3))")
