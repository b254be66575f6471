"""Webhooks to a member bank's own complaint system: when a case is forwarded to the
bank, sent back to it for re-verification or recalled from it, the bank's system is
told at once instead of polling the API.

A member's administrator configures a few endpoints (URL, events, active or paused);
each has a signing secret the portal makes and shows once, kept encrypted at rest
(``web.at_rest``, its own purpose). A delivery is queued in the step's own transaction,
one per active endpoint listening to the event, into the portal's outbox
(``notify.operations.queue_webhook``): the outbox's sender POSTs it, retries it with the
mail's back-off, gives it up after the same attempts, and ``flask outbox requeue`` or
the outbox page sends it again. The outbox knows no secret: the message is signed here
when queued, and signed again just before each attempt (``sign_afresh``, through
``notify.signals.webhook_due``), so that its timestamp is the attempt's: receivers
refuse a timestamp minutes old, and the sweep sends every five minutes, a retry hours
later.

Signed as the Standard Webhooks specification (standardwebhooks.com) says, so that a
bank can verify with any of its libraries: headers ``webhook-id`` (the delivery's id,
the same on every attempt: the receiver's idempotency key), ``webhook-timestamp``
(seconds since the epoch, of the attempt) and ``webhook-signature``: ``v1,`` and the
base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` under the secret's bytes (the part
after ``whsec_``, base64-decoded).

The payload carries no personal data and no text of the complaint: the case's id,
tracking number, state and version, the member's id and the API address to read it.
"""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import abort, current_app
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.audit.operations import record
from portal.auth.models import User
from portal.config import is_production
from portal.db import Model, UTCDateTime, db, utcnow
from portal.notify.models import OutboxMessage
from portal.notify.operations import queue_webhook
from portal.orgs.models import Unit
from portal.orgs.scoping import member_filter
from portal.web import at_rest


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


# The events a bank's system may listen to, with what the settings page calls them.
EVENTS = {
    "case.forwarded": N_("协会转办投诉至本单位"),
    "case.sent_back": N_("协会退回重新核实"),
    "case.recalled": N_("协会撤回转办"),
}
# The case page's step (``complaints.actions``) → the event it is.
STEP_EVENTS = {
    "forward": "case.forwarded",
    "send_back": "case.sent_back",
    "recall": "case.recalled",
}
MAX_ENDPOINTS = 5  # per member: a bank has one system, perhaps a test one beside it
MAX_URL = 200  # the outbox's recipient column
# The data key's purpose for the signing secrets: readable back by this use only.
SECRET_PURPOSE = b"webhook-signing-secret"
SECRET_PREFIX = "whsec_"


class WebhookEndpoint(Model):
    """A member bank's system listening to the portal's events."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The tenancy key (``orgs.scoping.member_filter``), and the database's wall.
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL), nullable=False)
    # The event names (``EVENTS``) it receives.
    events: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # The signing secret, encrypted under the data key (``SECRET_PURPOSE``).
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    # Paused: nothing is queued for it (what was queued before still goes).
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    secret_made_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    member = relationship("Unit")
    created_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}

    @property
    def secret(self) -> str:
        secret = at_rest.decrypt(self.secret_encrypted, SECRET_PURPOSE)
        assert secret is not None
        return secret


class WebhookError(ValueError):
    """A setting refused (the message, a msgid in Chinese, says why; ``field`` names the
    form field it belongs to)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# -- Settings ---------------------------------------------------------------------------


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, or None. HTTPS in production (the payload
    and its signature cross the bank's network); HTTP elsewhere (a test system)."""
    if not url:
        return N_("请填写接收地址。")
    if len(url) > MAX_URL:
        return N_("接收地址不能超过 200 个字符。")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is no number)
    except ValueError:
        return N_("接收地址不是有效的网址。")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return N_("接收地址须以 https:// 开头。")
    if parts.username or parts.password:
        return N_("接收地址不能包含用户名或密码。")
    if parts.fragment or any(c.isspace() for c in url):
        return N_("接收地址不是有效的网址。")
    if parts.scheme != "https" and is_production(current_app.config):
        return N_("接收地址须以 https:// 开头。")
    return None


def _events(events) -> list[str]:
    chosen = [e for e in EVENTS if e in set(events or ())]
    if not chosen:
        raise WebhookError(N_("请至少选择一个事件。"), field="events")
    return chosen


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _encrypted(secret: str) -> str:
    sealed = at_rest.encrypt(secret, SECRET_PURPOSE)
    assert sealed is not None  # a secret is never empty
    return sealed


