"""Clocks on the real database: start, stop, extend, cancel; their states across a
holiday; recomputation when the calendar changes; the provisional flag of a year that
is not yet announced; and the overdue query on its index."""

import re
from datetime import date, timedelta

import pytest
from deadline_support import NOTICE_2027, alone, bare_cases, beijing
from flask import current_app
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool
from support import NOW, statements_sent

from portal.auth.models import User
from portal.db import db
from portal.deadlines import operations, queries
from portal.deadlines.batch import clock_batch
from portal.deadlines.models import Clock, ClockEvent
from portal.deadlines.rules import ClockKind, ClockState
from portal.orgs.models import Unit
from portal.workdays import store
from portal.workdays.notice import parse_notice


@pytest.fixture(autouse=True)
def cases(app, province):
    """The cases 0-19 the clocks below run on (a clock belongs to a case)."""
    with app.app_context():
        bare_cases(province, range(20))
        db.session.commit()


def _unit(province, key) -> Unit:
    return db.session.get(Unit, province.unit(key).id)


def _events(clock_id) -> list[str]:
    return db.session.scalars(
        select(ClockEvent.event).where(ClockEvent.clock_id == clock_id).order_by(ClockEvent.id)
    ).all()


def test_start_computes_the_art_11_due_time_across_national_day(app, province):
    with app.app_context():
        # Forwarded at 16:00 on Tue 30 Sep 2025; Oct 1-8 off: verify (2 WD) is due on
        # Fri 10 Oct 23:59:59 Beijing time, report (5 WD) on Tue 14 Oct (9, 10, Sat 11 worked, 13, 14).
        received = beijing(2025, 9, 30, 16, 0)
        bank = _unit(province, "bank1")
        verify = alone(
            operations.start_clock,
            case_id=1,
            kind=ClockKind.VERIFY,
            owner_unit=bank,
            started_at=received,
            now=received,
        )
        report = alone(
            operations.start_clock,
            case_id=1,
            kind="report",
            owner_unit=bank,
            started_at=received,
            now=received,
        )
        accept = alone(
            operations.start_clock,
            case_id=1,
            kind="accept",
            owner_unit=bank,
            started_at=received,
            now=received,
        )
        db.session.commit()
        assert verify.due_on == date(2025, 10, 10)
        assert verify.due_at == beijing(2025, 10, 10, 23, 59, 59)
        assert (verify.limit_days, verify.is_provisional) == (2, False)
        assert report.due_on == date(2025, 10, 14)
        assert accept.due_on == date(2025, 10, 9)  # end of the next working day
        assert verify.owner_path == bank.path
        assert _events(verify.id) == ["started"]


def test_acceptance_limit_is_a_setting(make_app, province):
    app = make_app(ACCEPT_LIMIT_DAYS=2)
    with app.app_context():
        clock = alone(
            operations.start_clock,
            case_id=2,
            kind="accept",
            owner_unit=_unit(province, "bank1"),
            started_at=beijing(2025, 9, 30, 9),
            now=NOW,
        )
        assert clock.due_on == date(2025, 10, 10)


@pytest.mark.parametrize(
    "now, met_at, state",
    [
        (beijing(2025, 10, 5, 12), None, ClockState.RUNNING),  # in the holiday
        (beijing(2025, 10, 10, 0, 0, 1), None, ClockState.DUE_TODAY),
        (beijing(2025, 10, 10, 23, 59, 59), None, ClockState.DUE_TODAY),
        (beijing(2025, 10, 11, 0, 0, 0), None, ClockState.BREACHED),
        (beijing(2025, 10, 12), beijing(2025, 10, 10, 23, 59, 59), ClockState.MET_ON_TIME),
        (beijing(2025, 10, 12), beijing(2025, 10, 11, 0, 0, 1), ClockState.MET_LATE),
    ],
)
def test_states_across_a_holiday_with_frozen_time(make_app, province, now, met_at, state):
    app = make_app(FROZEN_NOW=now)
    with app.app_context():
        received = beijing(2025, 9, 30, 16, 0)
        alone(
            operations.start_clock,
            case_id=3,
            kind="verify",
            owner_unit=_unit(province, "bank1"),
            started_at=received,
            now=received,
        )
        if met_at is not None:
            clock = alone(operations.stop_clock, case_id=3, kind="verify", met_at=met_at)
        else:
            clock = operations.open_clocks(3)[0]
        db.session.commit()
        from portal.web import clock as web_clock

        assert clock.state(web_clock.now()) == state


