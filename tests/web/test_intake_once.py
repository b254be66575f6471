"""Issue 21, point 5: one intake form submitted twice registers one complaint. Each
rendered worksheet carries a one-time token; the complaint it registers keeps the token's
random part under a unique index, so whichever submission comes second — after the first,
or racing it — answers with the complaint already registered."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from support import sign_in
from test_complaint_forms import NOW, intake

from portal.complaints.models import Complaint
from portal.complaints.views import intake as intake_views
from portal.db import db


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complaint))


def _staff(app):
    app.config["FROZEN_NOW"] = NOW
    client = app.test_client()
    sign_in(client, "assoc-staff")
    return client


def _token(html: str) -> str:
    match = re.search(r'name="intake_token" value="([^"]+)"', html)
    assert match, "the worksheet carries no one-time token"
    return match.group(1)


def _only_case(app) -> Complaint:
    with app.app_context():
        return db.session.scalars(select(Complaint)).one()


def test_the_same_form_submitted_twice_registers_one_complaint(app, province):
    staff = _staff(app)
    data = intake(province, app, intake_token=_token(staff.get("/cases/new").get_data(True)))
    first = staff.post("/cases/new", data=data)
    assert first.status_code == 302 and _count(app) == 1
    case = _only_case(app)
    assert first.headers["Location"].endswith(f"/cases/{case.id}")
    second = staff.post("/cases/new", data=data)
    assert second.status_code == 303 and second.headers["Location"].endswith(f"/cases/{case.id}")
    assert _count(app) == 1
    page = staff.get(second.headers["Location"]).get_data(as_text=True)
    assert "该投诉已登记" in page and case.tracking_no in page
    # A new worksheet is a new form: it registers a second complaint.
    again = intake(province, app, intake_token=_token(staff.get("/cases/new").get_data(True)))
    assert staff.post("/cases/new", data=again).status_code == 302 and _count(app) == 2


def test_a_refused_form_keeps_its_token_and_then_registers_once(app, province):
    staff = _staff(app)
    token = _token(staff.get("/cases/new").get_data(as_text=True))
    refused = staff.post("/cases/new", data=intake(province, app, intake_token=token, facts=""))
    assert refused.status_code == 422 and _token(refused.get_data(as_text=True)) == token
    data = intake(province, app, intake_token=token)
    assert staff.post("/cases/new", data=data).status_code == 302
    assert staff.post("/cases/new", data=data).status_code == 303 and _count(app) == 1


def test_the_database_decides_when_both_pass_the_check(app, province, monkeypatch):
    """The second submission passes the check before the first is registered (a race):
    its insert meets the unique token and it answers with the first."""
    staff = _staff(app)
    data = intake(province, app, intake_token=_token(staff.get("/cases/new").get_data(True)))
    assert staff.post("/cases/new", data=data).status_code == 302
    real = intake_views.registered_from
    calls = []

    def too_early(nonce):  # the check, as if made before the first was registered
        calls.append(nonce)
        return None if len(calls) == 1 else real(nonce)

    monkeypatch.setattr(intake_views, "registered_from", too_early)
    second = staff.post("/cases/new", data=data)
    assert len(calls) == 2  # the check, then the look-up after the refused insert
    assert second.status_code == 303 and _count(app) == 1
    assert second.headers["Location"].endswith(f"/cases/{_only_case(app).id}")


def test_a_token_not_signed_for_this_user_is_no_token(app, province):
    staff = _staff(app)
    token = _token(staff.get("/cases/new").get_data(as_text=True))
    other = app.test_client()
    sign_in(other, "assoc-admin")
    for forged in ("x" * 500, token[:-2] + "AA", "", None):
        data = intake(province, app, intake_token=forged)
        assert staff.post("/cases/new", data=data).status_code == 302, forged
    # Another user's token is not theirs: their form registers on its own.
    if other.get("/cases/new").status_code == 200:
        before = _count(app)
        assert (
            other.post("/cases/new", data=intake(province, app, intake_token=token)).status_code
            == 302
        )
        assert _count(app) == before + 1


@pytest.mark.postgresql_only("two submissions racing on two connections")
def test_two_submissions_at_the_same_moment_register_one(app, province, monkeypatch):
    clients = [_staff(app), _staff(app)]
    data = intake(province, app, intake_token=_token(clients[0].get("/cases/new").get_data(True)))
    real = intake_views.registered_from
    both_checked = threading.Barrier(2, timeout=20)
    checked = threading.local()

    def together(nonce):  # each passes the check before either inserts
        found = real(nonce)
        if not getattr(checked, "done", False):
            checked.done = True
            both_checked.wait()
        return found

    monkeypatch.setattr(intake_views, "registered_from", together)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda c: c.post("/cases/new", data=data), clients))
    assert sorted(a.status_code for a in answers) == [302, 303]
    assert _count(app) == 1
    case_id = _only_case(app).id
    assert all(a.headers["Location"].endswith(f"/cases/{case_id}") for a in answers)
