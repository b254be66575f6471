"""Reads of the analysis (Art. 8(5)). The rules' rows: one query per rule over a half
year, as plain ``rules.CaseRow``. The screens' reads, scoped: findings are the
association's (anyone else: 404); an advice is seen by the association and by the
members it is addressed to, each of which sees its own answers only."""

from flask import abort
from sqlalchemy import Select, case, false, func, select, true

from portal.analysis.models import (
    Advice,
    AdviceAddressee,
    AdviceEntry,
    AnalysisRun,
    Finding,
    FindingCase,
    FindingEvent,
)
from portal.analysis.rules import CaseRow, Status
from portal.auth.models import User
from portal.auth.roles import ASSOCIATION_ROLES, MEMBER_ROLES, Role
from portal.complaints.models import Complaint
from portal.complaints.rules import SET_ASIDE_STATES
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import scope_root
from portal.statistics.rules import Period

_ROW_COLUMNS = (
    Complaint.id,
    Complaint.member_id,
    Complaint.outlet_id,
    Complaint.category_id,
    Complaint.received_on,
    Complaint.repeat_of_id,
    Complaint.is_media,
)
# Complaints set aside at intake (invalid, out of scope, a duplicate registration) are
# no part of any cluster; those still to be decided are (a cluster shows early).
_COUNTED = Complaint.state.notin_([s.value for s in SET_ASIDE_STATES])


def _rows(statement) -> list[CaseRow]:
    return [CaseRow(*row) for row in db.session.execute(statement)]


def period_rows(period: Period) -> list[CaseRow]:
    """The period's complaints (outlet clusters, member surges, wide rises)."""
    return _rows(
        select(*_ROW_COLUMNS).where(
            Complaint.received_on >= period.first_day,
            Complaint.received_on <= period.last_day,
            _COUNTED,
        )
    )


def previous_counts(period: Period) -> dict[tuple[int, int], int]:
    """The half year before: complaints per (member, category), one aggregation."""
    before = period.previous()
    rows = db.session.execute(
        select(Complaint.member_id, Complaint.category_id, func.count())
        .where(
            Complaint.received_on >= before.first_day,
            Complaint.received_on <= before.last_day,
            _COUNTED,
        )
        .group_by(Complaint.member_id, Complaint.category_id)
    )
    return {(member, category): count for member, category, count in rows}


def chain_rows(period: Period) -> list[CaseRow]:
    """The period's repeats and media complaints, and every complaint up their chains
    (a chain's first complaint may lie in an earlier half year)."""
    rows = _rows(
        select(*_ROW_COLUMNS).where(
            Complaint.received_on >= period.first_day,
            Complaint.received_on <= period.last_day,
            (Complaint.repeat_of_id.isnot(None)) | Complaint.is_media.is_(True),
        )
    )
    known = {row.id for row in rows}
    wanted = {row.repeat_of_id for row in rows if row.repeat_of_id} - known
    while wanted:  # one query per level of the chains (a few)
        parents = _rows(select(*_ROW_COLUMNS).where(Complaint.id.in_(sorted(wanted))))
        rows += parents
        known |= {row.id for row in parents}
        wanted = {row.repeat_of_id for row in parents if row.repeat_of_id} - known
    return rows


# -- Screens ---------------------------------------------------------------------------


def is_association(user: User) -> bool:
    return Role(user.role) in ASSOCIATION_ROLES


def findings_query(user: User) -> Select:
    """Findings are the association's working material: nobody else sees any."""
    return select(Finding).where(true() if is_association(user) else false())


def load_finding_or_404(user: User, finding_id: int) -> Finding:
    found = db.session.scalar(findings_query(user).where(Finding.id == finding_id))
    if found is None:
        abort(404)
    return found


def findings(user: User, *, period: str | None, kind: str | None, status: str | None):
    query = findings_query(user)
    if period:
        query = query.where(Finding.period == period)
    if kind:
        query = query.where(Finding.kind == kind)
    if status:
        query = query.where(Finding.status == status)
    case_count = (
        select(func.count())
        .where(FindingCase.finding_id == Finding.id)
        .correlate(Finding)
        .scalar_subquery()
    )
    order = case((Finding.status == Status.OPEN, 0), else_=1)
    return db.session.execute(
        query.add_columns(case_count).order_by(Finding.period.desc(), order, Finding.id.desc())
    ).all()


