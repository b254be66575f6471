"""Scoped reads: a proposal is seen by whoever sees its complaint (the unit holding it,
``complaints.queries.cases_query``), and listed to those who may view proposals."""

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.db import db
from portal.major.models import PENDING, MajorProposal
from portal.orgs.scoping import scope_filter

LISTED = 50  # proposals per list page, newest first


def proposals_query(user: User) -> Select:
    return (
        select(MajorProposal)
        .join(Complaint, MajorProposal.complaint_id == Complaint.id)
        .where(scope_filter(user, Complaint.handling_path))
        .options(
            contains_eager(MajorProposal.complaint).options(
                joinedload(Complaint.outlet), joinedload(Complaint.member)
            ),
            joinedload(MajorProposal.decided_by),
        )
    )


def proposal_for_case(case: Complaint) -> MajorProposal | None:
    """The proposal of a case the caller has loaded in scope."""
    return db.session.scalar(select(MajorProposal).where(MajorProposal.complaint_id == case.id))


def proposal_for_case_or_404(case: Complaint) -> MajorProposal:
    proposal = proposal_for_case(case)
    if proposal is None:
        abort(404)
    return proposal


def listed(user: User, state: str | None, limit: int = LISTED) -> list[MajorProposal]:
    query = proposals_query(user)
    if state:
        query = query.where(MajorProposal.state == state)
    return list(
        db.session.scalars(
            query.order_by(MajorProposal.proposed_at.desc(), MajorProposal.id.desc()).limit(limit)
        ).unique()
    )


def counts(user: User) -> dict[str, int]:
    """Proposals per state, in scope."""
    query = (
        select(MajorProposal.state, func.count())
        .join(Complaint, MajorProposal.complaint_id == Complaint.id)
        .where(scope_filter(user, Complaint.handling_path))
        .group_by(MajorProposal.state)
    )
    return dict(db.session.execute(query).tuples().all())


def pending(user: User, limit: int) -> list[MajorProposal]:
    return listed(user, PENDING, limit)
