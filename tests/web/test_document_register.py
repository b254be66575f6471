"""The register of document numbers (通报 › 发文登记, GB/T 9704-2012): the association reads
every number it gave, per year, each linked to its document; members have none of it."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from support import NOW, sign_in

from portal.auth.models import User
from portal.bulletins import operations as bulletins
from portal.db import db
from portal.documents import operations as documents
from portal.statistics.rules import parse_period


@pytest.fixture
def numbered(app, province):
    app.config["FROZEN_NOW"] = NOW
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        draft = bulletins.create_draft(parse_period("2026H1"), actor=staff, now=NOW)
        db.session.flush()
        first = documents.issue("bulletin", draft.id, now=NOW, actor=staff, title=draft.title)
        # A number of the year before, given by no one (a command).
        documents.issue("notice", 999, now=NOW - timedelta(days=365), title="旧通报批评")
        db.session.commit()
        return first.number, draft.id


def test_the_association_reads_each_years_numbers_linked_to_their_documents(app, numbered):
    number, bulletin_id = numbered
    for username in ("assoc-staff", "assoc-leader", "assoc-admin"):
        client = app.test_client()
        sign_in(client, username)
        page = client.get("/bulletins/register")
        assert page.status_code == 200, username
        html = page.get_data(as_text=True)
        assert number in html and f"/bulletins/{bulletin_id}" in html
        assert "2026年11月23日" in html and "旧通报批评" not in html
    last_year = client.get("/bulletins/register?year=2025", headers={"HX-Request": "true"})
    assert last_year.status_code == 200
    html = last_year.get_data(as_text=True)
    assert "<html" not in html and "旧通报批评" in html and "/accountability/999" in html
    assert "辽银协〔2025〕1号" in html
    # A year with no register answers 404; a number no year can be, 400 (web.bounds).
    assert client.get("/bulletins/register?year=2019").status_code == 404
    assert client.get("/bulletins/register?year=99999999999").status_code == 400


def test_the_tab_leads_there_and_members_have_none_of_it(app, numbered):
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    assert 'href="/bulletins/register"' in staff.get("/bulletins/returns").get_data(as_text=True)
    for username in ("bank1-admin", "bank1-a", "bank1-leader", "bank1-outlet1"):
        client = app.test_client()
        sign_in(client, username)
        assert client.get("/bulletins/register").status_code == 403, username
        assert "/bulletins/register" not in client.get("/bulletins").get_data(as_text=True)
