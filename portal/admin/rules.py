"""Who may administer what: which roles an administrator may give, which units it may
edit, deactivate or add to. Pure truth tables over a role and a unit kind."""

from portal.auth.roles import Role
from portal.orgs.rules import UnitKind


def assignable_roles(actor_role: Role, unit_kind: UnitKind) -> list[Role]:
    """Roles an administrator may give a user who belongs to a unit of ``unit_kind``.

    The association administrator staffs the association and names each member's
    administrator (Art. 6: the member reports its people to the association); a
    member administrator staffs its own tree.
    """
    if actor_role == Role.ASSOC_ADMIN:
        if unit_kind == UnitKind.ASSOCIATION:
            return [Role.ASSOC_ADMIN, Role.ASSOC_HANDLER, Role.ASSOC_LEADER]
        if unit_kind == UnitKind.MEMBER:
            return [Role.MEMBER_ADMIN]
        return []
    if actor_role == Role.MEMBER_ADMIN:
        if unit_kind == UnitKind.MEMBER:
            return [Role.MEMBER_ADMIN, Role.MEMBER_HANDLER, Role.MEMBER_LEADER]
        if unit_kind in (UnitKind.ASSOCIATION,):
            return []
        # Intermediate units that handle complaints themselves keep handlers too.
        if unit_kind == UnitKind.OUTLET:
            return [Role.BRANCH_OFFICER]
        return [Role.MEMBER_HANDLER, Role.BRANCH_OFFICER]
    return []


def can_edit_unit(role: Role, unit_kind: UnitKind) -> bool:
    """Which units' details a role may edit (always inside the role's scope)."""
    if role == Role.ASSOC_ADMIN:
        return unit_kind in (UnitKind.ASSOCIATION, UnitKind.MEMBER)
    if role == Role.MEMBER_ADMIN:
        return unit_kind != UnitKind.ASSOCIATION
    return False


def can_toggle_unit(role: Role, unit_kind: UnitKind) -> bool:
    """Deactivating a member is the association's decision; a member runs its own tree."""
    if role == Role.ASSOC_ADMIN:
        return unit_kind == UnitKind.MEMBER
    if role == Role.MEMBER_ADMIN:
        return unit_kind not in (UnitKind.ASSOCIATION, UnitKind.MEMBER)
    return False


def can_add_child(role: Role, parent_kind: UnitKind) -> bool:
    if role == Role.ASSOC_ADMIN:
        return parent_kind == UnitKind.ASSOCIATION
    if role == Role.MEMBER_ADMIN:
        return parent_kind not in (UnitKind.ASSOCIATION, UnitKind.OUTLET)
    return False
