"""The demo shows every duty state (issue 4.7): B on duty at bank1 now, a gap at bank3
next week, past contact changes in the feed; and seeding twice adds nothing."""

from datetime import timedelta

from duty_support import NOW, count
from sqlalchemy import select

from portal.db import db
from portal.demo.seed import seed_province
from portal.duty import queries
from portal.duty.models import Absence, ContactReport, DutyPair, MemberProfile
from portal.notify.models import Notification
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind


def _member(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def test_demo_duty_roster(make_app):
    app = make_app(ARGON2_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    with app.app_context():
        seed_province(NOW)
        db.session.commit()
        members = count(Unit, Unit.kind == UnitKind.MEMBER)
        assert count(MemberProfile) == members and count(DutyPair) == members
        answer = queries.on_duty(_member("ICBC-LN"), NOW)
        assert answer.role == "B" and "外出培训" in answer.reason  # bank1-a is away
        monday = NOW.date() + timedelta(days=7)
        gaps = queries.gaps_between(
            _member("ABC-LN"), monday, monday + timedelta(days=6), known_at=NOW
        )
        assert [d.day for d in gaps] == [monday]
        assert count(Notification, Notification.title.like("值班缺口预警%")) > 0
        reports = db.session.scalars(
            select(ContactReport).where(ContactReport.reported_at > NOW - timedelta(days=20))
        ).all()
        assert {r.section for r in reports} == {"profile", "handler"}
        before = (count(ContactReport), count(Absence), count(Notification))
        seed_province(NOW + timedelta(hours=1))
        db.session.commit()
        assert (count(ContactReport), count(Absence), count(Notification)) == before
