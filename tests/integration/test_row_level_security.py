"""The database's own tenancy wall (issue 21.12, ``portal.orgs.scoping``): on PostgreSQL
the tables holding customers' cases answer a request only with its bank's rows, even to
a query that forgot the application's scoping. The suite's PostgreSQL half connects as
a role that owns nothing and cannot pass row-level security, as production does."""

import re

import pytest
from flask import jsonify
from flask_login import current_user
from sqlalchemy import func, select, text
from support import make_case, sign_in

from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import db
from portal.deadlines.models import Clock

pytestmark = pytest.mark.postgresql_only("row-level security is PostgreSQL's")

# The tables migration b8d2e6f0a419 walls in.
WALLED = {
    "complaint",
    "complaint_event",
    "complaint_attachment",
    "rectification",
    "case_follower",
    "pii_reveal",
    "clock",
    "clock_event",
    "accountability_case",
    "accountability_evidence",
    "accountability_event",
    "accountability_interview",
    "accountability_plan",
    "accountability_document",
    "accountability_rate_evidence",
    "campaign_disqualification",
    "member_profile",
    "contact_report",
    "duty_pair",
    "contingency_plan",  # Art. 9(3) plans and their versions (migration 2bd846f5d58b)
    "contingency_plan_revision",
    "period_summary",  # Art. 9(4) summaries, countermeasures, history (migration 50f7503adb4a)
    "summary_countermeasure",
    "summary_event",
    "major_proposal",  # 重大投诉 proposals, through their complaint (migration 5a1dd240837e)
    "case_archive",  # archive numbers and dossiers (migration b054f9085dd6)
    "case_dossier",
    "analysis_finding",  # Art. 8(5) findings and advice (migration a757b07b9628)
    "analysis_finding_case",
    "analysis_finding_event",
    "analysis_advice",
    "analysis_advice_addressee",
    "analysis_advice_entry",
    "track_lookup",  # /track look-ups and online return-visit links (migration 7a1c3e5f9b20)
    "return_visit_link",
    "api_idempotency",  # API answers kept for replay, through the token's bank (8b2d4f6a0c31)
    "webhook_endpoint",  # a bank's webhook endpoints (migration 9c3e5a7b1d42)
    "customer_report",  # members' personal-customer reports (migration be1f0a2c3d45)
}
# Tables that name a case or a member bank and stay outside the wall, and why.
OUTSIDE = {
    # The tree itself (each unit names its bank): every user resolves their own bank and
    # its parents, and the association's forms list every bank.
    "unit",
    # Per recipient; a hand-off notice must reach a person after the case has moved
    # beyond their reach (recalled up), and the app reads them by recipient only.
    "notification",
    # The association's record of everyone's actions; anonymous sign-in failures write
    # to it (an INSERT … RETURNING must see its row).
    "audit_entry",
    # Who downloaded which bulletin: the bulletins are published to every member.
    "bulletin_download",
    # Figures, not cases: frozen at publication for every member to compare.
    "published_figures",
    "statistics_snapshot",
    # The regulator return (监管报送): figures of every member, no case, read by the
    # association alone (returns/views.py); it has no member column, listed for the record.
    "regulator_return",
    "regulator_return_download",
    # Complaint ids only: queued by whoever changes a case, read and emptied by the
    # sweep's detection alone (accountability/queue.py).
    "accountability_queue",
    # Authenticates an API request before its wall is known (as user_account does a
    # sign-in); a hash of the token and its bank, no case data; listed through
    # orgs.scoping.member_filter.
    "api_token",
}


@pytest.fixture
def spy_app(make_app):
    """An app with one deliberately unscoped view: every complaint, event and clock the
    database hands out, whoever asks."""
    app = make_app()

    @app.route("/_test/unscoped")
    def unscoped():
        return jsonify(
            who=current_user.username if current_user.is_authenticated else None,
            complaints=sorted(db.session.scalars(select(Complaint.tracking_no))),
            events=db.session.scalar(select(func.count()).select_from(ComplaintEvent)),
            clocks=db.session.scalar(select(func.count()).select_from(Clock)),
            members=sorted(set(db.session.scalars(select(Complaint.member_id)))),
        )

    return app


@pytest.fixture
def cases(spy_app, province):
    """A case handled by each bank (one at an outlet) and one still at the association."""
    ids = {
        "bank1": make_case(spy_app, province, state="handling", outlet="bank1-outlet1"),
        "bank1-outlet": make_case(
            spy_app, province, state="at_outlet", outlet="bank1-outlet2", mobile="13700002222"
        ),
        "bank2": make_case(
            spy_app, province, state="handling", outlet="bank2-outlet1", mobile="13700003333"
        ),
        "assoc": make_case(spy_app, province, outlet="bank2-outlet2", mobile="13700004444"),
    }
    with spy_app.app_context():
        return {
            key: db.session.scalar(select(Complaint.tracking_no).where(Complaint.id == cid))
            for key, cid in ids.items()
        }


