"""Pure working-day rules: which days count, and when an Art. 11 step falls due.

Art. 11 sets every limit in working days (工作日): the association forwards within 2,
the member unit verifies within 2 and reports within 5, the outlet replies within 3.
Working days follow the official calendar published each year by the State Council
(国务院办公厅关于某年部分节假日安排的通知): statutory holidays are off even on a
weekday, make-up working days (调休上班) are on even on a weekend, other days follow
Monday–Friday.

This module imports only the standard library and never reads the clock: the day of
receipt, the calendar and the time zone are arguments, so the rules are tested with
plain tables.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate, compress
from types import MappingProxyType
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo

# The official calendar's days are Beijing days: a step received on day D is received on
# D's date in Beijing (Art. 11).
BEIJING = ZoneInfo("Asia/Shanghai")

# Shown on screen and in the README next to every due date (Art. 11).
DEADLINE_RULE_ZH = (
    "第D天收到的事项，期限为D之后第N个工作日的23:59:59（北京时间）止；收到当天不计入。"
)
DEADLINE_RULE_EN = (
    "A step received on day D is due by 23:59:59 Beijing time on the Nth working day "
    "after D; the day of receipt itself does not count."
)

DayKind = Literal["workday", "weekend", "holiday", "makeup"]

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# English labels of the Chinese holiday names used by the calendar; an unknown name
# (a one-off holiday typed in from a notice) is shown as it is.
HOLIDAY_NAMES_EN = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
    "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日": "Victory Day (70th anniversary, 2015)",
}

# The precomputed table runs from one year before the first known year to this many
# years after the last one, so that limits received late in the last confirmed year
# (and promised reply dates further out) stay on the fast path.
SPAN_YEARS_AFTER = 6


@dataclass(frozen=True)
class OfficialDay:
    """One day on which the official arrangement departs from the Monday–Friday rule."""

    day: date
    is_working_day: bool
    kind: Literal["holiday", "makeup"]
    name: str  # the holiday, in Chinese; for a make-up day, the holiday it makes up for


def _weekdays_through(ordinal: int) -> int:
    """How many Mon–Fri days have an ordinal in 1..ordinal (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


def _nth_weekday(count: int) -> int:
    """The smallest ordinal o with ``_weekdays_through(o) == count`` (count >= 1)."""
    weeks, rest = divmod(count, 5)
    return 7 * weeks - 2 if rest == 0 else 7 * weeks + rest


def _require_date(day: object, what: str) -> None:
    # A datetime is a date subclass; accepting one would silently use its own (often UTC)
    # date instead of the local date of receipt, which only due_at() may decide.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{what} must be a datetime.date, got {type(day).__name__}")


@dataclass(frozen=True)
class WorkingCalendar:
    """The official working-day calendar: holidays, make-up days and the confirmed years.

    Immutable: the two mappings are copied into read-only ``MappingProxyType`` views when
    the calendar is built, and ``__hash__`` hashes their items, so a calendar can be
    shared between requests and used as a cache key.

    Building one precomputes, over a span from the year before the first known year to
    ``SPAN_YEARS_AFTER`` years after the last: the sorted tuple of working-day ordinals,
    the same days as ``date`` objects, and for every day of the span how many working
    days of the span lie on or before it (``bisect_right`` of the sorted tuple, done
    once in advance). The n-th working day after D is then two tuple look-ups. Outside
    the span no holiday is known, so days follow the Monday–Friday rule and are counted
    arithmetically: no query ever walks day by day (``explain`` aside).
    """

    holidays: Mapping[date, str]  # statutory days off, even on weekdays: day -> "国庆节"
    makeup_workdays: Mapping[date, str]  # 调休上班 weekends: day -> holiday made up for
    confirmed_years: frozenset[int]  # years whose State Council arrangement is known
    _first: int = field(init=False, repr=False, compare=False)
    _last: int = field(init=False, repr=False, compare=False)
    _before: int = field(init=False, repr=False, compare=False)
    _ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _dates: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _counts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = MappingProxyType(dict(self.holidays))
        makeup = MappingProxyType(dict(self.makeup_workdays))
        for mapping, what in ((holidays, "holiday"), (makeup, "make-up day")):
            for day, name in mapping.items():
                _require_date(day, what)
                if not isinstance(name, str) or not name.strip():
                    raise ValueError(f"{what} {day} needs a name")
        for day in makeup:
            if day in holidays:
                raise ValueError(f"{day} cannot be both a holiday and a make-up working day")
            if day.weekday() < 5:
                raise ValueError(f"make-up working day {day} is not a Saturday or Sunday")
        confirmed = frozenset(int(year) for year in self.confirmed_years)
        years = confirmed | {d.year for d in holidays} | {d.year for d in makeup}
        if years:
            first = date(max(min(years) - 1, 1), 1, 1).toordinal()
            last = date(min(max(years) + SPAN_YEARS_AFTER, 9999), 12, 31).toordinal()
        else:  # nothing known: the weekday rule everywhere, no table needed
            first, last = 1, 0
        off = {d.toordinal() for d in holidays}
        on = {d.toordinal() for d in makeup}
        # (o - 1) % 7 is the weekday of ordinal o: ordinal 1 (0001-01-01) is a Monday.
        working = [o in on or ((o - 1) % 7 < 5 and o not in off) for o in range(first, last + 1)]
        ordinals = tuple(compress(range(first, last + 1), working))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "makeup_workdays", makeup)
        object.__setattr__(self, "confirmed_years", confirmed)
        object.__setattr__(self, "_first", first)
        object.__setattr__(self, "_last", last)
        object.__setattr__(self, "_before", _weekdays_through(first - 1))
        object.__setattr__(self, "_ordinals", ordinals)
        object.__setattr__(self, "_dates", tuple(map(date.fromordinal, ordinals)))
        # _counts[o - first]: working days in [first, o], i.e. bisect_right(ordinals, o).
        object.__setattr__(self, "_counts", tuple(accumulate(working)))

    def __hash__(self) -> int:
        return hash(
            (
                frozenset(self.holidays.items()),
                frozenset(self.makeup_workdays.items()),
                self.confirmed_years,
            )
        )

    @classmethod
    def from_days(cls, days: Iterable[OfficialDay], confirmed_years: Iterable[int]) -> Self:
        """A calendar from official days (package data or parsed notices) and the known years."""
        holidays: dict[date, str] = {}
        makeup: dict[date, str] = {}
        for entry in days:
            (makeup if entry.is_working_day else holidays)[entry.day] = entry.name
        return cls(holidays, makeup, frozenset(confirmed_years))

    # -- single days ------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Holidays are off even on weekdays; make-up days are on even on weekends."""
        _require_date(day, "day")
        if day in self.holidays:
            return False
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5

    def day_kind(self, day: date) -> tuple[DayKind, str]:
        """What kind of day ``day`` is, with a Chinese label such as "国庆节" or "周六"."""
        _require_date(day, "day")
        name = self.holidays.get(day)
        if name is not None:
            return "holiday", name
        name = self.makeup_workdays.get(day)
        if name is not None:
            return "makeup", f"调休上班（{name}）"
        weekday = day.weekday()
        return ("weekend" if weekday >= 5 else "workday"), WEEKDAYS_ZH[weekday]

    # -- counting ---------------------------------------------------------------------

    def _count_through(self, ordinal: int) -> int:
        """Working days with an ordinal <= ``ordinal``, counted from 0001-01-01."""
        if ordinal < self._first:
            return _weekdays_through(ordinal)
        if ordinal <= self._last:
            return self._before + self._counts[ordinal - self._first]
        return (
            self._before
            + len(self._ordinals)
            + _weekdays_through(ordinal)
            - _weekdays_through(self._last)
        )

    def _nth_through(self, count: int) -> int:
        """The ordinal of the ``count``-th working day counted from 0001-01-01."""
        if count <= self._before:
            return _nth_weekday(count)
        index = count - self._before - 1
        if index < len(self._ordinals):
            return self._ordinals[index]
        return _nth_weekday(index - len(self._ordinals) + 1 + _weekdays_through(self._last))

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day strictly after ``start`` (``start`` itself never counts).

        Art. 11: "within two working days after receipt" — the day of receipt is not one
        of them, whether or not it is a working day.
        """
        _require_date(start, "start")
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        # Art. 11(1)-(3): "在二个工作日内" counts the working days after receipt, so the
        # search starts strictly after ``start`` (its own count already includes it).
        ordinal = start.toordinal()
        if self._first <= ordinal <= self._last:  # the fast path: two look-ups
            index = self._counts[ordinal - self._first] + n - 1
            if index < len(self._dates):
                return self._dates[index]
        return date.fromordinal(self._nth_through(self._count_through(ordinal) + n))

    def add_working_days_many(self, starts: Sequence[date], ns: Sequence[int]) -> list[date]:
        """``add_working_days`` for many pairs at once (the deadline sweep, recomputations)."""
        if len(starts) != len(ns):
            raise ValueError("starts and ns must have the same length")
        if not starts:
            return []
        if min(ns) < 1:
            raise ValueError("every n must be at least 1")
        ordinals = [start.toordinal() for start in starts]
        first, counts, dates = self._first, self._counts, self._dates
        # Anything but a plain date (a datetime above all) goes one by one and is refused.
        plain = all(type(start) is date for start in starts)
        if plain and first <= min(ordinals) and max(ordinals) <= self._last:
            try:
                return [dates[counts[o - first] + n - 1] for o, n in zip(ordinals, ns, strict=True)]
            except IndexError:  # a due date beyond the span: take the general path
                pass
        return [self.add_working_days(start, n) for start, n in zip(starts, ns, strict=True)]

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]; 0 when ``end <= start``."""
        _require_date(start, "start")
        _require_date(end, "end")
        if end <= start:
            return 0
        return self._count_through(end.toordinal()) - self._count_through(start.toordinal())

    def unconfirmed_years(self, start: date, end: date) -> list[int]:
        """The years from ``start`` to ``end`` whose official arrangement is not known."""
        low, high = sorted((start.year, end.year))
        return [year for year in range(low, high + 1) if year not in self.confirmed_years]

    def is_provisional(self, start: date, end: date) -> bool:
        """True when a year from ``start`` to ``end`` is unconfirmed.

        Such a deadline is computed on the Monday–Friday rule and must be shown as
        provisional: the State Council announces the next year's holidays only in
        November or December, and a stored due time is recomputed when it does.
        """
        return bool(self.unconfirmed_years(start, end))

    def explain(self, start: date, n: int) -> "Explanation":
        """How the due date of a step received on ``start`` with a limit of ``n`` is reached.

        Walks the days from ``start`` to the due date, so it is meant for display, not
        for bulk computation.
        """
        due = self.add_working_days(start, n)
        counted: list[date] = []
        makeup: list[DayRun] = []
        runs: list[tuple[date, date, Literal["holiday", "weekend"], list[str]]] = []
        day = start + timedelta(days=1)
        while day <= due:
            kind, label = self.day_kind(day)
            if kind == "workday" or kind == "makeup":
                counted.append(day)
                if kind == "makeup":
                    makeup.append(DayRun(day, day, "makeup", (self.makeup_workdays[day],)))
            else:
                name = self.holidays[day] if kind == "holiday" else label
                if runs and runs[-1][2] == kind and runs[-1][1] == day - timedelta(days=1):
                    first, _, _, names = runs[-1]
                    runs[-1] = (first, day, kind, names)
                    if name not in names:
                        names.append(name)
                else:
                    runs.append((day, day, kind, [name]))
            day += timedelta(days=1)
        return Explanation(
            start=start,
            n=n,
            due=due,
            counted=tuple(counted),
            skipped=tuple(DayRun(f, la, k, tuple(names)) for f, la, k, names in runs),
            makeup_counted=tuple(makeup),
            unconfirmed_years=tuple(self.unconfirmed_years(start, due)),
        )


