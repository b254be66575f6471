"""The first page after signing in: what to do now, in order of urgency, for each role.

The outlet officer sees the cases in hand with their deadline and how long is left; a
member's handler, the cases to accept, to pass down and to report; the association, the
cases to forward and the reports to review, and the overdue cases per member; leaders
the same at a glance. Every count links to the list it counts (``inbox?queue=…``).
"""

from dataclasses import dataclass, field

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal.auth.access import can
from portal.auth.roles import Permission
from portal.complaints.inbox import InboxFilters, count_inboxes, inbox_page
from portal.complaints.models import Complaint
from portal.complaints.queries import cases_query, open_state_filter, side_of
from portal.db import db
from portal.deadlines.queries import next_steps
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import scope_root
from portal.web import clock


def root():
    return redirect(url_for("home.index"))


def favicon():
    # Browsers ask for /favicon.ico whatever the page says.
    return redirect(url_for("static", filename="favicon.svg"), 301)


@dataclass
class Queue:
    """One list of cases waiting for this user, as the home page shows it."""

    key: str
    title: str
    filters: InboxFilters
    empty: str
    urgent: bool = False
    count: int = 0
    cases: list = field(default_factory=list)

    @property
    def args(self) -> dict:
        """The inbox's URL arguments of this list."""
        f = self.filters
        values = {"queue": f.queue, "clock": f.clock}
        if f.state != "open":
            values["state"] = f.state
        return {k: v for k, v in values.items() if v}


def N_(text: str) -> str:  # translated where shown
    return text


def _queues(side: str, kind: UnitKind) -> list[Queue]:
    """The lists of one side of the hierarchy, most urgent first (leaders see their
    scope's lists, to read)."""
    overdue = Queue(
        "breached", N_("已超期"), InboxFilters(clock="breached"), N_("没有超期的投诉。"), True
    )
    today = Queue(
        "due_today",
        N_("今日到期"),
        InboxFilters(clock="due_today"),
        N_("今天没有到期的投诉。"),
        True,
    )
    if side == "unit":
        return [
            Queue(
                "in_hand", N_("我手上的投诉"), InboxFilters(), N_("目前没有需要本单位办理的投诉。")
            ),
            overdue,
            today,
        ]
    if kind == UnitKind.ASSOCIATION:
        return [
            overdue,
            today,
            Queue(
                "to_forward",
                N_("待转办"),
                InboxFilters(queue="to_forward"),
                N_("没有待转办的投诉。"),
            ),
            Queue(
                "to_review",
                N_("待审核办结"),
                InboxFilters(queue="to_review"),
                N_("没有待审核的处理结果。"),
            ),
        ]
    return [
        overdue,
        today,
        Queue("to_accept", N_("待受理"), InboxFilters(queue="to_accept"), N_("没有待受理的投诉。")),
        Queue(
            "pass_down",
            N_("待转交网点或答复"),
            InboxFilters(queue="pass_down"),
            N_("没有等待转交的投诉。"),
        ),
        Queue(
            "to_report",
            N_("待上报处理结果"),
            InboxFilters(queue="to_report"),
            N_("没有待上报的处理结果。"),
        ),
    ]


SHOWN = 5  # cases listed under each heading; the count links to all of them
IN_HAND_SHOWN = 20


def _fill(queues: list[Queue]) -> None:
    now, tz = clock.now(), clock.tz()
    lists = {"open": InboxFilters()} | {q.key: q.filters for q in queues}
    counts = count_inboxes(current_user, lists, within="open", now=now, tz=tz)
    for queue in queues:
        queue.count = counts[queue.key]
        if queue.count:
            shown = IN_HAND_SHOWN if queue.key == "in_hand" else SHOWN
            page = inbox_page(
                current_user, queue.filters, now=now, tz=tz, per_page=shown, count=False
            )
            queue.cases = [case for case, _due in page.items]


def _overdue_members() -> list[tuple[int, str, int]]:
    query = (
        cases_query(current_user)
        .with_only_columns(Complaint.member_id, func.count())
        .where(open_state_filter(), Complaint.next_due_at < clock.now())
        .group_by(Complaint.member_id)
    )
    counts = dict(db.session.execute(query).tuples().all())
    if not counts:
        return []
    names = dict(
        db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(counts))))
        .tuples()
        .all()
    )
    return sorted(
        ((member, names.get(member, ""), n) for member, n in counts.items()),
        key=lambda row: (-row[2], row[1]),
    )


@login_required
def index():
    root = scope_root(current_user)
    queues: list[Queue] = []
    members: list = []
    steps: dict = {}
    if can(Permission.CASE_VIEW):
        side = side_of(current_user)
        queues = _queues(side, root.unit_kind)
        _fill(queues)
        shown = {case.id for queue in queues for case in queue.cases}
        steps = next_steps(current_user, shown, clock.local_today())
        if root.unit_kind == UnitKind.ASSOCIATION:
            members = _overdue_members()
    return render_template(
        "home/index.html",
        root=root,
        queues=queues,
        steps=steps,
        overdue_members=members,
        may_call=side_of(current_user) == "unit",
        **_regulator_return(),
    )


def _regulator_return() -> dict:
    """The association's leader finds the latest regulator return (监管报送) here."""
    if not (current_user.is_association and can(Permission.RETURN_VIEW)):
        return {}
    from portal.returns.operations import latest_overall, return_count

    return {"latest_return": latest_overall(), "return_count": return_count()}


@login_required
def duties():
    """The piece of duties beside the cases (``home/duties.py``), loaded after the page."""
    from portal.home.duties import duties as duties_of

    return render_template("home/_duties.html", duties=duties_of(current_user, clock.local_today()))
