"""Scoped reads of the archive. A dossier is scoped like its case (``orgs.scoping`` on
``Complaint.handling_path``): another bank's dossier answers 404 as its case does."""

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import Select, case, extract, func, select
from sqlalchemy.orm import contains_eager

from portal.archives.models import CaseArchive, Dossier
from portal.archives.rules import DossierState, is_closed_period
from portal.auth.models import User
from portal.complaints.models import Category, Complaint
from portal.complaints.queries import load_case_or_404
from portal.db import db
from portal.orgs.scoping import scope_filter
from portal.statistics.rules import Period


def dossiers_query(user: User | None) -> Select:
    """The dossiers ``user`` may see (None: every one, for the commands), with their
    archive entry and case, newest closure first."""
    case = contains_eager(Dossier.complaint)
    query = (
        select(Dossier)
        .join(Complaint, Complaint.id == Dossier.complaint_id)
        .join(CaseArchive, CaseArchive.complaint_id == Dossier.complaint_id)
        .options(
            case.joinedload(Complaint.member),
            case.joinedload(Complaint.outlet),
            case.joinedload(Complaint.category).joinedload(Category.parent),
            contains_eager(Dossier.archive),
        )
        .order_by(Dossier.closed_at.desc(), Dossier.id.desc())
    )
    return query if user is None else query.where(scope_filter(user, Complaint.handling_path))


def in_period(query: Select, period: Period) -> Select:
    return query.where(Dossier.closed_on >= period.first_day, Dossier.closed_on <= period.last_day)


@dataclass
class CaseDossiers:
    archive: CaseArchive | None
    versions: list[Dossier]


def for_case(user: User, case_id: int) -> tuple[Complaint, CaseDossiers]:
    """A case in ``user``'s scope (404 otherwise) and its archive entry and dossiers."""
    case = load_case_or_404(user, case_id)
    archive = db.session.scalar(select(CaseArchive).where(CaseArchive.complaint_id == case.id))
    versions = list(
        db.session.scalars(
            select(Dossier).where(Dossier.complaint_id == case.id).order_by(Dossier.version.desc())
        )
    )
    return case, CaseDossiers(archive, versions)


def load_dossier_or_404(
    user: User, case_id: int, version: int | None
) -> tuple[CaseArchive, Dossier]:
    """The case's dossier of ``version`` (the latest when None), in ``user``'s scope."""
    _case, found = for_case(user, case_id)
    if found.archive is None or not found.versions:
        abort(404)
    if version is None:
        return found.archive, found.versions[0]
    for item in found.versions:
        if item.version == version:
            return found.archive, item
    abort(404)


def half_years(user: User, today: date) -> list[dict]:
    """Each half year with dossiers in ``user``'s scope (by Beijing date of closure):
    how many are frozen, due and erased, and whether it is over (exportable). One
    aggregation."""
    half = case((extract("month", Dossier.closed_on) <= 6, 1), else_=2)
    rows = db.session.execute(
        select(extract("year", Dossier.closed_on), half, Dossier.state, func.count())
        .join(Complaint, Complaint.id == Dossier.complaint_id)
        .where(scope_filter(user, Complaint.handling_path))
        .group_by(extract("year", Dossier.closed_on), half, Dossier.state)
    ).all()
    periods: dict[Period, dict] = {}
    for year, half_no, state, count in rows:
        period = Period(int(year), int(half_no))
        entry = periods.setdefault(
            period, {"period": period, "frozen": 0, "due": 0, "erased": 0, "total": 0}
        )
        entry[state] += count
        entry["total"] += count
    for entry in periods.values():
        entry["closed"] = is_closed_period(entry["period"].last_day, today)
    return sorted(periods.values(), key=lambda e: e["period"], reverse=True)


def export_rows(user: User | None, period: Period) -> list[Dossier]:
    """The dossiers of a half year in ``user``'s scope, in archive-number order (no
    bytes loaded)."""
    query = in_period(dossiers_query(user), period).order_by(None)
    query = query.order_by(CaseArchive.archive_no, Dossier.version)
    return list(db.session.scalars(query).unique())


def zip_bytes(dossier_id: int) -> bytes | None:
    return db.session.scalar(select(Dossier.zip).where(Dossier.id == dossier_id))


def totals(periods: list[dict]) -> dict[str, int]:
    """The states' counts over every half year (``half_years``' rows, summed)."""
    return {state.value: sum(p[state.value] for p in periods) for state in DossierState}
