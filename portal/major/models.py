"""A proposal that a complaint is major (重大投诉), with its reasons and the person's
decision; and the rules' thresholds."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Model, UTCDateTime
from portal.major.rules import Reason


def N_(text: str) -> str:  # translated where shown
    return text


PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"
STATE_LABELS = {
    PENDING: N_("待确认"),
    CONFIRMED: N_("已确认"),
    REJECTED: N_("已否决"),
}


class MajorProposal(Model):
    """The rules found signs that a complaint is major; a person confirms (the case is
    flagged 重大 through ``complaints.operations.set_flags``) or rejects with a reason.

    One per complaint: a later look adds reasons to a pending proposal; a decided one
    stays decided (the flag on the case page remains for a change of mind). Scoped like
    its complaint (row-level security through ``complaint``)."""

    __tablename__ = "major_proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id"), nullable=False, unique=True
    )
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    # [{"criterion": …, "params": {…}}] (``rules.Reason.data``).
    reasons: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)  # why rejected (or how confirmed)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    complaint = relationship("Complaint")
    decided_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_major_proposal_state", "state", "proposed_at"),)

    @property
    def reason_list(self) -> list[Reason]:
        return [Reason.from_data(item) for item in self.reasons or []]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


class MajorSettings(Model):
    """The rules' thresholds (``rules.Thresholds``), one row (id 1); absent means the
    defaults."""

    __tablename__ = "major_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repeats: Mapped[int] = mapped_column(Integer, nullable=False)
    complainants: Mapped[int] = mapped_column(Integer, nullable=False)
    window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
