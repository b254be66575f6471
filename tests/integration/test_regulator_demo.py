"""The demo and the national generator give the regulator's figures something to
normalise by (issue 25): every member in an institution group, customer counts reported;
and the figures come out of them. Seeding twice adds nothing."""

from datetime import timedelta

from duty_support import NOW, count
from sqlalchemy import select

from portal import create_app
from portal.auth.models import User
from portal.db import db
from portal.demo.province import BANKS
from portal.demo.seed import seed_province
from portal.duty.models import CustomerReport
from portal.orgs.models import Unit
from portal.orgs.rules import INSTITUTION_GROUPS, UnitKind
from portal.statistics import regulator
from portal.statistics.rules import parse_any_period


def test_demo_groups_and_customers(make_app):
    app = make_app(ARGON2_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
    with app.app_context():
        seed_province(NOW)
        db.session.commit()
        members = db.session.scalars(select(Unit).where(Unit.kind == UnitKind.MEMBER)).all()
        assert len(members) == len(BANKS)
        assert {m.institution_group for m in members} == {"state_owned", "city"}
        reported = {r.member_id for r in db.session.scalars(select(CustomerReport))}
        unreported = {m.code for m in members if m.id not in reported}
        assert unreported == {"LNZX"}  # the associate bank shows the "not reported" state
        assert count(CustomerReport) == 5 * (len(BANKS) - 1)  # the last five quarters
        assert all(r.as_of <= NOW.date() for r in db.session.scalars(select(CustomerReport)))
        staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        banks = regulator.bank_rows(staff, parse_any_period("2026Q3"))
        icbc = next(b for b in banks if b["member_name"] == "中国工商银行辽宁省分行")
        assert icbc["outlets"] == 12 and icbc["customers"] > 20_000_000
        assert icbc["customers_as_of"].isoformat() == "2026-09-30"
        before = count(CustomerReport)
        seed_province(NOW + timedelta(hours=1))
        db.session.commit()
        assert count(CustomerReport) == before


def _generate(app, *args):
    """``flask demo generate`` as test_demo_generate runs it (as the tables' owner)."""
    owner = app.config.get("DATABASE_OWNER_URL")
    runner_app = create_app(dict(app.config) | {"SQLALCHEMY_DATABASE_URI": owner}) if owner else app
    try:
        return runner_app.test_cli_runner().invoke(args=["demo", "generate", *args])
    finally:
        if owner:
            with runner_app.app_context():
                db.engine.dispose()


def test_generated_members_have_groups_and_customers(make_app):
    app = make_app(FROZEN_NOW=NOW)
    result = _generate(
        app, "--complaints", "300", "--members", "30", "--outlets", "90", "--seed", "7"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        members = db.session.scalars(select(Unit).where(Unit.kind == UnitKind.MEMBER)).all()
        groups = {m.name: m.institution_group for m in members}
        assert groups["中国工商银行辽宁省分行"] == "state_owned"
        assert groups["招商银行沈阳分行"] == "joint_stock"
        assert groups["盛京银行股份有限公司"] == "city"
        assert set(groups.values()) <= set(INSTITUTION_GROUPS)
        assert "rural" in groups.values()
        reports = db.session.scalars(select(CustomerReport)).all()
        assert {r.member_id for r in reports} == {m.id for m in members}
        assert all(r.personal_customers > 0 for r in reports)
        staff = db.session.scalar(select(User).where(User.username == "n-assoc"))
        period = parse_any_period("2026H1")
        banks = regulator.bank_rows(staff, period)
        assert banks and all(b["customers"] for b in banks)
        rows = regulator.group_rows(staff, period, banks)
        assert sum(r["count"] for r in rows) == sum(b["count"] for b in banks) > 0
