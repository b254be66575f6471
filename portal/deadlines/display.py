"""How a clock explains itself on screen: its state, its due time, and which days were
counted and skipped on the way (Art. 11; the rule sentence is DEADLINE_RULE_ZH)."""

from dataclasses import dataclass
from datetime import date, datetime

from portal.deadlines.models import Clock
from portal.deadlines.rules import STATE_LABELS, ClockState, local_day
from portal.workdays.rules import (
    DEADLINE_RULE_EN,
    DEADLINE_RULE_ZH,
    Explanation,
    WorkingCalendar,
)


@dataclass(frozen=True)
class ClockDescription:
    clock: Clock
    state: ClockState
    state_label: str
    due_at: datetime
    due_on: date
    is_provisional: bool
    is_cancelled: bool
    explanation: Explanation | None  # None: a promised date, not a count of working days
    lines: tuple[str, ...]
    rule: str


def describe_clock(
    clock: Clock, calendar: WorkingCalendar, now: datetime, lang: str = "zh"
) -> ClockDescription:
    """Everything the explanation piece shows for ``clock`` at ``now``."""
    state = clock.state(now)
    explanation = None
    if clock.limit_days is not None:
        explanation = calendar.explain(local_day(clock.started_at), clock.limit_days)
        lines = tuple(explanation.lines(lang))
    elif lang == "zh":
        lines = (
            f"承诺客户的回复日期：{clock.due_on.year}年{clock.due_on.month}月{clock.due_on.day}日"
            "（第十一条第（三）项），当日23:59:59（北京时间）止",
        )
    else:
        lines = (
            f"Reply promised to the customer by {clock.due_on:%d %b %Y}, 23:59:59 Beijing time",
        )
    return ClockDescription(
        clock=clock,
        state=state,
        state_label=STATE_LABELS[state],
        due_at=clock.due_at,
        due_on=clock.due_on,
        is_provisional=clock.is_provisional,
        is_cancelled=clock.cancelled_at is not None,
        explanation=explanation,
        lines=lines,
        rule=DEADLINE_RULE_ZH if lang == "zh" else DEADLINE_RULE_EN,
    )
