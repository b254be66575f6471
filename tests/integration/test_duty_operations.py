"""Duty operations and queries on the real database (SQLite and PostgreSQL): contact
reports (Art. 6), A/B pairs, absences and who is on duty (Art. 7), and the notices."""

from datetime import timedelta

import pytest
from duty_support import NOW, away, bj, count, prepare
from flask import current_app
from sqlalchemy import select

from portal.auth.models import User
from portal.db import db
from portal.duty import operations, queries
from portal.duty.models import Absence, ContactReport, DutyPair, MemberProfile
from portal.notify.models import Notification, OutboxMessage
from portal.orgs.models import Unit

PROFILE = {
    "leader_name": "王立新",
    "leader_title": "副行长",
    "leader_work_phone": "024-22531111",
    "leader_mobile": "13912345678",
    "leader_email": "wanglx@bank1.example.cn",
    "department_name": "消费者权益保护部",
    "department_phone": "024-22532222",
}


@pytest.fixture
def ctx(app, province):
    with app.app_context():
        prepare(province)
        yield province


def unit(province, key) -> Unit:
    return db.session.get(Unit, province.unit(key).id)


def user(province, key) -> User:
    return db.session.get(User, province.user(key).id)


def notified(*usernames) -> dict[str, list[str]]:
    rows = db.session.execute(
        select(User.username, Notification.title).join(Notification.user).order_by(Notification.id)
    ).all()
    found = {}
    for username, title in rows:
        found.setdefault(username, []).append(title)
    return found


# -- Art. 6: contact reports ---------------------------------------------------------


def test_profile_changes_are_reported_with_before_and_after(ctx):
    bank1, admin = unit(ctx, "bank1"), user(ctx, "bank1-admin")
    operations.save_profile(bank1, actor=admin, now=NOW, **PROFILE)
    changed = PROFILE | {"leader_mobile": "13687654321"}
    later = NOW + timedelta(days=2)
    operations.save_profile(bank1, actor=admin, now=later, **changed)
    operations.save_profile(bank1, actor=admin, now=later, **changed)  # no change, no report
    db.session.commit()
    first, second = db.session.scalars(
        select(ContactReport).where(ContactReport.section == "profile").order_by(ContactReport.id)
    ).all()
    assert first.before["leader_mobile"] is None and first.after["leader_name"] == "王立新"
    assert second.before == {"leader_mobile": "13912345678"}
    assert second.after == {"leader_mobile": "13687654321"}
    assert second.reported_at == later and second.reported_by.username == "bank1-admin"
    assert second.member_id == bank1.id


def test_bad_contacts_are_refused_and_nothing_is_written(ctx):
    bad = PROFILE | {"leader_mobile": "1391234567", "department_phone": "22532222"}
    with pytest.raises(operations.DutyError) as refused:
        operations.save_profile(unit(ctx, "bank1"), actor=None, now=NOW, **bad)
    assert set(refused.value.problems) == {"leader_mobile", "department_phone"}
    db.session.rollback()
    assert (
        count(MemberProfile) == 0 and count(ContactReport, ContactReport.section == "profile") == 0
    )


def test_a_leader_account_must_be_the_members_own(ctx):
    with pytest.raises(operations.DutyError):
        operations.save_profile(
            unit(ctx, "bank1"),
            actor=None,
            now=NOW,
            leader_user_id=ctx.user("bank2-leader").id,
            **PROFILE,
        )


def test_handler_contacts_are_reported_and_audited(ctx):
    a = user(ctx, "bank1-a")
    version = a.version
    report = operations.update_handler_contacts(
        a, work_phone="024-22530000", mobile="13811112222", email=a.email, actor=a, now=NOW
    )
    assert report.before == {"mobile": "13900000000"} and report.after == {"mobile": "13811112222"}
    assert report.subject_user_id == a.id and a.version == version + 1
    assert (
        operations.update_handler_contacts(
            a, work_phone="024-22530000", mobile="13811112222", email=a.email, actor=a, now=NOW
        )
        is None
    )


