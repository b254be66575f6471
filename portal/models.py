"""Imports every model so that the metadata (and Alembic) sees the whole schema."""

from portal.accountability.models import (
    AccountabilityCase,
    AccountabilityDocument,
    AccountabilityEvent,
    AccountabilitySettings,
    CaseEvidence,
    Disqualification,
    Interview,
    RateEvidence,
    RectificationPlan,
    Season,
)
from portal.analysis.models import (
    Advice,
    AdviceAddressee,
    AdviceEntry,
    AnalysisRun,
    AnalysisSettings,
    Finding,
    FindingCase,
    FindingEvent,
)
from portal.api.models import ApiIdempotency, ApiToken
from portal.api.webhooks import WebhookEndpoint
from portal.archives.models import ArchiveCounter, ArchiveSettings, CaseArchive, Dossier
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.bulletins.models import Bulletin, BulletinDownload, Job
from portal.codes.models import CategoryCode, Code, CodeVersion
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
from portal.documents.models import DocumentNumber
from portal.duty.models import Absence, ContactReport, CustomerReport, DutyPair, MemberProfile
from portal.major.models import MajorProposal, MajorSettings
from portal.notify.models import Notification, OutboxMessage
from portal.orgs.models import PublicContacts, Unit
from portal.plans.models import ContingencyPlan, PlanRevision
from portal.returns.models import RegulatorReturn, ReturnDownload
from portal.statistics.models import RateLineSetting, StatisticsSnapshot
from portal.summaries.models import Countermeasure, PeriodSummary, SummaryEvent
from portal.tracking.models import TrackLookup, VisitLink
from portal.web.rate_limit import RateWindow
from portal.workdays.models import CalendarChange, CalendarDay, CalendarRevision, CalendarYear

__all__ = [
    "CategoryCode",
    "Code",
    "CodeVersion",
    "CustomerReport",
    "DocumentNumber",
    "AccountabilityCase",
    "AccountabilityEvent",
    "AccountabilitySettings",
    "CaseEvidence",
    "AccountabilityDocument",
    "Disqualification",
    "Interview",
    "RectificationPlan",
    "Season",
    "Advice",
    "AdviceAddressee",
    "AdviceEntry",
    "AnalysisRun",
    "AnalysisSettings",
    "ArchiveCounter",
    "ArchiveSettings",
    "CaseArchive",
    "Dossier",
    "Finding",
    "FindingCase",
    "FindingEvent",
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
    "MajorProposal",
    "MajorSettings",
    "Notification",
    "OutboxMessage",
    "StatisticsSnapshot",
    "RateEvidence",
    "RateLineSetting",
    "PublicContacts",
    "Unit",
    "User",
    "ContingencyPlan",
    "PlanRevision",
    "Countermeasure",
    "PeriodSummary",
    "SummaryEvent",
    "RateWindow",
    "TrackLookup",
    "VisitLink",
    "ApiToken",
    "ApiIdempotency",
    "WebhookEndpoint",
    "RegulatorReturn",
    "ReturnDownload",
]
