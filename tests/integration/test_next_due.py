"""complaint.next_due_at (what the inboxes sort and page on) equals the earliest due time
of the case's open clocks after every step of the lifecycle and after a calendar change;
and the due time each inbox shows is the one its reader's scope sees."""

from datetime import UTC, date, datetime, timedelta

from deadline_support import alone, beijing
from sqlalchemy import func, select
from support import ensure_pair, statements_sent

from portal.auth.models import User
from portal.complaints import operations as ops
from portal.complaints.inbox import InboxFilters, inbox_query, nearest_due
from portal.complaints.models import Category, Complaint
from portal.complaints.taxonomy import seed_categories
from portal.db import db
from portal.deadlines import operations as clocks
from portal.deadlines.batch import clock_batch
from portal.deadlines.models import Clock
from portal.deadlines.rules import ClockKind
from portal.orgs.models import Unit
from portal.workdays import store

TZ = "Asia/Shanghai"


def _earliest(case_id: int):
    return db.session.scalar(
        select(func.min(Clock.due_at)).where(
            Clock.case_id == case_id, Clock.met_at.is_(None), Clock.cancelled_at.is_(None)
        )
    )


def _stored(case_id: int):
    return db.session.scalar(select(Complaint.next_due_at).where(Complaint.id == case_id))


def _new_case(province, at: datetime) -> Complaint:
    seed_categories()
    ensure_pair(province, "bank1")  # Art. 7: forwarding needs the bank's A and B
    staff = db.session.get(User, province.user("assoc-staff").id)
    outlet = db.session.get(Unit, province.unit("bank1-outlet1").id)
    return ops.create_complaint(
        actor=staff,
        now=at,
        local_today=at.astimezone(UTC).date(),
        received_at=at,
        received_on=at.date(),
        mobile="13700001111",
        id_number=None,
        outlet=outlet,
        channel="phone",
        complainant_name="张敏",
        address=None,
        reply_channel="phone",
        staff=None,
        category_id=db.session.scalar(select(Category.id).where(Category.code == "ATT-01")),
        facts="柜员态度差。",
        demand="道歉。",
    )


def test_next_due_follows_the_open_clocks_through_the_lifecycle(app, province):
    with app.app_context():
        staff = db.session.get(User, province.user("assoc-staff").id)
        handler = db.session.get(User, province.user("bank1-a").id)
        outlet = db.session.get(Unit, province.unit("bank1-outlet1").id)
        t = beijing(2026, 11, 23, 10)  # Monday
        seen = []

        def step(name, action):
            nonlocal t
            t += timedelta(hours=1)
            action()
            db.session.flush()
            stored, earliest = _stored(case.id), _earliest(case.id)
            assert stored == earliest, (name, stored, earliest)
            seen.append(stored)

        case = _new_case(province, t)
        db.session.flush()
        assert _stored(case.id) == _earliest(case.id) is not None  # the forward clock
        step("forward", lambda: ops.forward_to_member(case, actor=staff, now=t))
        step("recall", lambda: ops.recall_from_member(case, actor=staff, now=t, reason="错转"))
        step("forward again", lambda: ops.forward_to_member(case, actor=staff, now=t))
        step("accept", lambda: ops.accept(case, actor=handler, now=t))
        step(
            "down",
            lambda: ops.forward_down(case, actor=handler, now=t, unit=outlet, note=None),
        )
        step(
            "promise",
            lambda: ops.report_progress(
                case, actor=handler, now=t, promised_on=date(2026, 11, 24), summary="进展"
            ),
        )
        step(
            "extend",
            lambda: alone(
                clocks.extend_clock,
                case_id=case.id,
                kind=ClockKind.PROMISE,
                due_on=date(2026, 11, 27),
                at=t,
            ),
        )
        step(
            "recall up",
            lambda: ops.move_up(case, actor=handler, now=t, reason="收回", action="recalled_up"),
        )
        step(
            "down again",
            lambda: ops.forward_down(case, actor=handler, now=t, unit=outlet, note=None),
        )
        step(
            "reply",
            lambda: ops.final_reply(
                case,
                actor=handler,
                now=t,
                result="已道歉",
                told_at=t,
                told_how="电话",
                reaction="接受",
            ),
        )
        step(
            "verify",
            lambda: ops.verify(case, actor=handler, now=t, finding="substantiated", facts="属实"),
        )
        step("report", lambda: ops.report_result(case, actor=handler, now=t, summary="已整改"))
        assert seen[-1] is None  # nothing runs while the association reviews
        t = beijing(2026, 11, 30, 10)  # Monday: verify due Wed 2 Dec, report Mon 7 Dec
        step("send back", lambda: ops.send_back(case, actor=staff, now=t, reason="再核实"))
        assert seen[-1] == beijing(2026, 12, 2, 23, 59, 59)
        step(
            "calendar: 1 Dec off",
            lambda: store.set_day(date(2026, 12, 1), False, "临时放假", "演练", None, t),
        )
        assert seen[-1] == beijing(2026, 12, 3, 23, 59, 59)
        step(
            "verify again",
            lambda: ops.verify(case, actor=handler, now=t, finding="partly", facts="部分属实"),
        )
        step("report again", lambda: ops.report_result(case, actor=handler, now=t, summary="好"))
        step("close", lambda: ops.close(case, actor=staff, now=t, note=None))
        assert seen[-1] is None
        assert len(set(seen)) >= 6  # it really moved


