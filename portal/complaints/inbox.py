"""Inboxes: a user's scoped cases, nearest due time first, with filters and search."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.complaints.models import Category, Complaint
from portal.complaints.queries import cases_query, open_state_filter, search_condition
from portal.complaints.rules import State
from portal.deadlines.models import Clock
from portal.orgs.models import Unit
from portal.orgs.rules import subtree_bounds
from portal.orgs.scoping import scope_filter


@dataclass(frozen=True)
class InboxFilters:
    q: str = ""
    state: str = "open"  # open / all / one State value
    clock: str = ""  # breached / due_today / running
    category_id: int | None = None
    unit_id: int | None = None  # member bank or any unit: the case's outlet lies under it
    received_from: date | None = None
    received_to: date | None = None
    flag: str = ""  # major / media / repeat

    @classmethod
    def from_args(cls, args) -> "InboxFilters":
        def as_date(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        return cls(
            q=(args.get("q") or "").strip(),
            state=args.get("state") or "open",
            clock=args.get("clock") or "",
            category_id=args.get("category", type=int),
            unit_id=args.get("unit", type=int),
            received_from=as_date("from"),
            received_to=as_date("to"),
            flag=args.get("flag") or "",
        )


def nearest_due(user):
    """Per case, the earliest open clock owned inside the user's scope."""
    return (
        select(Clock.case_id.label("case_id"), func.min(Clock.due_at).label("due_at"))
        .where(
            Clock.met_at.is_(None),
            Clock.cancelled_at.is_(None),
            scope_filter(user, Clock.owner_path),
        )
        .group_by(Clock.case_id)
        .subquery()
    )


def inbox_query(user, filters: InboxFilters, *, now: datetime, tz, unit_path: str | None = None):
    """Rows of (Complaint, nearest due_at) for ``user``: red/amber/green come from due_at."""
    due = nearest_due(user)
    query = (
        cases_query(user).add_columns(due.c.due_at).outerjoin(due, due.c.case_id == Complaint.id)
    )
    if filters.state == "open":
        query = query.where(open_state_filter())
    elif filters.state in set(State):
        query = query.where(Complaint.state == filters.state)
    end_of_today = datetime.combine(now.astimezone(tz).date(), time(23, 59, 59), tz)
    if filters.clock == "breached":
        query = query.where(due.c.due_at < now)
    elif filters.clock == "due_today":
        query = query.where(due.c.due_at >= now, due.c.due_at <= end_of_today)
    elif filters.clock == "running":
        query = query.where(due.c.due_at > end_of_today)
    if filters.category_id:
        # A top-level category takes its subcategories (the statistics count it so too).
        children = select(Category.id).where(Category.parent_id == filters.category_id)
        query = query.where(
            (Complaint.category_id == filters.category_id) | Complaint.category_id.in_(children)
        )
    if unit_path:
        low, high = subtree_bounds(unit_path)
        query = query.join(Unit, Unit.id == Complaint.outlet_id).where(
            Unit.path >= low, Unit.path < high
        )
    if filters.received_from:
        query = query.where(Complaint.received_on >= filters.received_from)
    if filters.received_to:
        query = query.where(Complaint.received_on <= filters.received_to)
    if filters.flag == "major":
        query = query.where(Complaint.is_major.is_(True))
    elif filters.flag == "media":
        query = query.where(Complaint.is_media.is_(True))
    elif filters.flag == "repeat":
        query = query.where(Complaint.repeat_of_id.is_not(None))
    condition = search_condition(filters.q)
    if condition is not None:
        query = query.where(condition)
    return query.order_by(
        due.c.due_at.is_(None), due.c.due_at, Complaint.received_at.desc(), Complaint.id.desc()
    )


def due_colour(due_at: datetime | None, now: datetime, tz) -> str:
    """red: past due; amber: due today or tomorrow; green: later; '' when nothing runs."""
    if due_at is None:
        return ""
    if due_at < now:
        return "red"
    if due_at.astimezone(tz).date() <= now.astimezone(tz).date() + timedelta(days=1):
        return "amber"
    return "green"