def test_contact_reports_are_append_only(ctx):
    operations.save_profile(unit(ctx, "bank1"), actor=None, now=NOW, **PROFILE)
    db.session.commit()
    report = db.session.scalars(select(ContactReport)).first()
    report.after = {"leader_name": "改写"}
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(ContactReport)).first())
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


# -- Art. 7: the A/B pair ------------------------------------------------------------


@pytest.mark.parametrize(
    "a_key, b_key, field",
    [
        ("bank1-a", "bank1-a", "handler_b_id"),  # the same person twice
        ("bank1-a", "bank2-b", "handler_b_id"),  # another member's handler
        ("bank1-leader", "bank1-b", "handler_a_id"),  # not a handler
        ("bank1-a", None, "handler_b_id"),  # B missing
    ],
)
def test_pair_validation(ctx, a_key, b_key, field):
    with pytest.raises(operations.DutyError) as refused:
        operations.set_pair(
            unit(ctx, "bank1"),
            handler_a_id=ctx.user(a_key).id,
            handler_b_id=ctx.user(b_key).id if b_key else None,
            actor=None,
            now=NOW,
        )
    assert field in refused.value.problems


def test_a_deactivated_handler_cannot_be_named(ctx):
    user(ctx, "bank1-b").is_active = False
    with pytest.raises(operations.DutyError):
        operations.set_pair(
            unit(ctx, "bank1"),
            handler_a_id=ctx.user("bank1-b").id,
            handler_b_id=ctx.user("bank1-a").id,
            actor=None,
            now=NOW,
        )


def test_outlets_have_no_pair(ctx):
    with pytest.raises(operations.DutyError):
        operations.set_pair(
            unit(ctx, "bank1-outlet1"),
            handler_a_id=ctx.user("bank1-a").id,
            handler_b_id=ctx.user("bank1-b").id,
            actor=None,
            now=NOW,
        )


def test_renaming_the_pair_is_reported(ctx):
    bank1 = unit(ctx, "bank1")
    operations.set_pair(
        bank1,
        handler_a_id=ctx.user("bank1-b").id,
        handler_b_id=ctx.user("bank1-a").id,
        actor=user(ctx, "bank1-admin"),
        now=NOW,
    )
    report = db.session.scalars(
        select(ContactReport)
        .where(ContactReport.section == "pair")
        .order_by(ContactReport.id.desc())
    ).first()
    assert report.before == {"handler_a": "bank1-a（bank1-a）", "handler_b": "第1行B角（bank1-b）"}
    assert report.after == {"handler_a": "第1行B角（bank1-b）", "handler_b": "bank1-a（bank1-a）"}


def test_a_city_branch_with_its_own_pair_answers_for_its_outlets(ctx):
    city, outlet, bank1 = unit(ctx, "bank1-city"), unit(ctx, "bank1-outlet1"), unit(ctx, "bank1")
    assert queries.pair_for(outlet).unit_id == bank1.id  # no pair below: the member's
    operations.set_pair(
        city,
        handler_a_id=ctx.user("bank1-b").id,
        handler_b_id=ctx.user("bank1-a").id,
        actor=None,
        now=NOW,
    )
    assert queries.pair_for(outlet).unit_id == city.id
    assert queries.on_duty(outlet, NOW).user_id == ctx.user("bank1-b").id
    assert [u.username for u in queries.duty_handlers(outlet)] == ["bank1-b", "bank1-a"]
    operations.remove_pair(city, actor=None, now=NOW)
    assert queries.pair_for(outlet).unit_id == bank1.id
    with pytest.raises(operations.DutyError):
        operations.remove_pair(bank1, actor=None, now=NOW)  # a member always keeps one


def test_a_member_without_a_pair_cannot_receive_complaints(app, province):
    with app.app_context():
        prepare(province, pairs=False)
        bank1 = unit(province, "bank1")
        assert not queries.can_receive_complaints(bank1)
        assert queries.duty_handlers(bank1) == []
        answer = queries.on_duty(bank1, NOW)
        assert answer.is_gap and "未设置A/B角" in answer.reason


# -- who is on duty ------------------------------------------------------------------


