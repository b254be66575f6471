"""The administrators' screens: the unit tree, the users, and the log of their changes
(操作记录). Above orgs, auth and audit, whose rules and writes they call."""
