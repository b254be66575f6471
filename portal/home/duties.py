"""The duties beside the cases on the home page: what the analysis, the summaries and
the advice expect of this person now (Art. 8(5), 9(4)). Each row counts one small
table; the piece loads after the page (``views.duties``)."""

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import func, select

from portal.analysis.models import AdviceAddressee, Finding
from portal.analysis.rules import AdviceStatus, Status
from portal.auth.access import can
from portal.auth.roles import ASSOCIATION_ROLES, MEMBER_ROLES, Permission, Role
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import scope_root
from portal.statistics.rules import Period, last_complete_period
from portal.summaries.models import Countermeasure, PeriodSummary
from portal.summaries.rules import MeasureStatus, SummaryStatus


def N_(text: str) -> str:  # translated where shown
    return text


@dataclass(frozen=True)
class Duty:
    label: str  # a message with %(n)s or %(period)s
    count: int
    url: str
    urgent: bool = False
    period: Period | None = None


def _count(query) -> int:
    return db.session.scalar(query) or 0


def _association(today: date) -> list[Duty]:
    found = []
    period = last_complete_period(today)
    if can(Permission.ANALYSIS_DECIDE):
        n = _count(select(func.count()).where(Finding.status == Status.OPEN))
        found.append(Duty(N_("待审查的集中投诉发现：%(n)s 项"), n, url_for("analysis.index")))
    if can(Permission.ANALYSIS_VIEW):
        n = _count(select(func.count()).where(AdviceAddressee.status == AdviceStatus.ANSWERED))
        found.append(
            Duty(
                N_("会员单位已答复、待跟进的整改建议：%(n)s 项"),
                n,
                url_for("analysis.advice_index"),
            )
        )
    if can(Permission.SUMMARY_OVERSEE):
        members = _count(
            select(func.count()).where(Unit.kind == UnitKind.MEMBER, Unit.is_active.is_(True))
        )
        submitted = _count(
            select(func.count(func.distinct(PeriodSummary.member_id))).where(
                PeriodSummary.period == period.code,
                PeriodSummary.status == SummaryStatus.SUBMITTED,
            )
        )
        found.append(
            Duty(
                N_("%(period)s总结尚未提交的会员单位：%(n)s 家"),
                members - submitted,
                url_for("summaries.index", period=period.code),
                period=period,
            )
        )
        n = _count(select(func.count()).where(Countermeasure.status == MeasureStatus.DONE))
        found.append(
            Duty(
                N_("已报告完成、待核验的整改措施：%(n)s 项"),
                n,
                url_for("summaries.measures", status=MeasureStatus.DONE.value),
            )
        )
    return found


def _member(member_id: int, today: date) -> list[Duty]:
    found = []
    period = last_complete_period(today)
    n = _count(
        select(func.count()).where(
            AdviceAddressee.member_id == member_id, AdviceAddressee.status == AdviceStatus.OPEN
        )
    )
    found.append(
        Duty(N_("待答复的行业整改建议：%(n)s 项"), n, url_for("analysis.advice_index"), urgent=True)
    )
    if can(Permission.SUMMARY_VIEW):
        submitted = _count(
            select(func.count()).where(
                PeriodSummary.member_id == member_id,
                PeriodSummary.period == period.code,
                PeriodSummary.status == SummaryStatus.SUBMITTED,
            )
        )
        found.append(
            Duty(
                N_("%(period)s总结尚未提交"),
                0 if submitted else 1,
                url_for("summaries.index"),
                urgent=True,
                period=period,
            )
        )
        overdue = _count(
            select(func.count())
            .select_from(Countermeasure)
            .join(PeriodSummary, PeriodSummary.id == Countermeasure.summary_id)
            .where(
                PeriodSummary.member_id == member_id,
                Countermeasure.status.in_([MeasureStatus.OPEN, MeasureStatus.RETURNED]),
                Countermeasure.due_on < today,
            )
        )
        found.append(
            Duty(
                N_("逾期未落实的整改措施：%(n)s 项"),
                overdue,
                url_for("summaries.measures", status="overdue"),
                urgent=True,
            )
        )
    return found


def duties(user, today: date) -> list[Duty]:
    """The rows that ask for something (a count above zero), for this user's role."""
    role = Role(user.role)
    if role in ASSOCIATION_ROLES:
        rows = _association(today)
    elif role in MEMBER_ROLES:
        rows = _member(scope_root(user).id, today)
    else:
        rows = []
    return [row for row in rows if row.count]
