from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal.auth.access import can
from portal.auth.models import User
from portal.auth.roles import Permission
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import scope_filter, scope_root
from portal.web import clock


def root():
    return redirect(url_for("home.index"))


def favicon():
    # Browsers ask for /favicon.ico whatever the page says.
    return redirect(url_for("static", filename="favicon.svg"), 301)


def _case_counts() -> dict:
    """The numbers on the home page, each linking to the inbox filter that produces it."""
    from portal.complaints.inbox import InboxFilters, count_inboxes

    lists = {
        "open": InboxFilters(),
        "due_today": InboxFilters(clock="due_today"),
        "breached": InboxFilters(clock="breached"),
        "forwarded": InboxFilters(state="forwarded"),
    }
    return count_inboxes(current_user, lists, within="open", now=clock.now(), tz=clock.tz())


@login_required
def index():
    counts = dict(
        db.session.execute(
            select(Unit.kind, func.count())
            .where(scope_filter(current_user, Unit.path), Unit.is_active.is_(True))
            .group_by(Unit.kind)
        )
        .tuples()
        .all()
    )
    people = db.session.scalar(
        select(func.count())
        .select_from(User)
        .join(User.unit)
        .where(scope_filter(current_user, Unit.path), User.is_active.is_(True))
    )
    return render_template(
        "home/index.html",
        root=scope_root(current_user),
        people=people,
        members=counts.get(UnitKind.MEMBER.value, 0),
        outlets=counts.get(UnitKind.OUTLET.value, 0),
        units=sum(counts.values()),
        cases=_case_counts() if can(Permission.CASE_VIEW) else None,
    )
