"""Member complaint profiles, contact reports, A/B duty pairs and absences (Art. 6, 7).

Contact reports are append-only and absences are cancelled, never deleted: both are the
record of who was responsible when (Art. 12(1)1 asks whether anybody accepted).
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime, utcnow


class MemberProfile(Model):
    """What a member bank reports about its complaint handling (Art. 6): the leader in
    charge (分管领导, who may or may not use the portal) and the responsible department
    (投诉受理责任部门). Its handlers are portal users (``DutyPair``)."""

    __tablename__ = "member_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, unique=True)
    leader_name: Mapped[str] = mapped_column(String(60), nullable=False)
    leader_title: Mapped[str | None] = mapped_column(String(60))
    leader_work_phone: Mapped[str | None] = mapped_column(String(40))
    leader_mobile: Mapped[str | None] = mapped_column(String(20))
    leader_email: Mapped[str | None] = mapped_column(String(120))
    # Set when the leader has a portal account: gap alerts then reach it in-app too.
    leader_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    department_name: Mapped[str] = mapped_column(String(120), nullable=False)
    department_phone: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    member = relationship("Unit")
    leader_user = relationship("User")

    __mapper_args__ = {"version_id_col": version}


class CustomerReport(Model):
    """A member's count of personal customers as of a date, reported to the association
    as its contacts are (Art. 6): append-only, the latest report on or before a period's
    end is the one its figures are normalised by (per 10 million personal customers, as
    the regulator's bulletin). ``reported_at`` is the server's time."""

    __tablename__ = "customer_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    personal_customers: Mapped[int] = mapped_column(BigInteger, nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    reported_by = relationship("User", foreign_keys=[reported_by_id])

    __table_args__ = (
        CheckConstraint("personal_customers >= 0", name="count"),
        Index("ix_customer_report_member_as_of", "member_id", "as_of"),
    )


class ContactReport(Model):
    """One change of a member's contacts as reported to the association (Art. 6: "any
    change is reported at the first moment"). ``reported_at`` is the server's time, never
    a date from a form: a member cannot back-date a change. Never updated or deleted."""

    __tablename__ = "contact_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    # The unit whose A/B pair changed (a city branch), when not the member itself.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # The handler whose phones or e-mail changed.
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    section: Mapped[str] = mapped_column(String(20), nullable=False)  # profile, handler, pair
    # The unit or person concerned, by name as it was then (names change; reports stay).
    subject: Mapped[str] = mapped_column(String(160), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    before: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    after: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    member = relationship("Unit", foreign_keys=[member_id])
    reported_by = relationship("User", foreign_keys=[reported_by_id])

    __table_args__ = (
        Index("ix_contact_report_member_reported", "member_id", "reported_at"),
        Index("ix_contact_report_reported_at", "reported_at"),
    )


class DutyPair(Model):
    """Handler A and handler B of a unit that accepts complaints (Art. 7): the member
    itself, or an intermediate unit (a city branch) that handles complaints itself."""

    __tablename__ = "duty_pair"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    handler_a_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    handler_b_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    unit = relationship("Unit", foreign_keys=[unit_id])
    handler_a = relationship("User", foreign_keys=[handler_a_id])
    handler_b = relationship("User", foreign_keys=[handler_b_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("handler_a_id <> handler_b_id", name="a_differs_from_b"),)


class Absence(Model):
    """A handler away from the post (Art. 7), mid-day start and end allowed; the end is
    exclusive. Cancelled, never deleted: who was on duty stays answerable."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user = relationship("User", foreign_keys=[user_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])

    __table_args__ = (
        Index("ix_absence_user_ends", "user_id", "ends_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


@event.listens_for(Session, "before_flush")
def _keep_the_record(session, flush_context, instances):
    for obj in session.deleted:
        if isinstance(obj, ContactReport | Absence):
            raise RuntimeError(f"{type(obj).__name__} rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, ContactReport) and session.is_modified(obj):
            raise RuntimeError("contact reports are append-only")
