"""The register of document numbers (发文字号, GB/T 9704-2012 §7.2.4)."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime


class DocumentNumber(Model):
    """One number given to one document at its issue: 辽银协〔2026〕12号.

    Invariants: within a prefix and a year the sequence runs 1, 2, 3 … with no gap and no
    duplicate (``uq_document_number_prefix_year_seq``; ``operations.issue`` takes the next
    free one and retries when a concurrent issue took it first); a document (``kind``,
    ``ref_id``) has at most one number; a number given is never changed or removed.
    ``ref_id`` is the document's row in its own domain (a bulletin version, an
    accountability case's notice or letter) — a plain id: this floor knows no domain
    above it.
    """

    __tablename__ = "document_number"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(20), nullable=False)  # 机关代字: 辽银协
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # 年份: Beijing year of issue
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # 发文顺序号
    number: Mapped[str] = mapped_column(String(40), nullable=False)  # as printed
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # bulletin / notice / regulator
    ref_id: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)  # 成文日期 (Beijing)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    issued_by = relationship("User")

    __table_args__ = (
        UniqueConstraint("prefix", "year", "seq", name="uq_document_number_prefix_year_seq"),
        UniqueConstraint("kind", "ref_id", name="uq_document_number_kind_ref_id"),
    )


@event.listens_for(Session, "before_flush")
def _numbers_are_never_changed(session, flush_context, instances):
    for obj in list(session.deleted) + list(session.dirty):
        if isinstance(obj, DocumentNumber) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("a document number, once given, never changes")
