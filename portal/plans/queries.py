"""Scoped reads of contingency plans: the association sees every member's plans, a
member's people their own member's (another member's id answers 404), branch officers
none (they see on the case page whether a plan covers the case)."""

from datetime import date

from flask import abort
from sqlalchemy import Select, select

from portal.auth.models import User
from portal.complaints.models import Category, Complaint
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import in_subtree, member_filter
from portal.plans.models import ContingencyPlan, PlanRevision
from portal.plans.rules import PlanStatus, covers_complaint, covers_scope


def plans_query(user: User) -> Select:
    return select(ContingencyPlan).where(member_filter(user, ContingencyPlan.member_id))


def load_plan_or_404(user: User, plan_id: int) -> ContingencyPlan:
    plan = db.session.scalar(plans_query(user).where(ContingencyPlan.id == plan_id))
    if plan is None:
        abort(404)
    return plan


def plan_list(user: User, *, member_id=None, kind=None, status=None) -> list[ContingencyPlan]:
    query = plans_query(user)
    if member_id:
        query = query.where(ContingencyPlan.member_id == member_id)
    if kind:
        query = query.where(ContingencyPlan.kind == kind)
    if status:
        query = query.where(ContingencyPlan.status == status)
    return list(
        db.session.scalars(query.order_by(ContingencyPlan.starts_on.desc(), ContingencyPlan.id))
    )


def history(plan: ContingencyPlan) -> list[PlanRevision]:
    return list(
        db.session.scalars(
            select(PlanRevision)
            .where(PlanRevision.plan_id == plan.id)
            .order_by(PlanRevision.id.desc())
        )
    )


def members() -> list[Unit]:
    """The member banks (and associate members), for the association's filter."""
    return list(
        db.session.scalars(
            select(Unit).where(Unit.kind == UnitKind.MEMBER, Unit.is_active).order_by(Unit.path)
        )
    )


def member_units(member: Unit) -> list[Unit]:
    """The units a plan of ``member`` may name: its branches, sub-branches and outlets."""
    return list(
        db.session.scalars(
            select(Unit)
            .where(in_subtree(Unit.path, member.path), Unit.id != member.id, Unit.is_active)
            .order_by(Unit.path)
        )
    )


def categories() -> list[Category]:
    """Every active category, each top level followed by its subcategories."""
    rows = list(db.session.scalars(select(Category).where(Category.is_active)))
    tops = sorted((c for c in rows if c.parent_id is None), key=lambda c: (c.sort, c.id))
    ordered = []
    for top in tops:
        ordered.append(top)
        ordered += sorted((c for c in rows if c.parent_id == top.id), key=lambda c: (c.sort, c.id))
    return ordered


def named(model, ids) -> list:
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(list(ids))).order_by(model.id)))


def _paths(unit_ids) -> tuple[str, ...]:
    if not unit_ids:
        return ()
    return tuple(db.session.scalars(select(Unit.path).where(Unit.id.in_(list(unit_ids)))))


def _in_force(member_id: int, first: date, last: date) -> list[ContingencyPlan]:
    """The member's plans in force at some day of [first, last]."""
    return list(
        db.session.scalars(
            select(ContingencyPlan)
            .where(
                ContingencyPlan.member_id == member_id,
                ContingencyPlan.status == PlanStatus.ACTIVE,
                ContingencyPlan.starts_on <= last,
                ContingencyPlan.ends_on >= first,
            )
            .order_by(ContingencyPlan.starts_on, ContingencyPlan.id)
        )
    )


def plans_covering_case(case: Complaint) -> list[ContingencyPlan]:
    """Art. 9(3): the plans in force whose scope holds ``case`` (a case the caller has
    loaded through its own scoping)."""
    outlet_path = db.session.scalar(select(Unit.path).where(Unit.id == case.outlet_id))
    parent_id = db.session.scalar(select(Category.parent_id).where(Category.id == case.category_id))
    return [
        plan
        for plan in _in_force(case.member_id, case.received_on, case.received_on)
        if covers_complaint(
            plan.scope(_paths(plan.unit_ids)),
            member_id=case.member_id,
            outlet_path=outlet_path or "",
            category_id=case.category_id,
            category_parent_id=parent_id,
            received_on=case.received_on,
        )
    ]


def plans_covering(
    *, member: Unit, outlet: Unit | None, category: Category | None, start: date, end: date
) -> list[ContingencyPlan]:
    """The plans in force touching a cluster's scope (Art. 8(5) finding, Art. 9(3))."""
    return [
        plan
        for plan in _in_force(member.id, start, end)
        if covers_scope(
            plan.scope(_paths(plan.unit_ids)),
            member_id=member.id,
            outlet_path=outlet.path if outlet else None,
            category_id=category.id if category else None,
            category_parent_id=category.parent_id if category else None,
            start=start,
            end=end,
        )
    ]