def finding_cases(finding: Finding) -> list[Complaint]:
    return list(
        db.session.scalars(
            select(Complaint)
            .join(FindingCase, FindingCase.complaint_id == Complaint.id)
            .where(FindingCase.finding_id == finding.id)
            .order_by(Complaint.received_on, Complaint.id)
        )
    )


def finding_history(finding: Finding) -> list[FindingEvent]:
    return list(
        db.session.scalars(
            select(FindingEvent)
            .where(FindingEvent.finding_id == finding.id)
            .order_by(FindingEvent.at, FindingEvent.id)
        )
    )


def last_run(period: str) -> AnalysisRun | None:
    return db.session.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.period == period)
        .order_by(AnalysisRun.id.desc())
        .limit(1)
    )


def members() -> list[Unit]:
    """The member banks an advice may be addressed to."""
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.kind == UnitKind.MEMBER, Unit.is_active.is_(True))
            .order_by(Unit.code)
        )
    )


def own_member_id(user: User) -> int | None:
    """The member bank whose advice ``user`` reads, None for the association (every
    advice); branch officers read none (``advice_query``)."""
    return scope_root(user).id if Role(user.role) in MEMBER_ROLES else None


def advice_query(user: User) -> Select:
    if is_association(user):
        return select(Advice)
    if Role(user.role) not in MEMBER_ROLES:
        return select(Advice).where(false())
    addressed = select(AdviceAddressee.advice_id).where(
        AdviceAddressee.member_id == scope_root(user).id
    )
    return select(Advice).where(Advice.id.in_(addressed))


def load_advice_or_404(user: User, advice_id: int) -> Advice:
    found = db.session.scalar(advice_query(user).where(Advice.id == advice_id))
    if found is None:
        abort(404)
    return found


def advice_list(user: User, *, status: str | None = None) -> list[tuple[Advice, list]]:
    """Each advice with the addressees ``user`` may see (a member: its own row)."""
    query = advice_query(user).order_by(Advice.issued_at.desc(), Advice.id.desc())
    own = own_member_id(user)
    out = []
    for advice in db.session.scalars(query):
        rows = [a for a in advice.addressees if own is None or a.member_id == own]
        if status:
            rows = [a for a in rows if a.status == status]
            if not rows:
                continue
        out.append((advice, rows))
    return out


def visible_addressees(user: User, advice: Advice) -> list[AdviceAddressee]:
    own = own_member_id(user)
    return [a for a in advice.addressees if own is None or a.member_id == own]


def advice_entries(user: User, advice: Advice) -> list[AdviceEntry]:
    query = select(AdviceEntry).where(AdviceEntry.advice_id == advice.id)
    own = own_member_id(user)
    if own is not None:
        query = query.where(AdviceEntry.member_id == own)
    return list(db.session.scalars(query.order_by(AdviceEntry.at, AdviceEntry.id)))


def advice_of_finding(finding: Finding) -> list[Advice]:
    return list(
        db.session.scalars(
            select(Advice).where(Advice.finding_id == finding.id).order_by(Advice.id)
        )
    )


def confirmed_for_period(period: str) -> list[Finding]:
    """The period's confirmed findings, for the bulletin's Art. 8(5) section: typical
    cases first, then by kind and id."""
    return list(
        db.session.scalars(
            select(Finding)
            .where(Finding.period == period, Finding.status == Status.CONFIRMED)
            .order_by(Finding.is_typical.desc(), Finding.kind, Finding.id)
        )
    )


def advice_for_period(period: str) -> list[Advice]:
    return list(
        db.session.scalars(
            select(Advice).where(Advice.period == period).order_by(Advice.issued_at, Advice.id)
        )
    )


def unit_names(ids) -> dict[int, str]:
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    rows = db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)))
    return {unit_id: name for unit_id, name in rows}
