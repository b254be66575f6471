"""One step's clock changes, made together: the object every clock operation receives.

A step of the lifecycle may move several clocks of one case (forwarding meets the
forward clock and starts accept, verify and report). Through one ``ClockBatch``:
- the working-day calendar is read once;
- each case's clocks are read once, then kept up to date as the step opens and closes
  them, so the page the step answers with needs no second read (``case_clocks``);
- the clock events are written in one INSERT when the batch ends;
- the case's next due time is told to the complaints domain after every change
  (``signals.case_due_moved``), which writes it into the step's own UPDATE of the case
  when it can, else once when the batch ends (``signals.cases_due_stale``).
Nothing is written when the batch ends with an error: the transaction is rolled back.
Why it is built this way, with the figures: docs/performance.md, "The clock batch".
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, scoped_session

from portal.db import PREPARE, db
from portal.deadlines.models import Clock, ClockEvent
from portal.deadlines.signals import case_due_moved, cases_due_stale
from portal.workdays.rules import WorkingCalendar


@dataclass(eq=False)
class ClockBatch:
    # Usually ``db.session``, the scoped session that stands for the request's own.
    session: Session | scoped_session[Any]
    _calendar: WorkingCalendar | None = None
    # Each case's clocks as the batch has left them: all of them in the order they
    # started (the case page's clock table), and the open ones by id.
    _every: dict[int, list[Clock]] = field(default_factory=dict)
    _open: dict[int, list[Clock]] = field(default_factory=dict)
    _events: list[tuple[Clock, dict[str, Any]]] = field(default_factory=list)
    # Cases whose next due time is written by one statement when the batch ends.
    _stale: set[int] = field(default_factory=set)

    def calendar(self) -> WorkingCalendar:
        """The working-day calendar, read on first use."""
        if self._calendar is None:
            # Imported here: the store lives in a domain below, but reads its cache
            # lazily; a case step writes no calendar rows, so nothing pending bears on it.
            from portal.workdays.store import current_calendar

            with self.session.no_autoflush:
                self._calendar = current_calendar()
        return self._calendar

    def open_clocks(self, case_id: int) -> list[Clock]:
        """The case's open clocks by id, read with all its clocks on first use."""
        if case_id not in self._open:
            # Not flushing the step's pending change of the case first: the read does
            # not depend on it, and the case's UPDATE can then carry its next due time.
            with self.session.no_autoflush:
                every = list(self.session.scalars(case_clocks_statement(), {"case_id": case_id}))
            self._every[case_id] = every
            self._open[case_id] = sorted((c for c in every if c.is_open), key=lambda c: c.id)
        return self._open[case_id]

    def opened(self, clocks: Iterable[Clock]) -> None:
        for clock in clocks:
            known = self.open_clocks(clock.case_id)  # read before the new clock is added
            self.session.add(clock)
            known.append(clock)
            self._every[clock.case_id].append(clock)

    def closed(self, clock: Clock) -> None:
        known = self._open.get(clock.case_id, [])
        if clock in known:
            known.remove(clock)

    def record(self, clock: Clock, event: str, at: datetime, actor=None, **detail) -> None:
        """A clock event, written with the others when the batch ends (a new clock has
        its id by then)."""
        row = {
            "case_id": clock.case_id,
            "at": at,
            "event": event,
            "actor_id": actor.id if actor else None,
            "detail": {"kind": clock.kind, **detail},
        }
        self._events.append((clock, row))

    def moved(self, case_id: int) -> None:
        """The case's open clocks changed: its next due time follows."""
        due_at = min((clock.due_at for clock in self.open_clocks(case_id)), default=None)
        answers = case_due_moved.send(self, case_id=case_id, due_at=due_at)
        if not any(written for _, written in answers):
            self._stale.add(case_id)

    def moved_unread(self, case_ids: Iterable[int]) -> None:
        """Cases whose clocks changed without the batch reading them (a recount after a
        calendar change): their next due time is read again when the batch ends."""
        self._stale.update(case_ids)

    def case_clocks(self, case_id: int) -> list[Clock] | None:
        """Every clock of a case this batch read, in the order they started; None for a
        case it did not touch."""
        every = self._every.get(case_id)
        if every is None or any(clock.id is None for clock in every):
            return None
        return sorted(every, key=lambda clock: (clock.started_at, clock.id))

    def finish(self) -> None:
        if self._events:
            self.session.flush()  # the new clocks get their ids
            self.session.execute(
                _insert_events(), [{"clock_id": c.id, **row} for c, row in self._events]
            )
            self._events.clear()
        if self._stale:
            self.session.flush()
            cases_due_stale.send(self, case_ids=sorted(self._stale))
            self._stale.clear()


@contextmanager
def clock_batch(session: Session | None = None) -> Iterator[ClockBatch]:
    """``with clock_batch() as batch:`` the clock steps of one action, written when the
    block ends without an error."""
    batch = ClockBatch(session or db.session)
    yield batch
    batch.finish()


@cache
def case_clocks_statement() -> Select:
    # Built on first use, not at import: naming the owner relationship configures every
    # mapper, which needs the models of the domains above to be loaded.
    return (
        select(Clock)
        .options(joinedload(Clock.owner_unit))  # the clock table names each owner
        .where(Clock.case_id == bindparam("case_id"))
        .order_by(Clock.started_at, Clock.id)
        .execution_options(**PREPARE)
    )


@cache
def _insert_events() -> Insert:
    return ClockEvent.__table__.insert()
