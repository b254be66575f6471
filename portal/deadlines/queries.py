"""Scoped reads of clocks: every list goes through the tenancy boundary.

A clock is seen by whoever may see its owner unit (``portal.orgs.scoping``): the
association sees every clock, a member bank the clocks of its own tree, an outlet
officer its own unit's. The case page shows a case's clocks through the case's own
scoping instead (``operations.case_clocks``).
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select, text

from portal.db import db
from portal.deadlines.models import OPEN, UNBREACHED, Clock
from portal.deadlines.rules import RULES, ClockKind, TimeLeft, time_left
from portal.orgs.scoping import scope_filter, scope_root
from portal.workdays import store


def clocks_query(user) -> Select:
    return select(Clock).where(scope_filter(user, Clock.owner_path))


def open_clocks_query(user) -> Select:
    """The running clocks ``user`` may see, the soonest due first."""
    return clocks_query(user).where(text(OPEN)).order_by(Clock.due_at, Clock.id)


def overdue_clocks_query(user, now: datetime) -> Select:
    """Clocks past due and not yet marked by the sweep (the sweep's own condition)."""
    return clocks_query(user).where(Clock.due_at < now, text(UNBREACHED)).order_by(Clock.due_at)


def breached_clocks_query(user) -> Select:
    """Open clocks the sweep has marked as breached (Art. 12 follows them up)."""
    return (
        clocks_query(user)
        .where(text(OPEN), Clock.breached_at.is_not(None))
        .order_by(Clock.due_at, Clock.id)
    )


def furthest_open_due() -> date | None:
    """The latest due date among all open clocks (not scoped: it decides which years'
    calendars must be known, for everyone)."""
    return db.session.scalar(select(func.max(Clock.due_on)).where(text(OPEN)))


def unconfirmed_years_ahead(today: date) -> list[int]:
    """The years whose official arrangement is missing and that today's deadlines need."""
    return store.unconfirmed_years_ahead(today, furthest_open_due())


@dataclass(frozen=True)
class NextStep:
    """The step of a case whose deadline comes first, as lists and the case page name it."""

    kind: str
    label: str
    article: str
    due_on: date
    is_provisional: bool
    left: TimeLeft
    clock_id: int


def next_steps(user, case_ids, today: date) -> dict[int, NextStep]:
    """For each case, its open clock due first among those ``user`` may see (a branch
    officer sees its own unit's, the others every clock of the cases they see): one
    statement for a page of cases."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Clock.case_id, Clock.kind, Clock.due_on, Clock.is_provisional, Clock.id)
        .where(Clock.case_id.in_(ids), text(OPEN), scope_filter(user, Clock.owner_path))
        .order_by(Clock.case_id, Clock.due_at, Clock.id)
    ).all()
    calendar = store.current_calendar()
    steps: dict[int, NextStep] = {}
    for case_id, kind, due_on, provisional, clock_id in rows:
        if case_id in steps:
            continue
        rule = RULES[ClockKind(kind)]
        left = time_left(due_on, today, calendar)
        steps[case_id] = NextStep(
            kind, rule.label, rule.article, due_on, provisional, left, clock_id
        )
    return steps


def next_step_of(user, clocks, today: date) -> NextStep | None:
    """``next_steps`` for one case whose clocks are in hand (the case page has them all):
    its open clock due first among those ``user`` may see, without another query."""
    root = scope_root(user).path
    running = [c for c in clocks if c.is_open and c.owner_path.startswith(root)]
    if not running:
        return None
    first = min(running, key=lambda c: (c.due_at, c.id))
    rule = RULES[ClockKind(first.kind)]
    left = time_left(first.due_on, today, store.current_calendar())
    return NextStep(
        first.kind, rule.label, rule.article, first.due_on, first.is_provisional, left, first.id
    )