def test_each_inbox_shows_the_due_time_its_reader_can_see(app, province):
    """The association and a member read next_due_at; an outlet officer sees only its own
    clocks (the reply and the promise, not the member's verify and report)."""
    with app.app_context():
        staff = db.session.get(User, province.user("assoc-staff").id)
        handler = db.session.get(User, province.user("bank1-a").id)
        outlet = db.session.get(Unit, province.unit("bank1-outlet1").id)
        t = beijing(2026, 11, 23, 10)
        registered = _new_case(province, t)
        forwarded = _new_case(province, t)
        ops.forward_to_member(forwarded, actor=staff, now=t)
        at_outlet = _new_case(province, t)
        ops.forward_to_member(at_outlet, actor=staff, now=t)
        ops.accept(at_outlet, actor=handler, now=t)
        ops.forward_down(at_outlet, actor=handler, now=t, unit=outlet, note=None)
        promised = _new_case(province, t)
        ops.forward_to_member(promised, actor=staff, now=t)
        ops.accept(promised, actor=handler, now=t)
        ops.forward_down(promised, actor=handler, now=t, unit=outlet, note=None)
        ops.report_progress(
            promised, actor=handler, now=t, promised_on=date(2026, 12, 4), summary="进展"
        )
        db.session.commit()
        ids = {registered.id, forwarded.id, at_outlet.id, promised.id}
        differs = 0
        for username in ("assoc-staff", "assoc-leader", "bank1-a", "bank1-outlet1"):
            user = db.session.get(User, province.user(username).id)
            rows = db.session.execute(
                inbox_query(user, InboxFilters(state="all"), now=t, tz=_tz())
            ).all()
            shown = {case.id: due for case, due in rows}
            # The definition: the earliest open clock owned inside the reader's scope.
            due = nearest_due(user)
            expected = dict(db.session.execute(select(due.c.case_id, due.c.due_at)).all())
            assert shown, username
            for case_id, due_at in shown.items():
                assert due_at == expected.get(case_id), (username, case_id)
            differs += sum(1 for i in shown if i in ids and shown[i] != _stored(i))
        # The outlet officer's due times differ from next_due_at (its scope has fewer clocks).
        assert differs > 0


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(TZ)


def _case_updates(run) -> list[str]:
    """The UPDATE statements of the complaint table that ``run()`` sends."""
    with statements_sent(lambda s: s.lstrip().upper().startswith("UPDATE COMPLAINT ")) as seen:
        run()
    return seen


def test_a_step_writes_next_due_in_its_own_update_of_the_case(app, province):
    # Forwarding stops one clock and starts three (Art. 11(1), (2)); the case's own
    # UPDATE (state, handling unit, version) carries next_due_at too: one UPDATE, one
    # version step, and the stored value is the earliest open due time.
    with app.app_context():
        staff = db.session.get(User, province.user("assoc-staff").id)
        t = beijing(2026, 11, 23, 10)
        case = _new_case(province, t)
        db.session.flush()
        forward_due, version = _stored(case.id), case.version

        def forward():
            with clock_batch() as batch:
                ops.forward_to_member(case, actor=staff, now=t + timedelta(hours=1), batch=batch)

        updates = _case_updates(forward)
        assert len(updates) == 1 and "next_due_at" in updates[0]
        assert case.version == version + 1
        assert _stored(case.id) == _earliest(case.id) != forward_due


def test_a_batch_of_clock_steps_on_a_case_not_loaded_sets_next_due_at_its_end(app, province):
    # Clock steps without the case in hand (no change of its own to carry the value):
    # one UPDATE of next_due_at when the batch ends, and the version does not move.
    with app.app_context():
        t = beijing(2026, 11, 23, 10)
        case = _new_case(province, t)
        db.session.commit()
        case_id, version = case.id, case.version
        forward_due = _stored(case_id)
        db.session.expunge_all()
        member = db.session.get(Unit, province.unit("bank1").id)

        def steps():
            with clock_batch() as batch:
                clocks.stop_clock(batch, case_id=case_id, kind=ClockKind.FORWARD, met_at=t)
                clocks.start_clocks(
                    batch,
                    case_id=case_id,
                    kinds=(ClockKind.ACCEPT, ClockKind.VERIFY),
                    owner_unit=member,
                    started_at=t,
                    now=t,
                )
                assert _stored(case_id) == forward_due  # not yet: the batch is running

        updates = _case_updates(steps)
        assert len(updates) == 1 and "next_due_at" in updates[0]
        assert _stored(case_id) == _earliest(case_id) != forward_due
        assert db.session.get(Complaint, case_id).version == version


def test_forwarding_on_the_web_keeps_next_due(app, province):
    from support import make_case, sign_in, with_duty_roster

    with_duty_roster(app, province)
    case_id = make_case(app, province)
    client = app.test_client()
    sign_in(client, "assoc-staff")
    with app.app_context():
        version = db.session.get(Complaint, case_id).version
    response = client.post(
        f"/cases/{case_id}/do/forward",
        data={"forward-version": str(version), "forward-seen_event": "0"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Complaint, case_id).state == "forwarded"
        assert _stored(case_id) == _earliest(case_id) is not None
