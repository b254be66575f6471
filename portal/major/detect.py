"""Finding major complaints to propose (``rules.proposals``) in the database.

Cheap on a step: it reads the complaints looked at, their repeat chains and the
complaints of their outlet and category in the window around them, nothing else
(``propose_for``). ``catch_up`` looks at every open complaint not yet major, a thousand
at a time: the demo seed and ``flask major catch-up`` run it (steps taken outside a
request, by a script or the demo, send no signal).
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select

from portal.complaints.models import Complaint
from portal.complaints.queries import open_state_filter
from portal.complaints.rules import OPEN_STATES
from portal.db import db
from portal.major import operations
from portal.major.rules import CaseRow, Thresholds, proposals, window_around
from portal.orgs.scoping import across_banks

BATCH = 1000

COLUMNS = (
    Complaint.id,
    Complaint.tracking_no,
    Complaint.outlet_id,
    Complaint.category_id,
    Complaint.received_on,
    Complaint.repeat_of_id,
    Complaint.is_media,
    Complaint.is_major,
    Complaint.satisfaction,
    Complaint.state,
    Complaint.mobile_hash,
    Complaint.id_number_hash,
    Complaint.complainant_name,
)


def _rows(condition) -> list[CaseRow]:
    return [
        CaseRow(
            id=row.id,
            tracking_no=row.tracking_no,
            outlet_id=row.outlet_id,
            category_id=row.category_id,
            received_on=row.received_on,
            repeat_of_id=row.repeat_of_id,
            is_media=bool(row.is_media),
            is_major=bool(row.is_major),
            satisfaction=row.satisfaction,
            complainant=row.mobile_hash or row.id_number_hash or row.complainant_name,
            is_open=row.state in OPEN_STATES,
        )
        for row in db.session.execute(select(*COLUMNS).where(condition))
    ]


def _rows_in(column, values: Iterable) -> list[CaseRow]:
    values = sorted(set(values))
    found: list[CaseRow] = []
    for start in range(0, len(values), BATCH):
        found += _rows(column.in_(values[start : start + BATCH]))
    return found


def _around(seeds: list[CaseRow], limits: Thresholds) -> list[CaseRow]:
    """``seeds``, their whole repeat chains, and their outlet-and-category groups."""
    rows = {row.id: row for row in seeds}
    up = {row.repeat_of_id for row in seeds if row.repeat_of_id is not None}
    while up := up - rows.keys():
        parents = _rows_in(Complaint.id, up)
        rows.update((row.id, row) for row in parents)
        up = {row.repeat_of_id for row in parents if row.repeat_of_id is not None}
    down = set(rows)
    while down:
        repeats = [r for r in _rows_in(Complaint.repeat_of_id, down) if r.id not in rows]
        rows.update((row.id, row) for row in repeats)
        down = {row.id for row in repeats}
    groups: dict[tuple[int, int], list] = {}
    for row in seeds:
        groups.setdefault((row.outlet_id, row.category_id), []).append(row.received_on)
    pairs = []
    for (outlet_id, category_id), days in groups.items():
        first, last = window_around(days, limits)
        pairs.append(
            and_(
                Complaint.outlet_id == outlet_id,
                Complaint.category_id == category_id,
                Complaint.received_on >= first,
                Complaint.received_on <= last,
            )
        )
    for start in range(0, len(pairs), 200):
        for row in _rows(or_(*pairs[start : start + 200])):
            rows.setdefault(row.id, row)
    return sorted(rows.values(), key=lambda row: row.id)


def propose_for(complaint_ids: Iterable[int], now: datetime) -> int:
    """Look at these complaints (and what the rules judge them with); record the
    proposals found. Returns how many are new. Reads across banks: a repeat chain may
    lead beyond the reader's bank (decisions, never rows to show)."""
    ids = sorted(set(complaint_ids))
    if not ids:
        return 0
    limits = operations.thresholds()
    with across_banks():
        seeds = _rows_in(Complaint.id, ids)
        found = proposals(_around(seeds, limits), ids, limits)
    return operations.save_proposals(found, now=now)


def catch_up(now: datetime) -> int:
    """Every open complaint not yet major, looked at a thousand at a time. Returns how
    many proposals are new."""
    ids = list(
        db.session.scalars(
            select(Complaint.id)
            .where(open_state_filter(), Complaint.is_major.is_(False))
            .order_by(Complaint.id)
        )
    )
    return sum(propose_for(ids[i : i + BATCH], now) for i in range(0, len(ids), BATCH))
