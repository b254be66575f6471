"""The regulator return (监管报送) and its downloads.

A return holds figures only (counts by code, group and bank, on-time rates, the Art. 12
decisions), never a case: it stands outside the tenancy wall like the published figures
of a bulletin, and only the association's screens read it (``views.load_return_or_404``).
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime, utcnow


class RegulatorReturn(Model):
    """One version of a period's return for the local office of the regulator.

    Invariant: each generation is a version frozen at once (its CSV, workbook, their
    SHA-256 and the figures they were written from never change: enforced below), since
    what was sent to the regulator must stay as sent. A correction is a new version that
    ``supersedes`` the latest and says what changed in ``change_note``.
    """

    __tablename__ = "regulator_return"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # 2026H1 or 2026Q3
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Generated before the period ended: its figures may still grow (shown as such).
    unfinished: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    code_version: Mapped[int | None] = mapped_column(Integer)  # the JR/T 0169 list's number
    figures: Mapped[dict] = mapped_column(JSON, nullable=False)
    csv: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    csv_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    xlsx_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("regulator_return.id"))
    change_note: Mapped[str | None] = mapped_column(Text)

    created_by = relationship("User", foreign_keys=[created_by_id])
    supersedes = relationship("RegulatorReturn", remote_side=[id])

    # Two generations of one period at the same instant: the unique version makes the
    # loser's insert fail (``operations.generate`` answers it with a conflict).
    __table_args__ = (UniqueConstraint("period", "version", name="uq_regulator_return_version"),)


class ReturnDownload(Model):
    """One download of a return's CSV or workbook: who took which file when."""

    __tablename__ = "regulator_return_download"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("regulator_return.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # csv | xlsx
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_regulator_return_download_return", "return_id"),)


@event.listens_for(Session, "before_flush")
def _returns_are_frozen(session, flush_context, instances):
    """A return, once written, is what was sent: no column changes, no row goes."""
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, RegulatorReturn):
            continue
        state = inspect(obj)
        attributes = [*state.mapper.column_attrs, *state.mapper.relationships]
        if obj in session.deleted or any(
            state.attrs[attribute.key].history.has_changes() for attribute in attributes
        ):
            raise RuntimeError("a regulator return is frozen: generate a new version")