def test_stop_meets_the_open_clock_once(app, province):
    with app.app_context():
        started = beijing(2026, 11, 23, 10)
        alone(
            operations.start_clock,
            case_id=4,
            kind="branch_reply",
            owner_unit=_unit(province, "bank1-outlet1"),
            started_at=started,
            now=started,
        )
        met = alone(
            operations.stop_clock, case_id=4, kind="branch_reply", met_at=beijing(2026, 11, 25, 9)
        )
        assert met.met_at == beijing(2026, 11, 25, 9)
        assert alone(operations.stop_clock, case_id=4, kind="branch_reply", met_at=NOW) is None
        assert operations.open_clocks(4) == []
        events = db.session.scalars(select(ClockEvent).where(ClockEvent.clock_id == met.id)).all()
        assert [e.event for e in events] == ["started", "met"]
        assert events[1].detail["state"] == "met_on_time"


def test_starting_again_cancels_the_open_clock(app, province):
    with app.app_context():
        bank = _unit(province, "bank1")
        first = alone(
            operations.start_clock,
            case_id=5,
            kind="verify",
            owner_unit=bank,
            started_at=NOW,
            now=NOW,
        )
        later = NOW + timedelta(days=3)
        second = alone(
            operations.start_clock,
            case_id=5,
            kind="verify",
            owner_unit=bank,
            started_at=later,
            now=later,
        )
        db.session.commit()
        assert first.cancelled_at == later and second.is_open
        assert [c.id for c in operations.open_clocks(5)] == [second.id]
        assert _events(first.id) == ["started", "cancelled"]
        assert [c.id for c in operations.case_clocks(5)] == [first.id, second.id]


def test_the_database_refuses_two_open_clocks_of_one_kind(app, province):
    with app.app_context():
        bank = _unit(province, "bank1")
        alone(
            operations.start_clock,
            case_id=6,
            kind="verify",
            owner_unit=bank,
            started_at=NOW,
            now=NOW,
        )
        twin = Clock(
            case_id=6,
            kind="verify",
            owner_unit_id=bank.id,
            owner_path=bank.path,
            started_at=NOW,
            limit_days=2,
            due_on=date(2026, 11, 25),
            due_at=NOW,
        )
        db.session.add(twin)
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.flush()
        db.session.rollback()


def test_a_promise_runs_to_the_promised_day_and_can_be_extended(app, province):
    with app.app_context():
        outlet = _unit(province, "bank1-outlet1")
        promise = alone(
            operations.start_clock,
            case_id=7,
            kind="promise",
            owner_unit=outlet,
            started_at=NOW,
            now=NOW,
            due_on=date(2026, 11, 28),  # a Saturday: the customer's date, not a working day
        )
        assert promise.due_at == beijing(2026, 11, 28, 23, 59, 59) and promise.limit_days is None
        later = beijing(2026, 11, 29, 9)
        db.session.execute(text("UPDATE clock SET breached_at = :at"), {"at": later})
        db.session.refresh(promise)
        extended = alone(
            operations.extend_clock, case_id=7, kind="promise", due_on=date(2026, 12, 4), at=later
        )
        assert extended.due_on == date(2026, 12, 4) and extended.breached_at is None
        events = db.session.scalars(select(ClockEvent).where(ClockEvent.clock_id == promise.id))
        extended_event = [e for e in events if e.event == "extended"][0]
        assert extended_event.detail["before"]["due_on"] == "2026-11-28"
        assert extended_event.detail["after"]["due_on"] == "2026-12-04"
        with pytest.raises(operations.ClockError):
            alone(
                operations.extend_clock,
                case_id=7,
                kind="promise",
                due_on=date(2026, 11, 1),
                at=later,
            )
        with pytest.raises(operations.ClockError):
            alone(
                operations.extend_clock,
                case_id=8,
                kind="promise",
                due_on=date(2026, 12, 9),
                at=later,
            )
        with pytest.raises(operations.ClockError):
            alone(
                operations.start_clock,
                case_id=9,
                kind="promise",
                owner_unit=outlet,
                started_at=NOW,
                now=NOW,
            )