def test_on_duty_follows_absences_and_deactivation(ctx):
    bank1, a, b = unit(ctx, "bank1"), ctx.user("bank1-a"), ctx.user("bank1-b")
    assert queries.on_duty(bank1, NOW).role == "A"
    away(a.id, bj(23, 8), bj(23, 12, 30), entered_at=bj(22))
    assert queries.on_duty(bank1, bj(23, 12, 29)).user_id == b.id
    assert queries.on_duty(bank1, bj(23, 12, 30)).user_id == a.id  # back at half past twelve
    user(ctx, "bank1-a").is_active = False
    assert queries.on_duty(bank1, bj(23, 15)).user_id == b.id


def _receiver_agrees(unit_, at):
    """``receiver_at`` (one statement, what forwarding asks) answers as ``receiving_pair``
    and ``on_duty`` do together."""
    receiver = queries.receiver_at(unit_, at)
    pair = queries.receiving_pair(unit_)
    if pair is None:
        assert receiver is None
        return None
    assert receiver.pair is pair
    assert receiver.answer == queries.on_duty(unit_, at)
    return receiver.answer


def test_the_receiver_of_a_forward_is_asked_in_one_go_as_the_roster_answers(ctx):
    bank1, a, b = unit(ctx, "bank1"), ctx.user("bank1-a"), ctx.user("bank1-b")
    assert _receiver_agrees(bank1, NOW).role == "A"
    away(a.id, bj(23, 8), bj(23, 12, 30), "外出培训", entered_at=bj(22))
    away(a.id, bj(23, 12), bj(23, 14), "补休", entered_at=bj(22))  # two absences overlap
    away(b.id, bj(23, 13), bj(23, 15), entered_at=bj(22))
    cancelled = away(b.id, bj(23, 8), bj(23, 18), entered_at=bj(22))
    cancelled.cancelled_at = bj(22, 12)
    late = away(b.id, bj(23, 15), bj(23, 18), entered_at=bj(23, 16))  # entered later
    assert _receiver_agrees(bank1, bj(23, 10)).user_id == b.id
    assert _receiver_agrees(bank1, bj(23, 12, 45)).user_id == b.id
    gap = _receiver_agrees(bank1, bj(23, 13, 30))
    assert gap.is_gap and gap.user_id is None
    assert _receiver_agrees(bank1, bj(23, 15, 30)).user_id == a.id
    assert _receiver_agrees(bank1, bj(23, 17)).user_id == a.id
    user(ctx, "bank1-a").is_active = False
    # B's late absence counts from the moment it was entered, not before.
    assert late.entered_at == bj(23, 16)
    assert _receiver_agrees(bank1, bj(23, 15, 30)).user_id == b.id
    assert _receiver_agrees(bank1, bj(23, 17)).is_gap
    # An outlet without a pair of its own is answered for by its member's pair, and an
    # inactive unit receives nothing.
    outlet = unit(ctx, "bank1-outlet1")
    assert _receiver_agrees(outlet, NOW).user_id == b.id
    outlet.is_active = False
    assert queries.receiver_at(outlet, NOW) is None


def test_a_member_without_a_pair_has_no_receiver(app, province):
    with app.app_context():
        prepare(province, pairs=False)
        assert queries.receiver_at(unit(province, "bank1"), NOW) is None


def test_an_absence_entered_after_a_complaint_arrived_does_not_rewrite_who_had_duty(ctx):
    bank1 = unit(ctx, "bank1")
    arrival = bj(23, 9)
    away(ctx.user("bank1-a").id, bj(23, 8), bj(23, 18), entered_at=bj(23, 10))
    assert queries.on_duty(bank1, arrival).role == "A"
    assert queries.on_duty(bank1, bj(23, 11)).role == "B"


# -- absences ------------------------------------------------------------------------


def test_absences_cannot_be_back_dated(ctx):
    with pytest.raises(operations.DutyError) as refused:
        operations.create_absence(
            user(ctx, "bank1-a"),
            starts_at=bj(22, 9),
            ends_at=bj(24, 18),
            reason="补登",
            actor=user(ctx, "bank1-a"),
            now=NOW,
        )
    assert "starts_at" in refused.value.problems


