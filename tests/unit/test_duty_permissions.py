"""Who may do what with contacts and the duty roster (Art. 6, 7), as a truth table."""

import pytest

from portal.auth.roles import Permission, Role, has_permission

P = Permission
TABLE = {
    #                     view  manage absence calendar changes directory
    Role.ASSOC_ADMIN:    (1,    0,     0,      1,       1,      1),
    Role.ASSOC_HANDLER:  (1,    0,     0,      1,       1,      1),
    Role.ASSOC_LEADER:   (1,    0,     0,      1,       1,      1),
    Role.MEMBER_ADMIN:   (1,    1,     1,      1,       1,      0),
    Role.MEMBER_HANDLER: (1,    0,     1,      1,       1,      0),
    Role.MEMBER_LEADER:  (1,    0,     0,      1,       1,      0),
    Role.BRANCH_OFFICER: (0,    0,     0,      0,       0,      0),
}  # fmt: skip
COLUMNS = (
    P.DUTY_PROFILE_VIEW,
    P.DUTY_PROFILE_MANAGE,
    P.DUTY_ABSENCE_MANAGE,
    P.DUTY_CALENDAR_VIEW,
    P.DUTY_CHANGES_VIEW,
    P.DUTY_DIRECTORY_VIEW,
)


@pytest.mark.parametrize("role", list(Role))
def test_duty_permissions(role):
    assert tuple(int(has_permission(role, p)) for p in COLUMNS) == TABLE[role]


def test_permission_names_read_scope_resource_action():
    assert all(p.value.startswith("duty:") and p.value.count(":") == 2 for p in COLUMNS)


def test_existing_permissions_are_untouched():
    assert has_permission(Role.MEMBER_ADMIN, P.USER_MANAGE)
    assert not has_permission(Role.MEMBER_HANDLER, P.AUDIT_VIEW)