def test_a_calendar_change_moves_the_due_time_and_says_so(app, province):
    with app.app_context():
        admin = db.session.get(User, province.user("assoc-admin").id)
        received = beijing(2026, 12, 28, 10)  # Monday
        clock = alone(
            operations.start_clock,
            case_id=10,
            kind="verify",
            owner_unit=_unit(province, "bank1"),
            started_at=received,
            now=received,
        )
        unaffected = alone(
            operations.start_clock,
            case_id=11,
            kind="verify",
            owner_unit=_unit(province, "bank2"),
            started_at=beijing(2026, 12, 1, 10),
            now=received,
        )
        assert clock.due_on == date(2026, 12, 30)
        edit = store.set_day(date(2026, 12, 29), False, "临时放假", "演练", admin, NOW)
        db.session.commit()
        assert edit.recomputed == 1 and edit.change.recomputed == 1
        assert clock.due_on == date(2026, 12, 31)
        assert clock.due_at == beijing(2026, 12, 31, 23, 59, 59)
        assert _events(clock.id) == ["started", "recomputed"]
        assert _events(unaffected.id) == ["started"]
        event = db.session.scalars(
            select(ClockEvent).where(
                ClockEvent.clock_id == clock.id, ClockEvent.event == "recomputed"
            )
        ).one()
        assert event.detail["before"]["due_on"] == "2026-12-30"
        assert event.detail["after"]["due_on"] == "2026-12-31"
        assert event.actor_id == admin.id and "2026-12-29" in event.detail["reason"]
        assert event.case_id == 10


def test_a_clock_reaching_into_an_unknown_year_is_provisional_until_its_notice(app, province):
    with app.app_context():
        received = beijing(2026, 12, 30, 10)  # Wed; Art. 11(2) report within 5 WD
        clock = alone(
            operations.start_clock,
            case_id=12,
            kind="report",
            owner_unit=_unit(province, "bank1"),
            started_at=received,
            now=received,
        )
        # 2027 is not announced: weekday rule (Thu 31, Fri 1, Mon 4, Tue 5, Wed 6).
        assert clock.is_provisional and clock.due_on == date(2027, 1, 6)
        assert queries.unconfirmed_years_ahead(date(2026, 11, 23)) == [2027]
        edit = store.import_notice(parse_notice(NOTICE_2027), None, NOW)
        db.session.commit()
        # With 2027's New Year (1-3 Jan) known: 31 Dec, 4, 5, 6, 7 Jan.
        assert edit.recomputed == 1
        assert not clock.is_provisional and clock.due_on == date(2027, 1, 7)
        assert _events(clock.id) == ["started", "recomputed"]


def test_a_correction_that_moves_the_due_time_ahead_withdraws_the_breach(app, province):
    with app.app_context():
        received = beijing(2026, 12, 28, 10)
        clock = alone(
            operations.start_clock,
            case_id=13,
            kind="verify",
            owner_unit=_unit(province, "bank1"),
            started_at=received,
            now=received,
        )
        breached = beijing(2026, 12, 31, 0, 0, 5)
        db.session.execute(text("UPDATE clock SET breached_at = :at"), {"at": breached})
        db.session.refresh(clock)
        store.set_day(date(2026, 12, 29), False, "临时放假", "补录", None, breached)
        assert clock.breached_at is None and clock.due_on == date(2026, 12, 31)
        event = db.session.scalars(
            select(ClockEvent).where(
                ClockEvent.clock_id == clock.id, ClockEvent.event == "recomputed"
            )
        ).one()
        assert event.detail["breach_withdrawn"] is True


def test_the_overdue_query_uses_its_index(app, province, backend):
    with app.app_context():
        bank = _unit(province, "bank1")
        # 5,000 open clocks, 1% of them overdue, written in one statement.
        bare_cases(province, range(20, 5000))
        rows = []
        for n in range(5000):
            due_on = date(2026, 11, 20) if n % 100 == 0 else date(2026, 12, 1) + timedelta(n % 60)
            rows.append(
                dict(
                    case_id=n,
                    kind="verify",
                    owner_unit_id=bank.id,
                    owner_path=bank.path,
                    started_at=NOW,
                    limit_days=2,
                    due_on=due_on,
                    due_at=beijing(due_on.year, due_on.month, due_on.day, 23, 59, 59),
                    is_provisional=False,
                    version=1,
                )
            )
        db.session.execute(Clock.__table__.insert(), rows)
        db.session.commit()
        overdue = (
            "SELECT id FROM clock WHERE due_at < :now AND met_at IS NULL "
            "AND cancelled_at IS NULL AND breached_at IS NULL"
        )
        if backend == "postgresql":
            # As the owner: ANALYZE skips a table its role does not own, with a warning
            # only, and the plan would then rest on whatever autovacuum last saw.
            owner = create_engine(current_app.config["DATABASE_OWNER_URL"], poolclass=NullPool)
            with owner.begin() as connection:
                connection.execute(text("ANALYZE clock"))
            owner.dispose()
            plan = db.session.execute(text("EXPLAIN " + overdue), {"now": NOW}).scalars().all()
        else:
            # The clock table's statistics only, taken out again: SQLite's plans for a
            # desk database are made without statistics (docs/deployment.md), and the
            # test database is shared with the later tests of the run.
            db.session.execute(text("ANALYZE clock"))
            try:
                rows = db.session.execute(
                    text("EXPLAIN QUERY PLAN " + overdue), {"now": NOW.replace(tzinfo=None)}
                ).all()
            finally:
                db.session.execute(text("DELETE FROM sqlite_stat1"))
                db.session.commit()
            plan = [row[-1] for row in rows]
        db.session.rollback()
        assert "ix_clock_overdue" in "\n".join(plan), plan
        assert "Index" in "\n".join(plan) or "INDEX" in "\n".join(plan), plan


