"""Writes that two app servers (or a sweep and a request) make at the same moment, on
PostgreSQL with two real connections: the second waits for the first and then adds
nothing, instead of failing or doubling. Each test makes sure the second writer was
really blocked behind the first before letting the first commit."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import current_app
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool
from support import NOW, app_config, make_case

from portal import create_app
from portal.accountability.detect import detect
from portal.accountability.models import AccountabilityCase
from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.db import db
from portal.notify.models import Notification, OutboxMessage
from portal.notify.operations import notify_user


@pytest.fixture
def other_host(database_url):
    """A second app on the same database: its own engine, sessions and connections."""
    other = create_app(app_config(database_url))
    yield other
    with other.app_context():
        db.engine.dispose()


def _wait_until_blocked(reason: str, timeout: float = 20.0) -> None:
    """Until another connection of this database waits on a lock (row or advisory).
    Asked on a connection of its own each time: pg_stat_activity is read once per
    transaction, and the caller's transaction must stay open."""
    deadline = time.monotonic() + timeout
    # As the owner: the application's role may not see other sessions' waits.
    owner = create_engine(
        current_app.config["DATABASE_OWNER_URL"] or db.engine.url, poolclass=NullPool
    )
    while time.monotonic() < deadline:
        with owner.connect() as probe:
            waiting = probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        if waiting:
            owner.dispose()
            return
        time.sleep(0.05)
    owner.dispose()
    raise AssertionError(f"the second host never waited: {reason}")


def _in_background(app, work):
    def run():
        with app.app_context():
            result = work()
            db.session.commit()
            return result

    pool = ThreadPoolExecutor(1)
    return pool, pool.submit(run)


def _let_it_finish(pool, future):
    """Commit this host's transaction once the other waits; its answer afterwards."""
    try:
        _wait_until_blocked("behind this host's uncommitted write")
        db.session.commit()
        return future.result(timeout=30)
    finally:
        db.session.rollback()  # on a failure, never leave the other host waiting on us
        pool.shutdown()


@pytest.mark.postgresql_only("row and advisory locks between connections")
def test_the_same_notice_queued_on_two_hosts_at_once_is_written_once(app, other_host, province):
    with app.app_context():
        user = db.session.get(User, province.user("bank1-a").id)
        user.email = "bank1-a@bank1.example.cn"
        db.session.commit()

    def queue():
        who = db.session.get(User, province.user("bank1-a").id)
        return notify_user(who, title="新投诉待受理", dedupe_key="case1:forwarded", now=NOW)

    with app.app_context():
        assert queue() is True  # written, not committed yet
        # The other host waited on the unique index, then found the row: no error.
        assert _let_it_finish(*_in_background(other_host, queue)) is False
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.postgresql_only("row and advisory locks between connections")
def test_detection_in_a_request_and_in_a_sweep_at_once_opens_one_case(app, other_host, province):
    first = make_case(app, province, state="handling")
    second = make_case(app, province, state="handling", outlet="bank1-outlet2")
    with app.app_context():
        for case_id in (first, second):
            db.session.get(Complaint, case_id).is_media = True  # Art. 12(1)4
        db.session.commit()

    with app.app_context():
        assert detect(NOW)["changed"] >= 1  # opened, not committed yet
        # The other host waited on the detection lock, then saw the case just opened.
        assert _let_it_finish(*_in_background(other_host, lambda: detect(NOW)))["changed"] == 0
        cases = db.session.scalars(select(AccountabilityCase)).all()
        assert [(c.trigger, sorted(e.complaint_id for e in c.evidence)) for c in cases] == [
            ("media", [first, second])
        ]


def _hold_member_lock(member_id: int):
    """Another connection holding the detection lock of ``member_id`` (as a slow step of
    that member would) until the returned connection rolls back."""
    from portal.accountability.detect import MEMBER_LOCK_KEY

    engine = create_engine(db.engine.url, poolclass=NullPool)
    connection = engine.connect()
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:key, :member)"),
        {"key": MEMBER_LOCK_KEY, "member": member_id},
    )
    return engine, connection


def _media(case_ids) -> None:
    for case_id in case_ids:
        db.session.get(Complaint, case_id).is_media = True  # Art. 12(1)4: queued
    db.session.commit()


