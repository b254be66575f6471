"""Archive numbers, case dossiers (案卷) as issued, and the retention setting
(Art. 8(6), 9(5), 10(3))."""

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.archives.rules import DossierState
from portal.db import Model, UTCDateTime


class ArchiveCounter(Model):
    """The last archive number issued per year of closure (bumped atomically, as the
    tracking numbers' counter)."""

    __tablename__ = "archive_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CaseArchive(Model):
    """A closed case's place in the archive: its number, given once at its first closure
    and kept through any later closure, and when its personal data was erased."""

    __tablename__ = "case_archive"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id"), nullable=False, unique=True
    )
    archive_no: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    complaint = relationship("Complaint")


DUE_SQL = f"state = '{DossierState.DUE.value}'"


class Dossier(Model):
    """One issued version of a case's dossier: the PDF and the zip (attachments and the
    PDF), each with its SHA-256.

    Invariant: once frozen, a version never changes (enforced below); closing the case
    again issues the next version. Retention erases its bytes only: the state becomes
    erased and the hashes stay, so what was erased can still be named.
    """

    __tablename__ = "case_dossier"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=DossierState.DUE)
    # The closure this version records: its history ends there (a return visit after it
    # belongs to no issued dossier).
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)  # Beijing, periods
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    zip: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_size: Mapped[int | None] = mapped_column(Integer)
    attachment_count: Mapped[int | None] = mapped_column(Integer)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    complaint = relationship("Complaint")
    # The case's archive entry (number, erasure), shared by all its versions.
    archive = relationship(
        "CaseArchive",
        primaryjoin="Dossier.complaint_id == foreign(CaseArchive.complaint_id)",
        viewonly=True,
        uselist=False,
    )

    __table_args__ = (
        UniqueConstraint("complaint_id", "version", name="uq_case_dossier_version"),
        # The freeze reads the few dossiers due among all issued ones.
        Index(
            "ix_case_dossier_due", "id", postgresql_where=text(DUE_SQL), sqlite_where=text(DUE_SQL)
        ),
    )

    @property
    def state_enum(self) -> DossierState:
        return DossierState(self.state)


class ArchiveSettings(Model):
    """The retention period (years after closure), one row (id 1); absent means the
    default (``rules.DEFAULT_RETENTION_YEARS``)."""

    __tablename__ = "archive_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    retention_years: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


FROZEN_COLUMNS = ("complaint_id", "version", "closed_at", "frozen_at", "pdf_sha256", "zip_sha256")


@event.listens_for(Session, "before_flush")
def _issued_dossiers_are_frozen(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Dossier):
            continue
        history = inspect(obj).attrs.state.history
        was = history.deleted[0] if history.deleted else obj.state
        if was == DossierState.DUE:
            continue
        if obj in session.deleted:
            raise RuntimeError("an issued dossier is kept: close the case again for a new version")
        attrs = inspect(obj).attrs
        if any(attrs[name].history.has_changes() for name in FROZEN_COLUMNS):
            raise RuntimeError("an issued dossier is frozen")
        bytes_changed = attrs.pdf.history.has_changes() or attrs.zip.history.has_changes()
        erasing = was == DossierState.FROZEN and obj.state == DossierState.ERASED
        if (bytes_changed or attrs.state.history.has_changes()) and not (
            erasing and obj.pdf is None and obj.zip is None
        ):
            raise RuntimeError("an issued dossier changes only by erasure under retention")
