"""Queueing notifications. Idempotent by ``dedupe_key``: calling twice adds nothing."""

from sqlalchemy import select

from portal.db import db
from portal.notify.models import Notification, OutboxMessage


def queue_mail(*, recipient: str, subject: str, body: str, dedupe_key: str, now) -> OutboxMessage:
    existing = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return existing
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


def notify_user(
    user,
    *,
    title: str,
    body: str = "",
    link: str | None = None,
    dedupe_key: str,
    now,
    mail: bool = True,
) -> Notification:
    """An in-app notification, and the same by e-mail when the user has an address."""
    existing = db.session.scalar(
        select(Notification).where(
            Notification.user_id == user.id, Notification.dedupe_key == dedupe_key
        )
    )
    if existing is not None:
        return existing
    note = Notification(
        user_id=user.id, title=title, body=body, link=link, dedupe_key=dedupe_key, created_at=now
    )
    db.session.add(note)
    if mail and user.email and user.is_active:
        queue_mail(
            recipient=user.email,
            subject=title,
            body=f"{body}\n\n{link or ''}".strip(),
            dedupe_key=f"{dedupe_key}:user{user.id}",
            now=now,
        )
    db.session.flush()
    return note


def mark_read(user, note_ids: list[int] | None, now) -> int:
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if note_ids is not None:
        query = query.where(Notification.id.in_(note_ids))
    notes = db.session.scalars(query).all()
    for note in notes:
        note.read_at = now
    db.session.flush()
    return len(notes)
