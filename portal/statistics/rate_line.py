"""The 75 % line: its setting, the rates below it, and a rectification ordered from one.

The line is the practice source's threshold for ordering rectification (regulation.md,
"Practice from the other source documents"); the marking itself is the pure
``rules.below_line``, which the dashboard, the Excel export and the bulletin all call.
An order is a case of the accountability module (``Trigger.RATE_BELOW_LINE``), which the
member answers with its 8D plan as for the triggers of Art. 12(1).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accountability import operations as accountability
from portal.accountability.queries import rate_orders
from portal.audit.operations import record
from portal.auth.models import User
from portal.db import db
from portal.deadlines.rules import RULES, ClockKind
from portal.orgs.models import Unit
from portal.statistics import queries
from portal.statistics.models import RateLineSetting
from portal.statistics.rules import (
    DEFAULT_LINE_PERCENT,
    AnyPeriod,
    BelowLine,
    below_line,
    may_order,
    rates_below_line,
)
from portal.workdays.store import current_calendar


def line_percent() -> int:
    """The line in whole percent (the default until the administrator sets one)."""
    value = db.session.scalar(select(RateLineSetting.percent).where(RateLineSetting.id == 1))
    return DEFAULT_LINE_PERCENT if value is None else value


def threshold() -> float:
    """The line as a share, as ``rules.below_line`` takes it."""
    return line_percent() / 100


def update_line(percent: int, *, actor: User, now: datetime) -> bool:
    """Set the line (whole percent, checked by the form); an audit entry records the
    change under the association's unit. Returns whether it changed."""
    row = db.session.get(RateLineSetting, 1)
    before = row.percent if row is not None else DEFAULT_LINE_PERCENT
    if before == percent and row is not None:
        return False
    row = row or RateLineSetting(id=1)
    row.percent, row.updated_by_id, row.updated_at = percent, actor.id, now
    db.session.add(row)
    db.session.flush()
    association = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    record(
        actor=actor,
        unit_path=association.path if association else "",
        subject=row,
        action="rate_line_updated",
        changes={"percent": [before, percent]},
        now=now,
    )
    return True


@dataclass(frozen=True)
class Marked:
    """A rate below the line on the dashboard, with the order made from it, if any."""

    rate: BelowLine
    case_id: int | None

    @property
    def stage_label(self) -> str:
        return RULES[ClockKind(self.rate.stage)].label


def marked(user: User, period: AnyPeriod, rows: list[dict], line: float) -> list[Marked]:
    """The member × stage rates below ``line`` in the statistics rows of ``period`` (as
    the dashboard's snapshot holds them) and the rectifications already ordered from them:
    one query, whatever the number of members."""
    below = rates_below_line(rows, line)
    if not below:
        return []
    orders = rate_orders(user, period.code)
    return [Marked(item, orders.get((item.member_id, item.stage))) for item in below]


class NotBelowLine(ValueError):
    """The rate is not (or no longer) below the line, or the step is the association's."""


def order(user: User, period: AnyPeriod, member: Unit, stage: str, *, now: datetime):
    """Order rectification from ``member``'s on-time rate of ``stage`` in ``period``.

    The rate is counted again here (one aggregation, the dashboard's own query for that
    member), so the order stands on the figure of the moment, not on a page that may be
    minutes old. Raises ``NotBelowLine``, or ``accountability.AlreadyOrdered``."""
    if not may_order(stage):
        raise NotBelowLine(stage)
    existing = accountability.rate_order_of(member.id, period.code, stage)
    if existing is not None:
        raise accountability.AlreadyOrdered(existing)
    figures = queries.clock_figures(
        user, period, current_calendar(), by_member=True, member_id=member.id
    ).get((member.id, stage))
    percent = line_percent()
    if not figures or not below_line(figures["rate"], percent / 100):
        raise NotBelowLine(stage)
    label = RULES[ClockKind(stage)].label
    requirements = (
        f"{period.label}{label}及时率为 {figures['rate'] * 100:.1f}%"
        f"（按时 {figures['on_time']} 件 / 完成 {figures['met']} 件），低于 {percent}% 警戒线。"
        "请查明原因，以 8D 方法提交整改方案并按期完成。"
    )
    return accountability.order_rectification(
        member_id=member.id,
        period=period.code,
        stage=stage,
        on_time=figures["on_time"],
        met=figures["met"],
        line_percent=percent,
        requirements=requirements,
        actor=user,
        now=now,
    )
