"""Roles and what each may do: pure data, tested as truth tables.

Permission names read ``<scope>:<resource>:<action>``. The tenant boundary itself
(which units and cases a user may see at all) lives in ``portal.orgs.scoping``; this
module only says what a role may do inside what it can see.
"""

from enum import StrEnum


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


class Role(StrEnum):
    ASSOC_ADMIN = "assoc_admin"
    ASSOC_HANDLER = "assoc_handler"
    ASSOC_LEADER = "assoc_leader"
    MEMBER_ADMIN = "member_admin"
    MEMBER_HANDLER = "member_handler"
    MEMBER_LEADER = "member_leader"
    BRANCH_OFFICER = "branch_officer"


ROLE_LABELS = {
    Role.ASSOC_ADMIN: N_("协会管理员"),
    Role.ASSOC_HANDLER: N_("协会受理人员"),
    Role.ASSOC_LEADER: N_("协会领导"),
    Role.MEMBER_ADMIN: N_("会员单位管理员"),
    Role.MEMBER_HANDLER: N_("会员单位承办人"),
    Role.MEMBER_LEADER: N_("会员单位分管领导"),
    Role.BRANCH_OFFICER: N_("网点（分支机构）人员"),
}

ASSOCIATION_ROLES = frozenset({Role.ASSOC_ADMIN, Role.ASSOC_HANDLER, Role.ASSOC_LEADER})
MEMBER_ROLES = frozenset({Role.MEMBER_ADMIN, Role.MEMBER_HANDLER, Role.MEMBER_LEADER})


class Permission(StrEnum):
    ORG_MEMBER_MANAGE = "org:member:manage"  # create/edit member units (association)
    ORG_UNIT_MANAGE = "org:unit:manage"  # create/edit units inside a member's tree
    ORG_UNIT_VIEW = "org:unit:view"
    USER_MANAGE = "org:user:manage"
    AUDIT_VIEW = "org:audit:view"
    # The e-mail outbox: failed mail and sending it again (the association administrator).
    OUTBOX_MANAGE = "notify:outbox:manage"
    # Art. 6, 7: member contacts and the A/B duty roster.
    DUTY_PROFILE_VIEW = "duty:profile:view"  # a member's contacts, pairs and report history
    DUTY_PROFILE_MANAGE = "duty:profile:manage"  # edit contacts and name A/B (member admin)
    DUTY_ABSENCE_MANAGE = "duty:absence:manage"  # handlers enter their own absences only
    DUTY_CALENDAR_VIEW = "duty:calendar:view"
    DUTY_CHANGES_VIEW = "duty:changes:view"  # the contact-change feed, scoped
    DUTY_DIRECTORY_VIEW = "duty:directory:view"  # all members' contacts, gaps, export
    # The working-day calendar every Art. 11 limit is counted on (association only).
    CALENDAR_MANAGE = "calendar:day:manage"
    CASE_VIEW = "case:complaint:view"  # within scope: see portal.complaints.queries
    CASE_INTAKE = "case:complaint:intake"  # Art. 8: the association records complaints
    CATEGORY_MANAGE = "case:category:manage"
    # Art. 12: accountability cases, the ladder and the campaign's eligibility register.
    ACCOUNTABILITY_VIEW = "accountability:case:view"  # scoped: a member sees its own only
    ACCOUNTABILITY_DECIDE = "accountability:case:decide"  # review, interview, verify, criticise
    ACCOUNTABILITY_RESPOND = "accountability:plan:submit"  # the member's plan and evidence
    ACCOUNTABILITY_CONFIGURE = "accountability:settings:manage"  # seasons and thresholds
    # Art. 8(4), 8(5): statistics and the semiannual bulletin.
    STATISTICS_VIEW = "bulletin:statistics:view"  # dashboards and Excel, within scope
    BULLETIN_VIEW = "bulletin:bulletin:view"  # published bulletins, one's own annex
    BULLETIN_MANAGE = "bulletin:bulletin:manage"  # drafts, previews, publishing
    # Art. 8(5): the association's analysis of clusters and surges, and its advice.
    ANALYSIS_VIEW = "analysis:finding:view"  # findings and every advice (association)
    ANALYSIS_DECIDE = "analysis:finding:decide"  # run, confirm/dismiss, typical, advise
    ANALYSIS_CONFIGURE = "analysis:settings:manage"  # the thresholds
    ADVICE_VIEW = "analysis:advice:view"  # the advice addressed to one's own bank
    ADVICE_ANSWER = "analysis:advice:answer"  # the member says what it did
    # 重大投诉: proposals the rules make, confirmed or rejected by a person (portal/major).
    MAJOR_VIEW = "major:proposal:view"  # the list, within scope
    MAJOR_CONFIRM = "major:proposal:confirm"  # association staff; the member's handlers too
    MAJOR_REJECT = "major:proposal:reject"  # the association only: a member cannot veto
    MAJOR_CONFIGURE = "major:settings:manage"  # the rules' thresholds
    # Art. 9(3): members' contingency plans (预案) for foreseeable complaints.
    PLAN_VIEW = "plans:plan:view"  # the register, within scope (a member its own)
    PLAN_FILE = "plans:plan:file"  # file, edit and withdraw one's own member's plans
    # Art. 9(4): members' half-year summaries (总结) and their countermeasures.
    SUMMARY_VIEW = "summaries:summary:view"  # within scope (a member its own)
    SUMMARY_WRITE = "summaries:summary:write"  # write, submit, report countermeasures done
    SUMMARY_OVERSEE = "summaries:summary:oversee"  # remind, verify or send back (association)
    # The regulator return (监管报送): the association's, to the local office of the regulator.
    RETURN_VIEW = "bulletin:return:view"  # the list of versions and their files
    RETURN_MANAGE = "bulletin:return:manage"  # generate a version (a correction with a note)
    # GB/T 9704-2012: the register of the association's document numbers (发文登记).
    DOCUMENT_REGISTER_VIEW = "documents:register:view"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: frozenset(
        {
            Permission.ORG_MEMBER_MANAGE,
            Permission.ORG_UNIT_VIEW,
            Permission.USER_MANAGE,
            Permission.AUDIT_VIEW,
            Permission.OUTBOX_MANAGE,
            Permission.CALENDAR_MANAGE,
            Permission.CASE_VIEW,
            Permission.CASE_INTAKE,
            Permission.CATEGORY_MANAGE,
        }
    ),
    Role.ASSOC_HANDLER: frozenset(
        {Permission.ORG_UNIT_VIEW, Permission.CASE_VIEW, Permission.CASE_INTAKE}
    ),
    Role.ASSOC_LEADER: frozenset(
        {Permission.ORG_UNIT_VIEW, Permission.AUDIT_VIEW, Permission.CASE_VIEW}
    ),
    Role.MEMBER_ADMIN: frozenset(
        {
            Permission.ORG_UNIT_MANAGE,
            Permission.ORG_UNIT_VIEW,
            Permission.USER_MANAGE,
            Permission.AUDIT_VIEW,
            Permission.CASE_VIEW,
        }
    ),
    Role.MEMBER_HANDLER: frozenset({Permission.ORG_UNIT_VIEW, Permission.CASE_VIEW}),
    Role.MEMBER_LEADER: frozenset(
        {Permission.ORG_UNIT_VIEW, Permission.AUDIT_VIEW, Permission.CASE_VIEW}
    ),
    Role.BRANCH_OFFICER: frozenset({Permission.CASE_VIEW}),
}

