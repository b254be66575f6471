"""Who handles complaints at a unit, and who stands above it (Art. 6-10): the people the
sweep reminds and the people a step of the lifecycle tells.

Within one sweep or one step the people of a unit do not change: inside
``remembering_people()`` they are read once per unit and roles, so a night with
thousands of breaches does not ask the database thousands of times.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.duty.queries import duty_handlers
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind

_HANDLER_ROLES = {
    UnitKind.ASSOCIATION: (Role.ASSOC_HANDLER,),
    UnitKind.MEMBER: (Role.MEMBER_HANDLER,),
}
_BRANCH_HANDLER_ROLES = (Role.BRANCH_OFFICER, Role.MEMBER_HANDLER)

_memo: ContextVar[dict | None] = ContextVar("people_memo", default=None)


@contextmanager
def remembering_people() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoized(key: Any, load: Callable[[], list[User]]) -> list[User]:
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def users_at(unit_id: int, roles: Iterable[Role]) -> list[User]:
    """The active users of a unit with one of ``roles``."""
    roles = tuple(roles)
    return memoized(
        (unit_id, roles),
        lambda: list(
            db.session.scalars(
                select(User)
                .where(
                    User.unit_id == unit_id,
                    User.is_active.is_(True),
                    User.role.in_([role.value for role in roles]),
                )
                .order_by(User.id)
            )
        ),
    )


def unit_handlers(unit: Unit) -> list[User]:
    """Active users of ``unit`` who handle complaints at its level (Art. 6, 8, 9, 10)."""
    roles = _HANDLER_ROLES.get(unit.unit_kind, _BRANCH_HANDLER_ROLES)
    return users_at(unit.id, roles)


def nearest_handlers(unit: Unit | None) -> list[User]:
    """The handlers of ``unit``, or of the nearest unit above it that has some: Art. 7
    forbids a complaint that nobody handles."""
    while unit is not None:
        found = unit_handlers(unit)
        if found:
            return found
        unit = unit.parent
    return []


def owner_handlers(owner: Unit) -> list[User]:
    """Who answers for what ``owner`` holds: a unit below the member with people of its
    own (an outlet's officers), those; else, inside a member, the A and B handlers
    answering for it (both see the inbox, Art. 7); else the nearest handlers."""
    if not owner.is_member and not owner.is_association:
        own = unit_handlers(owner)
        if own:
            return own
    if owner.member_id is not None:
        handlers = duty_handlers(owner)
        if handlers:
            return handlers
    return nearest_handlers(owner)


def superiors_of(owner: Unit) -> list[User]:
    """Who hears of a breach besides the owner: the superior unit (Art. 9, 12).

    The association's own breach goes to its leaders; a member unit's to its leader in
    charge of complaints (分管领导, Art. 6) and to the association's handlers, who track
    every forwarded complaint (Art. 8(3)); any other unit's to the nearest unit above it
    with handlers.
    """
    if owner.is_association:
        return users_at(owner.id, (Role.ASSOC_LEADER,))
    if owner.is_member:
        association = owner.parent
        leaders = users_at(owner.id, (Role.MEMBER_LEADER,))
        return leaders + (unit_handlers(association) if association is not None else [])
    return nearest_handlers(owner.parent)


def member_leaders(member: Unit) -> list[User]:
    """The member's leaders in charge of complaints (分管领导, Art. 6)."""
    return users_at(member.id, (Role.MEMBER_LEADER,))
