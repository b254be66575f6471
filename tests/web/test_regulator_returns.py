"""The regulator return's screens (通报 › 监管报送) through the test client: generating a
version, corrections with a note, periods refused or warned about, downloads recorded,
who may see what (members: 403/404 everywhere), the leader's home, the command."""

import csv
import hashlib
import io

import pytest
from openpyxl import load_workbook
from return_support import build_return_data
from sqlalchemy import func, select
from support import NOW, sign_in

from portal.db import db
from portal.returns.models import RegulatorReturn, ReturnDownload

HX = {"HX-Request": "true"}


@pytest.fixture
def data(app, province):
    app.config["FROZEN_NOW"] = NOW  # Monday 23 November 2026: 2026H2 has not ended
    with app.app_context():
        return build_return_data(province)


@pytest.fixture
def staff(app, data):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    return client


def _generate(client, period, **extra):
    return client.post("/bulletins/returns", data={"period": period, **extra}, headers=HX)


def _only(app, period="2026H1") -> RegulatorReturn:
    with app.app_context():
        rows = db.session.scalars(
            select(RegulatorReturn)
            .where(RegulatorReturn.period == period)
            .order_by(RegulatorReturn.version)
        ).all()
        for row in rows:
            _ = row.csv, row.xlsx  # load the deferred files before the session ends
        return rows


def _csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"))))


def test_generate_list_and_download_both_files(app, staff):
    made = _generate(staff, "2026H1")
    assert made.status_code == 201, made.get_data(as_text=True)
    html = made.get_data(as_text=True)
    assert "<html" not in html and 'data-testid="return-made"' in html
    (item,) = _only(app)
    assert item.version == 1 and not item.unfinished and item.supersedes_id is None
    assert f'data-testid="csv-sha256">{item.csv_sha256}<' in html
    assert f'data-testid="xlsx-sha256">{item.xlsx_sha256}<' in html

    page = staff.get("/bulletins/returns").get_data(as_text=True)
    assert 'aria-current="page" data-testid="returns-tab"' in page
    assert "2026H1" in page and item.csv_sha256 in page

    answer = staff.get(f"/bulletins/returns/{item.id}/return.csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "regulator-return-2026H1-v1.csv" in answer.headers["Content-Disposition"]
    assert hashlib.sha256(answer.data).hexdigest() == item.csv_sha256
    rows = _csv(answer.data)
    assert list(rows[0])[0] == "section"
    meta = {r["key"]: r["value"] for r in rows if r["section"] == "meta"}
    assert meta["period"] == "2026H1" and meta["version"] == "1"
    assert meta["code_version"] == "1" and "有效投诉" in meta["basis"]
    assert meta["generated_at"].startswith("2026-11-23T10:00:00")

    book = staff.get(f"/bulletins/returns/{item.id}/return.xlsx")
    assert book.status_code == 200
    assert hashlib.sha256(book.data).hexdigest() == item.xlsx_sha256
    workbook = load_workbook(io.BytesIO(book.data))
    assert workbook.sheetnames[0] == "报送说明" and len(workbook.sheetnames) == 6
    with app.app_context():
        kinds = db.session.scalars(select(ReturnDownload.kind).order_by(ReturnDownload.id)).all()
    assert kinds == ["csv", "xlsx"]
    assert 'data-label="下载次数">2<' in staff.get("/bulletins/returns").get_data(as_text=True)


def test_a_correction_needs_a_note_and_the_first_version_stays(app, staff):
    assert _generate(staff, "2026H1").status_code == 201
    refused = _generate(staff, "2026H1")
    assert refused.status_code == 422
    assert "须说明更正内容" in refused.get_data(as_text=True)
    assert _generate(staff, "2026H1", change_note="   ").status_code == 422
    assert _generate(staff, "2026H1", change_note="长" * 501).status_code == 422
    assert _generate(staff, "2026H1", change_note="补\x07录").status_code == 422
    (first,) = _only(app)
    assert _generate(staff, "2026H1", change_note="补录一件投诉").status_code == 201
    one, two = _only(app)
    assert (one.id, one.csv_sha256, one.csv) == (first.id, first.csv_sha256, first.csv)
    assert two.version == 2 and two.supersedes_id == one.id and two.change_note == "补录一件投诉"
    meta = {r["key"]: r["value"] for r in _csv(two.csv) if r["section"] == "meta"}
    assert meta["version"] == "2" and meta["change_note"] == "补录一件投诉"


def test_a_period_not_ended_is_generated_only_when_confirmed(app, staff):
    warned = _generate(staff, "2026H2")
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "期间未结束" in html
    assert 'name="confirm_unfinished"' in html
    assert _only(app, "2026H2") == []
    made = _generate(staff, "2026H2", confirm_unfinished="1")
    assert made.status_code == 201
    (item,) = _only(app, "2026H2")
    assert item.unfinished
    assert 'class="tag warn">期间未结束<' in made.get_data(as_text=True)
    assert _generate(staff, "2026Q4", confirm_unfinished="1").status_code == 201


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2027H1", "尚未开始"),
        ("2026Q5", "2026Q3"),
        ("2026H3", "2026Q3"),
        ("abc", "2026Q3"),
        ("", "2026Q3"),
        ("x" * 500, "2026Q3"),
    ],
)
def test_bad_and_future_periods_answer_422(app, staff, period, message):
    answer = _generate(staff, period)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RegulatorReturn)) == 0


def test_a_quarter_is_a_period(app, staff):
    assert _generate(staff, "2026Q2").status_code == 201
    (item,) = _only(app, "2026Q2")
    banks = {r["member_name"]: r for r in _csv(item.csv) if r["section"] == "banks"}
    # 2026Q2: case 4 (bank 2, 30 June); case 5 is still registered, not valid.
    assert banks["第2银行辽宁省分行"]["count"] == "1"
    assert banks["第1银行辽宁省分行"]["count"] == "0"


