"""What the API hears from the lifecycle: a case forwarded to a member, sent back to it
or recalled from it queues a signed webhook to that member's system
(``api.webhooks``), in the step's own transaction: a refused step queues nothing. And
from the outbox: a webhook about to be sent is signed afresh, at the attempt's time.

Only steps taken through ``complaints.actions.perform`` (the case page, and the API's
own steps) send ``step_taken``: the demo's seed forwards through the operations
directly and queues no webhook."""

from sqlalchemy import select

from portal.api.webhooks import STEP_EVENTS, queue_event, sign_afresh
from portal.complaints.models import ComplaintEvent
from portal.complaints.signals import step_taken
from portal.db import db
from portal.notify.signals import webhook_due


@step_taken.connect
def _tell_the_members_system(case, *, action: str, now, **_) -> None:
    event = STEP_EVENTS.get(action)
    if event is not None:
        queue_event(case, event, now=now)
    elif action == "correct":
        _rerouted(case, now)


@webhook_due.connect
def _sign_at_sending(message, *, now, **_) -> dict | None:
    return sign_afresh(message, now)


def _rerouted(case, now) -> None:
    """A corrected outlet of another bank, before acceptance, moves the case to that
    bank (``complaints.operations.correct`` and ``_reroute``: "rerouted", then this
    step's "corrected" naming the member's change): forwarded to it, and recalled from
    the bank it was forwarded to before."""
    moves = db.session.execute(
        select(ComplaintEvent.action, ComplaintEvent.detail)
        .where(
            ComplaintEvent.complaint_id == case.id,
            ComplaintEvent.action.in_(("corrected", "rerouted", "forwarded")),
        )
        .order_by(ComplaintEvent.id.desc())
        .limit(3)
    ).all()
    if len(moves) < 2 or [m.action for m in moves[:2]] != ["corrected", "rerouted"]:
        return
    if "member" not in (moves[0].detail or {}).get("changes", {}):
        return  # this correction moved nothing (an earlier one did)
    queue_event(case, "case.forwarded", now=now)
    before = (moves[2].detail or {}).get("to_id") if len(moves) > 2 else None
    if before and before != case.member_id:
        queue_event(case, "case.recalled", now=now, member_id=before)
