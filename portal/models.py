"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.duty.models import Absence, ContactReport, DutyPair, MemberProfile
from portal.notify.models import Notification, OutboxMessage
from portal.orgs.models import Unit

__all__ = [
    "Absence",
    "AuditEntry",
    "ContactReport",
    "DutyPair",
    "MemberProfile",
    "Notification",
    "OutboxMessage",
    "Unit",
    "User",
]
