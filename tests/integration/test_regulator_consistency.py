"""Issue 25, "done when": a half year reads the same numbers by code, institution group and
bank in the dashboard's regulator section (its HTML), the Excel annex, the bulletin (its
build_context) and the regulator return (its CSV parsed and its workbook opened); the
return's SHA-256 is its stored bytes' hash, a generated version never changes, and a
correction needs its note."""

import csv
import hashlib
import io
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from return_support import build_return_data
from sqlalchemy import select
from support import NOW, make_case, sign_in

from portal.auth.models import User
from portal.bulletins import operations as bulletins
from portal.bulletins import pdf
from portal.db import db
from portal.orgs.rules import INSTITUTION_GROUPS
from portal.returns.models import RegulatorReturn
from portal.statistics.regulator import UNGROUPED
from portal.statistics.rules import parse_any_period, parse_period

HX = {"HX-Request": "true"}
GROUP_KEYS = {label: key for key, label in INSTITUTION_GROUPS.items()} | {UNGROUPED: None}


class Tables(HTMLParser):
    """The rows (cell texts) of each table with a ``data-testid``."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid"):
            self._table = self.tables.setdefault(attrs["data-testid"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._table is not None:
                self._table.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def _body(rows):
    """A table's rows without its header (and without an "empty" row)."""
    return [r for r in rows[1:] if len(r) > 1]


@pytest.fixture
def half_year(app, province):
    app.config["FROZEN_NOW"] = NOW
    with app.app_context():
        build_return_data(province)
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    return staff


def _dashboard(staff) -> tuple[dict, dict, dict]:
    """(bank name: count, group key: count, {axis: {code: count}} at level 1) as the
    dashboard's regulator section shows them."""
    page = staff.get("/statistics?period=2026H1")
    assert page.status_code == 200
    tables = _tables(page.get_data(as_text=True))
    banks = {r[0]: int(r[2]) for r in _body(tables["regulator-banks"])}
    groups = {GROUP_KEYS[r[0]]: int(r[1]) for r in _body(tables["regulator-groups"])}
    codes = {
        axis: {
            (None if r[0] == "—" else r[0]): int(r[2])
            for r in _body(tables[f"codes-{axis}"])
            if int(r[2])
        }
        for axis in "ABC"
    }
    return banks, groups, codes


def _dashboard_level(staff, axis: str, level: int) -> dict:
    """One axis at a deeper level, from the section's level control."""
    answer = staff.get(f"/statistics/codes?period=2026H1&axis={axis}&level={level}", headers=HX)
    assert answer.status_code == 200
    rows = _body(_tables(answer.get_data(as_text=True))[f"codes-{axis}"])
    return {(None if r[0] == "—" else r[0]): int(r[2]) for r in rows if int(r[2])}


def _bulletin(app, province) -> tuple[dict, dict, dict]:
    with app.app_context():
        staff = db.session.get(User, province.user("assoc-staff").id)
        draft = bulletins.create_draft(parse_period("2026H1"), actor=staff, now=NOW)
        context = pdf.build_context(draft, staff)
        db.session.rollback()
    banks = {b["member_name"]: b["count"] for b in context["reg_banks"]}
    groups = {g["group"]: g["count"] for g in context["reg_groups"]}
    codes = {
        axis: {r["code"]: r["count"] for r in rows if r["count"]}
        for axis, _l, rows in context["reg_axes"]
    }
    return banks, groups, codes