def test_an_absence_that_leaves_a_gap_waits_for_confirmation_then_alerts(ctx):
    a, b = user(ctx, "bank1-a"), user(ctx, "bank1-b")
    operations.create_absence(a, starts_at=bj(25), ends_at=bj(26), reason="年假", actor=a, now=NOW)
    kwargs = dict(starts_at=bj(25, 9), ends_at=bj(25, 12), reason="培训", actor=b, now=NOW)
    with pytest.raises(operations.GapWarning) as warning:
        operations.create_absence(b, **kwargs)
    (gap,) = warning.value.gaps
    assert gap.unit.code == "BANK1" and [d.day.day for d in gap.days] == [25]
    assert count(Absence, Absence.user_id == b.id) == 0 and count(Notification) == 0
    operations.create_absence(b, confirmed=True, **kwargs)
    titles = notified()
    assert set(titles) == {"bank1-leader", "assoc-staff"}
    assert titles["bank1-leader"] == ["值班缺口预警：第1银行辽宁省分行"]
    note = db.session.scalars(select(Notification)).first()
    assert "2026年11月25日（周三）09:00–12:00" in note.body and "第七条" in note.body


def test_cancelled_absences_are_kept(ctx):
    a = user(ctx, "bank1-a")
    absence = operations.create_absence(
        a, starts_at=bj(25), ends_at=bj(26), reason="年假", actor=a, now=NOW
    )
    operations.cancel_absence(absence, actor=a, now=NOW + timedelta(hours=1))
    assert absence.cancelled_at == NOW + timedelta(hours=1) and absence.cancelled_by_id == a.id
    assert queries.on_duty(unit(ctx, "bank1"), bj(25, 10)).role == "A"
    db.session.delete(absence)
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_an_absence_already_over_cannot_be_cancelled(ctx):
    absence = away(ctx.user("bank1-a").id, bj(20, 9), bj(20, 18), entered_at=bj(19))
    with pytest.raises(operations.DutyError):
        operations.cancel_absence(absence, actor=None, now=NOW)


# -- notices -------------------------------------------------------------------------


@pytest.fixture(params=["looked up", "asked first"])
def asked(request):
    """The notice looks up the pair and who is on duty itself, or is handed what the
    forward asked first (``receiver_at``): both must tell the same people."""
    return request.param


def _forward(bank1, now=NOW, key="complaint:1:forwarded", asked="looked up"):
    return operations.notify_on_duty(
        bank1,
        title="新转办投诉 TS-2026-0001",
        body="请于两个工作日内核实。",
        link="/complaints/1",
        dedupe_key=key,
        now=now,
        receiver=queries.receiver_at(bank1, now) if asked == "asked first" else None,
    )


def test_notify_on_duty_reaches_b_while_a_is_away(ctx, asked):
    away(ctx.user("bank1-a").id, bj(23), bj(24), "外出培训", entered_at=bj(22))
    notified_users = _forward(unit(ctx, "bank1"), asked=asked)
    assert [u.username for u in notified_users] == ["bank1-b"]
    note = db.session.scalars(select(Notification)).one()
    assert "A角不在岗（外出培训），由B角受理" in note.body
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert (
        mail.recipient == "bank1-b@bank1.example.cn" and mail.subject == "新转办投诉 TS-2026-0001"
    )
    _forward(unit(ctx, "bank1"))  # idempotent
    assert count(Notification) == 1 and count(OutboxMessage) == 1


def test_notify_on_duty_on_a_gap_alerts_the_leader_and_the_association(ctx, asked):
    away(ctx.user("bank1-a").id, bj(23), bj(24), entered_at=bj(22))
    away(ctx.user("bank1-b").id, bj(23), bj(24), entered_at=bj(22))
    users = _forward(unit(ctx, "bank1"), asked=asked)
    assert {u.username for u in users} == {"bank1-leader", "assoc-staff"}
    titles = notified()
    assert titles["assoc-staff"] == ["【无人受理】新转办投诉 TS-2026-0001"]
    assert "bank1-a" not in titles and "bank1-b" not in titles
    body = db.session.scalars(select(Notification)).first().body
    assert "无人受理" in body and "请于两个工作日内核实" in body


