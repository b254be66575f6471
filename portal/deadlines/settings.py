"""The association's deadline policy (``rules.DeadlinePolicy``), kept in one row."""

from datetime import datetime

from portal.db import db
from portal.deadlines.models import DeadlineSettings
from portal.deadlines.rules import DeadlinePolicy


def current_policy() -> DeadlinePolicy:
    row = db.session.get(DeadlineSettings, 1)
    if row is None:
        return DeadlinePolicy()
    return DeadlinePolicy(
        escalated_reply_days=row.escalated_reply_days,
        reminder_days=tuple(int(n) for n in row.reminder_days.split(",") if n),
        superior_after_days=row.superior_after_days,
        leader_after_days=row.leader_after_days,
    )


def save_policy(policy: DeadlinePolicy, *, actor, now: datetime) -> None:
    row = db.session.get(DeadlineSettings, 1) or DeadlineSettings(id=1)
    row.escalated_reply_days = policy.escalated_reply_days
    row.reminder_days = ",".join(str(n) for n in sorted(set(policy.reminder_days), reverse=True))
    row.superior_after_days = policy.superior_after_days
    row.leader_after_days = policy.leader_after_days
    row.updated_by_id = actor.id if actor else None
    row.updated_at = now
    db.session.add(row)
    db.session.flush()
