"""Art. 12(1): the sweep detects the four triggers on real complaints, with frozen time,
honours changed thresholds, and never opens a second case on the same evidence."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from support import make_case, with_duty_roster

from portal.accountability import operations
from portal.accountability.detect import detect, detect_changed
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
                detect_changed([case_id], NOW)
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


def _queued(app) -> list[int]:
    from portal.accountability.models import DetectionQueue

    with app.app_context():
        return sorted(db.session.scalars(select(DetectionQueue.complaint_id)))


def test_the_changes_that_may_make_a_trigger_hold_are_queued_and_the_sweep_empties_it(
    app, province
):
    """The sweep looks at what changed, not at the province (issue 22): a media flag, a
    repeat link and a substantiated finding queue their complaint in the transaction of
    the change; a change no trigger reads, or an ordinary intake, queues nothing."""
    plain, media, repeat, found = (make_case(app, province, state="handling") for _ in range(4))
    assert _queued(app) == []
    _set(app, plain, facts="改述事实。", state="at_outlet")
    _set(app, media, is_media=True)
    _set(app, repeat, repeat_of_id=plain, repeat_reason="dissatisfied")
    _set(app, found, finding="unsubstantiated")
    assert _queued(app) == [media, repeat]
    _set(app, found, finding="substantiated")
    assert _queued(app) == [media, repeat, found]
    _sweep(app, NOW)
    assert _queued(app) == []
    assert _cases(app) == [("media", province.unit("bank1").id, [media])]


def test_evidence_joining_a_case_is_written_in_the_new_complaints_history_only(app, province):
    first = make_case(app, province, state="handling")
    _set(app, first, is_media=True)
    _sweep(app, NOW)
    second = make_case(app, province, state="handling")
    _set(app, second, is_media=True)
    _sweep(app, NOW)

    def actions(case_id):
        with app.app_context():
            return [
                a
                for a in db.session.scalars(
                    select(ComplaintEvent.action)
                    .where(ComplaintEvent.complaint_id == case_id)
                    .order_by(ComplaintEvent.id)
                )
                if a.startswith("accountability_")
            ]

    assert actions(first) == ["accountability_opened"]
    assert actions(second) == ["accountability_evidence_added"]


def test_a_change_of_thresholds_queues_every_candidate(app, province):
    ids = [make_case(app, province, state="handling") for _ in range(2)]
    for case_id in ids:
        _set(app, case_id, finding="substantiated", received_on=date(2026, 10, 1))
    _sweep(app, NOW)
    assert _queued(app) == []
    with app.app_context():
        operations.update_thresholds(Thresholds(2, 2, 6), actor=None, now=NOW)
        db.session.commit()
    assert _queued(app) == ids
    _sweep(app, NOW)
    assert _cases(app) == [("recurring", province.unit("bank1").id, ids)]


def test_looking_at_each_complaint_finds_what_a_pass_over_the_province_finds(app, province):
    """``findings_for`` widens its seeds to the rows their triggers are judged on (whole
    repeat chains, across banks; whole outlet × category groups). Over a random province:
    every finding of the rules over all rows comes back, whole, from any one of its
    complaints, and no finding comes back that the pass over all rows does not make."""
    import random

    from portal.accountability.detect import _rows, findings_for
    from portal.accountability.rules import detect as detect_rows
    from portal.complaints.models import Rectification

    rng = random.Random(22)
    outlets = ["bank1-outlet1", "bank1-outlet2", "bank2-outlet1"]
    ids = [
        make_case(
            app,
            province,
            state="handling",
            outlet=rng.choice(outlets),
            category=rng.choice(["ATT-01", "CRD-02"]),
        )
        for _ in range(30)
    ]
    with app.app_context():
        for n, case_id in enumerate(ids):
            case = db.session.get(Complaint, case_id)
            case.received_on = date(2026, rng.choice([4, 9, 10, 11]), 2)
            case.finding = rng.choice(["substantiated", "substantiated", None])
            case.is_media = rng.random() < 0.1
            if n and rng.random() < 0.4:  # repeats of earlier complaints, chains across banks
                case.repeat_of_id = rng.choice(ids[:n])
                case.repeat_reason = rng.choice(["dissatisfied", "late_reply", "attitude"])
        db.session.add(
            Rectification(
                complaint_id=ids[3],
                kind="outlet",
                opinion="整改。",
                created_by_id=province.user("bank1-a").id,
                created_at=NOW,
                completed_at=NOW,
            )
        )
        db.session.commit()
        today, limits = NOW.date(), Thresholds(2, 2, 6)
        everything = detect_rows(_rows(Complaint.id.in_(ids)), today, limits)
        assert everything, "the random province should prove some trigger"
        for case_id in ids:
            found = findings_for([case_id], today, limits)
            assert set(found) <= set(everything)
            assert {f for f in everything if case_id in f.complaint_ids} <= set(found)
