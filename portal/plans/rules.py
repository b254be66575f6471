"""Pure rules of contingency plans (Art. 9(3): 对可预见的客户投诉制定应对方案): the kinds
of foreseeable complaints and which plan covers a complaint or
a cluster's scope. No Flask, no database, no clock: tested as tables
(tests/unit/test_plans_rules.py)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


class PlanKind(StrEnum):
    MIGRATION = "migration"  # a system migration or upgrade
    HOLIDAY = "holiday"  # queues before and after a holiday
    MATURITY = "maturity"  # a wealth product maturing (below expectations)
    CLOSURE = "closure"  # an outlet closing or moving
    OTHER = "other"


KIND_LABELS = {
    PlanKind.MIGRATION: N_("系统迁移升级"),
    PlanKind.HOLIDAY: N_("节假日排队"),
    PlanKind.MATURITY: N_("产品到期兑付"),
    PlanKind.CLOSURE: N_("网点撤并迁址"),
    PlanKind.OTHER: N_("其他"),
}


class PlanStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"  # never deleted: a withdrawn plan stays on record


STATUS_LABELS = {PlanStatus.ACTIVE: N_("有效"), PlanStatus.WITHDRAWN: N_("已撤回")}


@dataclass(frozen=True)
class PlanScope:
    """What a plan covers: a member's outlets (by their unit paths; none: the whole
    bank), categories (a top-level category takes its subcategories) and dates."""

    member_id: int
    unit_paths: tuple[str, ...]
    category_ids: frozenset[int]
    starts_on: date
    ends_on: date
    is_active: bool = True


def _outlet_inside(outlet_path: str, unit_paths: Iterable[str]) -> bool:
    paths = tuple(unit_paths)
    return not paths or any(outlet_path.startswith(p) for p in paths)


def _category_inside(category_id: int, parent_id: int | None, category_ids) -> bool:
    return category_id in category_ids or (parent_id is not None and parent_id in category_ids)


def covers_complaint(
    scope: PlanScope,
    *,
    member_id: int,
    outlet_path: str,
    category_id: int,
    category_parent_id: int | None,
    received_on: date,
) -> bool:
    """Art. 9(3): the complaint falls within a plan in force: the same member, its outlet
    among the plan's units (or anywhere when the plan names none), its category among
    the plan's (or under one), received within the plan's dates."""
    return (
        scope.is_active
        and scope.member_id == member_id
        and _outlet_inside(outlet_path, scope.unit_paths)
        and _category_inside(category_id, category_parent_id, scope.category_ids)
        and scope.starts_on <= received_on <= scope.ends_on
    )


def covers_scope(
    scope: PlanScope,
    *,
    member_id: int,
    outlet_path: str | None,
    category_id: int | None,
    category_parent_id: int | None,
    start: date,
    end: date,
) -> bool:
    """A cluster's scope (Art. 8(5)) is covered by a plan in force of its member whose
    dates overlap the cluster's; when the cluster names an outlet it lies among the plan's
    units, when it names a category it is among the plan's (a cluster without an outlet
    or a category is about the member as a whole: any plan of the member touches it)."""
    if not scope.is_active or scope.member_id != member_id:
        return False
    if scope.ends_on < start or scope.starts_on > end:
        return False
    if outlet_path is not None and not _outlet_inside(outlet_path, scope.unit_paths):
        return False
    if category_id is not None and not _category_inside(
        category_id, category_parent_id, scope.category_ids
    ):
        return False
    return True


def changed_fields(before: dict, after: dict) -> dict:
    """{field: [before, after]} for what an edit changed (the plan's history and audit)."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}
