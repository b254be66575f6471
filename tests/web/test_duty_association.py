"""The association's duty screens (Art. 6, 7): the directory with gap markers and its
Excel export, the contact-change feed (a member sees its own reports only) and the gaps
across members."""

from io import BytesIO

import pytest
from duty_support import NOW, away, bj, prepare
from openpyxl import load_workbook
from support import sign_in

from portal.db import db
from portal.duty import operations
from portal.duty.export import HEADERS
from portal.orgs.models import Unit

HX = {"HX-Request": "true"}


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)


@pytest.fixture
def duty(app, province):
    """Both banks report a profile; bank2 has a gap on Wednesday morning."""
    with app.app_context():
        prepare(province)
        for n in (1, 2):
            operations.save_profile(
                db.session.get(Unit, province.unit(f"bank{n}").id),
                actor=None,
                now=NOW,
                leader_name=f"第{n}行领导",
                leader_mobile="13912345678",
                department_name=f"第{n}行消保部",
                department_phone="024-22532222",
            )
        away(province.user("bank2-a").id, bj(25), bj(26))
        away(province.user("bank2-b").id, bj(25, 9), bj(25, 12))
        db.session.commit()
    return province


def test_directory_marks_the_gaps(client, duty):
    sign_in(client, "assoc-staff")
    page = client.get("/duty/directory").get_data(as_text=True)
    assert "<html" in page and "第1行领导" in page and "第2行消保部" in page
    bank2_row = page.split(f'id="directory-unit-{duty.unit("bank2").id}"')[1].split("</tr>")[0]
    assert 'class="gap"' in page.split(f'id="directory-unit-{duty.unit("bank2").id}"')[1][:20]
    assert "11月25日" in bank2_row
    piece = client.get("/duty/directory?gaps=1", headers=HX).get_data(as_text=True)
    assert "<html" not in piece and 'id="duty-directory"' in piece
    assert "第2行领导" in piece and "第1行领导" not in piece


def test_directory_exports_to_excel(client, duty):
    sign_in(client, "assoc-leader")
    response = client.get("/duty/directory.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS  # one header row; the moment of export on its own sheet
    by_member = {row[0]: row for row in rows[1:]}
    bank1, bank2 = by_member["第1银行辽宁省分行"], by_member["第2银行辽宁省分行"]
    assert bank1[3] == "第1行领导" and bank1[10] == "bank1-a" and bank1[14] == "第1行B角"
    assert bank1[18].startswith("A角 bank1-a")
    assert "2026年11月25日（周三）09:00–12:00" in bank2[19]


@pytest.mark.parametrize("path", ["/duty/directory", "/duty/directory.xlsx", "/duty/gaps"])
def test_members_do_not_see_the_association_screens(client, duty, path):
    sign_in(client, "bank1-admin")
    assert client.get(path).status_code == 403


def test_gaps_across_members_at_a_glance(client, duty):
    sign_in(client, "assoc-staff")
    page = client.get("/duty/gaps").get_data(as_text=True)
    assert "<html" in page and "2 个受理单位中，1 个" in page
    assert (
        "2026年11月25日（周三）09:00–12:00" in page
        and "第1银行辽宁省分行" not in page.split('id="duty-gaps"')[1]
    )
    piece = client.get("/duty/gaps", headers=HX).get_data(as_text=True)
    assert "<html" not in piece and 'id="duty-gaps"' in piece


def test_the_feed_shows_the_association_every_members_changes(client, duty):
    sign_in(client, "assoc-staff")
    page = client.get("/duty/changes").get_data(as_text=True)
    assert "第1行领导" in page and "第2行领导" in page and "2026年11月23日 10:00" in page
    only_bank1 = client.get(f"/duty/changes?member={duty.unit('bank1').id}", headers=HX)
    body = only_bank1.get_data(as_text=True)
    assert "<html" not in body and 'id="change-feed"' in body
    assert "第1行领导" in body and "第2行领导" not in body


def test_another_member_cannot_see_a_members_reports(client, duty):
    sign_in(client, "bank2-admin")
    own = client.get("/duty/changes").get_data(as_text=True)
    assert "第2行领导" in own and "第1行领导" not in own
    asked = client.get(f"/duty/changes?member={duty.unit('bank1').id}").get_data(as_text=True)
    assert "第1行领导" not in asked
    assert client.get(f"/duty/members/{duty.unit('bank1').id}").status_code == 404
    assert "第1行领导" not in client.get(f"/duty/members/{duty.unit('bank2').id}").get_data(
        as_text=True
    )


def test_alert_gaps_runs_from_the_command_line(app, duty):
    result = app.test_cli_runner().invoke(args=["duty", "alert-gaps"])
    assert result.exit_code == 0 and "units with nobody on duty:" in result.output