def test_a_plain_post_redirects_to_the_list(app, staff):
    answer = staff.post("/bulletins/returns", data={"period": "2026H1"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/bulletins/returns")


def test_the_leader_reads_and_downloads_but_does_not_generate(app, staff):
    _generate(staff, "2026H1")
    (item,) = _only(app)
    leader = app.test_client()
    sign_in(leader, "assoc-leader")
    page = leader.get("/bulletins/returns")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert item.csv_sha256 in html and 'data-testid="return-form"' not in html
    assert leader.post("/bulletins/returns", data={"period": "2026H1"}).status_code == 403
    assert leader.get(f"/bulletins/returns/{item.id}/return.xlsx").status_code == 200
    home = leader.get("/home").get_data(as_text=True)
    assert 'data-testid="home-return"' in home and "2026H1第1版" in home
    assert "/bulletins/returns" in home


def test_the_leaders_home_before_any_return(app, data):
    leader = app.test_client()
    sign_in(leader, "assoc-leader")
    assert "尚未生成监管报送" in leader.get("/home").get_data(as_text=True)


@pytest.mark.parametrize("username", ["bank1-admin", "bank1-a", "bank1-leader", "bank1-outlet1"])
def test_members_see_no_return(app, staff, username):
    _generate(staff, "2026H1")
    (item,) = _only(app)
    member = app.test_client()
    sign_in(member, username)
    assert member.get("/bulletins/returns").status_code == 403
    assert member.post("/bulletins/returns", data={"period": "2026H1"}).status_code == 403
    for kind in ("csv", "xlsx"):
        assert member.get(f"/bulletins/returns/{item.id}/return.{kind}").status_code == 404
    assert member.get("/bulletins/returns/999999/return.csv").status_code == 404
    home = member.get("/home").get_data(as_text=True)
    assert 'data-testid="home-return"' not in home
    if username != "bank1-outlet1":
        bulletins = member.get("/bulletins").get_data(as_text=True)
        assert "returns-tab" not in bulletins
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReturnDownload)) == 0


def test_an_unknown_return_is_404_and_an_unknown_kind_too(app, staff):
    assert staff.get("/bulletins/returns/999999/return.csv").status_code == 404
    _generate(staff, "2026H1")
    (item,) = _only(app)
    assert staff.get(f"/bulletins/returns/{item.id}/return.pdf").status_code == 404


def test_the_bulletins_page_has_the_returns_tab_for_the_association(app, staff):
    html = staff.get("/bulletins").get_data(as_text=True)
    assert 'href="/bulletins/returns"' in html and "监管报送" in html


def test_a_generated_return_is_frozen(app, staff):
    _generate(staff, "2026H1")
    (item,) = _only(app)
    with app.app_context():
        row = db.session.get(RegulatorReturn, item.id)
        row.change_note = "改"
        with pytest.raises(RuntimeError, match="frozen"):
            db.session.flush()
        db.session.rollback()
        row = db.session.get(RegulatorReturn, item.id)
        row.csv = b"x"
        with pytest.raises(RuntimeError, match="frozen"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(RegulatorReturn, item.id))
        with pytest.raises(RuntimeError, match="frozen"):
            db.session.flush()
        db.session.rollback()


def test_generation_is_audited(app, staff):
    from portal.audit.models import AuditEntry

    _generate(staff, "2026H1")
    (item,) = _only(app)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "return.generate"))
        assert entry.subject_id == item.id
        assert entry.changes["csv_sha256"] == [None, item.csv_sha256]


def test_the_command_makes_a_version(app, data):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["returns", "make", "2026H1"])
    assert result.exit_code == 0, result.output
    (item,) = _only(app)
    assert f"2026H1 v1: CSV sha256 {item.csv_sha256}" in result.output
    again = runner.invoke(args=["returns", "make", "2026H1"])
    assert again.exit_code != 0
    noted = runner.invoke(
        args=["returns", "make", "2026H1", "--note", "更正", "--by", "assoc-staff"]
    )
    assert noted.exit_code == 0, noted.output
    assert runner.invoke(args=["returns", "make", "2026H2"]).exit_code != 0  # not ended
    assert runner.invoke(args=["returns", "make", "2026H2", "--unfinished"]).exit_code == 0
    assert runner.invoke(args=["returns", "make", "nope"]).exit_code != 0
    assert runner.invoke(args=["returns", "make", "2026H1", "--by", "bank1-a"]).exit_code != 0


def test_two_generations_racing_for_a_version_the_loser_gets_409(app, staff, monkeypatch):
    from portal.audit.models import AuditEntry
    from portal.returns import operations

    assert _generate(staff, "2026H1").status_code == 201
    # The second request read "no version yet" before the first one's insert landed.
    monkeypatch.setattr(operations, "latest", lambda period_code: None)
    answer = _generate(staff, "2026H1")
    assert answer.status_code == 409
    assert "刚刚生成" in answer.get_data(as_text=True)
    assert len(_only(app)) == 1
    with app.app_context():
        audited = db.session.scalar(
            select(func.count()).where(AuditEntry.action == "return.generate")
        )
        assert audited == 1


def test_the_period_field_offers_the_periods_last_ended(staff):
    page = staff.get("/bulletins/returns").get_data(as_text=True)
    assert 'list="return-periods"' in page
    # 23 November 2026: the quarters to 2026Q3 and the halves to 2026H1 have ended.
    assert '<option value="2026Q3">2026年第三季度</option>' in page
    assert '<option value="2026H1">2026年上半年</option>' in page
    assert 'value="2026Q4"' not in page
