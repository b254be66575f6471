"""``require`` for views, ``can`` for templates: the same predicate answers both."""

from flask import abort
from flask_login import current_user

from portal.auth.roles import Permission, Role, has_permission


def can(permission: Permission | str, user=None) -> bool:
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return False
    return has_permission(Role(user.role), Permission(permission))


def require(permission: Permission) -> None:
    if not can(permission):
        abort(403)
