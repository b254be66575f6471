"""Art. 9(4): a summary's standing per member, the countermeasures' follow-up and when
one is overdue, as tables."""

from datetime import date

import pytest

from portal.summaries.rules import (
    Standing,
    is_overdue,
    next_measure_status,
    standing,
    to_remind,
)


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([], Standing.MISSING),
        (["draft"], Standing.DRAFT),
        (["submitted"], Standing.SUBMITTED),
        (["submitted", "draft"], Standing.SUBMITTED),  # a correction under way
        (["submitted", "submitted"], Standing.SUBMITTED),
    ],
)
def test_standing(statuses, expected):
    assert standing(statuses) == expected


def test_reminders_go_to_every_member_without_a_submitted_summary():
    standings = {3: Standing.SUBMITTED, 4: Standing.DRAFT, 5: Standing.MISSING}
    assert to_remind(standings) == [4, 5]


@pytest.mark.parametrize(
    "status, step, after",
    [
        ("open", "done", "done"),
        ("returned", "done", "done"),
        ("done", "verify", "verified"),
        ("done", "return", "returned"),
        ("open", "verify", None),  # nothing to verify before it is reported done
        ("open", "return", None),
        ("verified", "return", None),  # verified is final
        ("verified", "done", None),
        ("done", "done", None),
    ],
)
def test_follow_up_steps(status, step, after):
    assert next_measure_status(status, step) == after


@pytest.mark.parametrize(
    "status, due, overdue",
    [
        ("open", "2026-11-22", True),
        ("open", "2026-11-23", False),  # due today: not yet
        ("returned", "2026-11-01", True),
        ("done", "2026-11-01", False),  # reported: the association's turn
        ("verified", "2026-11-01", False),
    ],
)
def test_overdue(status, due, overdue):
    assert is_overdue(status, date.fromisoformat(due), date(2026, 11, 23)) is overdue
