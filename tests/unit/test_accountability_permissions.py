"""Art. 12: the association decides, the member answers, branch officers have no part."""

import pytest

from portal.auth.roles import Permission, Role, has_permission

VIEW, DECIDE = Permission.ACCOUNTABILITY_VIEW, Permission.ACCOUNTABILITY_DECIDE
RESPOND, CONFIGURE = Permission.ACCOUNTABILITY_RESPOND, Permission.ACCOUNTABILITY_CONFIGURE

TABLE = {
    Role.ASSOC_ADMIN: {VIEW, DECIDE, CONFIGURE},
    Role.ASSOC_HANDLER: {VIEW},
    Role.ASSOC_LEADER: {VIEW, DECIDE},
    Role.MEMBER_ADMIN: {VIEW, RESPOND},
    Role.MEMBER_HANDLER: {VIEW, RESPOND},
    Role.MEMBER_LEADER: {VIEW},
    Role.BRANCH_OFFICER: set(),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", [VIEW, DECIDE, RESPOND, CONFIGURE])
def test_accountability_permissions(role, permission):
    assert has_permission(role, permission) is (permission in TABLE[role])
