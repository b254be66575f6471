"""``flask demo generate``: exact counts, reproducible, every case consistent with its
state, clocks due when the calendar says, the accountability evidence complete, and the
statistics agreeing with the rows. Small sizes, on SQLite and PostgreSQL."""

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import empty_all_tables
from sqlalchemy import func, select, text
from support import NOW, app_config

from portal import create_app
from portal.accountability.detect import detect
from portal.auth.models import User
from portal.complaints.models import Complaint, TrackingCounter
from portal.db import db
from portal.deadlines.models import Clock
from portal.orgs.models import Unit
from portal.statistics import queries
from portal.statistics.rules import parse_period
from portal.workdays.store import current_calendar

TZ = ZoneInfo("Asia/Shanghai")
H1 = parse_period("2026H1")


def run(app, *args):
    owner = app.config.get("DATABASE_OWNER_URL")
    if not owner:
        return app.test_cli_runner().invoke(args=["demo", "generate", *args])
    # The generator rebuilds indexes: the tables' owner's work (docs/deployment.md); the
    # test then reads what it made as the web servers do, held by row-level security.
    as_owner = create_app(dict(app.config) | {"SQLALCHEMY_DATABASE_URI": owner})
    try:
        return as_owner.test_cli_runner().invoke(args=["demo", "generate", *args])
    finally:
        with as_owner.app_context():
            db.engine.dispose()


def generate(app, complaints, members, outlets, seed=42):
    result = run(
        app,
        "--complaints",
        str(complaints),
        "--members",
        str(members),
        "--outlets",
        str(outlets),
        "--seed",
        str(seed),
        "--chunk",
        "500",
    )
    assert result.exit_code == 0, result.output
    return result.output


def count(sql: str, **params) -> int:
    return db.session.scalar(text(sql), params)


@pytest.fixture
def frozen(make_app):
    return make_app(FROZEN_NOW=NOW)


