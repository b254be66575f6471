"""Art. 8(5): the rules that find clusters and surges, as tables."""

from datetime import date, timedelta

import pytest

from portal.analysis.rules import (
    AdviceStatus,
    CaseRow,
    Kind,
    Thresholds,
    analyse,
    chains,
    finding_key,
    is_surge,
    member_surges,
    next_advice_status,
    outlet_clusters,
    rise_percent,
    wide_rises,
)

P = "2026H2"
DAY = date(2026, 8, 3)
T = Thresholds()


def row(id, *, member=1, outlet=10, category=5, day=0, repeat_of=None, media=False):
    return CaseRow(id, member, outlet, category, DAY + timedelta(days=day), repeat_of, media)


# (days after the first of each complaint at one outlet and category, N, M weeks, found?)
@pytest.mark.parametrize(
    "days, count, weeks, found",
    [
        ([0, 5, 10], 3, 4, True),  # three within four weeks
        ([0, 5], 3, 4, False),  # two only
        ([0, 14, 28], 3, 4, False),  # three, but the first and last 28 days apart
        ([0, 14, 27], 3, 4, True),  # 27 days: inside four weeks
        ([0, 14, 28], 3, 5, True),  # five weeks
        ([0, 1, 2, 3], 4, 1, True),
        ([0, 30, 60, 90], 2, 4, False),
    ],
)
def test_outlet_cluster_counts_within_a_sliding_window(days, count, weeks, found):
    rows = [row(i, day=d) for i, d in enumerate(days, 1)]
    t = Thresholds(cluster_count=count, cluster_weeks=weeks)
    result = outlet_clusters(rows, P, t)
    assert bool(result) is found
    if found:
        assert result[0].kind == Kind.OUTLET_CLUSTER
        assert result[0].figures["count"] >= count


def test_outlet_cluster_keeps_outlets_and_categories_apart_and_lists_its_cases():
    rows = [
        row(1, day=0),
        row(2, day=1),
        row(3, day=2, category=6),  # another category
        row(4, day=3, outlet=11),  # another outlet
        row(5, day=4),
        row(6, day=90),  # outside any window with the others
    ]
    (found,) = outlet_clusters(rows, P, T)
    assert found.complaint_ids == (1, 2, 5)
    assert (found.outlet_id, found.category_id, found.member_id) == (10, 5, 1)
    assert found.figures == {
        "count": 3,
        "weeks": 4,
        "first": "2026-08-03",
        "last": "2026-08-07",
        "total": 3,
    }
    assert found.key == "outlet_cluster:o10-c5:2026H2"


# (now, the previous half year, found?) with the defaults: +50 %, at least 5 now.
@pytest.mark.parametrize(
    "current, previous, found",
    [
        (2, 1, False),  # 1 → 2 is +100 %, but below the minimum count
        (5, 0, True),  # from none to the minimum
        (4, 0, False),
        (6, 4, True),  # +50 %
        (5, 4, False),  # +25 %
        (10, 10, False),
        (9, 10, False),
        (15, 10, True),
    ],
)
def test_member_surge_needs_the_rise_and_the_minimum(current, previous, found):
    assert is_surge(current, previous, T) is found


@pytest.mark.parametrize(
    "current, previous, percent", [(6, 4, 50), (5, 0, None), (3, 2, 50), (7, 3, 133)]
)
def test_rise_percent(current, previous, percent):
    assert rise_percent(current, previous) == percent


def test_member_surge_per_member_and_category():
    rows = [row(i, member=1, category=5) for i in range(1, 7)]  # 6 now
    rows += [row(i, member=2, category=5) for i in range(7, 10)]  # 3 now
    previous = {(1, 5): 4, (2, 5): 0}
    (found,) = member_surges(rows, previous, P, T)
    assert (found.member_id, found.category_id) == (1, 5)
    assert found.figures == {"current": 6, "previous": 4, "percent": 50}
    assert found.complaint_ids == tuple(range(1, 7))
    assert found.key == finding_key("member_surge", "m1-c5", P)


