"""Bulletins, their downloads, and the background job table that renders them."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Model, UTCDateTime, utcnow

DRAFT, PUBLISHED = "draft", "published"
NARRATIVE_FIELDS = ("overview", "typical_cases_note", "advice", "next_steps")


class Bulletin(Model):
    """One version of a period's bulletin (Art. 8(4)).

    Invariant: once published, a version never changes (its PDF and SHA-256 are frozen,
    enforced below); a correction is a new version that ``supersedes`` it and says what
    changed in ``change_note``.
    """

    __tablename__ = "bulletin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # 2026H1
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=DRAFT)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    # The narrative sections staff write (Art. 8(4), 8(5): typical cases and advice).
    overview: Mapped[str] = mapped_column(Text, nullable=False, default="")
    typical_cases_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    advice: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 行业整改意见
    next_steps: Mapped[str] = mapped_column(Text, nullable=False, default="")
    typical_case_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    preview_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    preview_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("bulletin.id"))
    change_note: Mapped[str | None] = mapped_column(Text)

    created_by = relationship("User", foreign_keys=[created_by_id])
    supersedes = relationship("Bulletin", remote_side=[id])

    __table_args__ = (
        UniqueConstraint("period", "version", name="uq_bulletin_period_version"),
        # One open draft per period: two "new draft" requests at the same instant cannot
        # both save one (``operations.create_draft`` answers the loser with the winner's).
        Index(
            "uq_bulletin_open_draft",
            "period",
            unique=True,
            postgresql_where=text(f"state = '{DRAFT}'"),
            sqlite_where=text(f"state = '{DRAFT}'"),
        ),
    )

    @property
    def is_published(self) -> bool:
        return self.state == PUBLISHED


class BulletinDownload(Model):
    """One download of a published bulletin (or a member's annex), counted per member."""

    __tablename__ = "bulletin_download"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletin.id"), nullable=False)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # None: association
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="bulletin")
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_bulletin_download_bulletin_member", "bulletin_id", "member_id"),)


QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(Model):
    """A background job (rendering takes seconds). Claimed by a worker; a claim older
    than the stale limit is taken again, so a worker dying mid-job loses nothing."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # percent
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    result_id: Mapped[int | None] = mapped_column(Integer)  # e.g. the bulletin rendered

    __table_args__ = (Index("ix_job_state_created", "state", "created_at"),)


FROZEN = ("pdf", "sha256", "period", "version", "published_at", *NARRATIVE_FIELDS)


@event.listens_for(Session, "before_flush")
def _published_bulletins_are_frozen(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Bulletin):
            continue
        state_history = inspect(obj).attrs.state.history
        was = state_history.deleted[0] if state_history.deleted else obj.state
        if was != PUBLISHED:
            continue
        if obj in session.deleted or any(
            inspect(obj).attrs[name].history.has_changes() for name in (*FROZEN, "state")
        ):
            raise RuntimeError("a published bulletin is frozen: publish a new version")
