"""Draining the outbox over SMTP, safe on several hosts at once.

Each message is claimed (status ``sending``) and committed before the SMTP call, and
marked ``sent`` right after, so two senders never take the same message. A message
left ``sending`` by a sender that died is retried after ``STALE_CLAIM``: the only
window for a duplicate is a crash between the SMTP answer and the commit, and the
stable Message-ID (from the dedupe key) lets mail servers drop such a duplicate.

Any failure of one message (an SMTP refusal, a header Python will not write …) is a
failed attempt of that message: its error is kept, it waits its back-off, and the run
goes on with the next one; only an unreachable server ends the run.
"""

import hashlib
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select

from portal.db import db
from portal.notify.models import OutboxMessage

STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 12


# Control characters (line breaks above all) and the Unicode line and paragraph
# separators: a header cannot hold them.
_NOT_IN_A_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` as a header holds it: control characters and line breaks as spaces."""
    return _NOT_IN_A_HEADER.sub(" ", text).strip()


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most 2 hours: SMTP outages are usually short."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


@dataclass
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    sender: str = "complaints@localhost"
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> "SmtpSettings":
        return cls(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            config.get("MAIL_USERNAME"),
            config.get("MAIL_PASSWORD"),
            config.get("MAIL_USE_TLS", False),
            config.get("MAIL_SENDER", "complaints@localhost"),
        )


def smtp_transport(settings: SmtpSettings) -> Callable[[EmailMessage], None]:
    def send(message: EmailMessage) -> None:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)

    return send


def message_id(message: OutboxMessage, domain: str) -> str:
    """The same on every attempt to send this row, whichever host sends it (a retry after
    a crash is recognisable as the same mail), and unlike any other row's."""
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    return f"<outbox{message.id}.{digest}@{domain}>"


def _build(message: OutboxMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = one_line(message.subject)  # also a row queued before it was cleaned
    domain = sender.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = message_id(message, domain)
    mail.set_content(message.body)
    return mail


def _claim_next(now):
    query = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending")
                & (OutboxMessage.claimed_at <= now - STALE_CLAIM),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    message = db.session.scalar(query)
    if message is None:
        db.session.rollback()
        return None
    message.status = "sending"
    message.claimed_at = now
    db.session.commit()
    return message


def drain(*, now, send: Callable[[EmailMessage], None], sender: str, limit: int = 200) -> dict:
    """Send what is due; returns counts. Commits per message."""
    counts = {"sent": 0, "failed": 0, "gave_up": 0}
    for _ in range(limit):
        message = _claim_next(now)
        if message is None:
            break
        try:
            send(_build(message, sender))
        except Exception as error:  # any failure of this one message: see the docstring
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
                counts["gave_up"] += 1
            else:
                message.status = "queued"
                message.next_attempt_at = now + backoff(message.attempts)
                counts["failed"] += 1
            db.session.commit()
            if isinstance(error, OSError):
                break  # the server is unreachable: the rest would fail the same way
            continue
        message.status = "sent"
        message.sent_at = now
        message.attempts += 1
        db.session.commit()
        counts["sent"] += 1
    return counts
