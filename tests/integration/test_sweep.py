"""The sweep: marks each breach once, reminds each owner once per clock and due day,
tells the superior unit of a breach, skips while another host sweeps, and never loses
or doubles an e-mail when SMTP is down."""

from datetime import date, timedelta

import pytest
from deadline_support import alone, bare_cases, beijing
from sqlalchemy import func, select, text
from support import NOW, app_config

from portal import create_app
from portal.auth.models import User
from portal.db import db
from portal.deadlines import operations
from portal.deadlines.models import Clock, ClockEvent
from portal.jobs.sweep import SWEEP_LOCK_KEY, clock_recipients, mark_escalations, run_sweep
from portal.notify.models import Notification, OutboxMessage
from portal.orgs.models import Unit


@pytest.fixture(autouse=True)
def cases(app, province):
    """The cases 0-19 the clocks below run on (a clock belongs to a case)."""
    with app.app_context():
        bare_cases(province, range(20))
        db.session.commit()


def _unit(province, key) -> Unit:
    return db.session.get(Unit, province.unit(key).id)


def _start(province, case_id, kind, owner, started_at):
    return alone(
        operations.start_clock,
        case_id=case_id,
        kind=kind,
        owner_unit=_unit(province, owner),
        started_at=started_at,
        now=started_at,
    )


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _notified(dedupe_key: str) -> set[str]:
    rows = db.session.scalars(
        select(User.username).join(Notification.user).where(Notification.dedupe_key == dedupe_key)
    )
    return set(rows)


def _give_emails(province):
    for user in db.session.scalars(select(User)):
        user.email = f"{user.username}@example.cn"


def test_breaches_are_marked_once_and_told_to_owner_and_superior(app, province):
    with app.app_context():
        _give_emails(province)
        # Received Mon 16 Nov 2026: verify (2 WD) due Wed 18 Nov 23:59:59.
        verify = _start(province, 1, "verify", "bank1", beijing(2026, 11, 16, 9))
        reply = _start(province, 1, "branch_reply", "bank1-outlet1", beijing(2026, 11, 16, 9))
        forward = _start(province, 2, "forward", "assoc", beijing(2026, 11, 16, 9))
        running = _start(province, 3, "verify", "bank2", beijing(2026, 11, 23, 9))
        db.session.commit()

        counts = run_sweep(NOW)  # Mon 23 Nov, 10:00 Beijing
        db.session.commit()
        assert counts["breaches"] == 3 and not counts["skipped"]
        for clock in (verify, reply, forward):
            db.session.refresh(clock)
            assert clock.breached_at == NOW
        db.session.refresh(running)
        assert running.breached_at is None
        # Owner handlers, then the superior unit (Art. 9, 12).
        assert _notified(f"clock{verify.id}:breach:2026-11-18") == {
            "bank1-a",  # the member unit's handler
            "bank1-leader",  # its leader in charge of complaints (Art. 6)
            "assoc-staff",  # the association, which tracks forwarded complaints (Art. 8)
        }
        # The outlet's superior has no users of its own: the nearest unit above that has.
        assert _notified(f"clock{reply.id}:breach:2026-11-19") == {"bank1-outlet1", "bank1-a"}
        assert _notified(f"clock{forward.id}:breach:2026-11-18") == {"assoc-staff", "assoc-leader"}
        note = db.session.scalars(
            select(Notification).where(
                Notification.dedupe_key == f"clock{verify.id}:breach:2026-11-18"
            )
        ).first()
        assert note.title == "【超期】核实情况已超过期限"
        assert (
            "投诉编号 TEST-000001：核实情况（第十一条第（二）项）的期限为2026年11月18日 23:59"
            in note.body
        )
        # The notice opens the case; its e-mail carries the same link, absolute.
        assert note.link == "/cases/1"
        mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject == note.title)
        ).first()
        assert mail.body.endswith(app.config["BASE_URL"] + "/cases/1")

        notes, mails = _count(Notification), _count(OutboxMessage)
        again = run_sweep(NOW + timedelta(minutes=5))
        db.session.commit()
        assert again["breaches"] == 0
        assert (_count(Notification), _count(OutboxMessage)) == (notes, mails)
        assert _count(ClockEvent, ClockEvent.event == "breached") == 3