def test_counts_states_clocks_and_accountability(frozen):
    output = generate(frozen, 2000, 5, 150)
    assert "2,000 complaints (200 received in 2026H1)" in output
    with frozen.app_context():
        assert db.session.scalar(select(func.count(Complaint.id))) == 2000
        kinds = dict(db.session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
        assert kinds["association"] == 1 and kinds["member"] == 5 and kinds["outlet"] == 150
        assert kinds["city_branch"] >= 2  # the biggest bank keeps a city-branch level
        assert (
            count(
                "SELECT count(*) FROM complaint WHERE received_on BETWEEN :a AND :b",
                a=H1.first_day,
                b=H1.last_day,
            )
            == 200
        )
        # Every state of the lifecycle, old cases mostly closed.
        states = dict(
            db.session.execute(text("SELECT state, count(*) FROM complaint GROUP BY state")).all()
        )
        assert states["closed"] > 1500 and states["invalid"] > 20
        _states_are_consistent()
        _clocks_are_consistent()
        _tracking_counters_match()
        _histories()
        # The accountability evidence is complete: the sweep's detection adds nothing.
        assert count("SELECT count(*) FROM accountability_case") > 0
        assert detect(NOW)["changed"] == 0
        db.session.rollback()
        _statistics_agree()


def _states_are_consistent():
    bad = {
        "handling path is the handling unit's path": (
            "SELECT count(*) FROM complaint c JOIN unit u ON u.id = c.handling_unit_id "
            "WHERE c.handling_path <> u.path"
        ),
        "member is the outlet's member": (
            "SELECT count(*) FROM complaint c JOIN unit o ON o.id = c.outlet_id "
            "WHERE c.member_id <> o.member_id OR o.kind <> 'outlet'"
        ),
        "closed without report, reply, finding or acceptance": (
            "SELECT count(*) FROM complaint WHERE state = 'closed' AND (closed_at IS NULL "
            "OR reported_at IS NULL OR replied_at IS NULL OR finding IS NULL "
            "OR accepted_by_id IS NULL)"
        ),
        "invalid without reason or closing": (
            "SELECT count(*) FROM complaint WHERE state = 'invalid' "
            "AND (closed_at IS NULL OR invalid_reason IS NULL OR accepted_by_id IS NOT NULL)"
        ),
        "registered or invalid with an accept clock": (
            "SELECT count(*) FROM complaint c WHERE c.state IN ('registered', 'invalid') "
            "AND EXISTS (SELECT 1 FROM clock k WHERE k.case_id = c.id AND k.kind = 'accept')"
        ),
        "registered not held by the association": (
            "SELECT count(*) FROM complaint c JOIN unit u ON u.id = c.handling_unit_id "
            "WHERE c.state = 'registered' AND u.kind <> 'association'"
        ),
        "forwarded but accepted": (
            "SELECT count(*) FROM complaint WHERE state = 'forwarded' "
            "AND accepted_by_id IS NOT NULL"
        ),
        "handling or later without acceptance": (
            "SELECT count(*) FROM complaint WHERE state IN ('handling', 'reported') "
            "AND (accepted_by_id IS NULL OR accepted_at IS NULL)"
        ),
        "reported without finding": (
            "SELECT count(*) FROM complaint WHERE state = 'reported' "
            "AND (reported_at IS NULL OR finding IS NULL OR closed_at IS NOT NULL)"
        ),
        "open case with a closing time": (
            "SELECT count(*) FROM complaint WHERE state IN ('registered', 'forwarded', "
            "'handling', 'reported') AND closed_at IS NOT NULL"
        ),
        "satisfaction on an unclosed case": (
            "SELECT count(*) FROM complaint WHERE satisfaction IS NOT NULL AND state <> 'closed'"
        ),
        "repeat without reason or of a later case": (
            "SELECT count(*) FROM complaint WHERE repeat_of_id IS NOT NULL "
            "AND (repeat_reason IS NULL OR repeat_of_id >= id)"
        ),
        "dissatisfied visit without a reopened repeat": (
            "SELECT count(*) FROM complaint c WHERE c.satisfaction = 'dissatisfied' AND NOT "
            "EXISTS (SELECT 1 FROM complaint r WHERE r.repeat_of_id = c.id "
            "AND r.repeat_reason = 'dissatisfied')"
        ),
        # (a case sent back may be re-verified as unsubstantiated after its opinions)
        "rectification on an unsubstantiated case": (
            "SELECT count(*) FROM rectification r JOIN complaint c ON c.id = r.complaint_id "
            "WHERE c.finding = 'unsubstantiated' AND NOT EXISTS (SELECT 1 FROM complaint_event "
            "e WHERE e.complaint_id = c.id AND e.action = 'sent_back')"
        ),
    }
    for what, sql in bad.items():
        assert count(sql) == 0, what
    assert count("SELECT count(*) FROM complaint WHERE satisfaction = 'dissatisfied'") > 0
    assert count("SELECT count(*) FROM complaint WHERE is_media") >= 0
    assert count("SELECT count(*) FROM complaint WHERE mobile_hash IS NULL") == 0


OPEN = "k.met_at IS NULL AND k.cancelled_at IS NULL"


def _clocks_are_consistent():
    # Each open case has the clock of the step it waits for; closed ones have none open.
    waits = {"registered": "forward", "forwarded": "accept", "handling": "report"}
    for state, kind in waits.items():
        missing = count(
            f"SELECT count(*) FROM complaint c WHERE c.state = '{state}' AND NOT EXISTS "
            f"(SELECT 1 FROM clock k WHERE k.case_id = c.id AND k.kind = '{kind}' AND {OPEN})"
        )
        assert missing == 0, state
    assert (
        count(
            "SELECT count(*) FROM complaint c WHERE c.state IN ('closed', 'invalid', 'reported') "
            f"AND EXISTS (SELECT 1 FROM clock k WHERE k.case_id = c.id AND {OPEN} "
            "AND k.kind NOT IN ('promise', 'branch_reply'))"
        )
        == 0
    )
    # uq_clock_open_case_kind: one open clock per case and step.
    assert (
        count(
            f"SELECT count(*) FROM (SELECT case_id, kind FROM clock k WHERE {OPEN} "
            "GROUP BY case_id, kind HAVING count(*) > 1) AS twice"
        )
        == 0
    )
    clocks = db.session.scalars(select(Clock)).all()
    calendar = current_calendar()
    for clock in clocks:
        started = clock.started_at.astimezone(TZ).date()
        if clock.limit_days is not None:
            assert clock.due_on == calendar.add_working_days(started, clock.limit_days)
        assert clock.due_at == datetime.combine(clock.due_on, datetime.max.time(), TZ).replace(
            microsecond=0
        ).astimezone(UTC)
        end = clock.met_at or clock.cancelled_at
        assert end is None or end >= clock.started_at
        overdue = clock.due_at.timestamp() + 300 < NOW.timestamp()
        if end is None and overdue:
            assert clock.breached_at is not None, clock
        if clock.breached_at is not None:
            assert clock.breached_at > clock.due_at and (end is None or end > clock.breached_at)
    # Each case's next_due_at (the inboxes' order) is its earliest open clock's due time.
    earliest: dict = {}
    for clock in clocks:
        if clock.met_at is None and clock.cancelled_at is None:
            due = earliest.get(clock.case_id)
            earliest[clock.case_id] = clock.due_at if due is None else min(due, clock.due_at)
    stored = dict(db.session.execute(select(Complaint.id, Complaint.next_due_at)).all())
    assert earliest and {k: v for k, v in stored.items() if v is not None} == earliest
    states = {clock.state(NOW).value for clock in clocks}
    assert {"met_on_time", "met_late", "breached"} <= states
    late = sum(1 for c in clocks if c.met_at is not None and c.met_at > c.due_at)
    met = sum(1 for c in clocks if c.met_at is not None)
    assert 0 < late < met * 0.25  # mostly on time, some late
    assert count("SELECT count(*) FROM clock_event WHERE event = 'started'") == len(clocks)
    assert (
        count(
            "SELECT count(*) FROM clock_event e JOIN clock k ON k.id = e.clock_id "
            "WHERE e.event = 'met' AND k.met_at IS NULL"
        )
        == 0
    )


def _tracking_counters_match():
    for counter in db.session.scalars(select(TrackingCounter)):
        numbers = db.session.scalars(
            select(Complaint.tracking_no).where(Complaint.tracking_no.like(f"LN{counter.year}-%"))
        ).all()
        assert sorted(int(n[-6:]) for n in numbers) == list(range(1, counter.last + 1))
    assert count("SELECT sum(last) FROM tracking_counter") == 2000


def _histories():
    assert (
        count(
            "SELECT count(*) FROM complaint c WHERE NOT EXISTS (SELECT 1 FROM complaint_event e "
            "WHERE e.complaint_id = c.id AND e.action = 'registered')"
        )
        == 0
    )
    assert (
        count(
            "SELECT count(*) FROM complaint c WHERE c.state = 'closed' AND NOT EXISTS "
            "(SELECT 1 FROM complaint_event e WHERE e.complaint_id = c.id AND e.action = 'closed')"
        )
        == 0
    )
    assert count("SELECT count(*) FROM complaint_event WHERE complaint_id = 1000") >= 28
    assert count("SELECT count(*) FROM complaint_event WHERE action = 'reopened'") == count(
        "SELECT count(*) FROM complaint WHERE repeat_reason = 'dissatisfied' "
        "AND facts LIKE '回访不满意%'"
    )


def _statistics_agree():
    staff = db.session.scalar(select(User).where(User.username == "n-assoc"))
    figures = queries.headline(staff, H1)
    in_h1 = "received_on BETWEEN :a AND :b"
    period = {"a": H1.first_day, "b": H1.last_day}
    assert figures["received"] == 200
    assert figures["closed"] == count(
        f"SELECT count(*) FROM complaint WHERE {in_h1} AND state = 'closed'", **period
    )
    assert figures["valid"] == count(
        f"SELECT count(*) FROM complaint WHERE {in_h1} AND state NOT IN ('registered', 'invalid')",
        **period,
    )
    assert figures["forwarded"] == count(
        f"SELECT count(*) FROM complaint c WHERE {in_h1} AND EXISTS "
        "(SELECT 1 FROM clock k WHERE k.case_id = c.id AND k.kind = 'accept')",
        **period,
    )
    assert figures["repeats"] == count(
        f"SELECT count(*) FROM complaint WHERE {in_h1} AND repeat_of_id IS NOT NULL", **period
    )
    assert figures["visited"] > 0 and 0 < figures["satisfaction_rate"] < 1
    assert 0.5 < figures["on_time"]["forward"] < 1
    members = queries.member_table(staff, H1)
    assert sum(row["received"] for row in members) == 200
    biggest = db.session.scalar(select(Unit.id).where(Unit.code == "M0001"))
    received = {row["member_id"]: row["received"] for row in members}
    assert received[biggest] == max(received.values())  # Zipf: bank 1 is the biggest
    assert sum(row["count"] for row in queries.by_month(staff, H1)) == 200
    assert sum(row["count"] for row in queries.by_category(staff, H1)) == 200
    assert sum(row["count"] for row in queries.by_channel(staff, H1)) == 200


def test_a_generated_user_signs_in_and_reads_a_long_case(frozen):
    generate(frozen, 1100, 3, 30)
    client = frozen.test_client()
    response = client.post("/login", data={"username": "n-assoc", "password": "demo12345"})
    assert response.status_code == 302
    page = client.get("/cases/1000")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    history = body[body.index('data-testid="history"') :]
    history = history[: history.index("</ol>")]
    assert history.count("<li") >= 25
    with frozen.app_context():
        case = db.session.get(Complaint, 1000)
        assert case.tracking_no in body
        member = db.session.get(Unit, case.member_id)
        handler = f"n-m{int(member.code[1:]):04d}-a"
    member_client = frozen.test_client()
    response = member_client.post("/login", data={"username": handler, "password": "demo12345"})
    assert response.status_code == 302
    assert member_client.get("/cases/1000").status_code == 200


def _digest() -> str:
    queries_ = {
        "unit": "SELECT id, path, code, name, kind, member_id FROM unit ORDER BY id",
        "user": "SELECT id, username, full_name, unit_id, role FROM user_account ORDER BY id",
        "complaint": (
            "SELECT id, tracking_no, state, received_at, channel, complainant_name, "
            "mobile_hash, id_number_hash, outlet_id, category_id, handling_path, "
            "accepted_at, finding, closed_at, satisfaction, repeat_of_id FROM complaint "
            "ORDER BY id"
        ),
        "event": "SELECT id, complaint_id, at, actor_id, action, note FROM complaint_event "
        "ORDER BY id",
        "clock": "SELECT id, case_id, kind, due_on, met_at, breached_at FROM clock ORDER BY id",
        "accountability": "SELECT id, member_id, trigger, state FROM accountability_case "
        "ORDER BY id",
    }
    digest = hashlib.sha256()
    for sql in queries_.values():
        for row in db.session.execute(text(sql)):
            digest.update(repr(tuple(str(v) for v in row)).encode())
    return digest.hexdigest()


def test_same_seed_same_data(frozen):
    digests = []
    for seed in (7, 7, 8):
        generate(frozen, 300, 3, 12, seed=seed)
        with frozen.app_context():
            digests.append(_digest())
            empty_all_tables()
    assert digests[0] == digests[1]
    assert digests[2] != digests[0]


def test_refuses_a_database_with_units_or_not_migrated(frozen, tmp_path):
    generate(frozen, 50, 2, 4)
    again = run(frozen, "--complaints", "10", "--members", "1", "--outlets", "1")
    assert again.exit_code == 1
    assert "already holds units" in again.output
    bare = create_app(app_config(f"sqlite:///{tmp_path / 'bare.sqlite3'}"))
    result = run(bare, "--complaints", "10", "--members", "1", "--outlets", "1")
    assert result.exit_code == 1
    assert "not migrated" in result.output
    with bare.app_context():
        db.engine.dispose()
