"""The 75 % line as a table (regulation.md, "Practice from the other source documents":
an on-time completion rate below 75 % was one source's threshold for ordering
rectification). One pure rule marks the dashboard, the Excel export and the bulletin."""

import pytest

from portal.statistics.rules import (
    DEFAULT_LINE_PERCENT,
    LINE_STAGES,
    below_line,
    may_order,
    rates_below_line,
    stage_marks,
)

LINE = DEFAULT_LINE_PERCENT / 100


@pytest.mark.parametrize(
    ("rate", "threshold", "below"),
    [
        (None, LINE, None),  # nothing counted: no rate, no mark
        (0.0, LINE, True),
        (0.278, LINE, True),  # the province's verification on time in the issue
        (0.7499, LINE, True),
        (3 / 4, LINE, False),  # on the line is not below it
        (0.75 + 1e-12, LINE, False),
        (0.75 - 1e-12, LINE, False),  # float noise around the line is on it
        (0.29, 0.29, False),  # 0.29 * 100 is not exactly 29: still on the line
        (0.8, LINE, False),
        (1.0, LINE, False),
        (0.5, 0.5, False),
        (0.49, 0.5, True),
        (1.0, 1.0, False),  # a line of 100 %: only a perfect rate is not below
        (0.99, 1.0, True),
        (0.0, 0.01, True),
    ],
)
def test_below_line(rate, threshold, below):
    assert below_line(rate, threshold) is below


def test_default_line_is_75_percent():
    assert DEFAULT_LINE_PERCENT == 75


@pytest.mark.parametrize(
    ("stage", "orderable"),
    [
        ("forward", False),  # Art. 11(1): the association's own step, marked only
        ("accept", True),
        ("verify", True),
        ("report", True),
        ("branch_reply", True),
        ("promise", False),  # the outlet's own date, not held against the line
        ("rectify", False),
        ("nonsense", False),
    ],
)
def test_may_order(stage, orderable):
    assert may_order(stage) is orderable


def test_stage_marks_leave_steps_off_the_line_unmarked():
    marks = stage_marks(
        {"forward": 0.5, "accept": 0.9, "verify": None, "promise": 0.1, "report": 0.74}, LINE
    )
    assert marks == {
        "forward": True,
        "accept": False,
        "verify": None,
        "promise": None,
        "report": True,
    }


def test_rates_below_line_in_row_then_step_order():
    rows = [
        {"member_id": 1, "member_name": "甲", "on_time": {"forward": 0.2, "verify": 0.278}},
        {"member_id": 2, "member_name": "乙", "on_time": {"accept": 0.8, "report": None}},
        {"member_id": 3, "member_name": "丙", "on_time": {"branch_reply": 0.1, "accept": 0.7}},
    ]
    found = rates_below_line(rows, LINE)
    assert [(f.member_id, f.stage) for f in found] == [
        (1, "forward"),
        (1, "verify"),
        (3, "accept"),
        (3, "branch_reply"),
    ]
    assert [f.orderable for f in found] == [False, True, True, True]
    assert found[1].rate == 0.278 and found[1].member_name == "甲"


def test_the_line_stages_are_the_five_steps_of_the_issue():
    assert LINE_STAGES == ("forward", "accept", "verify", "report", "branch_reply")
