"""The case's copy of its next due time (``Complaint.next_due_at``): the earliest due
time among its open clocks, by which every inbox is ordered (Art. 11).

The clock domain owns the clocks and tells this module when a case's open clocks
change (``portal.deadlines.signals``); this module is the only writer of the copy.
Where the step has changed the case itself, the value rides on the step's own UPDATE
of the case (the case's version then moves once per step); otherwise one set-based
UPDATE writes it, which neither bumps the case's version nor touches ``updated_at``.
"""

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import ScalarSelect, Update, bindparam, func, inspect, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm.util import identity_key

from portal.complaints.models import Complaint
from portal.db import db
from portal.deadlines.batch import ClockBatch
from portal.deadlines.models import OPEN, Clock
from portal.deadlines.signals import case_due_moved, cases_due_stale


@case_due_moved.connect
def write_on_the_step(batch: ClockBatch, *, case_id: int, due_at: datetime | None) -> bool:
    """When the step has a pending change of the loaded case, the value joins it."""
    case = batch.session.identity_map.get(identity_key(Complaint, case_id))
    if case is None or not inspect(case).modified:
        return False
    case.next_due_at = due_at
    return True


@cases_due_stale.connect
def write_from_the_clocks(batch: ClockBatch, *, case_ids: list[int]) -> None:
    sync_next_due(case_ids)


def sync_next_due(case_ids) -> None:
    """Set these cases' ``next_due_at`` from their open clocks (None when none runs); a
    case loaded in the session sees the new value on its next read. Ids without a
    complaint are ignored."""
    ids = sorted(set(case_ids))
    statement = _sync_statement()
    for start in range(0, len(ids), 500):
        db.session.execute(statement, {"ids": ids[start : start + 500]})


@cache
def _sync_statement() -> Update:
    return (
        update(Complaint)
        .where(Complaint.id.in_(bindparam("ids", expanding=True)))
        .values(next_due_at=_earliest_open_due(), updated_at=Complaint.updated_at)
        .execution_options(synchronize_session="fetch")
    )


def _earliest_open_due() -> ScalarSelect:
    """The earliest due time among the case's open clocks, as a correlated subquery."""
    return (
        select(func.min(Clock.due_at))
        .where(Clock.case_id == Complaint.id, text(OPEN))
        .scalar_subquery()
    )


def resync_next_due() -> int:
    """Set every case's ``next_due_at`` from its open clocks, in one statement: after a
    bulk load that wrote clocks directly (``flask demo generate``). Returns the number of
    cases updated."""
    open_cases = select(Clock.case_id).where(text(OPEN))
    # An UPDATE's result is a CursorResult; Session.execute is typed for any statement.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(Complaint)
            .where(Complaint.id.in_(open_cases) | Complaint.next_due_at.is_not(None))
            .values(next_due_at=_earliest_open_due(), updated_at=Complaint.updated_at)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount
