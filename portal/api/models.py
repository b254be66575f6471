"""Tokens of member banks' systems, and the answers kept for their idempotency keys.

A token stands for one system of one member bank (行内投诉管理系统) and acts as one of
that member's users: it sees and does exactly what that user sees and does (the same
scoping, the same database wall). Only the SHA-256 of the token is kept; a random
token of 256 bits needs no slow hash (nothing to guess from the digest)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Model, UTCDateTime


class ApiToken(Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The tenancy key: a member's administrator sees the tokens carrying its own id.
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    # The member's user the system acts as: its role and unit decide what it may do.
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)  # the system's name
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)  # shown, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    member = relationship("Unit")
    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.name}>"


class ApiIdempotency(Model):
    """The answer given to a write sent with an ``Idempotency-Key``: the same key with
    the same request gets it again instead of a second step. The row is written in the
    step's own transaction, so it exists exactly when the step does (a refused step
    keeps neither); a second request with the key waits on the unique key meanwhile.
    Kept a day (``idempotency.purge``)."""

    __tablename__ = "api_idempotency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    # SHA-256 of the method, the path and the body: the same key for another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the step runs
    response_body: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_id"),
        Index("ix_api_idempotency_created_at", "created_at"),
    )
