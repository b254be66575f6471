"""Writes to the unit tree. Every change appends an audit entry; nothing is deleted."""

from sqlalchemy import select

from portal.audit.operations import diff, record
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind, allowed_child_kinds, child_path

UNIT_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "city",
    "district",
    "address",
    "complaint_phone",
    "system_phone",
    "is_associate",
    "in_campaign",
    "institution_group",  # a member's, as the regulator groups banks (issue 25)
)


class UnitError(ValueError):
    """A rule of the tree would be broken; ``field`` names the form field to blame."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _snapshot(unit: Unit) -> dict:
    return {f: getattr(unit, f) for f in UNIT_FIELDS} | {"is_active": unit.is_active}


def _check_code_free(code: str, unit_id: int | None) -> None:
    clash = db.session.scalar(select(Unit.id).where(Unit.code == code))
    if clash is not None and clash != unit_id:
        raise UnitError("code", "该机构代码已被使用。")


def create_unit(*, parent: Unit | None, actor, now, **fields) -> Unit:
    """Add a unit under ``parent`` (None only for the association itself)."""
    kind = UnitKind(fields["kind"])
    if parent is None:
        if kind != UnitKind.ASSOCIATION:
            raise UnitError("parent_id", "请选择上级单位。")
    elif kind not in allowed_child_kinds(parent.unit_kind):
        raise UnitError("kind", "该类型的单位不能设在所选上级单位之下。")
    if parent is not None and not parent.is_active:
        raise UnitError("parent_id", "上级单位已停用。")
    _check_code_free(fields["code"], None)
    if kind != UnitKind.MEMBER:
        fields["is_associate"] = False
    unit = Unit(parent=parent, depth=0 if parent is None else parent.depth + 1, path="", **fields)
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = child_path(parent.path if parent else "/", unit.id)
    if kind == UnitKind.MEMBER:
        unit.member_id = unit.id
    elif parent is not None:
        unit.member_id = parent.member_id
    db.session.flush()
    record(
        actor=actor,
        unit_path=unit.path,
        subject=unit,
        action="unit_created",
        changes=diff({}, _snapshot(unit)),
        now=now,
    )
    return unit


def update_unit(unit: Unit, *, actor, now, **fields) -> Unit:
    """Edit a unit's own details (its place in the tree and its kind do not change)."""
    fields.pop("kind", None)
    if "code" in fields:
        _check_code_free(fields["code"], unit.id)
    if not unit.is_member:
        fields["is_associate"] = False
    before = _snapshot(unit)
    for name, value in fields.items():
        setattr(unit, name, value)
    changes = diff(before, _snapshot(unit))
    if changes:
        record(
            actor=actor,
            unit_path=unit.path,
            subject=unit,
            action="unit_updated",
            changes=changes,
            now=now,
        )
    db.session.flush()
    return unit


def active_children_count(unit: Unit) -> int:
    return len(
        db.session.scalars(
            select(Unit.id).where(Unit.parent_id == unit.id, Unit.is_active.is_(True))
        ).all()
    )


def set_unit_active(unit: Unit, active: bool, *, actor, now) -> None:
    """Deactivate (never delete) a unit; one with active children must wait for them."""
    if unit.is_active == active:
        return
    if not active and active_children_count(unit):
        raise UnitError("is_active", "该单位下仍有启用的下级单位，请先停用下级单位。")
    if active and unit.parent is not None and not unit.parent.is_active:
        raise UnitError("is_active", "上级单位已停用，不能启用本单位。")
    unit.is_active = active
    record(
        actor=actor,
        unit_path=unit.path,
        subject=unit,
        action="unit_activated" if active else "unit_deactivated",
        changes={"is_active": [not active, active]},
        now=now,
    )
    db.session.flush()
