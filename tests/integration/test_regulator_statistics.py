"""The regulator's figures (``portal.statistics.regulator``) against the hand-built data
set of ``statistics_support``, with codes, groups, outlets and customer counts added here.
Valid cases: 2026H1 — 1 (bank1, ATT-01), 2 (bank1, ATT-02), 4 (bank2, FEE-02); 2025H2 —
7 (bank1, ATT-01); 2026H2 — 6 (bank1, ATT-01). Each bank has two active outlets."""

from datetime import date

import pytest
from statistics_support import build_regulator_data

from portal.auth.models import User
from portal.db import db
from portal.orgs.models import Unit
from portal.statistics import regulator
from portal.statistics.rules import parse_any_period

H1 = parse_any_period("2026H1")


def _user(province, key):
    return db.session.get(User, province.user(key).id)


def _setup(province):
    return build_regulator_data(province)


def test_bank_rows_for_the_association(app, province):
    with app.app_context():
        _setup(province)
        rows = regulator.bank_rows(_user(province, "assoc-staff"), H1)
        assert [r["member_name"] for r in rows] == ["第1银行辽宁省分行", "第2银行辽宁省分行"]
        bank1, bank2 = rows
        assert (bank1["group"], bank1["count"], bank1["previous"], bank1["change"]) == (
            "state_owned",
            2,
            1,
            1,
        )
        assert bank1["change_rate"] == 1.0
        assert bank1["outlets"] == 2 and bank1["per_1000_outlets"] == 1000.0
        assert bank1["customers"] == 20_000_000 and bank1["customers_as_of"] == date(2026, 3, 31)
        assert bank1["per_10m_customers"] == 1.0
        assert (bank2["count"], bank2["previous"], bank2["change_rate"]) == (1, 0, None)
        assert bank2["customers"] is None and bank2["per_10m_customers"] is None
        assert bank2["per_1000_outlets"] == 500.0


def test_a_deactivated_outlet_is_not_counted(app, province):
    with app.app_context():
        _setup(province)
        db.session.get(Unit, province.unit("bank2-outlet2").id).is_active = False
        db.session.commit()
        rows = {r["member_id"]: r for r in regulator.bank_rows(_user(province, "assoc-staff"), H1)}
        assert rows[province.unit("bank2").id]["outlets"] == 1


def test_group_rows_with_shares_and_medians(app, province):
    with app.app_context():
        _setup(province)
        rows = regulator.group_rows(_user(province, "assoc-staff"), H1)
        assert [(r["group"], r["count"], r["previous"], r["members"]) for r in rows] == [
            ("state_owned", 2, 1, 1),
            ("joint_stock", 1, 0, 1),
        ]
        assert rows[0]["share"] == pytest.approx(2 / 3)
        assert rows[0]["median"] == 2 and rows[0]["median_per_1000_outlets"] == 1000.0
        assert rows[0]["median_per_10m_customers"] == 1.0
        assert rows[1]["median_per_10m_customers"] is None


def test_ungrouped_members_come_last(app, province):
    with app.app_context():
        _setup(province)
        db.session.get(Unit, province.unit("bank2").id).institution_group = None
        db.session.commit()
        rows = regulator.group_rows(_user(province, "assoc-staff"), H1)
        assert [(r["group"], r["label"], r["count"]) for r in rows] == [
            ("state_owned", "国有大型商业银行", 2),
            (None, "未分组", 1),
        ]


def test_codes_rolled_up_with_the_crosswalk(app, province):
    with app.app_context():
        _setup(province)
        staff = _user(province, "assoc-staff")
        b = regulator.code_rows(staff, H1, "B")
        # Case 1 coded B03; cases 2, 4 (and 7 before) by their category's crosswalk: B99.
        assert [(r["code"], r["count"], r["previous"], r["change"]) for r in b] == [
            ("B99", 2, 1, 1),
            ("B03", 1, 0, 1),
        ]
        assert b[0]["name"] == "其他" and b[1]["name"] == "银行卡"
        assert b[0]["share"] == pytest.approx(2 / 3)
        assert regulator.business_lines(staff, H1) == b
        a1 = {r["code"]: r["count"] for r in regulator.code_rows(staff, H1, "A")}
        assert a1 == {"A01": 1, "A02": 1, None: 1}  # A has no crosswalk: 未编码
        a2 = {r["code"]: r["count"] for r in regulator.code_rows(staff, H1, "A", level=2)}
        assert a2 == {"A0103": 1, "A02": 1, None: 1}
        a3 = {r["code"]: r["count"] for r in regulator.code_rows(staff, H1, "A", level=3)}
        assert a3 == {"A01031": 1, "A02": 1, None: 1}
        c = {r["code"]: (r["count"], r["previous"]) for r in regulator.code_rows(staff, H1, "C")}
        # ATT-01 -> C01 (case 7 before), ATT-02 -> C01, FEE-02 -> C05, case 1 coded C02.
        assert c == {"C01": (1, 1), "C02": (1, 0), "C05": (1, 0)}
        assert regulator.levels("A") == [1, 2, 3]
        for level in (1, 2, 3):  # one pass for the three axes, the same rows
            together = regulator.axes_rows(staff, H1, level)
            for axis in regulator.AXES:
                assert together[axis] == regulator.code_rows(staff, H1, axis, level)


