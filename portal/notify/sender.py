"""Draining the outbox, safe on several hosts at once: e-mail over SMTP, webhooks as an
HTTP POST each (``http_post``).

Each message is claimed (status ``sending``) and committed before the SMTP call, and
marked ``sent`` right after, so two senders never take the same message. A message
left ``sending`` by a sender that died is retried after ``STALE_CLAIM``: the only
window for a duplicate is a crash between the SMTP answer and the commit, and the
stable Message-ID (from the dedupe key) lets mail servers drop such a duplicate.

Any failure of one message (an SMTP refusal, a header Python will not write …) is a
failed attempt of that message: its error is kept, it waits its back-off, and the run
goes on with the next one; only an unreachable mail server ends the run's mail, and the
webhooks still go. A webhook is sent when its endpoint answers 2xx, and nothing else; an
endpoint that is down, slow or answers an error costs that message a failed attempt,
and its other messages wait for the next run (a timeout is paid once per run).
"""

import hashlib
import re
import smtplib
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select

from portal.db import db
from portal.notify.models import OutboxMessage
from portal.notify.signals import webhook_due

STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 12
# Seconds a webhook's endpoint has to answer (connecting, then each read).
WEBHOOK_TIMEOUT = 10.0


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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: a failed attempt, not a second request
    (urllib would repeat a POST as a GET without its body, elsewhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class WebhookRefused(Exception):
    """The endpoint answered, but not with 2xx."""


def http_post(url: str, body: bytes, headers: dict[str, str]) -> None:
    """POST ``body`` to ``url``; returns when the endpoint answered 2xx, raises otherwise
    (``urllib.error.HTTPError`` for 3xx-5xx, ``OSError`` when unreachable or slow)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with _opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
        status = response.status
    if not 200 <= status < 300:  # urllib raises for most; 1xx-type oddities land here
        raise WebhookRefused(f"HTTP {status}")


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


def _claim_next(now, *, with_mail: bool = True, skipped: frozenset[str] = frozenset()):
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
    if not with_mail:
        query = query.where(OutboxMessage.channel != "mail")
    if skipped:
        query = query.where(OutboxMessage.recipient.not_in(sorted(skipped)))
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


def _deliver(message: OutboxMessage, send, sender: str, post, now) -> None:
    if message.channel == "webhook":
        headers = dict(message.headers or {})
        for _receiver, fresh in webhook_due.send(message, now=now):
            headers.update(fresh or {})  # signed now (``notify.signals``)
        post(message.recipient, message.body.encode(), headers)
    else:
        send(_build(message, sender))


def drain(
    *,
    now,
    send: Callable[[EmailMessage], None],
    sender: str,
    limit: int = 200,
    post: Callable[[str, bytes, dict[str, str]], None] = http_post,
) -> dict:
    """Send what is due: e-mail by ``send``, webhooks by ``post``; returns counts.
    Commits per message."""
    counts = {"sent": 0, "failed": 0, "gave_up": 0}
    mail_up = True
    # Webhook endpoints that failed in this run: their other messages wait for the next
    # run (an endpoint that times out would otherwise cost the timeout per message).
    failing: set[str] = set()
    for _ in range(limit):
        message = _claim_next(now, with_mail=mail_up, skipped=frozenset(failing))
        if message is None:
            break
        try:
            _deliver(message, send, sender, post, now)
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
            if message.channel == "webhook":
                failing.add(message.recipient)
            elif isinstance(error, OSError):
                # The mail server is unreachable: the rest of the mail would fail the same
                # way. Webhooks go to other servers, each its own.
                mail_up = False
            continue
        message.status = "sent"
        message.sent_at = now
        message.attempts += 1
        db.session.commit()
        counts["sent"] += 1
    return counts
