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
