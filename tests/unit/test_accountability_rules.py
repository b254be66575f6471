"""Art. 12: the four triggers over plain rows, exactly at their thresholds, and the ladder."""

from datetime import date

import pytest

from portal.accountability.rules import (
    CaseRow,
    CaseState,
    Thresholds,
    Trigger,
    can_criticise,
    detect,
    months_before,
    next_state,
)

TODAY = date(2026, 11, 23)
DEFAULT = Thresholds()


def triggers(rows, thresholds=DEFAULT, today=TODAY):
    return [(f.trigger, f.member_id, f.complaint_ids) for f in detect(rows, today, thresholds)]


def test_unaccepted_and_media_fire_on_the_flag_alone():
    rows = [
        CaseRow(1, 10, 100, is_unaccepted=True),
        CaseRow(2, 10, 100, is_media=True),
        CaseRow(3, 10, 100),
    ]
    assert triggers(rows) == [(Trigger.UNACCEPTED, 10, (1,)), (Trigger.MEDIA, 10, (2,))]


@pytest.mark.parametrize(
    "repeats, limit, fires", [(1, 2, False), (2, 2, True), (2, 3, False), (3, 3, True)]
)
def test_repeat_chain_fires_at_its_length(repeats, limit, fires):
    rows = [CaseRow(1, 10, 100)]
    for n in range(repeats):  # each repeat points at the previous one: one chain
        rows.append(CaseRow(n + 2, 10, 100, repeat_of_id=n + 1, repeat_reason="dissatisfied"))
    found = triggers(rows, Thresholds(repeat_chain=limit))
    expected = [(Trigger.REPEAT, 10, tuple(range(1, repeats + 2)))] if fires else []
    assert found == expected


@pytest.mark.parametrize(
    "reason, fires",
    [("attitude", True), ("dragging", True), ("late_reply", False), ("other", False)],
)
def test_one_repeat_for_attitude_or_dragging_fires(reason, fires):
    rows = [CaseRow(1, 10, 100), CaseRow(2, 10, 100, repeat_of_id=1, repeat_reason=reason)]
    assert bool(triggers(rows)) is fires


def _recurring(
    n,
    *,
    received=date(2026, 10, 1),
    finding="substantiated",
    rectified=False,
    outlet=100,
    category=7,
):
    return [
        CaseRow(
            i + 1,
            10,
            outlet,
            category_id=category,
            received_on=received,
            finding=finding,
            has_completed_rectification=rectified and i == 0,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "count, limit, fires", [(2, 3, False), (3, 3, True), (3, 4, False), (4, 4, True)]
)
def test_recurring_fires_at_its_count(count, limit, fires):
    found = triggers(_recurring(count), Thresholds(recurring_count=limit))
    assert found == ([(Trigger.RECURRING, 10, tuple(range(1, count + 1)))] if fires else [])


def test_recurring_needs_substantiated_same_outlet_same_kind_unrectified():
    assert triggers(_recurring(3, finding="partly")) == []
    assert triggers(_recurring(3, rectified=True)) == []
    mixed = _recurring(2) + [
        CaseRow(3, 10, 100, category_id=8, received_on=date(2026, 10, 1), finding="substantiated")
    ]
    assert triggers(mixed) == []


@pytest.mark.parametrize(
    "received, months, fires",
    [
        (date(2026, 5, 24), 6, True),  # inside six months
        (date(2026, 5, 23), 6, False),  # exactly six months back: outside the window
        (date(2026, 5, 23), 7, True),  # a longer window takes it in
    ],
)
def test_recurring_window_in_months(received, months, fires):
    found = triggers(_recurring(3, received=received), Thresholds(recurring_months=months))
    assert bool(found) is fires


def test_months_before_clamps_to_the_month_end():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)


@pytest.mark.parametrize(
    "state, decision, target",
    [
        ("detected", "dismiss", CaseState.DISMISSED),
        ("detected", "interview", CaseState.INTERVIEW),
        ("interview", "verify", CaseState.CLOSED),
        ("interview", "criticise", CaseState.CRITICISED),
        ("detected", "criticise", None),  # Art. 12(2): criticism only after an interview
        ("dismissed", "interview", None),
        ("criticised", "verify", None),
        ("closed", "criticise", None),
    ],
)
def test_ladder(state, decision, target):
    assert next_state(state, decision) == target


@pytest.mark.parametrize(
    "state, due, verified, recurred, allowed",
    [
        ("interview", date(2026, 11, 22), False, False, True),  # overdue
        ("interview", date(2026, 11, 23), False, False, False),  # due today: not yet
        ("interview", date(2026, 11, 30), False, True, True),  # the problem recurred
        ("interview", date(2026, 11, 22), True, False, False),  # rectified and verified
        ("interview", None, False, False, False),
        ("detected", date(2026, 11, 1), False, True, False),
    ],
)
def test_can_criticise(state, due, verified, recurred, allowed):
    assert (
        can_criticise(
            state=state, plan_due_on=due, plan_verified=verified, recurred=recurred, today=TODAY
        )
        is allowed
    )
