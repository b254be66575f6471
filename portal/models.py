"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from portal.accountability.models import (
    AccountabilityCase,
    AccountabilityDocument,
    AccountabilityEvent,
    AccountabilitySettings,
    CaseEvidence,
    Disqualification,
    Interview,
    RectificationPlan,
    Season,
)
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.bulletins.models import Bulletin, BulletinDownload, Job
from portal.complaints.models import (
    Attachment,
    CaseFollower,
    Category,
    Complaint,
    ComplaintEvent,
    PiiReveal,
    Rectification,
    TrackingCounter,
)
from portal.deadlines.models import Clock, ClockEvent, DeadlineSettings
from portal.duty.models import Absence, ContactReport, DutyPair, MemberProfile
from portal.notify.models import Notification, OutboxMessage
from portal.orgs.models import PublicContacts, Unit
from portal.statistics.models import StatisticsSnapshot
from portal.workdays.models import CalendarChange, CalendarDay, CalendarRevision, CalendarYear

__all__ = [
    "AccountabilityCase",
    "AccountabilityEvent",
    "AccountabilitySettings",
    "CaseEvidence",
    "AccountabilityDocument",
    "Disqualification",
    "Interview",
    "RectificationPlan",
    "Season",
    "Bulletin",
    "BulletinDownload",
    "Job",
    "Attachment",
    "CaseFollower",
    "Category",
    "Complaint",
    "ComplaintEvent",
    "PiiReveal",
    "Rectification",
    "TrackingCounter",
    "Absence",
    "AuditEntry",
    "CalendarChange",
    "CalendarDay",
    "CalendarRevision",
    "CalendarYear",
    "Clock",
    "DeadlineSettings",
    "ClockEvent",
    "ContactReport",
    "DutyPair",
    "MemberProfile",
    "Notification",
    "OutboxMessage",
    "StatisticsSnapshot",
    "PublicContacts",
    "Unit",
    "User",
]