def _annex(app, province, staff) -> dict[str, list[tuple]]:
    """The association's Excel annex of a published 2026H1 bulletin (a stand-in PDF: the
    annex does not read it): each sheet's rows."""
    from portal.bulletins.models import Bulletin

    with app.app_context():
        bulletin = Bulletin(
            period="2026H1",
            version=1,
            state="published",
            title="通报",
            created_by_id=province.user("assoc-staff").id,
            pdf=b"%PDF-x",
            sha256="0" * 64,
            published_at=NOW,
        )
        db.session.add(bulletin)
        db.session.commit()
        bulletin_id = bulletin.id
    answer = staff.get(f"/bulletins/{bulletin_id}/annex.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def _return(staff, app, period="2026H1", **extra) -> RegulatorReturn:
    made = staff.post("/bulletins/returns", data={"period": period, **extra}, headers=HX)
    assert made.status_code == 201, made.get_data(as_text=True)
    with app.app_context():
        item = db.session.scalars(
            select(RegulatorReturn)
            .where(RegulatorReturn.period == period)
            .order_by(RegulatorReturn.version.desc())
        ).first()
        _ = item.csv, item.xlsx
        return item


def _from_csv(data: bytes):
    rows = list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"))))
    banks = {r["member_name"]: int(r["count"]) for r in rows if r["section"] == "banks"}
    groups = {(r["group"] or None): int(r["count"]) for r in rows if r["section"] == "groups"}
    codes: dict[tuple[str, int], dict] = {}
    by_group: dict[tuple[str, int], dict] = {}
    for r in rows:
        if r["section"] != "codes" or r["code"] == "ALL":
            continue
        key = (r["axis"], int(r["level"]))
        if r["group"] == "ALL":
            codes.setdefault(key, {})[r["code"] or None] = int(r["count"])
        elif int(r["count"]):
            by_group.setdefault(key, {})[(r["code"] or None, r["group"] or None)] = int(r["count"])
    totals = {
        (r["group"] or None): int(r["count"])
        for r in rows
        if r["section"] == "codes"
        and r["code"] == "ALL"
        and (r["axis"], r["level"]) == ("B", "1")
        and r["group"] != "ALL"
    }
    return banks, groups, codes, by_group, totals, rows


def _from_xlsx(data: bytes):
    book = load_workbook(io.BytesIO(data))
    banks = {row[1]: row[4] for row in book["3 会员单位"].iter_rows(min_row=2, values_only=True)}
    groups = {
        (row[0] or None): row[2]
        for row in book["2 机构类型"].iter_rows(min_row=2, values_only=True)
    }
    sheet = list(book["1 编码×机构类型"].iter_rows(values_only=True))
    codes: dict[tuple[str, int], dict] = {}
    for row in sheet[1:]:
        if row[3] != "ALL":
            codes.setdefault((row[0], row[2]), {})[row[3] or None] = row[-1]
    return banks, groups, codes


def test_the_four_read_the_same_numbers(app, province, half_year):
    staff = half_year
    item = _return(staff, app)
    r_banks, r_groups, r_codes, r_by_group, r_totals, _rows = _from_csv(item.csv)
    x_banks, x_groups, x_codes = _from_xlsx(item.xlsx)
    d_banks, d_groups, d_codes = _dashboard(staff)
    b_banks, b_groups, b_codes = _bulletin(app, province)

    # The hand-built half year (return_support): bank 1 two valid cases, bank 2 one.
    assert r_banks == {"第1银行辽宁省分行": 2, "第2银行辽宁省分行": 1}
    assert r_banks == x_banks == d_banks == b_banks
    assert r_groups == {"state_owned": 2, "joint_stock": 1}
    assert r_groups == x_groups == d_groups == b_groups == r_totals
    for axis in "ABC":
        level_1 = r_codes[(axis, 1)]
        assert sum(level_1.values()) == 3
        assert level_1 == x_codes[(axis, 1)] == d_codes[axis] == b_codes[axis], axis
    assert r_codes[("B", 1)] == {"B03": 1, "B99": 2}  # case 1 coded; 2 and 4 by crosswalk
    # The full depth used: each deeper level as the dashboard's level control shows it.
    deeper = [key for key in r_codes if key[1] > 1]
    assert ("A", 3) in deeper  # case 1 is coded A01031, a third-level code
    for axis, level in deeper:
        assert r_codes[(axis, level)] == x_codes[(axis, level)]
        assert r_codes[(axis, level)] == _dashboard_level(staff, axis, level), (axis, level)
    # Codes by group add up to each code and to each group.
    for key, cells in r_by_group.items():
        for code in r_codes[key]:
            assert sum(n for (c, _g), n in cells.items() if c == code) == r_codes[key][code]
        for group, count in r_groups.items():
            assert sum(n for (_c, g), n in cells.items() if g == group) == count


def test_the_annex_reads_the_same_numbers(app, province, half_year):
    """The association's Excel annex of the bulletin: its regulator sheets (the statistics
    export's, ``export.regulator_sheets``), found by their headers."""
    staff = half_year
    item = _return(staff, app)
    r_banks, r_groups, r_codes, *_rest = _from_csv(item.csv)
    sheets = _annex(app, province, staff)
    names = {"第1银行辽宁省分行", "第2银行辽宁省分行"}
    bank_sheets = [
        rows
        for rows in sheets.values()
        if rows
        and {r[0] for r in rows[1:]} >= names
        and any(h and "每千" in str(h) for h in rows[0])
    ]
    (banks,) = bank_sheets
    count = [str(h) for h in banks[0]].index("投诉量")
    assert {r[0]: r[count] for r in banks[1:] if r[0] in names} == r_banks
    labels = {INSTITUTION_GROUPS[k]: v for k, v in r_groups.items()}
    group_sheets = [
        rows for rows in sheets.values() if rows and {r[0] for r in rows[1:]} >= set(labels)
    ]
    assert group_sheets
    (groups, *_more) = group_sheets
    count = [str(h) for h in groups[0]].index("投诉量")
    assert {r[0]: r[count] for r in groups[1:] if r[0] in labels} == labels
    code_sheets = [
        rows for rows in sheets.values() if rows and rows[0] and "编码" in [str(h) for h in rows[0]]
    ]
    assert code_sheets
    found = {}
    for rows in code_sheets:
        header = [str(h) for h in rows[0]]
        code_at, count_at = header.index("编码"), header.index("投诉量")
        for row in rows[1:]:
            if row[code_at] and row[count_at]:
                found[row[code_at]] = row[count_at]
    for axis in "ABC":
        for code, n in r_codes[(axis, 1)].items():
            if code:
                assert found.get(code) == n, code


def test_the_return_is_its_bytes_frozen_and_corrected_with_a_note(app, province, half_year):
    staff = half_year
    first = _return(staff, app)
    assert hashlib.sha256(first.csv).hexdigest() == first.csv_sha256
    assert hashlib.sha256(first.xlsx).hexdigest() == first.xlsx_sha256
    download = staff.get(f"/bulletins/returns/{first.id}/return.csv")
    assert hashlib.sha256(download.data).hexdigest() == first.csv_sha256

    # A late complaint of the half year: the figures move, the first version does not.
    from datetime import date

    from portal.complaints.models import Complaint

    case_id = make_case(app, province, state="handling", outlet="bank2-outlet1")
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        case.received_on = date(2026, 6, 1)
        db.session.commit()
    refused = staff.post("/bulletins/returns", data={"period": "2026H1"}, headers=HX)
    assert refused.status_code == 422
    second = _return(staff, app, change_note="补录6月1日一件投诉")
    assert second.version == 2 and second.supersedes_id == first.id
    with app.app_context():
        again = db.session.get(RegulatorReturn, first.id)
        assert (again.csv, again.xlsx, again.csv_sha256) == (
            first.csv,
            first.xlsx,
            first.csv_sha256,
        )
        assert again.figures == first.figures
    assert _from_csv(first.csv)[0]["第2银行辽宁省分行"] == 1
    assert _from_csv(second.csv)[0]["第2银行辽宁省分行"] == 2
    download = staff.get(f"/bulletins/returns/{first.id}/return.xlsx")
    assert hashlib.sha256(download.data).hexdigest() == first.xlsx_sha256


def test_timeliness_and_decisions_repeat_the_statistics(app, province, half_year):
    staff = half_year
    item = _return(staff, app)
    rows = _from_csv(item.csv)[-1]
    steps = {
        (r["member_name"], r["step"]): (int(r["met"]), int(r["on_time"]))
        for r in rows
        if r["section"] == "timeliness"
    }
    # statistics_support's clocks in 2026H1: case 1 accept on time, verify late; case 2
    # accept on time (bank 1); case 4 accept late, verify open (bank 2).
    assert steps[("第1银行辽宁省分行", "accept")] == (2, 2)
    assert steps[("第1银行辽宁省分行", "verify")] == (1, 0)
    assert steps[("第2银行辽宁省分行", "accept")] == (1, 0)
    assert steps[("第2银行辽宁省分行", "verify")] == (0, 0)
    with app.app_context():
        from portal.statistics import queries

        staff_user = db.session.get(User, province.user("assoc-staff").id)
        members = queries.member_table(staff_user, parse_any_period("2026H1"))
    rates = {
        (r["member_name"], r["step"]): r["on_time_rate"]
        for r in rows
        if r["section"] == "timeliness"
    }
    for member in members:
        for step in ("forward", "accept", "verify", "report", "branch_reply"):
            expected = member["on_time"].get(step)
            got = rates[(member["member_name"], step)]
            assert (float(got) if got else None) == (
                None if expected is None else pytest.approx(expected, abs=1e-6)
            )
    (decision,) = [r for r in rows if r["section"] == "decisions"]
    assert (decision["member_name"], decision["trigger"], decision["decision"]) == (
        "第2银行辽宁省分行",
        "media",
        "interview",
    )
    assert decision["decided_on"] == "2026-05-06"


@pytest.mark.sqlite_only("the demo's figures; the same queries run on both databases above")
def test_a_demo_half_year_reads_the_same_everywhere(make_app):
    """The issue's "done when" on the demo itself: its seven banks in their institution
    groups, with customer reports, and complaints driven through the lifecycle; the
    dashboard, the bulletin and the return read the same numbers by bank, group and code."""
    from portal.demo.complaints_demo import seed_complaints
    from portal.demo.seed import seed_province

    app = make_app(
        FROZEN_NOW=NOW, ARGON2_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    )
    with app.app_context():
        seed_province(NOW)
        seed_complaints(NOW, count=120)
        db.session.commit()
        staff_id = db.session.scalar(select(User.id).where(User.username == "assoc-staff"))
    staff = app.test_client()
    sign_in(staff, "assoc-staff", "demo12345")
    item = _return(staff, app)
    r_banks, r_groups, r_codes, _by_group, _totals, _rows = _from_csv(item.csv)
    x_banks, x_groups, x_codes = _from_xlsx(item.xlsx)
    d_banks, d_groups, d_codes = _dashboard(staff)
    with app.app_context():
        actor = db.session.get(User, staff_id)
        draft = bulletins.create_draft(parse_period("2026H1"), actor=actor, now=NOW)
        context = pdf.build_context(draft, actor)
        db.session.rollback()
    b_banks = {b["member_name"]: b["count"] for b in context["reg_banks"]}
    b_groups = {g["group"]: g["count"] for g in context["reg_groups"]}
    b_codes = {
        a: {r["code"]: r["count"] for r in rows if r["count"]}
        for a, _l, rows in context["reg_axes"]
    }

    assert sum(r_banks.values()) > 20  # the demo's half year has cases to count
    assert r_banks == x_banks == d_banks == b_banks
    assert set(r_groups) == {"state_owned", "city"}
    assert r_groups == x_groups == d_groups == b_groups
    for axis in "ABC":
        assert r_codes[(axis, 1)] == x_codes[(axis, 1)] == d_codes[axis] == b_codes[axis], axis
