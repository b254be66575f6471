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


def bare_cases(province, ids, outlet: str = "bank1-outlet1") -> None:
    """Complaint rows with exactly these ids and nothing else, for tests about clocks
    alone: a clock belongs to a case (clock.case_id references complaint.id). Written in
    one statement with the ids given, so a test that also creates cases through the
    operations must not use this (PostgreSQL's id sequence does not move)."""
    from sqlalchemy import select

    from portal.complaints.models import Category, Complaint
    from portal.complaints.taxonomy import seed_categories
    from portal.db import db

    seed_categories()
    category_id = db.session.scalar(select(Category.id).order_by(Category.id).limit(1))
    unit = province.unit(outlet)
    at = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    common = {
        "state": "handling",
        "received_at": at,
        "received_on": at.date(),
        "channel": "phone",
        "received_by_id": province.user("assoc-staff").id,
        "complainant_name": "张敏",
        "outlet_id": unit.id,
        "member_id": province.unit(outlet.split("-")[0]).id,
        "category_id": category_id,
        "facts": "柜员态度差。",
        "demand": "道歉。",
        "handling_unit_id": unit.id,
        "handling_path": unit.path,
    }
    rows = [common | {"id": n, "tracking_no": f"TEST-{n:06d}"} for n in ids]
    if rows:
        db.session.execute(Complaint.__table__.insert(), rows)


def alone(step, *args, **kwargs):
    """One clock step in a batch of its own, written when it returns, as a step taken
    outside a request's batch is: ``alone(operations.start_clock, case_id=1, ...)``."""
    from portal.deadlines.batch import clock_batch

    with clock_batch() as batch:
        return step(batch, *args, **kwargs)
