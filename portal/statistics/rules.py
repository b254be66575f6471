"""Pure statistics definitions: half-year periods and rates.

Art. 8(4): the association issues its bulletin every half year, so the unit of every
figure here is a period such as ``2026H1`` (1 January-30 June, Beijing dates). The
regulator counts by quarter (regulator-reporting.md), so a quarter such as ``2026Q3``
is a period as well: same attributes, so every query takes either.
No Flask, no database, no clock.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_RE = re.compile(r"^(\d{4})H([12])$")
QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


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


_QUARTER_WORDS = ("一", "二", "三", "四")


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter as a period (``2026Q3``: 1 July-30 September), as the regulator counts."""

    year: int
    quarter: int  # 1-4

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_day(self) -> date:
        if self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年第{_QUARTER_WORDS[self.quarter - 1]}季度"

    @property
    def label_en(self) -> str:
        return f"Q{self.quarter} {self.year}"

    @property
    def months(self) -> list[int]:
        return list(range(3 * self.quarter - 2, 3 * self.quarter + 1))

    def previous(self) -> "Quarter":
        return (
            Quarter(self.year, self.quarter - 1) if self.quarter > 1 else Quarter(self.year - 1, 4)
        )

    def __str__(self) -> str:
        return self.code


AnyPeriod = Period | Quarter


def parse_period(text: str) -> Period:
    """``2026H1`` → Period(2026, 1); ValueError for anything else."""
    match = PERIOD_RE.match((text or "").strip().upper())
    if not match or not 2000 <= int(match.group(1)) <= 2999:
        raise ValueError(f"not a half-year period: {text!r} (expected e.g. 2026H1)")
    return Period(int(match.group(1)), int(match.group(2)))


def parse_any_period(text: str) -> AnyPeriod:
    """``2026H1`` → a half year, ``2026Q3`` → a quarter; ValueError for anything else."""
    match = QUARTER_RE.match((text or "").strip().upper())
    if match and 2000 <= int(match.group(1)) <= 2999:
        return Quarter(int(match.group(1)), int(match.group(2)))
    try:
        return parse_period(text)
    except ValueError:
        raise ValueError(f"not a period: {text!r} (expected e.g. 2026H1 or 2026Q3)") from None


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


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


# The 75 % line (regulation.md, "Practice from the other source documents": an on-time
# completion rate below 75 % was one source's threshold for ordering rectification). The
# dashboard, the Excel export and the bulletin all mark a rate with ``below_line``, so the
# three cannot disagree; the threshold is the association's setting (``rate_line.py``).
DEFAULT_LINE_PERCENT = 75
# The steps whose on-time rates are held against the line (Art. 7, 11(1)-(3)): forward,
# accept, verify, report and the outlet's reply. A promise's date is the outlet's own.
LINE_STAGES = ("forward", "accept", "verify", "report", "branch_reply")
# Art. 11(1): forwarding is the association's own duty, so its rate is marked but no
# rectification is ordered against a member for it.
ASSOCIATION_STAGES = frozenset({"forward"})
# A rate within this of the line counts as on it (a float such as 3/4 is exact, but
# 0.29 * 100 is not): a rate on the line is not below it.
_TOLERANCE = 1e-9


def below_line(value: float | None, threshold: float) -> bool | None:
    """Whether an on-time rate (a share in [0, 1]) lies below the line ``threshold``
    (also a share, 0.75 for 75 %); None when there was nothing to count (no rate)."""
    if value is None:
        return None
    return value < threshold - _TOLERANCE


def stage_marks(on_time: dict, threshold: float) -> dict[str, bool | None]:
    """``below_line`` for each stage of a row's ``{kind: rate}`` (stages off the line:
    None, never marked)."""
    return {
        kind: below_line(value, threshold) if kind in LINE_STAGES else None
        for kind, value in on_time.items()
    }


def may_order(stage: str) -> bool:
    """A rectification may be ordered against a member for a rate of this stage."""
    return stage in LINE_STAGES and stage not in ASSOCIATION_STAGES


@dataclass(frozen=True)
class BelowLine:
    """One member × stage rate of a period below the line."""

    member_id: int
    member_name: str
    stage: str
    rate: float

    @property
    def orderable(self) -> bool:
        return may_order(self.stage)


def rates_below_line(rows: list[dict], threshold: float) -> list[BelowLine]:
    """Every member × stage rate below the line in the member rows of the statistics
    (``queries.member_table``: ``member_id``, ``member_name``, ``on_time``), in the rows'
    order and then the order of the steps."""
    found = []
    for row in rows:
        on_time = row.get("on_time") or {}
        for stage in LINE_STAGES:
            if below_line(on_time.get(stage), threshold):
                found.append(BelowLine(row["member_id"], row["member_name"], stage, on_time[stage]))
    return found


# -- The regulator's figures (regulator-reporting.md: the quarterly bulletin) ----------


def median(values) -> float | None:
    """The median of the numbers given (None values left out); None when there are none.
    The regulator's bulletin gives each institution group's median per institution."""
    numbers = sorted(v for v in values if v is not None)
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2


def per_1000(count: int | None, outlets: int | None) -> float | None:
    """Complaints per 1,000 outlets (平均每千营业网点投诉量); None without outlets."""
    if not outlets or count is None:
        return None
    return count * 1000 / outlets


def per_10m(count: int | None, customers: int | None) -> float | None:
    """Complaints per 10 million personal customers (平均每千万个人客户投诉量); None
    without a reported customer count."""
    if not customers or count is None:
        return None
    return count * 10_000_000 / customers


def change_rate(current: int | None, previous: int | None) -> float | None:
    """The relative change against the previous period (环比), a fraction; None when the
    previous period had nothing to compare with."""
    if current is None or not previous:
        return None
    return (current - previous) / previous


def signed(value: float | int | None, digits: int = 1, suffix: str = "") -> str:
    """A change with its sign: 3 → "+3", -0.25 → "-0.3" (digits=1), "—" for None. A
    value that rounds to zero prints as "0" (or "0.0"), never "-0.0" or "+0.0"."""
    if value is None:
        return "—"
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}{suffix}"
    return f"{'+' if value > 0 else '-'}{text}{suffix}"


def signed_percent(value: float | None, digits: int = 1) -> str:
    """A relative change (a fraction) as a signed percentage: 0.125 → "+12.5%"."""
    return "—" if value is None else signed(value * 100, digits, "%")
