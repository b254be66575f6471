"""Recording changes. Callers pass the before/after they computed; nothing is inferred."""

from portal.audit.models import AuditEntry
from portal.db import db


def diff(before: dict, after: dict) -> dict:
    """Only the fields that changed, as {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(*, actor, unit_path: str, subject, action: str, changes: dict, now) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        unit_path=unit_path,
        subject_type=type(subject).__name__,
        subject_id=subject.id,
        action=action,
        changes=changes,
    )
    db.session.add(entry)
    return entry
