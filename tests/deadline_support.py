"""Helpers for the calendar and deadline tests: Beijing times and a 2027 notice.

The 2027 notice below is invented test data in the official format (the real one is
published in November or December 2026): New Year 1-3 Jan, Spring Festival 6-13 Feb
with Sunday 14 Feb worked, National Day 1-7 Oct with Saturday 9 Oct worked.
"""

from datetime import UTC, datetime

from portal.deadlines.rules import DEADLINE_TZ

NOTICE_2027 = {
    "year": 2027,
    "source": "国务院办公厅关于2027年部分节假日安排的通知",
    "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
        {"name": "春节", "from": "2027-02-06", "to": "2027-02-13"},
        {"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"},
    ],
    "makeup_workdays": [
        {"day": "2027-02-14", "for": "春节"},
        {"day": "2027-10-09", "for": "国庆节"},
    ],
}


def beijing(*args) -> datetime:
    """An aware UTC datetime from Beijing wall-clock fields: beijing(2025, 9, 30, 16)."""
    return datetime(*args, tzinfo=DEADLINE_TZ).astimezone(UTC)