def _audit(endpoint: WebhookEndpoint, actor, action: str, changes: dict, now) -> None:
    record(
        actor=actor,
        unit_path=endpoint.member.path,
        subject=endpoint,
        action=action,
        changes=changes,
        now=now,
    )


def create_endpoint(
    member: Unit, *, url: str, events, actor: User | None, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """A new active endpoint of ``member``; returns it with its secret, shown once."""
    url = (url or "").strip()
    problem = url_problem(url)
    if problem:
        raise WebhookError(problem, field="url")
    chosen = _events(events)
    if len(endpoints_of(member)) >= MAX_ENDPOINTS:
        raise WebhookError(N_("每个会员单位最多设置 5 个接收地址。"))
    secret = new_secret()
    endpoint = WebhookEndpoint(
        member_id=member.id,
        member=member,
        url=url,
        events=chosen,
        secret_encrypted=_encrypted(secret),
        is_active=True,
        created_at=now,
        created_by_id=actor.id if actor else None,
        secret_made_at=now,
    )
    db.session.add(endpoint)
    db.session.flush()
    _audit(
        endpoint,
        actor,
        "webhook_created",
        {"url": [None, url], "events": [None, ",".join(chosen)]},
        now,
    )
    return endpoint, secret


def set_active(endpoint: WebhookEndpoint, active: bool, *, actor, now) -> bool:
    """Pause or resume; False when it already was."""
    if endpoint.is_active == active:
        return False
    endpoint.is_active = active
    db.session.flush()
    _audit(endpoint, actor, "webhook_resumed" if active else "webhook_paused", {}, now)
    return True


def change_events(endpoint: WebhookEndpoint, events, *, actor, now) -> bool:
    chosen = _events(events)
    if chosen == list(endpoint.events):
        return False
    before = ",".join(endpoint.events)
    endpoint.events = chosen
    db.session.flush()
    _audit(endpoint, actor, "webhook_changed", {"events": [before, ",".join(chosen)]}, now)
    return True


def rotate_secret(endpoint: WebhookEndpoint, *, actor, now) -> str:
    """A new secret, shown once; every delivery sent from now on is signed with it,
    those queued before included (``sign_afresh``)."""
    secret = new_secret()
    endpoint.secret_encrypted = _encrypted(secret)
    endpoint.secret_made_at = now
    db.session.flush()
    _audit(endpoint, actor, "webhook_secret_rotated", {}, now)
    return secret


def endpoints_query(viewer: User):
    """The endpoints ``viewer`` may see: the association all, a member's people their own
    member's, branch officers none."""
    return (
        select(WebhookEndpoint)
        .where(member_filter(viewer, WebhookEndpoint.member_id))
        .order_by(WebhookEndpoint.id)
    )


def endpoints_of(member: Unit) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.member_id == member.id)
            .order_by(WebhookEndpoint.id)
        )
    )


