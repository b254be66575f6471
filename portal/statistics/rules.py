"""Pure statistics definitions: half-year periods and rates.

Art. 8(4): the association issues its bulletin every half year, so the unit of every
figure here is a period such as ``2026H1`` (1 January-30 June, Beijing dates).
No Flask, no database, no clock.
"""

import re
from dataclasses import dataclass
from datetime import date

PERIOD_RE = re.compile(r"^(\d{4})H([12])$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int  # 1: January-June, 2: July-December

    @property
    def code(self) -> str:
        return f"{self.year}H{self.half}"

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.year}年{'上' if self.half == 1 else '下'}半年"

    @property
    def label_en(self) -> str:
        return f"{'first' if self.half == 1 else 'second'} half of {self.year}"

    @property
    def months(self) -> list[int]:
        start = 1 if self.half == 1 else 7
        return list(range(start, start + 6))

    def previous(self) -> "Period":
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def __str__(self) -> str:
        return self.code


def parse_period(text: str) -> Period:
    """``2026H1`` → Period(2026, 1); ValueError for anything else."""
    match = PERIOD_RE.match((text or "").strip().upper())
    if not match or not 2000 <= int(match.group(1)) <= 2999:
        raise ValueError(f"not a half-year period: {text!r} (expected e.g. 2026H1)")
    return Period(int(match.group(1)), int(match.group(2)))


def period_of(day: date) -> Period:
    return Period(day.year, 1 if day.month <= 6 else 2)


def last_complete_period(today: date) -> Period:
    """The half year that ended most recently before ``today``."""
    return period_of(today).previous()


def rate(part: int | None, whole: int | None) -> float | None:
    """A share in [0, 1]; None when there is nothing to divide by (shown as "—")."""
    if not whole:
        return None
    return (part or 0) / whole


def percent(value: float | None, digits: int = 1) -> str:
    """0.8333 → "83.3%"; None → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def change(current: float | int | None, previous: float | int | None) -> float | None:
    """The change from the previous period (absolute, in the figure's own unit)."""
    if current is None or previous is None:
        return None
    return current - previous