def test_reminders_go_out_on_the_due_morning_once_per_clock_and_day(app, province):
    with app.app_context():
        # Received Thu 19 Nov: verify due Mon 23 Nov.
        clock = _start(province, 4, "verify", "bank1", beijing(2026, 11, 19, 15))
        db.session.commit()
        early = run_sweep(beijing(2026, 11, 23, 6, 30))  # before 08:00: not yet
        assert early["reminders"] == 0 and early["breaches"] == 0
        morning = run_sweep(beijing(2026, 11, 23, 8, 5))
        db.session.commit()
        assert morning["reminders"] == 1
        assert _notified(f"clock{clock.id}:due:2026-11-23") == {"bank1-a"}
        reminder = db.session.scalars(
            select(Notification).where(Notification.dedupe_key == f"clock{clock.id}:due:2026-11-23")
        ).one()
        assert reminder.link == "/cases/4"
        again = run_sweep(beijing(2026, 11, 23, 8, 10))
        db.session.commit()
        assert again["reminders"] == 0
        db.session.refresh(clock)
        assert clock.reminded_on == date(2026, 11, 23)
        assert _count(ClockEvent, ClockEvent.event == "reminded") == 1
        # Met in the afternoon: nothing more; the night's sweep marks no breach.
        alone(operations.stop_clock, case_id=4, kind="verify", met_at=beijing(2026, 11, 23, 15))
        db.session.commit()
        assert run_sweep(beijing(2026, 11, 24, 0, 5))["breaches"] == 0


def test_a_clock_due_again_on_a_later_day_is_reminded_again(app, province):
    with app.app_context():
        promise = alone(
            operations.start_clock,
            case_id=5,
            kind="promise",
            owner_unit=_unit(province, "bank1-outlet1"),
            started_at=NOW,
            now=NOW,
            due_on=date(2026, 11, 23),
        )
        db.session.commit()
        assert run_sweep(NOW)["reminders"] == 1
        alone(operations.extend_clock, case_id=5, kind="promise", due_on=date(2026, 11, 25), at=NOW)
        db.session.commit()
        assert run_sweep(beijing(2026, 11, 25, 9))["reminders"] == 1
        keys = set(db.session.scalars(select(Notification.dedupe_key)))
        assert keys == {f"clock{promise.id}:due:2026-11-23", f"clock{promise.id}:due:2026-11-25"}


def test_recipients_are_the_owner_units_handlers(app, province):
    with app.app_context():
        member = _start(province, 6, "verify", "bank2", NOW)
        association = _start(province, 7, "forward", "assoc", NOW)
        outlet = _start(province, 8, "branch_reply", "bank2-outlet2", NOW)
        assert [u.username for u in clock_recipients(member)] == ["bank2-a"]
        assert [u.username for u in clock_recipients(association)] == ["assoc-staff"]
        assert [u.username for u in clock_recipients(outlet)] == ["bank2-outlet2"]
        # An inactive officer is nobody's recipient; the unit above takes over (Art. 7).
        db.session.get(User, province.user("bank2-outlet2").id).is_active = False
        assert [u.username for u in clock_recipients(outlet)] == ["bank2-a"]


@pytest.mark.postgresql_only("the advisory lock is PostgreSQL's; SQLite serialises writers")
def test_a_second_host_skips_while_the_first_holds_the_lock(app, province):
    with app.app_context():
        _start(province, 9, "verify", "bank1", beijing(2026, 11, 16, 9))
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    other = create_app(app_config(url))
    with other.app_context():
        db.session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SWEEP_LOCK_KEY})
        db.session.commit()
        try:
            with app.app_context():
                assert run_sweep(NOW) == {
                    "skipped": True,
                    "breaches": 0,
                    "reminders": 0,
                    "notifications": 0,
                }
                db.session.rollback()
        finally:
            db.session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SWEEP_LOCK_KEY})
            db.session.commit()
            db.engine.dispose()
    with app.app_context():
        assert run_sweep(NOW)["breaches"] == 1
        db.session.commit()