def test_a_leader_without_an_account_is_e_mailed(ctx):
    bank1 = unit(ctx, "bank1")
    operations.save_profile(bank1, actor=None, now=NOW, **PROFILE)
    user(ctx, "bank1-leader").is_active = False  # the leader has no usable account
    away(ctx.user("bank1-a").id, bj(23), bj(24), entered_at=bj(22))
    away(ctx.user("bank1-b").id, bj(23), bj(24), entered_at=bj(22))
    _forward(bank1)
    mails = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.body)).all())
    assert "wanglx@bank1.example.cn" in mails and "assoc-staff@lnba.example.cn" in mails
    # Both e-mails link to the case absolutely; the in-app notices keep the path.
    link = current_app.config["BASE_URL"] + "/complaints/1"
    assert link.startswith("http") and all(body.endswith(f"\n{link}") for body in mails.values())
    assert set(db.session.scalars(select(Notification.link))) == {"/complaints/1"}


def test_alert_gaps_is_idempotent_within_its_hour(ctx):
    away(ctx.user("bank1-a").id, bj(23), bj(24), entered_at=bj(22))
    away(ctx.user("bank1-b").id, bj(23), bj(24), entered_at=bj(22))
    assert operations.alert_gaps(NOW) == 1  # bank1 only; bank2's A is at the post
    first = count(Notification)
    assert first == 2  # bank1's leader and the association's handler
    assert operations.alert_gaps(NOW + timedelta(minutes=20)) == 1
    assert count(Notification) == first
    operations.alert_gaps(NOW + timedelta(hours=1))  # next sweep window: alerted again
    assert count(Notification) == 2 * first
    title = db.session.scalars(select(Notification.title)).first()
    assert title == "值班缺口：第1银行辽宁省分行当前无人受理投诉"


def test_alert_gaps_rests_on_days_off(ctx):
    away(ctx.user("bank1-a").id, bj(28), bj(29), entered_at=bj(22))
    away(ctx.user("bank1-b").id, bj(28), bj(29), entered_at=bj(22))
    assert operations.alert_gaps(bj(28, 10)) == 0  # a Saturday
    assert count(Notification) == 0


def test_a_weekday_the_administrator_takes_off_is_a_day_off_for_duty_too(ctx):
    from portal.workdays.store import set_day

    away(ctx.user("bank1-a").id, bj(24), bj(25), entered_at=bj(22))
    away(ctx.user("bank1-b").id, bj(24), bj(25), entered_at=bj(22))
    tuesday = bj(24).date()
    assert [d.day for d in queries.gaps_between(unit(ctx, "bank1"), tuesday, tuesday)] == [tuesday]
    # The calendar in the database (the one every app server reads), not the package's.
    set_day(tuesday, False, "临时休假", "省政府临时通知", None, NOW)
    assert queries.gaps_between(unit(ctx, "bank1"), tuesday, tuesday) == []
    assert operations.alert_gaps(bj(24, 10)) == 0
    assert count(Notification) == 0


def test_gaps_between_names_the_working_days(ctx):
    away(ctx.user("bank1-a").id, bj(26), bj(30), entered_at=bj(22))
    away(ctx.user("bank1-b").id, bj(27, 13), bj(30), entered_at=bj(22))
    days = queries.gaps_between(unit(ctx, "bank1"), bj(23).date(), bj(30).date(), known_at=NOW)
    assert [d.day.day for d in days] == [27]  # Friday afternoon; the weekend does not count


def test_duty_pair_rows_carry_their_member(ctx):
    pair = db.session.scalars(
        select(DutyPair).where(DutyPair.unit_id == ctx.unit("bank1").id)
    ).one()
    assert pair.member_id == ctx.unit("bank1").id
    assert [u.code for u in queries.duty_units_of(user(ctx, "bank1-b"))] == ["BANK1"]
