"""The complainant's side: each look-up of /track, and the one-time links of the online
return visit (Art. 11 回访). Both belong to a case: on PostgreSQL they sit behind the
case's own wall (migration 7a1c3e5f9b20)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Model, UTCDateTime

# A look-up's outcome (``TrackLookup.outcome``).
FOUND, NOT_FOUND, THROTTLED = "found", "not_found", "throttled"


class TrackLookup(Model):
    """One look-up at /track: when, from which client address, the tracking number as
    typed (normalised; never the mobile digits), and what it answered. ``complaint_id``
    only when found."""

    __tablename__ = "track_lookup"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    client_address: Mapped[str | None] = mapped_column(String(64))
    tracking_no: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(12), nullable=False)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))

    __table_args__ = (Index("ix_track_lookup_complaint_at", "complaint_id", "at"),)


class VisitLink(Model):
    """The one-time link of a case's online return visit: one per case at a time (a new
    link replaces the old one in the same row). The token itself is never stored, only
    its SHA-256; it is shown once to the handler who made it."""

    __tablename__ = "return_visit_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id"), nullable=False, unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The SMS to the customer: when it left, or why it did not (a failure, cut short).
    sms_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_error: Mapped[str | None] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")
