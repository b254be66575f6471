"""The online return visit (Art. 11 回访): a one-time link the association sends the
customer of a closed case, where they answer satisfied / basically satisfied /
dissatisfied. The answer is recorded through ``complaints.operations.return_visit``
exactly as the staff step records it (a dissatisfied one opens the linked repeat
complaint); the history says the customer answered online.

Only the SHA-256 of a token is stored; a case has one link at a time (a new one replaces
the old). The public page has no user: its reads and writes run inside
``orgs.scoping.across_banks``."""

import hashlib
import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from portal.audit import operations as audit
from portal.complaints import operations as complaint_ops
from portal.complaints import pii
from portal.complaints.models import Complaint
from portal.complaints.signals import step_taken
from portal.db import db
from portal.orgs.scoping import across_banks
from portal.tracking.models import VisitLink


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_of(case_id: int) -> VisitLink | None:
    """The case's link (under the reader's wall: the staff case page)."""
    return db.session.scalar(select(VisitLink).where(VisitLink.complaint_id == case_id))


def create_link(case: Complaint, *, actor, now: datetime, days: int) -> str:
    """A new one-time link for ``case``, replacing any earlier one; returns the token
    (shown once, never stored)."""
    token = secrets.token_urlsafe(24)
    link = link_of(case.id)
    if link is None:
        link = VisitLink(complaint_id=case.id)
        db.session.add(link)
    link.token_hash = token_hash(token)
    link.created_by_id = actor.id
    link.created_at = now
    link.expires_at = now + timedelta(days=days)
    link.sms_sent_at = link.sms_error = link.used_at = None
    db.session.flush()
    audit.record(
        actor=actor,
        unit_path=case.handling_path,
        subject=link,
        action="return_visit_link_created",
        changes={"case": case.tracking_no, "expires_at": link.expires_at.isoformat()},
        now=now,
    )
    return token


# The SMS names no one and nothing of the complaint: the sender and the link only.
# Always in Chinese (the customer's language is not recorded).
SMS_TEXT = (
    "【辽宁省银行业协会】您的投诉已办结。请通过以下链接告诉我们您对处理结果是否满意"
    "（%(days)s天内有效，仅可提交一次）：%(url)s"
)


def send_sms(link: VisitLink, case: Complaint, text: str, *, config, now: datetime) -> str | None:
    """Send ``text`` to the case's mobile through the configured gateway; the error as
    a short sentence, or None when the gateway took it. The outcome is kept on the link."""
    mobile = pii.decrypt(case.mobile_enc)
    error = None
    if not mobile:
        error = "no mobile"
    else:
        error = post_sms(mobile, text, config=config)
    if error is None:
        link.sms_sent_at, link.sms_error = now, None
    else:
        link.sms_error = error[:200]
    db.session.flush()
    return error


def post_sms(mobile: str, text: str, *, config) -> str | None:
    """POST {"mobile", "text"} as JSON to ``SMS_GATEWAY_URL``; None when it answered 2xx."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if config.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {config['SMS_GATEWAY_TOKEN']}"
    body = json.dumps({"mobile": mobile, "text": text}, ensure_ascii=False).encode()
    request = urllib.request.Request(
        config["SMS_GATEWAY_URL"], data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=config["SMS_GATEWAY_TIMEOUT"]) as answer:
            if 200 <= answer.status < 300:
                return None
            return f"HTTP {answer.status}"
    except urllib.error.HTTPError as failure:
        return f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        return type(failure).__name__ + (
            f": {failure.reason}" if hasattr(failure, "reason") else ""
        )


# What a token answers: open (the form), used (answered already), gone (unknown or
# expired, told alike).
OPEN, USED, GONE = "open", "used", "gone"


@dataclass(frozen=True)
class LinkState:
    state: str
    expires_at: datetime | None = None


def state_of(token: str, *, now: datetime) -> LinkState:
    with across_banks():
        link = db.session.scalar(select(VisitLink).where(VisitLink.token_hash == token_hash(token)))
        return _state(link, now)


def _state(link: VisitLink | None, now: datetime) -> LinkState:
    if link is None or link.expires_at <= now:
        return LinkState(GONE)
    if link.used_at is not None:
        return LinkState(USED)
    return LinkState(OPEN, link.expires_at)


def answer(
    token: str,
    *,
    satisfaction: str,
    comment: str,
    now: datetime,
    local_today: date,
) -> tuple[str, Complaint | None]:
    """Record the customer's answer as the case's return visit; returns the link's state
    before (OPEN when recorded now) and the repeat complaint a dissatisfied answer opened."""
    with across_banks():
        link = db.session.scalar(select(VisitLink).where(VisitLink.token_hash == token_hash(token)))
        state = _state(link, now)
        if state.state != OPEN or link is None:
            return state.state, None
        # One use, whichever of two submissions reaches the database first.
        claimed = db.session.execute(
            update(VisitLink)
            .where(VisitLink.id == link.id, VisitLink.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return USED, None
        case = db.session.get_one(Complaint, link.complaint_id)
        try:
            repeat = complaint_ops.return_visit(
                case,
                actor=None,
                now=now,
                local_today=local_today,
                satisfaction=satisfaction,
                comment=comment,
                online_via=link.created_by,
            )
        except complaint_ops.CaseError:
            return USED, None  # the association recorded a return visit meanwhile
        db.session.flush()
        step_taken.send(case, action="return_visit", now=now)
        db.session.flush()
        return OPEN, repeat