def test_code_group_counts(app, province):
    with app.app_context():
        _setup(province)
        staff = _user(province, "assoc-staff")
        assert regulator.code_group_counts(staff, H1, "B") == {
            ("B03", "state_owned"): 1,
            ("B99", "state_owned"): 1,
            ("B99", "joint_stock"): 1,
        }
        assert regulator.code_group_counts(staff, H1, "A", level=2) == {
            ("A0103", "state_owned"): 1,
            (None, "state_owned"): 1,
            ("A02", "joint_stock"): 1,
        }


def test_quarters(app, province):
    with app.app_context():
        _setup(province)
        staff = _user(province, "assoc-staff")
        q1 = {r["member_name"]: r for r in regulator.bank_rows(staff, parse_any_period("2026Q1"))}
        assert (q1["第1银行辽宁省分行"]["count"], q1["第1银行辽宁省分行"]["previous"]) == (2, 1)
        q2 = {r["member_name"]: r for r in regulator.bank_rows(staff, parse_any_period("2026Q2"))}
        assert (q2["第1银行辽宁省分行"]["count"], q2["第1银行辽宁省分行"]["previous"]) == (0, 2)
        assert q2["第2银行辽宁省分行"]["count"] == 1
        q3 = regulator.group_rows(staff, parse_any_period("2026Q3"))
        assert [(r["group"], r["count"]) for r in q3] == [("state_owned", 1), ("joint_stock", 0)]


@pytest.mark.parametrize("bank", ["bank1", "bank2"])
def test_a_members_own_figures_reconcile_with_the_associations_row(app, province, bank):
    """The reconciliation the dashboard states: what a member counts for itself is the
    association's row for it, per bank and per code on every axis and level."""
    with app.app_context():
        _setup(province)
        staff, member = _user(province, "assoc-staff"), _user(province, f"{bank}-a")
        member_id = province.unit(bank).id
        for period in (H1, parse_any_period("2026Q1"), parse_any_period("2026Q3")):
            theirs = [r for r in regulator.bank_rows(staff, period) if r["member_id"] == member_id]
            assert regulator.bank_rows(member, period) == theirs
            for axis in regulator.AXES:
                for level in (1, 2, 3):
                    assert regulator.code_rows(member, period, axis, level) == (
                        regulator.code_rows(staff, period, axis, level, member_id=member_id)
                    )
            for level in (1, 2, 3):
                theirs_axes = regulator.axes_rows(staff, period, level, member_id=member_id)
                assert regulator.axes_rows(member, period, level) == theirs_axes
            # And by code and group: the member's pairs are the association's of its group.
            mine = regulator.code_group_counts(member, period, "B")
            group = "state_owned" if bank == "bank1" else "joint_stock"
            assert {g for _code, g in mine} <= {group}
            assert sum(mine.values()) == theirs[0]["count"]


def test_a_member_sees_no_other_bank(app, province):
    with app.app_context():
        _setup(province)
        member = _user(province, "bank2-a")
        assert [r["member_name"] for r in regulator.bank_rows(member, H1)] == ["第2银行辽宁省分行"]
        assert [r["group"] for r in regulator.group_rows(member, H1)] == ["joint_stock"]
        assert sum(regulator.code_group_counts(member, H1, "C").values()) == 1


def test_an_unknown_axis_is_refused(app, province):
    with app.app_context(), pytest.raises(ValueError):
        regulator.code_rows(_user(province, "assoc-staff"), H1, "D")


def test_stored_figures_of_a_quarter_are_refreshed(app, province):
    from support import NOW

    from portal.statistics import snapshots
    from portal.statistics.models import StatisticsSnapshot

    with app.app_context():
        _setup(province)
        staff = _user(province, "assoc-staff")
        q1 = parse_any_period("2026Q1")
        stored = snapshots.dashboard_snapshot(staff, q1, now=NOW)
        assert stored.period == "2026Q1"
        assert [b["count"] for b in stored.data["regulator"]["banks"]] == [2, 0]
        assert stored.data["regulator"]["groups"][0]["group"] == "state_owned"
        db.session.commit()
        assert snapshots.refresh(NOW) == 1
        again = db.session.query(StatisticsSnapshot).filter_by(period="2026Q1").one()
        assert again.data["regulator"]["banks"][0]["customers_as_of"] == "2026-03-31"
