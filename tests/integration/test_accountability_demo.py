"""``demo seed`` adds a case at each rung of the ladder and the current season, once."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from portal.accountability.models import (
    AccountabilityCase,
    AccountabilityDocument,
    Disqualification,
    Season,
)
from portal.db import db
from portal.demo.accountability_demo import seed_accountability
from portal.demo.complaints_demo import seed_complaints
from portal.demo.seed import seed_province

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_demo_has_every_rung_once(make_app):
    app = make_app()
    with app.app_context():
        seed_province(NOW)
        seed_complaints(NOW, count=40)
        db.session.commit()
        first = seed_accountability(NOW)
        db.session.commit()
        assert seed_accountability(NOW) == first  # idempotent
        db.session.commit()
        states = set(db.session.scalars(select(AccountabilityCase.state)))
        assert {"detected", "interview", "criticised"} <= states
        assert db.session.scalar(select(func.count(AccountabilityDocument.id))) == 2
        season = db.session.scalar(select(Season))
        assert season.name == "2026年度优服创建活动赛季"
        awards = set(db.session.scalars(select(Disqualification.award)))
        assert awards == {"organisation", "outlet"}
