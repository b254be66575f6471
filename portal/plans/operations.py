"""Writes on contingency plans (Art. 9(3)): file, edit (a new version, the old one kept
in the history), withdraw. Each appends to the plan's history and to the change log,
then flushes; the caller commits."""

from datetime import date, datetime

from portal.audit.operations import record
from portal.db import db
from portal.orgs.models import Unit
from portal.plans.models import ContingencyPlan, PlanRevision
from portal.plans.rules import PlanStatus, changed_fields

FIELDS = ("kind", "title", "measures", "category_ids", "unit_ids", "starts_on", "ends_on")


class PlanError(ValueError):
    """A step the plan's state does not allow (editing or withdrawing a withdrawn plan)."""


def content(plan: ContingencyPlan) -> dict:
    """The plan's fields as plain data (dates as ISO text), as its history keeps them."""
    values = {name: getattr(plan, name) for name in FIELDS}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _normalised(data: dict) -> dict:
    data = {name: data[name] for name in FIELDS}
    data["category_ids"] = sorted(set(data["category_ids"]))
    data["unit_ids"] = sorted(set(data["unit_ids"]))
    return data


def _log(plan, action, *, actor, now, note=None, changes=None) -> None:
    db.session.add(
        PlanRevision(
            plan_id=plan.id,
            number=plan.revision,
            action=action,
            at=now,
            actor_id=actor.id if actor else None,
            note=note,
            content=content(plan),
            changes=changes or {},
        )
    )
    member = db.session.get(Unit, plan.member_id)
    record(
        actor=actor,
        unit_path=member.path if member else "/",
        subject=plan,
        action=f"plan_{action}",
        changes=changes or {"title": [None, plan.title]},
        now=now,
    )
    db.session.flush()


def file_plan(*, member: Unit, actor, now: datetime, data: dict) -> ContingencyPlan:
    """Art. 9(3): the member files a plan for foreseeable complaints."""
    plan = ContingencyPlan(
        member_id=member.id,
        status=PlanStatus.ACTIVE,
        revision=1,
        filed_by_id=actor.id if actor else None,
        filed_at=now,
        updated_at=now,
        **_normalised(data),
    )
    db.session.add(plan)
    db.session.flush()
    _log(plan, "filed", actor=actor, now=now)
    return plan


def edit_plan(plan: ContingencyPlan, *, actor, now: datetime, data: dict, note: str | None):
    """A new version of the plan; the previous one stays in its history. An edit that
    changes nothing writes nothing. Returns whether anything changed."""
    if not plan.is_active:
        raise PlanError("withdrawn")
    before = content(plan)
    new = _normalised(data)
    after = {k: v.isoformat() if isinstance(v, date) else v for k, v in new.items()}
    changes = changed_fields(before, after)
    if not changes:
        return False
    for name, value in new.items():
        setattr(plan, name, value)
    plan.revision += 1
    plan.updated_at = now
    db.session.flush()
    _log(plan, "edited", actor=actor, now=now, note=note, changes=changes)
    return True


def withdraw_plan(plan: ContingencyPlan, *, actor, now: datetime, reason: str) -> None:
    """Withdrawn, not deleted: complaints no longer show it, its history stays."""
    if not plan.is_active:
        raise PlanError("withdrawn")
    plan.status = PlanStatus.WITHDRAWN
    plan.revision += 1
    plan.updated_at = now
    db.session.flush()
    _log(
        plan,
        "withdrawn",
        actor=actor,
        now=now,
        note=reason,
        changes={"status": [PlanStatus.ACTIVE.value, PlanStatus.WITHDRAWN.value]},
    )