def test_clock_lists_are_scoped_like_the_unit_tree(app, province):
    with app.app_context():
        overdue_start = beijing(2026, 11, 16, 9)
        ids = {
            key: alone(
                operations.start_clock,
                case_id=n,
                kind=kind,
                owner_unit=_unit(province, key),
                started_at=overdue_start,
                now=overdue_start,
            ).id
            for n, (key, kind) in enumerate(
                [
                    ("assoc", "forward"),
                    ("bank1", "verify"),
                    ("bank1-outlet1", "branch_reply"),
                    ("bank1-outlet2", "branch_reply"),
                    ("bank2", "verify"),
                ]
            )
        }

        def seen(username, query):
            user = db.session.get(User, province.user(username).id)
            return {key for key, id_ in ids.items() if id_ in db.session.scalars(query(user)).all()}

        def open_ids(user):
            return queries.open_clocks_query(user).with_only_columns(Clock.id)

        assert seen("assoc-staff", open_ids) == set(ids)
        assert seen("bank1-a", open_ids) == {"bank1", "bank1-outlet1", "bank1-outlet2"}
        assert seen("bank1-outlet1", open_ids) == {"bank1-outlet1"}

        def overdue_ids(user):
            return queries.overdue_clocks_query(user, NOW).with_only_columns(Clock.id)

        assert seen("bank2-a", overdue_ids) == {"bank2"}


def test_several_clocks_start_and_cancel_at_once_as_one_by_one(app, province):
    with app.app_context():
        bank = _unit(province, "bank1")
        received = beijing(2025, 9, 30, 16, 0)  # as in the national-day test above
        together = alone(
            operations.start_clocks,
            case_id=7,
            kinds=(ClockKind.ACCEPT, ClockKind.VERIFY, ClockKind.REPORT),
            owner_unit=bank,
            started_at=received,
            now=received,
        )
        assert [c.due_on for c in together] == [
            date(2025, 10, 9),
            date(2025, 10, 10),
            date(2025, 10, 14),
        ]
        assert all(_events(c.id) == ["started"] for c in together)
        # Starting them again restarts them, like start_clock: the open ones are cancelled.
        again = alone(
            operations.start_clocks,
            case_id=7,
            kinds=("verify", "report"),
            owner_unit=bank,
            started_at=received + timedelta(days=1),
            now=received + timedelta(days=1),
        )
        assert [_events(c.id) for c in together] == [
            ["started"],
            ["started", "cancelled"],
            ["started", "cancelled"],
        ]
        with pytest.raises(operations.ClockError):
            alone(
                operations.start_clocks,
                case_id=7,
                kinds=("promise",),
                owner_unit=bank,
                started_at=received,
                now=received,
            )
        gone = alone(
            operations.cancel_clocks,
            case_id=7,
            kinds=("accept", "verify", "report", "promise"),
            at=received,
            reason="recalled",
        )
        assert [c.kind for c in gone] == ["accept", "verify", "report"]
        assert {c.id for c in gone} == {together[0].id, *(c.id for c in again)}
        assert operations.open_clocks(7) == []
        db.session.commit()


def _batch_steps(bank, received, run):
    """Forwarding's clock steps and more, as one action runs them: start three, meet one,
    restart one, cancel one, extend nothing. ``run(step, **arguments)`` takes each step,
    alone or in a given batch."""
    case_id = 9
    run(
        operations.start_clock,
        case_id=case_id,
        kind="forward",
        owner_unit=bank,
        started_at=received,
        now=received,
    )
    run(operations.stop_clock, case_id=case_id, kind="forward", met_at=received)
    run(
        operations.start_clocks,
        case_id=case_id,
        kinds=("accept", "verify", "report"),
        owner_unit=bank,
        started_at=received,
        now=received,
    )
    run(operations.stop_clock, case_id=case_id, kind="accept", met_at=received + timedelta(hours=1))
    run(
        operations.start_clock,
        case_id=case_id,
        kind="verify",
        owner_unit=bank,
        started_at=received + timedelta(hours=2),
        now=received + timedelta(hours=2),
    )
    run(operations.cancel_clock, case_id=case_id, kind="report", at=received, reason="test")
    return case_id


