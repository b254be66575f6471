"""Pure: a year of the working-day calendar as month grids for the year page.

Weeks start on Monday, as Chinese wall calendars do. Each day knows what it is and
why (holiday and its name, make-up working day 调休上班, weekend, weekday), so the
template only chooses colours and markers.
"""

import calendar as stdlib_calendar
from dataclasses import dataclass
from datetime import date

from portal.workdays.rules import DayKind, WorkingCalendar


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


WEEK_HEADER_ZH = (N_("一"), N_("二"), N_("三"), N_("四"), N_("五"), N_("六"), N_("日"))
MARKERS = {"holiday": "休", "makeup": "班"}


@dataclass(frozen=True)
class GridDay:
    day: date
    kind: DayKind
    label: str  # "国庆节", "调休上班（国庆节）", "周六", "周二"
    is_working: bool
    is_manual: bool  # changed by hand on the year page
    is_today: bool

    @property
    def marker(self) -> str:
        return MARKERS.get(self.kind, "")


@dataclass(frozen=True)
class MonthGrid:
    year: int
    month: int
    weeks: tuple[tuple[GridDay | None, ...], ...]  # Monday first; None outside the month

    @property
    def dom_id(self) -> str:
        return f"month-{self.year}-{self.month:02d}"

    @property
    def working_days(self) -> int:
        return sum(1 for week in self.weeks for d in week if d is not None and d.is_working)

    @property
    def notes(self) -> list[tuple[date, date, str, str]]:
        """The month's holidays and make-up days as (first, last, kind, label) runs.

        Consecutive days off form one run naming each holiday once ("国庆节、中秋节"
        for 1–8 Oct 2025); every make-up day is its own run.
        """
        runs: list[tuple[date, date, str, list[str]]] = []
        for cell in (c for week in self.weeks for c in week if c is not None):
            if cell.kind not in MARKERS:
                continue
            last = runs[-1] if runs else None
            if (
                cell.kind == "holiday"
                and last is not None
                and last[2] == "holiday"
                and (cell.day - last[1]).days == 1
            ):
                names = last[3] if cell.label in last[3] else [*last[3], cell.label]
                runs[-1] = (last[0], cell.day, "holiday", names)
            else:
                runs.append((cell.day, cell.day, cell.kind, [cell.label]))
        return [(first, last, kind, "、".join(names)) for first, last, kind, names in runs]

    def find(self, day: date) -> GridDay | None:
        for week in self.weeks:
            for cell in week:
                if cell is not None and cell.day == day:
                    return cell
        return None


def month_grid(
    calendar: WorkingCalendar,
    year: int,
    month: int,
    manual: frozenset[date] = frozenset(),
    today: date | None = None,
) -> MonthGrid:
    """One month of ``calendar``; ``manual`` days are marked as changed by hand."""
    weeks = []
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells: list[GridDay | None] = []
        for day in week:
            if day.month != month:
                cells.append(None)
                continue
            kind, label = calendar.day_kind(day)
            cells.append(
                GridDay(
                    day=day,
                    kind=kind,
                    label=label,
                    is_working=calendar.is_working_day(day),
                    is_manual=day in manual,
                    is_today=day == today,
                )
            )
        weeks.append(tuple(cells))
    return MonthGrid(year, month, tuple(weeks))


def year_grids(
    calendar: WorkingCalendar,
    year: int,
    manual: frozenset[date] = frozenset(),
    today: date | None = None,
) -> list[MonthGrid]:
    return [month_grid(calendar, year, month, manual, today) for month in range(1, 13)]
