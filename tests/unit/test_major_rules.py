"""Major complaints (重大投诉): the rules over plain rows, at their thresholds.

The practice definition (regulation.md, "Practice from the other source documents"): a
major complaint shows serious service/management gaps, or remains unresolved after
several rounds and tends to escalate. Each reason cites its half of it."""

from datetime import date, timedelta

import pytest

from portal.major.rules import (
    DEFINITION,
    REASON_MESSAGES,
    CaseRow,
    Criterion,
    Reason,
    Thresholds,
    chain_of,
    crowd_reason,
    dissatisfied_reason,
    merged,
    proposals,
    reasons_for,
    repeats_reason,
    window_around,
)

DAY = date(2026, 11, 23)
DEFAULT = Thresholds()


def row(id, **extra):
    values = {"outlet_id": 10, "category_id": 100, "received_on": DAY, "complainant": f"p{id}"}
    return CaseRow(id=id, **(values | extra))


def chain(length, **last):
    """A root and ``length`` repeats, each of the one before; the root is closed."""
    rows = [row(1, is_open=False, complainant="p")]
    for n in range(2, length + 2):
        rows.append(row(n, repeat_of_id=n - 1, complainant="p", is_open=n == length + 1))
    if last:
        rows[-1] = CaseRow(**(vars(rows[-1]) | last))
    return rows


@pytest.mark.parametrize(
    "repeats, limit, holds",
    [(0, 2, False), (1, 2, False), (2, 2, True), (3, 2, True), (2, 3, False), (1, 1, True)],
)
def test_repeats_hold_from_the_threshold_on(repeats, limit, holds):
    rows = chain(repeats)
    found = repeats_reason(chain_of(rows[-1], rows), Thresholds(repeats=limit))
    assert (found is not None) == holds
    if holds:
        assert found == Reason(Criterion.REPEATS, {"count": repeats, "limit": limit})


def test_the_chain_is_the_whole_tree_whichever_member_is_looked_at():
    rows = [row(1), row(2, repeat_of_id=1), row(3, repeat_of_id=1), row(4, repeat_of_id=3), row(5)]
    for member in rows[:4]:
        assert [r.id for r in chain_of(member, rows)] == [1, 2, 3, 4]
    assert [r.id for r in chain_of(rows[4], rows)] == [5]


@pytest.mark.parametrize(
    "satisfaction, holds",
    [("dissatisfied", True), ("satisfied", False), ("basically", False), (None, False)],
)
def test_dissatisfied_after_a_return_visit(satisfaction, holds):
    rows = [
        row(1, is_open=False, satisfaction=satisfaction, tracking_no="LN2026-000001"),
        row(2, repeat_of_id=1),
    ]
    found = dissatisfied_reason(rows[1], rows)
    assert (found is not None) == holds
    if holds:
        assert found.params == {"no": "LN2026-000001"}
        assert "LN2026-000001" in found.text()


def test_dissatisfaction_higher_up_the_chain_counts_but_not_on_the_case_itself():
    rows = [row(1, satisfaction="dissatisfied"), row(2, repeat_of_id=1), row(3, repeat_of_id=2)]
    assert dissatisfied_reason(rows[2], rows) is not None
    assert dissatisfied_reason(rows[0], rows) is None


# (days between the complaints, distinct people, limit, window, holds)
@pytest.mark.parametrize(
    "offsets, people, limit, window, holds",
    [
        ([0, 1, 2], 3, 3, 7, True),
        ([0, 1], 2, 3, 7, False),
        ([0, 3, 6], 3, 3, 7, True),  # seven days, both ends inside
        ([0, 3, 7], 3, 3, 7, False),  # eight days apart
        ([0, 0, 0], 1, 3, 7, False),  # one person three times is one complainant
        ([0, 0, 0, 0], 2, 2, 7, True),
        ([0, 10, 20], 3, 3, 30, True),
    ],
)
def test_several_complainants_about_one_outlet_and_category(offsets, people, limit, window, holds):
    rows = [
        row(n + 1, received_on=DAY + timedelta(days=d), complainant=f"p{n % people}")
        for n, d in enumerate(offsets)
    ]
    limits = Thresholds(complainants=limit, window_days=window)
    found = crowd_reason(rows[-1], rows, limits)
    assert (found is not None) == holds
    if holds:
        assert found.params == {"count": people, "limit": limit, "days": window}


def test_another_outlet_or_category_is_not_the_same_group():
    rows = [row(1), row(2, outlet_id=11), row(3, category_id=101), row(4)]
    assert crowd_reason(rows[0], rows, DEFAULT) is None
    assert crowd_reason(rows[0], [*rows, row(5)], DEFAULT) is not None


def test_a_complainant_without_identity_counts_as_a_person_of_their_own():
    rows = [row(n, complainant="") for n in (1, 2, 3)]
    assert crowd_reason(rows[0], rows, DEFAULT) is not None


@pytest.mark.parametrize(
    "case, criteria",
    [
        (row(1, is_media=True), [Criterion.MEDIA]),
        (row(1), []),
    ],
)
def test_media_flag_alone(case, criteria):
    assert [r.criterion for r in reasons_for(case, [case], DEFAULT)] == criteria


def test_proposals_only_for_open_cases_not_yet_major():
    rows = chain(2)  # the root and the first repeat closed, the second open
    found = proposals(rows, [rows[-1].id], DEFAULT)
    assert list(found) == [rows[-1].id]
    assert [r.criterion for r in found[rows[-1].id]] == [Criterion.REPEATS]
    major = chain(2, is_major=True)
    assert proposals(major, [major[-1].id], DEFAULT) == {}


def test_a_look_at_the_root_proposes_its_open_repeat():
    # A return visit on the closed original reopens it as a repeat: the step names the original.
    rows = [
        row(1, is_open=False, satisfaction="dissatisfied", tracking_no="X"),
        row(2, repeat_of_id=1),
    ]
    assert {k: [r.criterion for r in v] for k, v in proposals(rows, [1], DEFAULT).items()} == {
        2: [Criterion.DISSATISFIED]
    }


def test_a_crowd_proposes_every_open_member_of_the_group():
    rows = [row(1), row(2, is_open=False), row(3), row(9, outlet_id=99)]
    assert sorted(proposals(rows, [3], DEFAULT)) == [1, 3]


def test_every_reason_cites_the_practice_definition():
    assert "严重问题" in DEFINITION and "升级趋势" in DEFINITION
    for criterion, message in REASON_MESSAGES.items():
        assert "严重问题" in message or "升级趋势" in message, criterion


def test_merged_keeps_each_criterion_once_with_the_latest_figures():
    old = [Reason(Criterion.MEDIA), Reason(Criterion.REPEATS, {"count": 2, "limit": 2})]
    new = [Reason(Criterion.REPEATS, {"count": 3, "limit": 2})]
    assert merged(old, new) == [Reason(Criterion.REPEATS, {"count": 3, "limit": 2}), old[0]]


def test_reason_data_round_trips():
    reason = Reason(Criterion.CROWD, {"count": 3, "limit": 3, "days": 7})
    assert Reason.from_data(reason.data()) == reason


def test_the_window_around_days():
    assert window_around([DAY, DAY + timedelta(days=2)], DEFAULT) == (
        DAY - timedelta(days=6),
        DAY + timedelta(days=8),
    )