# Art. 6, 7: members keep their contacts and cover absences A/B; the association reads
# every member's. Branch officers have no part in it.
_DUTY_READ = frozenset(
    {Permission.DUTY_PROFILE_VIEW, Permission.DUTY_CALENDAR_VIEW, Permission.DUTY_CHANGES_VIEW}
)
_DUTY_ASSOCIATION = _DUTY_READ | {Permission.DUTY_DIRECTORY_VIEW}
DUTY_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: _DUTY_ASSOCIATION,
    Role.ASSOC_HANDLER: _DUTY_ASSOCIATION,
    Role.ASSOC_LEADER: _DUTY_ASSOCIATION,
    Role.MEMBER_ADMIN: _DUTY_READ
    | {Permission.DUTY_PROFILE_MANAGE, Permission.DUTY_ABSENCE_MANAGE},
    Role.MEMBER_HANDLER: _DUTY_READ | {Permission.DUTY_ABSENCE_MANAGE},
    Role.MEMBER_LEADER: _DUTY_READ,
}
# Art. 12: the association decides (its leader holds the interview; the administrator
# also sets seasons and thresholds); the member answers. Branch officers have no part.
ACCOUNTABILITY_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: frozenset(
        {
            Permission.ACCOUNTABILITY_VIEW,
            Permission.ACCOUNTABILITY_DECIDE,
            Permission.ACCOUNTABILITY_CONFIGURE,
        }
    ),
    Role.ASSOC_HANDLER: frozenset({Permission.ACCOUNTABILITY_VIEW}),
    Role.ASSOC_LEADER: frozenset(
        {Permission.ACCOUNTABILITY_VIEW, Permission.ACCOUNTABILITY_DECIDE}
    ),
    Role.MEMBER_ADMIN: frozenset(
        {Permission.ACCOUNTABILITY_VIEW, Permission.ACCOUNTABILITY_RESPOND}
    ),
    Role.MEMBER_HANDLER: frozenset(
        {Permission.ACCOUNTABILITY_VIEW, Permission.ACCOUNTABILITY_RESPOND}
    ),
    Role.MEMBER_LEADER: frozenset({Permission.ACCOUNTABILITY_VIEW}),
}
PERMISSIONS = {
    role: granted
    | DUTY_PERMISSIONS.get(role, frozenset())
    | ACCOUNTABILITY_PERMISSIONS.get(role, frozenset())
    for role, granted in PERMISSIONS.items()
}


