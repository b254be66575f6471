"""Art. 9(3): which contingency plan covers a complaint or a cluster's scope, as tables."""

from datetime import date

import pytest

from portal.plans.rules import PlanScope, changed_fields, covers_complaint, covers_scope

D = date.fromisoformat
# A plan of member 7 for two outlets' sub-branch (/1/7/20/) and category 5 (a top level)
# and category 31 (a leaf), over the National Day holiday.
PLAN = PlanScope(
    member_id=7,
    unit_paths=("/1/7/20/",),
    category_ids=frozenset({5, 31}),
    starts_on=D("2026-09-28"),
    ends_on=D("2026-10-08"),
)
WHOLE_BANK = PlanScope(7, (), frozenset({5}), D("2026-09-28"), D("2026-10-08"))
WITHDRAWN = PlanScope(7, (), frozenset({5}), D("2026-09-28"), D("2026-10-08"), is_active=False)


@pytest.mark.parametrize(
    "plan, member, outlet, category, parent, received, covered",
    [
        (PLAN, 7, "/1/7/20/21/", 31, 3, "2026-10-01", True),  # the leaf named
        (PLAN, 7, "/1/7/20/21/", 52, 5, "2026-10-01", True),  # under the top level named
        (PLAN, 7, "/1/7/20/", 5, None, "2026-10-01", True),  # the sub-branch itself
        (PLAN, 7, "/1/7/20/21/", 40, 4, "2026-10-01", False),  # another category
        (PLAN, 7, "/1/7/22/23/", 31, 3, "2026-10-01", False),  # an outlet outside
        (PLAN, 7, "/1/7/200/", 31, 3, "2026-10-01", False),  # a path sharing a prefix only
        (PLAN, 8, "/1/7/20/21/", 31, 3, "2026-10-01", False),  # another member
        (PLAN, 7, "/1/7/20/21/", 31, 3, "2026-09-28", True),  # first day counts
        (PLAN, 7, "/1/7/20/21/", 31, 3, "2026-10-08", True),  # last day counts
        (PLAN, 7, "/1/7/20/21/", 31, 3, "2026-09-27", False),  # before
        (PLAN, 7, "/1/7/20/21/", 31, 3, "2026-10-09", False),  # after
        (WHOLE_BANK, 7, "/1/7/22/23/", 52, 5, "2026-10-01", True),  # no units: whole bank
        (WITHDRAWN, 7, "/1/7/22/23/", 52, 5, "2026-10-01", False),  # withdrawn: none
    ],
)
def test_a_complaint_in_the_plans_scope(plan, member, outlet, category, parent, received, covered):
    assert (
        covers_complaint(
            plan,
            member_id=member,
            outlet_path=outlet,
            category_id=category,
            category_parent_id=parent,
            received_on=D(received),
        )
        is covered
    )


@pytest.mark.parametrize(
    "plan, member, outlet, category, parent, start, end, covered",
    [
        (PLAN, 7, "/1/7/20/21/", 31, 3, "2026-10-01", "2026-10-31", True),  # overlaps
        (PLAN, 7, None, None, None, "2026-07-01", "2026-12-31", True),  # member as a whole
        (PLAN, 7, None, 52, 5, "2026-07-01", "2026-12-31", True),  # category only
        (PLAN, 7, "/1/7/22/", None, None, "2026-07-01", "2026-12-31", False),  # outlet outside
        (PLAN, 7, None, 40, 4, "2026-07-01", "2026-12-31", False),  # category outside
        (PLAN, 7, None, None, None, "2026-10-09", "2026-12-31", False),  # after the plan
        (PLAN, 7, None, None, None, "2026-01-01", "2026-09-27", False),  # before the plan
        (PLAN, 7, None, None, None, "2026-10-08", "2026-10-08", True),  # touching its last day
        (PLAN, 9, None, None, None, "2026-07-01", "2026-12-31", False),  # another member
        (WHOLE_BANK, 7, "/1/7/22/", 5, None, "2026-10-01", "2026-10-02", True),
        (WITHDRAWN, 7, None, None, None, "2026-07-01", "2026-12-31", False),
    ],
)
def test_a_clusters_scope_touched_by_the_plan(
    plan, member, outlet, category, parent, start, end, covered
):
    assert (
        covers_scope(
            plan,
            member_id=member,
            outlet_path=outlet,
            category_id=category,
            category_parent_id=parent,
            start=D(start),
            end=D(end),
        )
        is covered
    )


def test_an_edit_records_only_what_changed():
    before = {"title": "国庆排队", "unit_ids": [3], "ends_on": "2026-10-08"}
    after = {"title": "国庆排队", "unit_ids": [3, 4], "ends_on": "2026-10-08"}
    assert changed_fields(before, after) == {"unit_ids": [[3], [3, 4]]}
    assert changed_fields(after, after) == {}
