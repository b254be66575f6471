"""The tenancy boundary: the one place that decides which units a user may see.

The association sees the whole tree; a member bank's people see their bank's subtree;
a branch officer sees its own unit and whatever lies beneath it (Art. 9, 10). Every
query of tenant data starts from here, and every load of one object goes through a
``load_*_or_404`` so that an id outside the user's scope answers exactly like an id
that does not exist.
"""

from flask import abort
from sqlalchemy import Select, and_, bindparam, select

from portal.auth.models import User
from portal.auth.roles import ASSOCIATION_ROLES, MEMBER_ROLES, Role
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import subtree_bounds


def scope_root(user: User) -> Unit:
    """The unit whose subtree ``user`` may see."""
    role = Role(user.role)
    if role in ASSOCIATION_ROLES:
        return user.unit
    if role in MEMBER_ROLES:
        return user.unit.member or user.unit
    return user.unit


def in_subtree(path_column, root_path: str):
    low, high = subtree_bounds(root_path)
    return and_(path_column >= low, path_column < high)


def scope_filter(user: User, path_column):
    """A SQL condition keeping rows whose unit path lies in ``user``'s scope."""
    return in_subtree(path_column, scope_root(user).path)


def scoped(path_column):
    """``scope_filter`` for a statement built once and run for any user: the scope comes
    in as the bound values ``scope_params(user)`` (a hot read then skips rebuilding its
    statement and SQLAlchemy's cache key on every request)."""
    return and_(path_column >= bindparam("scope_low"), path_column < bindparam("scope_high"))


def scope_params(user: User) -> dict:
    """The values of ``scoped``'s bounds for ``user``."""
    low, high = subtree_bounds(scope_root(user).path)
    return {"scope_low": low, "scope_high": high}


def units_query(user: User) -> Select:
    return select(Unit).where(scope_filter(user, Unit.path))


def users_query(user: User) -> Select:
    return select(User).join(User.unit).where(scope_filter(user, Unit.path))


def can_see_unit(user: User, unit: Unit) -> bool:
    return unit.path.startswith(scope_root(user).path)


def load_unit_or_404(user: User, unit_id: int) -> Unit:
    unit = db.session.scalar(units_query(user).where(Unit.id == unit_id))
    if unit is None:
        abort(404)
    return unit


def load_user_or_404(user: User, user_id: int) -> User:
    found = db.session.scalar(users_query(user).where(User.id == user_id))
    if found is None:
        abort(404)
    return found