# (counts now and before at each of four members, rise_members, found?)
@pytest.mark.parametrize(
    "now, before, members, found",
    [
        ([2, 2, 2, 0], [0, 1, 1, 0], 3, True),
        ([2, 2, 1, 0], [0, 1, 0, 0], 3, False),  # the third has one only (minimum 2)
        ([2, 2, 2, 0], [0, 1, 2, 0], 3, False),  # the third is not rising
        ([3, 3, 0, 0], [1, 1, 0, 0], 2, True),
    ],
)
def test_wide_rise_across_members(now, before, members, found):
    rows, previous, next_id = [], {}, 1
    for member, (n, b) in enumerate(zip(now, before, strict=True), 1):
        for _ in range(n):
            rows.append(row(next_id, member=member, outlet=100 + member))
            next_id += 1
        previous[(member, 5)] = b
    result = wide_rises(rows, previous, P, Thresholds(rise_members=members))
    assert bool(result) is found
    if found:
        assert result[0].member_id is None and result[0].category_id == 5
        assert len(result[0].figures["members"]) >= members


def test_repeat_and_media_chains():
    rows = [
        row(1, outlet=10),
        row(2, repeat_of=1),
        row(3, repeat_of=2, media=True),  # a repeat of a repeat: the same chain
        row(7, outlet=12),
        row(8, repeat_of=7),  # one repeat only
        row(9, media=True, outlet=13),  # media, no chain
    ]
    found = {(f.kind, f.subject): f for f in chains(rows, P, T)}
    assert set(found) == {
        (Kind.REPEAT_CHAIN, "r1"),
        (Kind.MEDIA_CHAIN, "r1"),
        (Kind.MEDIA_CHAIN, "r9"),
    }
    assert found[(Kind.REPEAT_CHAIN, "r1")].complaint_ids == (1, 2, 3)
    assert found[(Kind.REPEAT_CHAIN, "r1")].figures == {"repeats": 2, "size": 3}
    assert found[(Kind.MEDIA_CHAIN, "r1")].outlet_id == 10
    assert found[(Kind.MEDIA_CHAIN, "r9")].figures == {"media": 1, "size": 1}
    one_repeat = chains(rows, P, Thresholds(repeat_chain=1))
    assert any(f.kind == Kind.REPEAT_CHAIN and f.subject == "r7" for f in one_repeat)


def test_a_second_run_finds_the_same_keys():
    rows = [row(i, day=i) for i in range(1, 7)]
    chain = [row(20), row(21, repeat_of=20), row(22, repeat_of=20, media=True)]
    first = analyse(rows, {(1, 5): 2}, chain, P, T)
    again = analyse(list(reversed(rows)), {(1, 5): 2}, list(reversed(chain)), P, T)
    assert [f.key for f in first] == [f.key for f in again]
    assert len({f.key for f in first}) == len(first)
    assert {f.kind for f in first} == {
        Kind.OUTLET_CLUSTER,
        Kind.MEMBER_SURGE,
        Kind.REPEAT_CHAIN,
        Kind.MEDIA_CHAIN,
    }


@pytest.mark.parametrize(
    "status, entry, after",
    [
        ("open", "answered", AdviceStatus.ANSWERED),
        ("answered", "answered", AdviceStatus.ANSWERED),
        ("answered", "follow_up", AdviceStatus.OPEN),
        ("answered", "closed", AdviceStatus.CLOSED),
        ("open", "closed", AdviceStatus.CLOSED),
        ("open", "follow_up", None),  # nothing to follow up yet
        ("closed", "answered", None),  # closed is final
        ("closed", "follow_up", None),
    ],
)
def test_advice_follow_up_steps(status, entry, after):
    assert next_advice_status(status, entry) == after
