"""The calendar in the database: seeded from the package, cached per process but
reloaded when any host changes it, edited day by day or by a year's notice — every
change recorded with who, when, before, after and why."""

from datetime import date

import pytest
from deadline_support import NOTICE_2027
from sqlalchemy import func, select
from support import NOW

from portal.auth.models import User
from portal.db import db
from portal.workdays import store
from portal.workdays.models import CalendarChange, CalendarDay, CalendarYear
from portal.workdays.notice import parse_notice
from portal.workdays.official import official_years
from portal.workdays.overrides import DayEditError


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seeding_stores_every_package_year_once(app, province):
    with app.app_context():
        years = official_years()
        assert _count(CalendarYear) == len(years)
        assert store.seed_official_years(NOW) == []  # idempotent
        assert _count(CalendarYear) == len(years)
        calendar = store.current_calendar()
        assert calendar.confirmed_years == frozenset(years)
        assert calendar.add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)
        national_day = db.session.get(CalendarDay, date(2025, 10, 3))
        assert (national_day.kind, national_day.name, national_day.source) == (
            "holiday",
            "国庆节",
            "official",
        )
        makeup = db.session.get(CalendarDay, date(2025, 9, 28))
        assert makeup.is_working_day and makeup.kind == "makeup"
        seeds = db.session.scalars(select(CalendarChange).where(CalendarChange.action == "seed"))
        assert {change.year for change in seeds} == set(years)


def test_seeding_leaves_a_year_entered_by_hand_alone(app):
    with app.app_context():
        store.import_notice(parse_notice(NOTICE_2027), None, NOW)
        db.session.execute(
            CalendarDay.__table__.delete().where(CalendarDay.day < date(2026, 12, 1))
        )
        db.session.execute(CalendarYear.__table__.delete().where(CalendarYear.year < 2027))
        assert store.seed_official_years(NOW, years=[2025]) == [2025]
        assert store.seed_official_years(NOW) == [y for y in official_years() if y != 2025]
        assert db.session.get(CalendarYear, 2027).source.startswith("国务院办公厅")


def test_cache_is_reused_until_another_host_changes_the_calendar(app, make_app, province):
    other_host = make_app()  # a second app server on the same database
    with app.app_context():
        first = store.current_calendar()
        assert store.current_calendar() is first  # cached: no reload
    with other_host.app_context():
        admin = db.session.get(User, province.user("assoc-admin").id)
        store.set_day(date(2026, 12, 31), False, "临时放假", "演练", admin, NOW)
        db.session.commit()
    with app.app_context():
        reloaded = store.current_calendar()
        assert reloaded is not first
        assert not reloaded.is_working_day(date(2026, 12, 31))


def test_set_day_records_who_when_before_after_and_why(app, province):
    with app.app_context():
        admin = db.session.get(User, province.user("assoc-admin").id)
        edit = store.set_day(date(2026, 12, 31), False, "临时放假", "省政府通知", admin, NOW)
        db.session.commit()
        change = edit.change
        assert (change.actor_id, change.at, change.action, change.day) == (
            admin.id,
            NOW,
            "day",
            date(2026, 12, 31),
        )
        assert change.before == {"is_working_day": True, "kind": "workday", "name": ""}
        assert change.after == {"is_working_day": False, "kind": "holiday", "name": "临时放假"}
        assert change.reason == "省政府通知"
        assert db.session.get(CalendarDay, date(2026, 12, 31)).source == "manual"
        # Back to the plain weekday rule: the row goes, the change is recorded.
        store.set_day(date(2026, 12, 31), True, "", "撤销", admin, NOW)
        assert db.session.get(CalendarDay, date(2026, 12, 31)) is None
        # The same state again changes nothing and records nothing.
        assert store.set_day(date(2026, 12, 31), True, "", "再次", admin, NOW).change is None
        assert _count(CalendarChange) == len(official_years()) + 2


@pytest.mark.parametrize(
    "day, is_working, name, message",
    [
        (date(2026, 12, 30), False, "", "请填写节日名称"),  # a Wednesday off needs a name
        (date(2026, 12, 26), True, "", "所调休的节日"),  # a Saturday worked needs the holiday
    ],
)
def test_impossible_day_changes_are_refused(app, province, day, is_working, name, message):
    with app.app_context():
        with pytest.raises(DayEditError, match=message):
            store.set_day(day, is_working, name, "原因", None, NOW)


def test_changes_are_append_only(app, province):
    with app.app_context():
        change = db.session.scalars(select(CalendarChange)).first()
        change.reason = "rewritten"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()


def test_importing_a_notice_confirms_the_year(app, province):
    with app.app_context():
        admin = db.session.get(User, province.user("assoc-admin").id)
        assert 2027 not in store.current_calendar().confirmed_years
        assert store.unconfirmed_years_ahead(date(2026, 11, 23)) == [2027]
        store.set_day(date(2027, 3, 1), False, "猜测", "草稿", admin, NOW)  # replaced below
        edit = store.import_notice(parse_notice(NOTICE_2027), admin, NOW)
        db.session.commit()
        calendar = store.current_calendar()
        assert 2027 in calendar.confirmed_years
        assert calendar.is_working_day(date(2027, 3, 1))
        assert calendar.is_working_day(date(2027, 2, 14))  # Sunday make-up day
        assert not calendar.is_working_day(date(2027, 10, 1))
        status = db.session.get(CalendarYear, 2027)
        assert status.confirmed and status.confirmed_by_id == admin.id
        assert status.source == "国务院办公厅关于2027年部分节假日安排的通知"
        assert edit.change.before["days"] == [["2027-03-01", "holiday", "猜测"]]
        assert ["2027-02-14", "makeup", "春节"] in edit.change.after["days"]
        assert store.unconfirmed_years_ahead(date(2026, 11, 23)) == []


def test_a_draft_notice_stores_the_days_but_stays_provisional(app, province):
    with app.app_context():
        store.import_notice(parse_notice(NOTICE_2027), None, NOW, confirm=False)
        calendar = store.current_calendar()
        assert not calendar.is_working_day(date(2027, 10, 1))
        assert calendar.is_provisional(date(2027, 9, 30), date(2027, 10, 8))


def test_demo_seed_stores_the_calendar(app):
    from portal.demo.seed import seed_province

    with app.app_context():
        db.session.execute(CalendarDay.__table__.delete())
        db.session.execute(CalendarYear.__table__.delete())
        seed_province(NOW)
        db.session.commit()
        assert _count(CalendarYear) == len(official_years())
        assert store.current_calendar().add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)