def load_endpoint_or_404(viewer: User, endpoint_id: int) -> WebhookEndpoint:
    """Another bank's endpoint answers as one that does not exist."""
    endpoint = db.session.scalar(endpoints_query(viewer).where(WebhookEndpoint.id == endpoint_id))
    if endpoint is None:
        abort(404)
    return endpoint


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 10) -> list[OutboxMessage]:
    """The endpoint's latest deliveries as the outbox has them, newest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == "webhook",
                OutboxMessage.dedupe_key.like(f"{_key_prefix(endpoint)}%"),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


# -- Deliveries -------------------------------------------------------------------------


def _key_prefix(endpoint: WebhookEndpoint) -> str:
    return f"webhook:{endpoint.id}:"


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header of Standard Webhooks: ``v1,<base64 HMAC-SHA256>``
    of ``{id}.{timestamp}.{body}`` under the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def payload(case, event: str, message_id: str, now: datetime) -> dict:
    """What a delivery says: no personal data, no text of the complaint."""
    return {
        "id": message_id,
        "type": event,
        "occurred_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "case": {
            "id": case.id,
            "tracking_no": case.tracking_no,
            "state": str(case.state),
            "version": case.version,
            "member_id": case.member_id,
            "href": f"/api/v1/cases/{case.id}",
        },
    }


def signed_headers(endpoint: WebhookEndpoint, message_id: str, body: str, at: datetime) -> dict:
    """The delivery's headers, signed at ``at`` with the endpoint's current secret."""
    timestamp = int(at.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": "LNBA-complaint-portal-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(endpoint.secret, message_id, timestamp, body),
    }


def sign_afresh(message: OutboxMessage, now: datetime) -> dict | None:
    """The headers of a queued delivery signed again at ``now``, just before the outbox
    sends it (``notify.signals.webhook_due``): the timestamp is the attempt's, which a
    receiver checks against its clock (Standard Webhooks' libraries allow 5 minutes),
    and a rotated secret signs what was queued before it. None when the endpoint is
    gone: the signature made when queued goes as it is."""
    prefix, _sep, rest = message.dedupe_key.partition(":")
    endpoint_id = rest.partition(":")[0]
    if prefix != "webhook" or not endpoint_id.isdigit() or not message.headers:
        return None
    endpoint = db.session.get(WebhookEndpoint, int(endpoint_id))
    if endpoint is None:
        return None
    return signed_headers(endpoint, message.headers["webhook-id"], message.body, now)


def queue_event(case, event: str, *, now: datetime, member_id: int | None = None) -> int:
    """One signed delivery of ``event`` about ``case`` to each active endpoint of the
    case's member (or of ``member_id``) that listens to it, in the outbox; returns how
    many were new (the same event about the same version of the case is queued once)."""
    endpoints = [
        e
        for e in db.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.member_id == (member_id or case.member_id),
                WebhookEndpoint.is_active.is_(True),
            )
        )
        if event in e.events
    ]
    queued = 0
    for endpoint in endpoints:
        key = f"{_key_prefix(endpoint)}{event}:case{case.id}:v{case.version}"
        message_id = "msg_" + hashlib.sha256(key.encode()).hexdigest()[:26]
        document = payload(case, event, message_id, now)
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        headers = signed_headers(endpoint, message_id, body, now)
        queued += queue_webhook(
            url=endpoint.url,
            subject=f"Webhook {event} {case.tracking_no}",
            body=body,
            headers=headers,
            dedupe_key=key,
            now=now,
        )
    return queued


# -- The OpenAPI description ---------------------------------------------------------

# JSON Schema 2020-12 of a delivery's body (``payload``).
PAYLOAD_SCHEMA = {
    "type": "object",
    "description": "A webhook delivery: no personal data, no text of the complaint. Read "
    "the case at `case.href` with the system's token.",
    "properties": {
        "id": {
            "type": "string",
            "description": "the delivery's id, the same on every attempt (also the "
            "`webhook-id` header): the receiver's idempotency key",
        },
        "type": {"type": "string", "enum": list(EVENTS)},
        "occurred_at": {"type": "string", "format": "date-time"},
        "case": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "tracking_no": {"type": "string"},
                "state": {"type": "string"},
                "version": {"type": "integer"},
                "member_id": {"type": "integer"},
                "href": {"type": "string", "description": "the case in this API"},
            },
            "required": ["id", "tracking_no", "state", "version", "member_id", "href"],
            "additionalProperties": False,
        },
    },
    "required": ["id", "type", "occurred_at", "case"],
    "additionalProperties": False,
}

_SIGNED = (
    "Signed as Standard Webhooks (standardwebhooks.com) says: `webhook-signature` is "
    "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` under "
    "the secret shown once on 系统对接 (its bytes: the part after `whsec_`, base64-decoded). "
    "Answer 2xx within 10 seconds; anything else is retried after 1, 2, 4 … minutes (at "
    "most 2 hours apart, 12 attempts), each attempt signed at its own time."
)
_EVENT_SUMMARIES = {
    "case.forwarded": "The association forwarded a case to the bank (or moved it there by "
    "correcting its outlet)",
    "case.sent_back": "The association sent the bank's report back for re-verification",
    "case.recalled": "The association recalled a case it had forwarded to the bank",
}


def openapi_webhooks() -> dict:
    """The ``webhooks`` section of the OpenAPI 3.1 document: one entry per event."""
    headers = {
        name: {"required": True, "schema": {"type": "string"}, "description": what}
        for name, what in (
            ("webhook-id", "the delivery's id (the same on every attempt)"),
            ("webhook-timestamp", "seconds since the epoch, of this attempt"),
            ("webhook-signature", "`v1,<base64 HMAC-SHA256>`; several are space-separated"),
        )
    }
    return {
        event: {
            "post": {
                "operationId": f"webhook_{event.replace('.', '_')}",
                "summary": _EVENT_SUMMARIES[event],
                "description": _SIGNED,
                "tags": ["webhooks"],
                "parameters": [
                    {"name": name, "in": "header", **spec} for name, spec in headers.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": PAYLOAD_SCHEMA}},
                },
                "responses": {"2XX": {"description": "received; any other answer is retried"}},
            }
        }
        for event in EVENTS
    }