def _cases() -> list:
    return [
        (c.member_id, c.trigger, sorted(e.complaint_id for e in c.evidence))
        for c in db.session.scalars(
            select(AccountabilityCase).order_by(AccountabilityCase.member_id, AccountabilityCase.id)
        )
    ]


@pytest.mark.postgresql_only("advisory locks between connections")
def test_a_step_is_not_held_up_while_the_sweep_waits_on_another_member(make_app, province):
    """Issue 22: the sweep's detection holds a member's lock for one slice only. While
    it waits on bank 2 (whose lock a slow step holds), bank 1's handler saves the finding
    that makes Art. 12(1)3 hold, which takes bank 1's lock: it must get it within a
    second (``lock_timeout``), where a sweep holding every member's lock to its end
    kept it waiting for the whole run."""
    import threading

    from portal.config import postgresql_engine_options
    from portal.jobs.sweep import run_sweep

    sweeper = make_app()
    options = postgresql_engine_options()
    options["connect_args"]["options"] += " -c lock_timeout=1000"
    handler_app = make_app(SQLALCHEMY_ENGINE_OPTIONS=options)
    bank1, bank2 = province.unit("bank1").id, province.unit("bank2").id
    earlier = [make_case(sweeper, province, state="handling") for _ in range(2)]
    third = make_case(sweeper, province, state="handling")
    media1 = make_case(sweeper, province, state="handling", outlet="bank1-outlet2")
    media2 = make_case(sweeper, province, state="handling", outlet="bank2-outlet1")
    with sweeper.app_context():
        for case_id in earlier:
            db.session.get(Complaint, case_id).finding = "substantiated"
        _media([media1, media2])
        version = str(db.session.get(Complaint, third).version)
        holder, held = _hold_member_lock(bank2)
    errors: list = []

    def sweep():
        try:
            with sweeper.app_context():
                run_sweep(NOW)
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    background = threading.Thread(target=sweep)
    background.start()
    try:
        with sweeper.app_context():
            _wait_until_blocked("the sweep should wait on bank 2's lock")
        client = handler_app.test_client()
        from support import sign_in

        sign_in(client, "bank1-a")
        response = client.post(
            f"/cases/{third}/do/verify",
            data={
                "verify-finding": "substantiated",
                "verify-facts": "属实。",
                "verify-version": version,
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    finally:
        held.rollback()
        held.close()
        holder.dispose()
        background.join(30)
    assert errors == []
    with sweeper.app_context():
        assert _cases() == [
            (bank1, "media", [media1]),
            (bank1, "recurring", sorted([*earlier, third])),
            (bank2, "media", [media2]),
        ]


@pytest.mark.postgresql_only("advisory locks between connections")
def test_an_interrupted_detection_resumes_where_it_stopped(make_app, province):
    """The sweep stops at bank 2 (a lock it may not wait for): bank 1's slice is
    committed and off the queue; the next run looks at bank 2's complaints only."""
    from sqlalchemy.exc import OperationalError

    from portal.accountability.models import DetectionQueue
    from portal.config import postgresql_engine_options
    from portal.jobs.sweep import run_sweep

    app = make_app()
    options = postgresql_engine_options()
    options["connect_args"]["options"] += " -c lock_timeout=200"
    impatient = make_app(SQLALCHEMY_ENGINE_OPTIONS=options)
    bank1, bank2 = province.unit("bank1").id, province.unit("bank2").id
    first = make_case(app, province, state="handling")
    second = make_case(app, province, state="handling", outlet="bank2-outlet1")
    with app.app_context():
        _media([first, second])
        holder, held = _hold_member_lock(bank2)
    try:
        with impatient.app_context(), pytest.raises(OperationalError, match="lock timeout"):
            run_sweep(NOW)
        with app.app_context():
            assert _cases() == [(bank1, "media", [first])]
            assert list(db.session.scalars(select(DetectionQueue.complaint_id))) == [second]
    finally:
        held.rollback()
        held.close()
        holder.dispose()
    with app.app_context():
        run_sweep(NOW)
        assert _cases() == [(bank1, "media", [first]), (bank2, "media", [second])]
        assert db.session.scalar(select(func.count()).select_from(DetectionQueue)) == 0
