"""Art. 4 notices of campaign outlets and the association's public contacts (Art. 5)."""

import shutil
import subprocess

import pytest
from sqlalchemy import select
from support import NOW, make_case, sign_in

from portal.audit.models import AuditEntry
from portal.db import db
from portal.orgs.models import PublicContacts, Unit
from portal.orgs.operations import update_unit

CONTACTS = {
    "department": "辽宁省银行业协会服务拓展部",
    "phone": "024-22532961",
    "fax": "024-22532961",
    "emails": "xiehuifuwu@sohu.com、xiehuizilv@sina.com",
    "national_name": "中国银行业协会",
    "national_phone": "010-66666666",
}


@pytest.fixture
def campaign(app, province):
    """Bank 1's outlets join the campaign; outlet 2 has not reported its own number."""
    with app.app_context():
        for key, phone in (("bank1-outlet1", "024-81111111"), ("bank1-outlet2", None)):
            unit = db.session.get(Unit, province.unit(key).id)
            update_unit(
                unit,
                actor=None,
                now=NOW,
                in_campaign=True,
                complaint_phone=phone,
                system_phone="95588",
            )
        unit = db.session.get(Unit, province.unit("bank2-outlet1").id)
        update_unit(
            unit,
            actor=None,
            now=NOW,
            in_campaign=True,
            complaint_phone="024-82222222",
            system_phone="95533",
        )
        db.session.commit()
    return province


def test_every_page_carries_the_art_5_contacts(client, province):
    page = client.get("/login").get_data(as_text=True)
    assert "辽宁省银行业协会服务拓展部" in page and "024-22532961（兼传真）" in page
    assert "xiehuifuwu@sohu.com" in page and "xiehuizilv@sina.com" in page


def test_the_administrator_edits_the_contacts_and_they_show_at_once(app, client, province):
    sign_in(client, "assoc-admin")
    response = client.post("/settings/contacts", data=CONTACTS)
    assert response.status_code == 200 and "已保存" in response.get_data(as_text=True)
    page = client.get("/home").get_data(as_text=True)
    assert "xiehuifuwu@sohu.com / xiehuizilv@sina.com" in page
    with app.app_context():
        row = db.session.get(PublicContacts, 1)
        assert row.national_phone == "010-66666666"
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.subject_type == "PublicContacts")
        )
        assert entry.changes["national_phone"] == [None, "010-66666666"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("emails", "not-an-address", "电子信箱格式不正确"),
        ("phone", "12345", "电话格式不正确"),
        ("department", "", "请填写受理部门"),
        ("national_phone", "abc", "电话格式不正确"),
    ],
)
def test_bad_contacts_are_refused_and_nothing_is_saved(
    app, client, province, field, value, message
):
    sign_in(client, "assoc-admin")
    response = client.post("/settings/contacts", data=CONTACTS | {field: value})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PublicContacts, 1) is None


@pytest.mark.parametrize("username", ["assoc-staff", "bank1-admin", "bank1-outlet1"])
def test_only_the_association_administrator_edits_the_contacts(client, province, username):
    sign_in(client, username)
    assert client.get("/settings/contacts").status_code == 403
    assert client.post("/settings/contacts", data=CONTACTS).status_code == 403


def test_a_member_lists_its_own_campaign_outlets_and_the_missing_numbers(client, campaign):
    sign_in(client, "bank1-admin")
    page = client.get("/notices").get_data(as_text=True)
    assert "第1银行和平支行1号网点" in page and "第1银行和平支行2号网点" in page
    assert "第2银行" not in page
    assert "尚未设置中国银行业协会的投诉电话" in page
    only_missing = client.get("/notices?missing=1").get_data(as_text=True)
    assert "第1银行和平支行2号网点" in only_missing and "第1银行和平支行1号网点" not in only_missing


def test_the_association_sees_every_campaign_outlet(client, campaign):
    sign_in(client, "assoc-staff")
    page = client.get("/notices").get_data(as_text=True)
    assert "第1银行和平支行1号网点" in page and "第2银行和平支行1号网点" in page
    assert "共 3 个参赛网点" in page


def _pdf_text(data: bytes, tmp_path) -> str:
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_outlet_officer_prints_its_notice_with_the_numbers_in_art_4_order(
    client, campaign, tmp_path
):
    sign_in(client, "assoc-admin")
    client.post("/settings/contacts", data=CONTACTS)
    client.post("/logout")
    sign_in(client, "bank1-outlet1")
    response = client.get(f"/units/{campaign.unit('bank1-outlet1').id}/notice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data, tmp_path)
    positions = [text.index(n) for n in ("024-81111111", "95588", "024-22532961", "010-66666666")]
    assert positions == sorted(positions)
    assert "xiehuizilv@sina.com" in text and "待补充" not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_notice_lacking_numbers_says_so(client, campaign, tmp_path):
    sign_in(client, "bank1-admin")
    response = client.get(f"/units/{campaign.unit('bank1-outlet2').id}/notice.pdf")
    text = _pdf_text(response.data, tmp_path)
    assert text.count("待补充") == 2 and "本公示缺少" in text


def test_notices_are_scoped_and_only_outlets_have_one(client, campaign):
    sign_in(client, "bank1-outlet1")
    assert client.get(f"/units/{campaign.unit('bank1-outlet2').id}/notice.pdf").status_code == 404
    sign_in(client, "bank1-admin")
    assert client.get(f"/units/{campaign.unit('bank2-outlet1').id}/notice.pdf").status_code == 404
    assert client.get(f"/units/{campaign.unit('bank1-sub').id}/notice.pdf").status_code == 404


def test_the_worksheet_prints_the_receiving_departments_contacts(app, client, province):
    case_id = make_case(app, province)
    sign_in(client, "assoc-staff")
    page = client.get(f"/cases/{case_id}/worksheet").get_data(as_text=True)
    assert "受理部门" in page and "xiehuifuwu@sohu.com" in page