@dataclass(frozen=True)
class DayRun:
    """Consecutive days of one kind: skipped holidays or weekends, or one make-up day.

    ``names`` are the distinct holiday names in order (e.g. 国庆节, 中秋节 for
    2025-10-01..08), the weekday names for a weekend run, or, for a make-up day, the
    holiday it makes up for.
    """

    first: date
    last: date
    kind: Literal["holiday", "weekend", "makeup"]
    names: tuple[str, ...]

    @property
    def reason(self) -> str:
        """The Chinese label: "国庆节、中秋节", "周末", "周六"."""
        if self.kind == "weekend" and len(self.names) > 1:
            return "周末"
        return "、".join(self.names)

    def reason_en(self) -> str:
        """The English label: "National Day, Mid-Autumn Festival", "weekend", "Saturday"."""
        if self.kind == "weekend":
            if len(self.names) > 1:
                return "weekend"
            return {"周六": "Saturday", "周日": "Sunday"}.get(self.names[0], self.names[0])
        return ", ".join(HOLIDAY_NAMES_EN.get(name, name) for name in self.names)


@dataclass(frozen=True)
class Explanation:
    """A due date with the working days counted and the days skipped on the way."""

    start: date
    n: int
    due: date
    counted: tuple[date, ...]  # the n working days, in order; the last one is ``due``
    skipped: tuple[DayRun, ...]  # holidays and weekends not counted, grouped into runs
    makeup_counted: tuple[DayRun, ...]  # 调休上班 weekend days that were counted
    unconfirmed_years: tuple[int, ...]  # years computed on the weekday rule

    @property
    def provisional(self) -> bool:
        """True when the count reaches into a year whose arrangement is not yet known."""
        return bool(self.unconfirmed_years)

    def lines(self, lang: str = "zh") -> list[str]:
        """Human sentences, in order, for the deadline's detail page ("zh" or "en")."""
        if lang == "zh":
            return self._lines_zh()
        if lang == "en":
            return self._lines_en()
        raise ValueError(f"unsupported language {lang!r}")

    def _zh(self, day: date) -> str:
        if day.year == self.start.year:
            return f"{day.month}月{day.day}日"
        return f"{day.year}年{day.month}月{day.day}日"

    def _en(self, day: date) -> str:
        text = f"{day.day} {_MONTHS_EN[day.month - 1]}"
        return text if day.year == self.start.year else f"{text} {day.year}"

    def _events(self) -> list[tuple[date, str, Any]]:
        """Skipped runs, make-up days and counted days in date order: (day, what, item),
        the item a ``DayRun`` ("skip", "makeup") or the working day's number ("count")."""
        events: list[tuple[date, str, Any]] = [(r.first, "skip", r) for r in self.skipped]
        events += [(r.first, "makeup", r) for r in self.makeup_counted]
        events += [(day, "count", k) for k, day in enumerate(self.counted, start=1)]
        # On a make-up day the "make-up" sentence comes before "working day k".
        order = {"skip": 0, "makeup": 1, "count": 2}
        return sorted(events, key=lambda event: (event[0], order[event[1]]))

    def _lines_zh(self) -> list[str]:
        lines = [
            f"收到日：{self._zh(self.start)}（{WEEKDAYS_ZH[self.start.weekday()]}），当天不计入"
        ]
        for day, what, item in self._events():
            if what == "skip":
                span = self._zh(item.first)
                if item.last != item.first:
                    span += f"–{self._zh(item.last)}"
                lines.append(f"{span} {item.reason}（不计）")
            elif what == "makeup":
                weekday = WEEKDAYS_ZH[day.weekday()]
                lines.append(f"{self._zh(day)}（{weekday}）调休上班，计为工作日")
            else:
                lines.append(f"第{item}个工作日：{self._zh(day)}")
        lines.append(f"期限：{self._zh(self.due)} 23:59:59（北京时间）止")
        if self.provisional:
            years = "、".join(f"{year}年" for year in self.unconfirmed_years)
            lines.append(f"注意：{years}节假日安排尚未公布，按周一至周五推算，期限为暂定")
        return lines

    def _lines_en(self) -> list[str]:
        weekday = WEEKDAYS_EN[self.start.weekday()]
        lines = [f"Received on {weekday} {self._en(self.start)}; the day of receipt does not count"]
        for day, what, item in self._events():
            if what == "skip":
                span = self._en(item.first)
                if item.last != item.first:
                    span += f" – {self._en(item.last)}"
                lines.append(f"{span}: {item.reason_en()} (not counted)")
            elif what == "makeup":
                holiday = item.reason_en()
                lines.append(
                    f"{WEEKDAYS_EN[day.weekday()]} {self._en(day)}: make-up working day "
                    f"for {holiday}, counted"
                )
            else:
                lines.append(f"Working day {item}: {self._en(day)}")
        lines.append(f"Due: {self._en(self.due)}, 23:59:59 Beijing time")
        if self.provisional:
            years = ", ".join(str(year) for year in self.unconfirmed_years)
            lines.append(
                f"Note: the holidays of {years} are not yet announced; computed on the "
                "Monday–Friday rule, so the deadline is provisional"
            )
        return lines


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """23:59:59 local time on ``day`` in ``tz``, as an aware datetime in that zone."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def due_at(received_at: datetime, n: int, calendar: WorkingCalendar, tz: tzinfo) -> datetime:
    """When a step received at ``received_at`` with a limit of ``n`` working days is due, in UTC.

    The day of receipt is the LOCAL date in ``tz`` (Asia/Shanghai): a complaint received
    at 00:30 Beijing time counts from that day even though it is still the day before in
    UTC. The step is due at the end (23:59:59 local) of the n-th working day after it
    (Art. 11; see DEADLINE_RULE_ZH).
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    # Art. 11: the limits run from the day the step is received, which is a Beijing
    # calendar day for everyone involved, not a UTC one.
    local_day = received_at.astimezone(tz).date()
    # End of the last working day: a reply sent that evening is still on time.
    return end_of_day(calendar.add_working_days(local_day, n), tz).astimezone(UTC)
