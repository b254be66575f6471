from datetime import date

import pytest

from portal.statistics.rules import (
    Period,
    change,
    last_complete_period,
    parse_period,
    percent,
    period_of,
    rate,
)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026H2", date(2026, 7, 1), date(2026, 12, 31)),
        (" 2024h2 ", date(2024, 7, 1), date(2024, 12, 31)),
    ],
)
def test_parse_period(text, first, last):
    period = parse_period(text)
    assert (period.first_day, period.last_day) == (first, last)


@pytest.mark.parametrize("text", ["2026H3", "2026", "26H1", "H1", "", "2026-H1", "1999H1"])
def test_parse_period_refuses(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_period_navigation_and_labels():
    assert Period(2026, 1).previous() == Period(2025, 2)
    assert Period(2026, 2).previous() == Period(2026, 1)
    assert period_of(date(2026, 6, 30)) == Period(2026, 1)
    assert period_of(date(2026, 7, 1)) == Period(2026, 2)
    assert last_complete_period(date(2026, 11, 23)).code == "2026H1"
    assert last_complete_period(date(2026, 3, 1)).code == "2025H2"
    assert Period(2026, 2).label == "2026年下半年"
    assert Period(2026, 2).months == [7, 8, 9, 10, 11, 12]


def test_rates():
    assert rate(1, 4) == 0.25
    assert rate(0, 0) is None and rate(3, None) is None
    assert percent(2 / 3) == "66.7%" and percent(None) == "—"
    assert change(0.5, 0.25) == 0.25 and change(None, 1) is None


# -- The regulator's figures -------------------------------------------------------------

from portal.statistics.rules import (  # noqa: E402
    change_rate,
    median,
    per_10m,
    per_1000,
    signed,
    signed_percent,
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([None], None), ([3], 3), ([1, 5, 2], 2), ([4, 1, 3, 2], 2.5), ([2, None, 8], 5)],
)
def test_median(values, expected):
    assert median(values) == expected


def test_normalised_figures():
    assert per_1000(3, 250) == 12.0
    assert per_1000(3, 0) is None and per_1000(3, None) is None
    assert per_10m(5, 20_000_000) == 2.5
    assert per_10m(5, None) is None and per_10m(5, 0) is None
    assert per_10m(0, 1_000) == 0.0


def test_change_rate():
    assert change_rate(6, 4) == 0.5
    assert change_rate(2, 4) == -0.5
    assert change_rate(3, 0) is None and change_rate(None, 3) is None


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (3, 0, "+3"),
        (-2, 0, "-2"),
        (0, 0, "0"),
        (0.0, 1, "0.0"),
        (-0.0, 1, "0.0"),
        (-0.04, 1, "0.0"),
        (0.04, 1, "0.0"),
        (0.05000001, 1, "+0.1"),
        (-1.25, 2, "-1.25"),
        (None, 1, "—"),
    ],
)
def test_signed_never_prints_a_signed_zero(value, digits, expected):
    assert signed(value, digits) == expected


def test_signed_percent():
    assert signed_percent(0.125) == "+12.5%"
    assert signed_percent(-0.0001) == "0.0%"
    assert signed_percent(None) == "—"