def test_cli_sweep_keeps_mail_queued_while_smtp_is_down(app, make_app, province):
    with app.app_context():
        _give_emails(province)
        _start(province, 10, "verify", "bank1", beijing(2026, 11, 16, 9))
        db.session.commit()
    # The test settings point SMTP at a closed port: the server is "down".
    runner = make_app(FROZEN_NOW=NOW).test_cli_runner()
    result = runner.invoke(args=["deadlines", "sweep"])
    assert result.exit_code == 0, result.output
    assert "breaches marked 1" in result.output and "will retry 1" in result.output
    again = runner.invoke(args=["deadlines", "sweep", "--no-mail"])
    assert "breaches marked 0" in again.output and "mail sent" not in again.output
    with app.app_context():
        # Nothing lost, nothing doubled: three recipients, three queued messages.
        assert _count(OutboxMessage, OutboxMessage.status == "queued") == 3
        assert _count(Clock, Clock.breached_at.is_not(None)) == 1


def test_owners_are_reminded_the_working_day_before_and_on_the_due_morning(app, province):
    with app.app_context():
        # Received Thu 19 Nov: verify (2 WD) due Mon 23 Nov. The default policy reminds on
        # the working day before (Fri 20 Nov) and on the due morning.
        clock = _start(province, 11, "verify", "bank1", beijing(2026, 11, 19, 15))
        db.session.commit()
        friday = run_sweep(beijing(2026, 11, 20, 8, 30))
        db.session.commit()
        assert friday["reminders"] == 1
        ahead = db.session.scalars(
            select(Notification).where(Notification.dedupe_key == f"clock{clock.id}:due:2026-11-20")
        ).one()
        assert ahead.title == "【即将到期】核实情况" and "还剩1个工作日" in ahead.body
        assert run_sweep(beijing(2026, 11, 21, 9))["reminders"] == 0  # Saturday: nothing
        assert run_sweep(beijing(2026, 11, 23, 8, 30))["reminders"] == 1
        db.session.commit()
        assert _notified(f"clock{clock.id}:due:2026-11-23") == {"bank1-a"}


def test_a_lasting_breach_goes_up_to_the_superior_then_the_leader(app, province):
    with app.app_context():
        # Received Mon 16 Nov: verify due Wed 18 Nov; breached from Thu 19 Nov.
        clock = _start(province, 12, "verify", "bank1", beijing(2026, 11, 16, 9))
        db.session.commit()
        run_sweep(beijing(2026, 11, 19, 7))  # marked breached, owner and superior told
        db.session.commit()
        key = f"clock{clock.id}:escalate-superior:2026-11-18"
        first = run_sweep(beijing(2026, 11, 19, 9))  # one working day after the due day
        db.session.commit()
        assert first["escalations"] == 2
        assert _notified(key) == {"bank1-leader", "assoc-staff"}  # the member's superior side
        # Once: the clock is marked for the day, so the later runs read nothing (the
        # notices' dedupe keys would hold anyway; issue 22 found every run rebuilding them).
        db.session.refresh(clock)
        assert clock.escalated_on == date(2026, 11, 19)
        assert mark_escalations(date(2026, 11, 19), [date(2026, 11, 18)]) == []
        assert run_sweep(beijing(2026, 11, 19, 9, 5))["escalations"] == 0
        second = run_sweep(beijing(2026, 11, 20, 9))  # two working days after
        db.session.commit()
        assert second["escalations"] == 1
        assert _notified(f"clock{clock.id}:escalate-leader:2026-11-18") == {"bank1-leader"}
        # Met in the meantime: nobody is told any more.
        alone(operations.stop_clock, case_id=12, kind="verify", met_at=beijing(2026, 11, 20, 10))
        db.session.commit()
        assert run_sweep(beijing(2026, 11, 23, 9))["escalations"] == 0