def _unscoped(app, username=None):
    client = app.test_client()
    if username:
        sign_in(client, username)
    answer = client.get("/_test/unscoped")
    assert answer.status_code == 200
    return answer.get_json()


def test_an_unscoped_query_in_a_members_request_gets_only_that_members_rows(
    spy_app, province, cases
):
    seen = _unscoped(spy_app, "bank1-a")
    assert seen["complaints"] == sorted([cases["bank1"], cases["bank1-outlet"]])
    assert seen["members"] == [province.unit("bank1").id]
    with spy_app.app_context():
        bank1 = select(Complaint.id).where(Complaint.member_id == province.unit("bank1").id)
        events = db.session.scalar(
            select(func.count()).where(ComplaintEvent.complaint_id.in_(bank1))
        )
        clocks = db.session.scalar(select(func.count()).where(Clock.case_id.in_(bank1)))
    assert seen["events"] == events > 0
    assert seen["clocks"] == clocks > 0


def test_the_wall_is_the_bank_for_a_branch_officer(spy_app, province, cases):
    # Branches of one bank are kept apart by the application's scoping; the database
    # holds the line between banks (a branch's step hands a case up within its bank).
    seen = _unscoped(spy_app, "bank1-outlet2")
    assert cases["bank2"] not in seen["complaints"]
    assert cases["assoc"] not in seen["complaints"]
    assert cases["bank1-outlet"] in seen["complaints"]


def test_the_other_bank_sees_its_own(spy_app, province, cases):
    seen = _unscoped(spy_app, "bank2-leader")
    assert seen["complaints"] == [cases["bank2"]]


def test_the_association_sees_every_bank(spy_app, province, cases):
    seen = _unscoped(spy_app, "assoc-staff")
    assert seen["complaints"] == sorted(cases.values())


def test_a_request_without_a_user_sees_nothing(spy_app, province, cases):
    seen = _unscoped(spy_app)
    assert seen == {"who": None, "complaints": [], "events": 0, "clocks": 0, "members": []}


def test_a_request_without_a_user_after_the_association_on_the_same_connection_sees_nothing(
    spy_app, province, cases
):
    """A transaction is not walled at its BEGIN when nobody is known yet (one round trip
    a request less): it relies on the wall's settings being local to the transaction
    before it, the association's role included, on the one pooled connection."""
    with spy_app.app_context():
        db.engine.dispose()
    assert _unscoped(spy_app, "assoc-staff")["complaints"] == sorted(cases.values())
    with spy_app.app_context():
        assert db.engine.pool.checkedin() == 1  # the association's connection, reused now
    seen = _unscoped(spy_app)
    assert seen == {"who": None, "complaints": [], "events": 0, "clocks": 0, "members": []}


def test_jobs_outside_requests_work_across_banks(spy_app, province, cases):
    with spy_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 4


def test_the_wall_holds_after_the_request_commits(spy_app, province, cases):
    # A view that commits and reads again starts a new transaction: the wall is drawn
    # at every BEGIN, not once per request.
    @spy_app.route("/_test/commit-then-read")
    def commit_then_read():
        db.session.commit()
        return jsonify(sorted(db.session.scalars(select(Complaint.tracking_no))))

    client = spy_app.test_client()
    sign_in(client, "bank2-a")
    assert client.get("/_test/commit-then-read").get_json() == [cases["bank2"]]


def test_a_member_cannot_write_into_another_banks_case(spy_app, province, cases):
    @spy_app.route("/_test/rename-everything", methods=["POST"])
    def rename_everything():
        changed = db.session.execute(text("UPDATE complaint SET complainant_name = 'X'"))
        return jsonify(changed.rowcount)

    client = spy_app.test_client()
    sign_in(client, "bank2-a")
    assert client.post("/_test/rename-everything").get_json() == 1
    with spy_app.app_context():
        rows = db.session.execute(select(Complaint.tracking_no, Complaint.complainant_name))
        names = {number: name for number, name in rows}
    assert names[cases["bank2"]] == "X"
    assert {names[cases[k]] for k in ("bank1", "bank1-outlet", "assoc")} == {"张敏"}


def test_the_applications_role_cannot_pass_the_wall(spy_app):
    with spy_app.app_context():
        role = db.session.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = session_user")
        ).one()
        owned = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = session_user"
            )
        )
    assert tuple(role) == (False, False)
    assert owned == 0


