"""What every page may show of the deadlines: a clock's explanation and the years whose
official calendar today's deadlines still need (the banner for administrators)."""

from portal.deadlines import queries
from portal.deadlines.display import ClockDescription, describe_clock
from portal.deadlines.models import Clock
from portal.deadlines.rules import local_day
from portal.web import clock
from portal.web.i18n import is_chinese
from portal.workdays import store


def describe(clock_row: Clock) -> ClockDescription:
    lang = "zh" if is_chinese() else "en"
    return describe_clock(clock_row, store.current_calendar(), clock.now(), lang)


def unconfirmed_years() -> list[int]:
    return queries.unconfirmed_years_ahead(local_day(clock.now()))
