"""Art. 12(1): the sweep detects the four triggers on real complaints, with frozen time,
honours changed thresholds, and never opens a second case on the same evidence."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from support import make_case, with_duty_roster

from portal.accountability import operations
from portal.accountability.detect import detect
from portal.accountability.models import AccountabilityCase, AccountabilityEvent, CaseEvidence
from portal.accountability.rules import Thresholds
from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import db
from portal.jobs.sweep import run_sweep

FORWARDED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Beijing
BEFORE = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 23:00 Beijing: still in time
AFTER = datetime(2026, 11, 24, 16, 1, tzinfo=UTC)  # Wednesday 00:01 Beijing: accept breached
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def _set(app, case_id, **fields):
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        for name, value in fields.items():
            setattr(case, name, value)
        db.session.commit()


def _cases(app):
    with app.app_context():
        return [
            (c.trigger, c.member_id, sorted(e.complaint_id for e in c.evidence))
            for c in db.session.scalars(select(AccountabilityCase).order_by(AccountabilityCase.id))
        ]


def _sweep(app, now, times=1):
    with app.app_context():
        for _ in range(times):
            run_sweep(now)
            db.session.commit()


def test_unaccepted_forwarded_complaint_opens_a_case_once(make_app, province):
    app = make_app(FROZEN_NOW=FORWARDED)
    with_duty_roster(app, province)
    case_id = make_case(app, province, state="forwarded")
    _sweep(app, BEFORE)
    assert _cases(app) == []
    _sweep(app, AFTER, times=2)
    assert _cases(app) == [("unaccepted", province.unit("bank1").id, [case_id])]
    with app.app_context():
        actions = set(
            db.session.scalars(
                select(ComplaintEvent.action).where(ComplaintEvent.complaint_id == case_id)
            )
        )
        assert "accountability_opened" in actions
        assert db.session.scalar(select(func.count(AccountabilityEvent.id))) == 1


def test_media_flag_opens_a_case_and_more_evidence_joins_it(app, province):
    first = make_case(app, province, state="handling")
    _set(app, first, is_media=True)
    _sweep(app, NOW)
    second = make_case(app, province, state="handling", outlet="bank1-outlet2")
    _set(app, second, is_media=True)
    _sweep(app, NOW, times=2)
    assert _cases(app) == [("media", province.unit("bank1").id, [first, second])]
    with app.app_context():
        outlets = set(db.session.scalars(select(CaseEvidence.outlet_id)))
    assert outlets == {province.unit("bank1-outlet1").id, province.unit("bank1-outlet2").id}


def test_repeat_chain_fires_at_the_second_repeat_and_at_a_changed_threshold(app, province):
    root = make_case(app, province, state="handling")
    one = make_case(app, province, state="handling")
    _set(app, one, repeat_of_id=root, repeat_reason="dissatisfied")
    _sweep(app, NOW)
    assert _cases(app) == []  # one repeat for no culpable reason: not yet
    two = make_case(app, province, state="handling")
    _set(app, two, repeat_of_id=one, repeat_reason="late_reply")
    _sweep(app, NOW)
    assert _cases(app) == [("repeat", province.unit("bank1").id, [root, one, two])]
    # A bank2 chain of one culpable repeat fires at once (Art. 12(1)2).
    other_root = make_case(app, province, state="handling", outlet="bank2-outlet1")
    other = make_case(app, province, state="handling", outlet="bank2-outlet1")
    _set(app, other, repeat_of_id=other_root, repeat_reason="attitude")
    _sweep(app, NOW)
    assert _cases(app)[1] == ("repeat", province.unit("bank2").id, [other_root, other])


def test_recurring_substantiated_complaints_respect_count_window_and_thresholds(app, province):
    ids = [make_case(app, province, state="handling") for _ in range(3)]
    for case_id in ids[:2]:
        _set(app, case_id, finding="substantiated", received_on=date(2026, 10, 1))
    # The third is older than six months: outside the window, nothing fires.
    _set(app, ids[2], finding="substantiated", received_on=date(2026, 5, 25))
    _sweep(app, NOW)
    assert _cases(app) == []
    with app.app_context():  # the administrator lowers the count to 2
        operations.update_thresholds(Thresholds(2, 2, 6), actor=None, now=NOW)
        db.session.commit()
    _sweep(app, NOW, times=2)
    assert _cases(app) == [("recurring", province.unit("bank1").id, ids[:2])]


def test_recurring_window_is_counted_back_from_the_sweep_day(app, province):
    ids = [make_case(app, province, state="handling") for _ in range(3)]
    for case_id in ids:
        _set(app, case_id, finding="substantiated", received_on=date(2026, 5, 26))
    # 25 Nov 2026 minus six months is 25 May: 26 May is inside, the day after it is not.
    with app.app_context():
        assert detect(datetime(2026, 11, 26, 2, tzinfo=UTC))["findings"] == 0
        db.session.commit()
        assert detect(NOW)["changed"] == 1
        db.session.commit()
    assert _cases(app) == [("recurring", province.unit("bank1").id, ids)]


@pytest.mark.postgresql_only("SQLite lets one writer in at a time; the race needs two")
def test_two_detections_at_once_add_to_one_case(app, province):
    """Two handlers of one bank save substantiated findings at one outlet at the same
    moment (or a finding meets the sweep): each request's detection sees the same two
    earlier complaints unproven. The second waits for the first and joins its case,
    instead of opening a second case or failing on the evidence's unique key."""
    import threading
    import time

    earlier = [make_case(app, province, state="handling") for _ in range(2)]
    first, second = (make_case(app, province, state="handling") for _ in range(2))
    for case_id in earlier:
        _set(app, case_id, finding="substantiated")
    member = province.unit("bank1").id
    detected, errors = threading.Event(), []

    def save_finding(case_id, before=None, hold=0.0):
        try:
            with app.app_context():
                if before is not None:
                    before.wait(10)
                db.session.get(Complaint, case_id).finding = "substantiated"
                db.session.flush()
                detect(NOW, member_id=member)
                detected.set()
                time.sleep(hold)  # the rest of the first request, still uncommitted
                db.session.commit()
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [
        threading.Thread(target=save_finding, args=(first,), kwargs={"hold": 1.0}),
        threading.Thread(target=save_finding, args=(second,), kwargs={"before": detected}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert _cases(app) == [("recurring", member, sorted([*earlier, first, second]))]
