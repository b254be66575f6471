"""The clocks follow the calendar: a change of working days recounts the open
deadlines that reach the changed days (Art. 11 counts working days)."""

from datetime import date, datetime

from portal.deadlines.batch import clock_batch
from portal.deadlines.operations import recompute_open_clocks
from portal.workdays.rules import WorkingCalendar
from portal.workdays.signals import calendar_changed


@calendar_changed.connect
def recount_open_clocks(
    sender, *, calendar: WorkingCalendar, since: date, now: datetime, actor, reason: str
) -> int:
    with clock_batch() as batch:
        return recompute_open_clocks(batch, calendar, now, actor, since=since, reason=reason)