def _in(batch):
    return lambda step, **arguments: step(batch, **arguments)


def _story(case_id) -> list[tuple[str, list[str]]]:
    clocks = operations.case_clocks(case_id)
    return [(c.kind, _events(c.id)) for c in clocks]


def test_a_batch_writes_what_the_steps_one_by_one_write(app, province):
    """In one batch a case's open clocks are read once and the events written in one
    INSERT at the end: the clocks and their histories come out as step by step."""
    received = beijing(2025, 9, 30, 16, 0)
    with app.app_context():
        bank = _unit(province, "bank1")
        one_by_one = _batch_steps(bank, received, alone)
        expected = _story(one_by_one)
        open_expected = [c.kind for c in operations.open_clocks(one_by_one)]
        db.session.rollback()
        with clock_batch() as batch:
            case_id = _batch_steps(bank, received, _in(batch))
            # Nothing of the events is written before the batch ends.
            assert db.session.scalar(select(func.count()).select_from(ClockEvent)) == 0
        assert _story(case_id) == expected
        assert [c.kind for c in operations.open_clocks(case_id)] == open_expected == ["verify"]
        assert expected == [
            ("forward", ["started", "met"]),
            ("accept", ["started", "met"]),
            ("verify", ["started", "cancelled"]),
            ("report", ["started", "cancelled"]),
            ("verify", ["started"]),
        ]
        db.session.commit()


def _reads_clocks(statement: str) -> bool:
    return statement.startswith("SELECT") and re.search(r"\sFROM clock\b", statement) is not None


def test_a_batch_knows_the_case_clocks_it_left(app, province):
    """A step answers with the case page, which shows all the case's clocks. The step's
    batch read them (one SELECT for the open ones and the rest) and kept them up to date:
    the page takes them from the batch and sees what a fresh read would."""
    received = beijing(2025, 9, 30, 16, 0)

    def seen(clocks):
        return [(c.id, c.kind, c.met_at, c.cancelled_at, c.owner_unit.code) for c in clocks]

    with app.app_context():
        bank = _unit(province, "bank1")
        with statements_sent(_reads_clocks) as reads:
            with clock_batch() as batch:
                case_id = _batch_steps(bank, received, _in(batch))
            assert len(reads) == 1  # the batch's own read, before any clock existed
            known = batch.case_clocks(case_id)
            assert len(reads) == 1
            assert seen(known) == seen(operations.case_clocks(case_id))
            assert [c.kind for c in known] == ["forward", "accept", "verify", "report", "verify"]
            assert batch.case_clocks(case_id + 1) is None  # a case the batch did not touch

            later = received + timedelta(hours=3)
            with clock_batch() as next_step:
                operations.stop_clock(next_step, case_id=case_id, kind="verify", met_at=later)
            assert len(reads) == 3  # the fresh read above, the next step's own
            assert next_step.case_clocks(case_id)[-1].met_at == later
            db.session.commit()


def test_a_batch_ending_in_an_error_writes_no_events(app, province):
    received = beijing(2025, 9, 30, 16, 0)
    with app.app_context():
        bank = _unit(province, "bank1")
        with pytest.raises(RuntimeError), clock_batch() as batch:
            _batch_steps(bank, received, _in(batch))
            raise RuntimeError("the step failed")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(ClockEvent)) == 0
        assert db.session.scalar(select(func.count()).select_from(Clock)) == 0


def test_a_clock_for_a_case_that_does_not_exist_is_refused(app, province):
    """clock.case_id and clock_event.case_id reference complaint.id, on both databases."""
    with app.app_context():
        bank = _unit(province, "bank1")
        with pytest.raises(IntegrityError):
            alone(
                operations.start_clock,
                case_id=999,
                kind="verify",
                owner_unit=bank,
                started_at=NOW,
                now=NOW,
            )
        db.session.rollback()
        clock = alone(
            operations.start_clock,
            case_id=1,
            kind="verify",
            owner_unit=bank,
            started_at=NOW,
            now=NOW,
        )
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(
                ClockEvent.__table__.insert().values(
                    clock_id=clock.id, case_id=999, at=NOW, event="met", detail={}
                )
            )
        db.session.rollback()
