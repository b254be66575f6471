from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Model, UTCDateTime, utcnow
from portal.notify.message import render_parts


class OutboxMessage(Model):
    """One message waiting to leave, or the record that it left: an e-mail (``channel``
    "mail"), or a webhook, an HTTP POST of ``body`` (JSON) to the URL ``recipient`` with
    ``headers`` (signed when queued, see ``portal.api.webhooks``) and ``subject`` saying
    what it is for the outbox's readers. Both are retried, given up and sent again alike."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    channel: Mapped[str] = mapped_column(
        String(10), nullable=False, default="mail", server_default="mail"
    )
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # A webhook's HTTP headers (name: value); None for an e-mail.
    headers: Mapped[dict | None] = mapped_column(JSON)
    # The same event never queues the same mail twice (a sweep that runs again, two
    # hosts sweeping at once): the key is unique.
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
        # A webhook endpoint's latest deliveries, newest first (its settings page).
        Index("ix_outbox_message_channel_id", "channel", "id"),
    )


class Notification(Model):
    """An in-app message to one user (the bell in the header)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    # The title and body as messages (``notify.message``), rendered in each reader's
    # language; None for a notice written as plain text.
    message: Mapped[dict | None] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(300))
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def shown_title(self) -> str:
        return render_parts(self.message["title"]) if self.message else self.title

    @property
    def shown_body(self) -> str:
        return render_parts(self.message["body"]) if self.message else (self.body or "")

    user = relationship("User")

    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("uq_notification_user_dedupe", "user_id", "dedupe_key", unique=True),
    )
