"""Archive rules (Art. 8(6), 9(5), 10(3)) as tables: archive numbers, the year of
closure, the retention cut-off, what erasure keeps of a history entry."""

from datetime import UTC, date, datetime

import pytest

from portal.archives.rules import (
    ERASED,
    archive_number,
    closure_year,
    erased_detail,
    is_closed_period,
    is_expired,
    may_configure,
    may_export,
    next_version,
    parse_archive_number,
    retention_cutoff,
    years_before,
    zip_member_name,
)


@pytest.mark.parametrize(
    "year, seq, number",
    [
        (2026, 1, "LNYX-2026-000001"),
        (2026, 123, "LNYX-2026-000123"),
        (2027, 999_999, "LNYX-2027-999999"),
    ],
)
def test_archive_numbers_carry_the_year_of_closure_and_its_counter(year, seq, number):
    assert archive_number(year, seq) == number
    assert parse_archive_number(number) == (year, seq)


@pytest.mark.parametrize("seq", [0, -1, 1_000_000])
def test_a_counter_out_of_range_is_refused(seq):
    with pytest.raises(ValueError):
        archive_number(2026, seq)


@pytest.mark.parametrize("text", ["", "LN2026-000123", "LNYX-26-000123", "LNYX-2026-12"])
def test_what_is_not_an_archive_number(text):
    assert parse_archive_number(text) is None


@pytest.mark.parametrize(
    "closed_at, year",
    [
        # 31 December 23:30 Beijing is 15:30 UTC: numbered in that year.
        (datetime(2026, 12, 31, 15, 30, tzinfo=UTC), 2026),
        # 1 January 00:30 Beijing is still 31 December in UTC: the new year's counter.
        (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), 2027),
    ],
)
def test_the_year_of_closure_is_the_beijing_year(closed_at, year):
    assert closure_year(closed_at) == year


@pytest.mark.parametrize(
    "existing, version",
    [([], 1), ([1], 2), ([1, 2], 3), ([2, 1], 3)],
)
def test_each_closure_issues_the_next_version(existing, version):
    assert next_version(existing) == version


@pytest.mark.parametrize(
    "day, years, before",
    [
        (date(2026, 12, 7), 5, date(2021, 12, 7)),
        (date(2028, 2, 29), 5, date(2023, 2, 28)),  # no 29 February in 2023
        (date(2028, 2, 29), 4, date(2024, 2, 29)),
    ],
)
def test_years_before(day, years, before):
    assert years_before(day, years) == before


# Retention (5 years) on 7 December 2026: a closure on a Beijing day before 7 December
# 2021 is longer ago than five years; one on 7 December 2021 is kept until tomorrow.
TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    "closed_at, expired",
    [
        (datetime(2021, 12, 6, 15, 59, tzinfo=UTC), True),  # 6 Dec 23:59 Beijing
        (datetime(2021, 12, 6, 16, 0, tzinfo=UTC), False),  # 7 Dec 00:00 Beijing
        (datetime(2021, 12, 7, 9, 0, tzinfo=UTC), False),
        (datetime(2020, 1, 1, tzinfo=UTC), True),
        (datetime(2026, 12, 1, tzinfo=UTC), False),
    ],
)
def test_the_retention_cut_off(closed_at, expired):
    assert retention_cutoff(TODAY, 5) == datetime(2021, 12, 6, 16, 0, tzinfo=UTC)
    assert is_expired(closed_at, TODAY, 5) is expired


@pytest.mark.parametrize("years", [0, 31])
def test_a_retention_out_of_range_is_refused(years):
    with pytest.raises(ValueError):
        retention_cutoff(TODAY, years)


@pytest.mark.parametrize(
    "last_day, today, closed",
    [
        (date(2026, 6, 30), date(2026, 6, 30), False),
        (date(2026, 6, 30), date(2026, 7, 1), True),
        (date(2026, 12, 31), date(2026, 12, 7), False),
    ],
)
def test_a_half_year_is_exported_once_it_is_over(last_day, today, closed):
    assert is_closed_period(last_day, today) is closed


@pytest.mark.parametrize(
    "role, export, configure",
    [
        ("assoc_admin", True, True),
        ("assoc_handler", True, False),
        ("assoc_leader", True, False),
        ("member_admin", False, False),
        ("member_handler", False, False),
        ("branch_officer", False, False),
    ],
)
def test_who_exports_and_who_sets_the_retention(role, export, configure):
    assert may_export(role) is export
    assert may_configure(role) is configure


@pytest.mark.parametrize(
    "filename, member",
    [
        ("收据.jpg", "附件/01-收据.jpg"),
        ("../../etc/passwd", "附件/01-passwd"),
        ("C:\\scans\\id.png", "附件/01-id.png"),
        (".hidden", "附件/01-hidden"),
        ("", "附件/01-file"),
    ],
)
def test_attachment_names_inside_the_zip_stay_inside_it(filename, member):
    assert zip_member_name(1, filename) == member


@pytest.mark.parametrize(
    "detail, kept",
    [
        ({"finding": "substantiated"}, {"finding": "substantiated"}),
        (
            {"told_at": "2026-01-02T03:04:00+00:00", "told_how": "phone", "reaction": "王芳很满意"},
            {"told_at": "2026-01-02T03:04:00+00:00", "told_how": "phone"},
        ),
        (
            {"changes": {"complainant_name": ["王芳", "王方"], "category": ["甲", "乙"]}},
            {"changes": {"complainant_name": [ERASED, ERASED], "category": ["甲", "乙"]}},
        ),
        ({"something_new": "自由文字"}, {}),
        ({}, {}),
    ],
)
def test_erasure_keeps_the_structure_of_a_history_entry(detail, kept):
    assert erased_detail(detail) == kept
