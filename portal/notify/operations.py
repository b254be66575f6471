"""Queueing notifications. Idempotent by ``dedupe_key``: calling twice adds nothing.

Every write is an ``INSERT … ON CONFLICT DO NOTHING`` on the unique dedupe key, so two
app servers (or a sweep and a request) queueing the same notice at the same moment add
it once and neither fails: the second insert waits for the first transaction and then
does nothing.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app
from sqlalchemy import JSON, CursorResult, Integer, String, bindparam, select, text, update

from portal.auth.models import User
from portal.db import PREPARE, UTCDateTime, db, dialect_insert
from portal.notify.message import Msg, Words, data_of, text_of
from portal.notify.models import Notification, OutboxMessage
from portal.notify.sender import one_line

# Rows per query when reading users by id.
BATCH = 1000


@dataclass(frozen=True)
class Note:
    """One in-app notification for one user (and the same by e-mail, see ``notify_many``).
    ``title`` and ``body`` (or the body's lines) are text or messages (``Msg``): messages
    are shown in each reader's language, and stored in Chinese for the e-mail."""

    user_id: int
    title: Words
    dedupe_key: str
    body: Words | list = ""
    link: str | None = None

    @property
    def title_text(self) -> str:
        return text_of(self.title)

    @property
    def body_text(self) -> str:
        return text_of(self.body)

    @property
    def message(self) -> dict | None:
        """The messages to render per reader; None when the note is plain text."""
        parts = self.body if isinstance(self.body, list) else [self.body]
        if not any(isinstance(p, Msg) for p in [self.title, *parts]):
            return None
        return {"title": data_of(self.title), "body": data_of(self.body)}


def _chunks(items: Sequence, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def mail_link(link: str | None) -> str:
    """A notification's link as an e-mail carries it: absolute, on the portal's address
    (``BASE_URL``), since a mail reader cannot follow "/cases/123". The in-app
    notification keeps the relative path (it works on whichever host serves the page)."""
    if not link:
        return ""
    if link.startswith("/"):
        return current_app.config["BASE_URL"] + link
    return link


def _mail_row(recipient: str, subject: str, body: str, dedupe_key: str, now) -> dict:
    # A subject is one line: a line break in a unit's name would stop the mail (21.4).
    return {
        "recipient": recipient,
        "subject": one_line(subject),
        "body": body,
        "dedupe_key": dedupe_key,
        "status": "queued",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


# SQLAlchemy never caches its INSERT … ON CONFLICT constructs (their ON CONFLICT clause has
# no cache key), so each run compiled them anew on every step that tells someone. These
# are written as SQL, which is compiled once and which PostgreSQL and SQLite both accept
# (and prepared on PostgreSQL, as SQL text is not recognised as a single-row INSERT).
# Figures: docs/performance.md.
_INSERT_MAIL = (
    text(
        "INSERT INTO outbox_message"
        " (created_at, recipient, subject, body, dedupe_key, status, attempts, next_attempt_at)"
        " VALUES (:created_at, :recipient, :subject, :body, :dedupe_key, :status, :attempts,"
        " :next_attempt_at)"
        " ON CONFLICT (dedupe_key) DO NOTHING"
    )
    .bindparams(
        bindparam("created_at", type_=UTCDateTime), bindparam("next_attempt_at", type_=UTCDateTime)
    )
    .execution_options(**PREPARE)
)
_INSERT_NOTE = (
    text(
        "INSERT INTO notification (user_id, created_at, title, body, message, link, dedupe_key)"
        " VALUES (:user_id, :created_at, :title, :body, :message, :link, :dedupe_key)"
        " ON CONFLICT (user_id, dedupe_key) DO NOTHING"
        " RETURNING user_id, dedupe_key"
    )
    .bindparams(bindparam("created_at", type_=UTCDateTime), bindparam("message", type_=JSON))
    .columns(user_id=Integer, dedupe_key=String)
    .execution_options(**PREPARE)
)


def _insert_notes_statement():
    """Many notes in one statement (SQLAlchemy's multi-row VALUES, which RETURNs what each
    row did); one note goes by ``_INSERT_NOTE``. Built per call: SQLAlchemy compiles it
    per call anyway, once per sweep."""
    notifications = Notification.__table__
    return (
        dialect_insert(notifications)
        .on_conflict_do_nothing(
            index_elements=[notifications.c.user_id, notifications.c.dedupe_key]
        )
        .returning(notifications.c.user_id, notifications.c.dedupe_key)
    )


def _insert_mail(rows: list[dict]) -> None:
    if rows:
        db.session.execute(_INSERT_MAIL, rows)


def queue_mail(*, recipient: str, subject: str, body: str, dedupe_key: str, now) -> OutboxMessage:
    _insert_mail([_mail_row(recipient, subject, body, dedupe_key, now)])
    # There now, inserted or found: the key is unique.
    return db.session.execute(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    ).scalar_one()


def queue_webhook(
    *, url: str, subject: str, body: str, headers: dict[str, str], dedupe_key: str, now
) -> bool:
    """A webhook in the outbox: ``body`` POSTed to ``url`` with ``headers`` by the sender,
    retried like mail. Idempotent by ``dedupe_key``; returns whether it was new. The
    caller builds and signs it (``portal.api.webhooks``): the outbox knows no secrets."""
    outbox = OutboxMessage.__table__
    inserted = db.session.execute(
        dialect_insert(OutboxMessage)
        .values(
            channel="webhook",
            recipient=url,
            subject=one_line(subject),
            body=body,
            headers=headers,
            dedupe_key=dedupe_key,
            status="queued",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        .returning(outbox.c.id)
    ).first()
    return inserted is not None


def requeue_failed(*, now, ids: Iterable[int] | None = None) -> int:
    """Failed mail and webhooks (their retries spent, e.g. by a long SMTP outage) back in
    the queue, due now with their attempts reset: all of them, or the messages ``ids``
    among them (others are left as they are). Returns how many; the caller commits."""
    query = update(OutboxMessage).where(OutboxMessage.status == "failed")
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(sorted(set(ids))))
    result = cast(
        CursorResult[Any],
        db.session.execute(
            query.values(status="queued", attempts=0, next_attempt_at=now, claimed_at=None),
            execution_options={"synchronize_session": False},
        ),
    )
    return result.rowcount


def _mail_addresses(user_ids: Iterable[int]) -> dict[int, str]:
    """The e-mail address of each active user among ``user_ids`` that has one: one query
    per thousand users (a sweep's recipients are a few dozen people)."""
    ids = sorted(set(user_ids))
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(User.id, User.email).where(
                User.id.in_(chunk), User.is_active.is_(True), User.email.is_not(None)
            )
        )
        found.update({user_id: email for user_id, email in rows if email})
    return found


def notify_many(
    notes: Sequence[Note], *, now, mail: bool = True, addresses: dict[int, str] | None = None
) -> int:
    """In-app notifications, and the same by e-mail to each user who has an address and
    is active, set-based: the notes in multi-row INSERTs of a thousand rows, the e-mails in
    one executemany, the recipients' addresses in one query per thousand users. A note
    whose (user, dedupe key) exists already adds nothing, not even its e-mail. Returns how
    many were new. ``addresses``: the recipients' e-mail addresses when the caller has
    them (active users with an address), else looked up."""
    unique: dict[tuple[int, str], Note] = {}
    for note in notes:
        unique.setdefault((note.user_id, note.dedupe_key), note)
    if not unique:
        return 0
    # Many notes (a sweep's): SQLAlchemy sends multi-row INSERTs of up to a thousand rows
    # ("insertmanyvalues") and gathers what each one RETURNs. One note (a case step's):
    # the SQL statement, compiled once.
    statement = _INSERT_NOTE if len(unique) == 1 else _insert_notes_statement()
    rows = [
        {
            "user_id": n.user_id,
            "title": n.title_text,
            "body": n.body_text,
            "message": n.message,
            "link": n.link,
            "dedupe_key": n.dedupe_key,
            "created_at": now,
        }
        for n in unique.values()
    ]
    inserted = set(db.session.execute(statement, rows).tuples())
    added = [n for key, n in unique.items() if key in inserted]
    if mail and added:
        if addresses is None:
            addresses = _mail_addresses(n.user_id for n in added)
        _insert_mail(
            [
                _mail_row(
                    addresses[n.user_id],
                    n.title_text,
                    f"{n.body_text}\n\n{mail_link(n.link)}".strip(),
                    f"{n.dedupe_key}:user{n.user_id}",
                    now,
                )
                for n in added
                if n.user_id in addresses
            ]
        )
    return len(added)


def notify_user(
    user,
    *,
    title: Words,
    body: Words | list = "",
    link: str | None = None,
    dedupe_key: str,
    now,
    mail: bool = True,
) -> bool:
    """An in-app notification, and the same by e-mail when the user has an address.
    Returns whether it was new."""
    note = Note(user_id=user.id, title=title, body=body, link=link, dedupe_key=dedupe_key)
    addresses = {user.id: user.email} if user.is_active and user.email else {}
    return notify_many([note], now=now, mail=mail, addresses=addresses) == 1


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
