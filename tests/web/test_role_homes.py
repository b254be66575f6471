"""Each person's first screen says what to do now (issue: role-first screens), on the demo
province as ``make run`` seeds it on any day: the outlet officer's cases in hand with the
step and the working days left, the member's cases to accept, pass down and report, the
association's cases to forward and reports to review. Lists and the case page name the
step whose deadline comes next and how long is left."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.complaints.rules import OPEN_STATES
from portal.db import db
from portal.demo.full import seed_demo
from portal.demo.seed import DEMO_PASSWORD

# The demo's work in hand counts working days back from the morning it is seeded: a
# Tuesday, a Monday, a Saturday, and a Monday of the National Day holiday (Art. 11 counts
# working days on the official calendar: no deadline ends on either day off).
MORNINGS = {
    "tuesday": datetime(2026, 12, 8, 1, 30, tzinfo=UTC),
    "monday": datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    "saturday": datetime(2026, 12, 5, 1, 30, tzinfo=UTC),
    "holiday": datetime(2026, 10, 5, 1, 30, tzinfo=UTC),
}
WORKING_MORNINGS = ("tuesday", "monday")


# The days off differ from the working days in the demo's dates only, not in anything a
# database does: once, on the embedded default (the whole seed takes half a minute).
@pytest.fixture(
    params=[
        m if m in WORKING_MORNINGS else pytest.param(m, marks=pytest.mark.sqlite_only)
        for m in MORNINGS
    ],
    scope="module",
)
def morning(request):
    return request.param


@pytest.fixture
def demo(morning, make_app):
    """The province exactly as ``flask demo seed`` makes it (the same function)."""
    now = MORNINGS[morning]
    app = make_app(FROZEN_NOW=now)
    with app.app_context():
        seed_demo(now)
    app.config["MORNING"] = morning
    return app


def _home(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    page = client.get("/home")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _count(html, key) -> int:
    match = re.search(rf'data-testid="count-{key}">\s*<span class="num">(\d+)</span>', html)
    assert match, key
    return int(match.group(1))


def _outlet_officer(app):
    html = _home(app, "bank1-outlet1")
    assert _count(html, "in_hand") >= 3
    # One due today; seeded on a day off, due on the next working day instead.
    due = "今日到期" if app.config["MORNING"] in WORKING_MORNINGS else "剩 1 个工作日"
    assert re.search(rf"网点答复客户</span>\s*<span class=\"tag (warn|ok)\">{due}<", html), due
    assert '承诺再次回复</span> <span class="tag ok">剩 2 个工作日' in html  # a promise
    assert "超期 1 个工作日" in html  # and one late
    assert "拨打" in html  # tap to call


def _members_handlers(app):
    for username in ("bank1-a", "bank1-b"):
        html = _home(app, username)
        for key in ("to_accept", "pass_down", "to_report"):
            assert _count(html, key) >= 1, (username, key)


def _association(app):
    html = _home(app, "assoc-staff")
    assert _count(html, "to_forward") >= 2 and _count(html, "to_review") >= 1
    leader = _home(app, "assoc-leader")
    assert _count(leader, "to_forward") == _count(html, "to_forward")  # the same, to read


def _alive(demo):
    with demo.app_context():
        now = demo.config["FROZEN_NOW"]
        open_cases = select(func.count()).where(Complaint.state.in_([s.value for s in OPEN_STATES]))
        total = db.session.scalar(open_cases.select_from(Complaint))
        overdue = db.session.scalar(
            open_cases.select_from(Complaint).where(Complaint.next_due_at < now)
        )
        assert total >= 10 and overdue <= total / 5
        from portal.notify.models import Notification

        titles = db.session.scalars(
            select(Notification.title).where(Notification.read_at.is_(None))
        ).all()
        assert any(t.startswith("【超期】") for t in titles)
        assert any(t.startswith(("【今日到期】", "【即将到期】")) for t in titles)


def _lists_and_case_page(demo):
    client = demo.test_client()
    client.post("/login", data={"username": "bank1-outlet1", "password": DEMO_PASSWORD})
    inbox = client.get("/cases").get_data(as_text=True)
    assert 'data-testid="time-left"' in inbox and "个工作日" in inbox
    case_link = re.search(r'href="/cases/(\d+)"', inbox).group(1)
    page = client.get(f"/cases/{case_link}").get_data(as_text=True)
    banner = page[page.index('data-testid="next-step"') :][:1500]
    assert "下一步" in banner and ("个工作日" in banner or "今日到期" in banner)
    assert "如何计算" in banner


def _healthy_cases_look_healthy(demo):
    """The outlet's cases that are on time (the one due today, the promised one) are on
    time for the bank too: it verified within its 2 working days (Art. 11(2))."""
    from portal.deadlines.models import Clock
    from portal.deadlines.rules import ClockKind

    with demo.app_context():
        now = demo.config["FROZEN_NOW"]
        outlet_id = db.session.scalar(select(User.unit_id).where(User.username == "bank1-outlet1"))
        in_hand = select(Complaint.id).where(
            Complaint.handling_unit_id == outlet_id,
            Complaint.state.in_([s.value for s in OPEN_STATES]),
        )
        open_clocks = db.session.scalars(
            select(Clock).where(
                Clock.case_id.in_(in_hand), Clock.met_at.is_(None), Clock.cancelled_at.is_(None)
            )
        ).all()
        outlet_on_time = {
            c.case_id
            for c in open_clocks
            if c.kind in (ClockKind.BRANCH_REPLY, ClockKind.PROMISE) and c.due_at >= now
        }
        assert len(outlet_on_time) >= 2
        late_for_bank = [
            (c.case_id, c.kind)
            for c in open_clocks
            if c.case_id in outlet_on_time and c.owner_unit_id != outlet_id and c.due_at < now
        ]
        assert late_for_bank == []


def _repeats_run_their_course(demo):
    """A dissatisfied return visit opens a repeat complaint, forwarded, accepted and
    closed like any other case (Art. 12(1): repeats count against the member)."""
    from portal.complaints.models import ComplaintEvent

    with demo.app_context():
        repeats = db.session.scalars(
            select(Complaint).where(Complaint.repeat_of_id.is_not(None))
        ).all()
        assert len(repeats) >= 3
        assert any(r.state == "closed" for r in repeats)
        for repeat in repeats:
            actions = set(
                db.session.scalars(
                    select(ComplaintEvent.action).where(ComplaintEvent.complaint_id == repeat.id)
                )
            )
            assert "registered" in actions
            if repeat.state not in ("registered",):
                assert {"forwarded", "accepted"} <= actions, repeat.tracking_no


def test_each_role_has_its_work_on_any_morning(demo):
    """Seeding the demo takes seconds: one province per morning, every role looked at."""
    _outlet_officer(demo)
    _members_handlers(demo)
    _association(demo)
    _alive(demo)
    _lists_and_case_page(demo)
    _healthy_cases_look_healthy(demo)
    _repeats_run_their_course(demo)
