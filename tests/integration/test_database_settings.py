"""Settings the portal's own connections carry, checked on the real server."""

import pytest
from sqlalchemy import text, update
from support import NOW, build_province, make_case, sign_in

from portal.auth.login import _user_statement
from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.config import postgresql_engine_options
from portal.db import FEW_ROWS, db


def _prepared() -> list[str]:
    return list(db.session.scalars(text("SELECT statement FROM pg_prepared_statements")))


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_postgresql_sessions_run_without_jit(app):
    with app.app_context():
        assert db.session.scalar(text("SHOW jit")) == "off"


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_postgresql_chooses_between_custom_and_generic_plans_itself(app):
    """``plan_cache_mode=force_generic_plan`` looked as if it touched prepared statements
    only, but PostgreSQL applies it to every statement sent with parameters, the unnamed
    one psycopg uses too: the province's list of all complaints took 1.5 s instead of
    17 ms (bench_latency, a million complaints). Marked statements are left to
    PostgreSQL's own choice (five plans with their values, then maybe a generic one)."""
    with app.app_context():
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "auto"
        db.session.execute(_user_statement(), {"user_id": 1, "key": "k"}).all()
        plans = db.session.execute(
            text("SELECT generic_plans, custom_plans FROM pg_prepared_statements")
        ).one()
        assert tuple(plans) == (0, 1)


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_postgresql_plans_unmarked_statements_with_their_values(app):
    """A statement not marked PREPARE is never prepared, however often it runs: a generic
    plan would miss the partial indexes."""
    with app.app_context():
        for _ in range(10):
            db.session.execute(text("SELECT count(*) FROM complaint WHERE state = :s"), {"s": "x"})
        assert _prepared() == []


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_marked_statements_are_prepared_once_per_connection(app):
    with app.app_context():
        for user_id in (1, 2, 3):
            db.session.execute(_user_statement(), {"user_id": user_id, "key": "k"}).all()
        prepared = _prepared()
        assert len(prepared) == 1 and "FROM user_account" in prepared[0]


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_prepared_statements_outlive_the_request(make_app):
    """A successful request ends with COMMIT, so its connection keeps the statements it
    prepared (a ROLLBACK would make psycopg drop them all); a refused one rolls back and
    the next request prepares them again. One pooled connection: the test reads its own."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={**postgresql_engine_options(), "pool_size": 1})
    with app.app_context():
        province = build_province()
    case_id = make_case(app, province)
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for _ in range(2):
        assert client.get(f"/cases/{case_id}").status_code == 200
    with app.app_context():
        kept = _prepared()
        db.session.commit()
    assert any("FROM user_account" in s for s in kept)  # the signed-in user, every request
    assert any("FROM complaint_event" in s for s in kept)  # the case history
    assert client.get("/cases/999999").status_code == 404  # rolled back
    assert client.get(f"/cases/{case_id}").status_code == 200
    with app.app_context():
        again = _prepared()
        db.session.commit()
    assert any("FROM complaint_event" in s for s in again)


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_inserts_of_a_few_rows_are_prepared_a_bulk_loads_are_not(app):
    """An INSERT … VALUES of one row is planned alike for any values, and so is
    SQLAlchemy's VALUES of a few rows (for RETURNING; forwarding starts three clocks so):
    its text changes with the number of rows, of which a step writes a handful. A bulk
    load's batch of many rows is planned with its values: kept prepared, each such text
    would take a place in the connection's cache for a run or two."""
    from portal.notify.models import Notification

    with app.app_context():
        province = build_province()
        table = Notification.__table__
        row = {"user_id": province.user("assoc-staff").id, "title": "t", "created_at": NOW}
        db.session.execute(table.insert(), {**row, "dedupe_key": "one"})
        for count in (3, FEW_ROWS, FEW_ROWS + 1, 200):
            db.session.execute(
                table.insert().returning(table.c.id),
                [{**row, "dedupe_key": f"{count}-{i}"} for i in range(count)],
            ).all()
        prepared = [s for s in _prepared() if "notification" in s]
        db.session.rollback()
    assert sorted(s.count("), (") + 1 for s in prepared) == [1, 3, FEW_ROWS], prepared


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_a_steps_notice_and_mail_and_a_tracking_number_are_prepared(app):
    """The upserts written as SQL text (SQLAlchemy would compile its ON CONFLICT
    constructs on every run) are marked PREPARE: text is not seen as a one-row INSERT."""
    from portal.complaints.operations import _next_tracking_seq
    from portal.notify.operations import notify_user

    with app.app_context():
        province = build_province()
        user = db.session.get(User, province.user("assoc-staff").id)
        user.email = "staff@example.org"
        notify_user(user, title="t", dedupe_key="k", now=NOW)
        _next_tracking_seq(2026)
        prepared = " | ".join(_prepared())
        db.session.rollback()
    for table in ("notification", "outbox_message", "tracking_counter"):
        assert f"INSERT INTO {table}" in prepared, prepared


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_updates_of_one_row_by_primary_key_are_prepared_others_are_not(app):
    """The ORM's flush of a changed object (every step writes its case and clocks so) is
    an UPDATE by primary key and version: one plan whatever the values, so prepared. An
    UPDATE that picks its rows by anything else is planned with its values."""
    with app.app_context():
        province = build_province()
    case_id = make_case(app, province)
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        case.is_major = not case.is_major
        db.session.flush()
        db.session.execute(
            update(Complaint).where(Complaint.state == "nothing").values(is_media=True)
        )
        prepared = [s for s in _prepared() if s.startswith("UPDATE complaint")]
        db.session.rollback()
    assert len(prepared) == 1, prepared
    assert "SET is_major" in prepared[0] and "WHERE complaint.id = $" in prepared[0], prepared


@pytest.mark.postgresql_only("a PostgreSQL setting")
def test_the_case_and_clock_tables_are_vacuumed_after_one_percent_of_changes(app):
    """Autovacuum's default 20% is 200,000 changes at a million cases: until a vacuum,
    the index-only scans that count the open cases read the table too (migration
    a9c4e2f7b1d3)."""
    with app.app_context():
        options = dict(
            db.session.execute(
                text(
                    "SELECT relname, reloptions FROM pg_class WHERE relname IN ('complaint', 'clock')"
                )
            ).all()
        )
    for table in ("complaint", "clock"):
        assert set(options[table]) == {
            "autovacuum_vacuum_scale_factor=0.01",
            "autovacuum_vacuum_insert_scale_factor=0.01",
            "autovacuum_analyze_scale_factor=0.02",
        }, options