def test_every_table_naming_a_case_or_a_member_is_walled_or_listed(spy_app):
    """A new table holding a case's or a bank's rows must join the wall (a migration like
    b8d2e6f0a419) or say here why it stays outside."""
    naming = set()
    for table in db.metadata.tables.values():
        for column in table.columns:
            targets = {fk.column.table.name for fk in column.foreign_keys}
            if "complaint" in targets or "accountability_case" in targets:
                naming.add(table.name)
            if column.name == "member_id" or (table.name == "complaint"):
                naming.add(table.name)
    with spy_app.app_context():
        walled = set(db.session.scalars(text("SELECT relname FROM pg_class WHERE relrowsecurity")))
    assert naming - OUTSIDE <= walled, sorted(naming - OUTSIDE - walled)
    assert walled == WALLED


def test_a_members_request_runs_as_the_walled_role_and_the_associations_passes(spy_app, province):
    @spy_app.route("/_test/role")
    def role():
        return jsonify(db.session.scalar(text("SELECT current_user")))

    member, staff = spy_app.test_client(), spy_app.test_client()
    sign_in(member, "bank1-outlet1")
    sign_in(staff, "assoc-staff")
    assert member.get("/_test/role").get_json() == "portal_app"
    assert staff.get("/_test/role").get_json() == "portal_all_banks"


def test_a_walled_text_search_finds_the_banks_own_cases_only(spy_app, province):
    # The same words in a case of each bank: the member's search goes through the
    # database's complaint_text_matches, bounded to the bank (trigram indexes usable).
    mine = make_case(spy_app, province, state="handling", facts="ATM吞卡未退还。")
    theirs = make_case(
        spy_app,
        province,
        state="handling",
        outlet="bank2-outlet1",
        mobile="13700005555",
        facts="ATM吞卡未退还。",
    )
    with spy_app.app_context():
        numbers = {
            cid: db.session.scalar(select(Complaint.tracking_no).where(Complaint.id == cid))
            for cid in (mine, theirs)
        }
    member, staff = spy_app.test_client(), spy_app.test_client()
    sign_in(member, "bank1-a")
    sign_in(staff, "assoc-staff")
    for term in ("吞卡", "ATM吞卡"):
        page = member.get(f"/cases?state=all&q={term}").get_data(as_text=True)
        assert numbers[mine] in page and numbers[theirs] not in page
        page = staff.get(f"/cases?state=all&q={term}").get_data(as_text=True)
        assert numbers[mine] in page and numbers[theirs] in page


def test_a_walled_search_for_a_common_word_reads_the_list_in_order(spy_app, province, monkeypatch):
    """A member's search for a word in many of its cases reads the list in its order
    until a page is found (``inbox.WALKED_ROWS``) instead of asking the database for
    every match; the pages are exactly those the full search gives (issue 22)."""
    from portal.complaints import inbox

    spy_app.config["PAGE_SIZE"] = 5
    hits, misses = set(), set()
    for n in range(14):
        facts = "ATM吞卡未退还。" if n % 3 else "柜面排队时间过长。"
        cid = make_case(spy_app, province, state="handling", mobile=f"1370000{n:04d}", facts=facts)
        (hits if n % 3 else misses).add(cid)
    make_case(
        spy_app,
        province,
        state="handling",
        outlet="bank2-outlet1",
        mobile="13700009999",
        facts="ATM吞卡未退还。",
    )
    with spy_app.app_context():
        number = dict(db.session.execute(select(Complaint.id, Complaint.tracking_no)).all())
    member = spy_app.test_client()
    sign_in(member, "bank1-a")

    walks = []
    walking = inbox._read_walking
    monkeypatch.setattr(inbox, "_read_walking", lambda *a: walks.append(walking(*a)) or walks[-1])

    def pages(term):
        """Every page of the member's search, as lists of tracking numbers."""
        found, url = [], f"/cases?state=all&q={term}"
        while url:
            html = member.get(url).get_data(as_text=True)
            found.append(re.findall(r"LN\d{4}-\d{6}", html.split('id="inbox-table"')[1]))
            after = re.search(r'href="(/cases\?[^"]*after=[^"]+)"', html)
            url = after.group(1).replace("&amp;", "&") if after else None
        return found

    walked = pages("吞卡")
    assert any(rows is not None for rows in walks)  # the first page came from the walk
    monkeypatch.setattr(inbox, "WALKED_ROWS", 2)  # too short for a page: the full search
    walks.clear()
    assert pages("吞卡") == walked
    assert walks and all(rows is None for rows in walks)
    found = [n for page in walked for n in page]
    assert sorted(set(found)) == sorted(number[c] for c in hits)  # each once, no other bank's
    assert len(found) == len(set(found))
