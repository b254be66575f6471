"""One truth for a period's figures (Art. 8(4)): a bulletin's figures are frozen when it
is published; the dashboards count live and say, on their face, what the bulletin counted
and which counts have moved since; the annexes repeat the published figures."""

from datetime import UTC, date, datetime
from io import BytesIO

from openpyxl import load_workbook
from statistics_support import build_statistics_data
from support import sign_in

from portal.auth.models import User
from portal.bulletins import operations
from portal.complaints.models import Complaint
from portal.db import db
from portal.statistics import published
from portal.statistics.rules import parse_period

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _publish_then_correct(app, province) -> int:
    """Publish 2026H1 (bank1: 3 received, bank2: 2), then correct case 1's received date
    into 2025: bank1 now counts 2 in 2026H1."""
    app.config["FROZEN_NOW"] = NOW
    with app.app_context():
        ids = build_statistics_data(province)
        staff = db.session.get(User, province.user("assoc-staff").id)
        draft = operations.create_draft(parse_period("2026H1"), actor=staff, now=NOW)
        operations.publish(draft, b"%PDF-x", actor=staff, now=NOW, change_note=None)
        db.session.commit()
        db.session.get(Complaint, ids[0]).received_on = date(2025, 12, 30)
        db.session.commit()
        return draft.id


def _note(html: str) -> str:
    assert 'data-testid="published-note"' in html
    return html.split('data-testid="published-note"', 1)[1].split("</aside>", 1)[0]


def test_publishing_freezes_the_figures_it_was_rendered_from(app, province):
    bulletin_id = _publish_then_correct(app, province)
    with app.app_context():
        frozen = published.of_bulletin(bulletin_id)
        assert frozen is not None and frozen.version == 1
        assert frozen.head["received"] == 5
        bank1 = published.figures_for(frozen, province.unit("bank1").id)
        assert bank1 is not None and bank1["received"] == 3
        assert published.figures_for(frozen, 999_999) is None


def test_a_member_dashboard_says_what_the_bulletin_counted_and_what_moved(app, province):
    bulletin_id = _publish_then_correct(app, province)
    member = app.test_client()
    sign_in(member, "bank1-a")
    note = _note(member.get("/statistics?period=2026H1").get_data(as_text=True))
    assert "第1版" in note and "受理投诉 3 件" in note
    assert f"/bulletins/{bulletin_id}" in note
    assert "受理投诉：通报 3，现在 2" in note
    # Case 3 (invalid) stayed with the association: counted by the bulletin, not listed
    # on the bank's own pages.
    assert "少 1 件" in note
    # bank2's figures did not move: its dashboard says they agree.
    other = app.test_client()
    sign_in(other, "bank2-a")
    note = _note(other.get("/statistics?period=2026H1").get_data(as_text=True))
    assert "受理投诉 2 件" in note and "一致" in note and "现在" not in note
    assert "少 1 件" in note  # case 5 is still registered at the association


def test_the_association_sees_the_province_and_each_member_against_the_bulletin(app, province):
    _publish_then_correct(app, province)
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    note = _note(staff.get("/statistics?period=2026H1").get_data(as_text=True))
    assert "受理投诉 5 件" in note and "受理投诉：通报 5，现在 4" in note
    bank1 = province.unit("bank1").id
    note = _note(staff.get(f"/statistics?period=2026H1&member={bank1}").get_data(as_text=True))
    assert "受理投诉：通报 3，现在 2" in note
    # A category view has no published counterpart: no comparison is claimed.
    html = staff.get("/statistics?period=2026H1&category=1").get_data(as_text=True)
    assert 'data-testid="published-note"' not in html


def test_no_note_before_anything_is_published(app, province):
    with app.app_context():
        build_statistics_data(province)
    member = app.test_client()
    sign_in(member, "bank1-a")
    html = member.get("/statistics?period=2026H1").get_data(as_text=True)
    assert 'data-testid="published-note"' not in html


def _sheets(response) -> dict:
    assert response.status_code == 200, response.status_code
    book = load_workbook(BytesIO(response.data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}


def test_a_members_annex_repeats_the_published_figures_and_says_what_moved(app, province):
    bulletin_id = _publish_then_correct(app, province)
    member = app.test_client()
    sign_in(member, "bank1-a")
    bank1 = province.unit("bank1").id
    sheets = _sheets(member.get(f"/bulletins/{bulletin_id}/annex/{bank1}"))
    names = list(sheets)
    assert names[:2] == ["通报数字", "口径说明"]
    published_row = sheets["通报数字"][1]
    assert published_row[:4] == ["第1银行辽宁省分行", 3, 2, 2]
    # received: 3 in the bulletin, 2 now counted as the bulletin counts, 1 on the bank's
    # own sheets (case 3 stayed with the association).
    assert sheets["口径说明"][1] == ["受理投诉", 3, 2, 1]
    assert "冻结" in sheets["口径说明"][-1][0]
    # The live sheets follow: the headline of the bank's own scope.
    assert ["受理投诉", 1] in sheets["总体情况"]


def test_the_association_annex_lists_every_member_as_published(app, province):
    bulletin_id = _publish_then_correct(app, province)
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    sheets = _sheets(staff.get(f"/bulletins/{bulletin_id}/annex.xlsx"))
    rows = {r[0]: r[1] for r in sheets["通报数字"][1:]}
    assert rows == {"第1银行辽宁省分行": 3, "第2银行辽宁省分行": 2}
    assert sheets["口径说明"][1] == ["受理投诉", 5, 4, 4]