# Art. 8(4): the association drafts and issues the bulletin; members read it and see
# their own figures. Branch officers have no part in it.
_BULLETIN_READ = frozenset({Permission.STATISTICS_VIEW, Permission.BULLETIN_VIEW})
BULLETIN_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: _BULLETIN_READ | {Permission.BULLETIN_MANAGE},
    Role.ASSOC_HANDLER: _BULLETIN_READ | {Permission.BULLETIN_MANAGE},
    Role.ASSOC_LEADER: _BULLETIN_READ,
    Role.MEMBER_ADMIN: _BULLETIN_READ,
    Role.MEMBER_HANDLER: _BULLETIN_READ,
    Role.MEMBER_LEADER: _BULLETIN_READ,
}
PERMISSIONS = {
    role: granted | BULLETIN_PERMISSIONS.get(role, frozenset())
    for role, granted in PERMISSIONS.items()
}


# Major complaints (重大投诉): the association's staff confirm or reject what the rules
# propose; a member's handlers may confirm for their own cases (they may already set the
# flag on the case page) but not reject, so a bank cannot keep its own case off the
# count. Leaders read and are alerted. Branch officers see the badge on the case only.
_MAJOR_READ = frozenset({Permission.MAJOR_VIEW})
_MAJOR_STAFF = _MAJOR_READ | {Permission.MAJOR_CONFIRM, Permission.MAJOR_REJECT}
MAJOR_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: _MAJOR_STAFF | {Permission.MAJOR_CONFIGURE},
    Role.ASSOC_HANDLER: _MAJOR_STAFF,
    Role.ASSOC_LEADER: _MAJOR_READ,
    Role.MEMBER_ADMIN: _MAJOR_READ,
    Role.MEMBER_HANDLER: _MAJOR_READ | {Permission.MAJOR_CONFIRM},
    Role.MEMBER_LEADER: _MAJOR_READ,
}
PERMISSIONS = {
    role: granted | MAJOR_PERMISSIONS.get(role, frozenset())
    for role, granted in PERMISSIONS.items()
}

# Art. 8(5): the analysis is the association's (its staff run and decide, its leader
# reads, its administrator sets the thresholds); members read the advice addressed to
# them, their handlers and administrators answer it. Branch officers have no part.
_ANALYSIS_READ = frozenset({Permission.ANALYSIS_VIEW})
ANALYSIS_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: _ANALYSIS_READ | {Permission.ANALYSIS_DECIDE, Permission.ANALYSIS_CONFIGURE},
    Role.ASSOC_HANDLER: _ANALYSIS_READ | {Permission.ANALYSIS_DECIDE},
    Role.ASSOC_LEADER: _ANALYSIS_READ,
    Role.MEMBER_ADMIN: frozenset({Permission.ADVICE_VIEW, Permission.ADVICE_ANSWER}),
    Role.MEMBER_HANDLER: frozenset({Permission.ADVICE_VIEW, Permission.ADVICE_ANSWER}),
    Role.MEMBER_LEADER: frozenset({Permission.ADVICE_VIEW}),
}
PERMISSIONS = {
    role: granted | ANALYSIS_PERMISSIONS.get(role, frozenset())
    for role, granted in PERMISSIONS.items()
}

# Art. 9(3), 9(4) are the member's duties: its administrator and handlers (the complaint
# department, Art. 6-7) file plans and write summaries; its leader in charge reads them
# (and is reminded). The association reads every member's; its administrator and
# handlers (the service department, Art. 5) remind and follow the countermeasures up.
# Branch officers see on the case page whether a plan covers it, nothing more.
_MEMBER_DUTIES_READ = frozenset({Permission.PLAN_VIEW, Permission.SUMMARY_VIEW})
_MEMBER_DUTIES_WRITE = _MEMBER_DUTIES_READ | {Permission.PLAN_FILE, Permission.SUMMARY_WRITE}
MEMBER_DUTY_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: _MEMBER_DUTIES_READ | {Permission.SUMMARY_OVERSEE},
    Role.ASSOC_HANDLER: _MEMBER_DUTIES_READ | {Permission.SUMMARY_OVERSEE},
    Role.ASSOC_LEADER: _MEMBER_DUTIES_READ,
    Role.MEMBER_ADMIN: _MEMBER_DUTIES_WRITE,
    Role.MEMBER_HANDLER: _MEMBER_DUTIES_WRITE,
    Role.MEMBER_LEADER: _MEMBER_DUTIES_READ,
}
PERMISSIONS = {
    role: granted | MEMBER_DUTY_PERMISSIONS.get(role, frozenset())
    for role, granted in PERMISSIONS.items()
}

# The regulator return is the association's report on its members: its staff generate
# it, its leader reads it (and finds it on the home page). Members have no part in it;
# nor in the register of the association's document numbers, read by the same people.
_RETURN_READ = frozenset({Permission.RETURN_VIEW, Permission.DOCUMENT_REGISTER_VIEW})
RETURN_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ASSOC_ADMIN: _RETURN_READ | {Permission.RETURN_MANAGE},
    Role.ASSOC_HANDLER: _RETURN_READ | {Permission.RETURN_MANAGE},
    Role.ASSOC_LEADER: _RETURN_READ,
}
PERMISSIONS = {
    role: granted | RETURN_PERMISSIONS.get(role, frozenset())
    for role, granted in PERMISSIONS.items()
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
