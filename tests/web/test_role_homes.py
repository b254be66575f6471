"""Each person's first screen says what to do now (issue: role-first screens), on the demo
province as ``make run`` seeds it on any day: the outlet officer's cases in hand with the
step and the working days left, the member's cases to accept, pass down and report, the
association's cases to forward and reports to review. Lists and the case page name the
step whose deadline comes next and how long is left."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.complaints.models import Complaint
from portal.complaints.rules import OPEN_STATES
from portal.db import db
from portal.demo.accountability_demo import seed_accountability
from portal.demo.complaints_demo import seed_complaints
from portal.demo.seed import DEMO_PASSWORD, seed_province

# A Tuesday morning, and a Monday: the demo's work in hand counts working days back.
MORNINGS = [datetime(2026, 12, 8, 1, 30, tzinfo=UTC), datetime(2026, 11, 30, 2, 0, tzinfo=UTC)]


@pytest.fixture(params=MORNINGS, ids=["tuesday", "monday"])
def demo(request, make_app):
    now = request.param
    app = make_app(FROZEN_NOW=now)
    with app.app_context():
        seed_province(now)
        seed_complaints(now)
        seed_accountability(now)
        from portal.jobs.sweep import run_sweep

        run_sweep(now)
        db.session.commit()
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
    assert "网点答复客户" in html and "今日到期" in html  # one due today
    assert "承诺再次回复" in html  # one with a promised date
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


def test_each_role_has_its_work_on_any_morning(demo):
    """Seeding the demo takes seconds: one province per morning, every role looked at."""
    _outlet_officer(demo)
    _members_handlers(demo)
    _association(demo)
    _alive(demo)
    _lists_and_case_page(demo)
