"""The archive through HTTP (Art. 8(6), 9(5), 10(3)): closing gives one archive number
and marks the dossier due; the freeze issues a PDF and a zip whose SHA-256 match what is
stored, and never changes them; another bank's dossier is a 404; erasing expired cases
keeps the statistics; the half-year export's index opens in openpyxl."""

import hashlib
import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from handoff_support import at
from sqlalchemy import func, select

from portal.archives import operations as archive_ops
from portal.archives.models import CaseArchive, Dossier
from portal.archives.rules import ERASED
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.complaints import operations as case_ops
from portal.complaints.models import Attachment, Complaint, ComplaintEvent
from portal.db import db

SCAN = b"\x89PNG fake scan of a receipt"


def closed_case(desk, app, *, outlet="bank1-outlet1", bank="bank1") -> int:
    """A case driven to closure through the portal's own forms, with one attachment."""
    case_id = desk.register(outlet=outlet)
    desk.step("assoc-staff", case_id, "forward")
    desk.step(f"{bank}-a", case_id, "accept")
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        case_ops.add_attachment(
            case,
            actor=staff,
            now=app.config["FROZEN_NOW"],
            filename="收据.png",
            content_type="image/png",
            data=SCAN,
            sha256=hashlib.sha256(SCAN).hexdigest(),
        )
        db.session.commit()
    desk.step(
        f"{bank}-a", case_id, "verify", finding="substantiated", facts="调阅监控，王丽所述属实。"
    )
    desk.step(
        f"{bank}-a",
        case_id,
        "forward_down",
        unit_id=desk.province.unit(outlet).id,
    )
    desk.step(
        outlet,
        case_id,
        "final_reply",
        result="已向王丽致歉。",
        told_at="2026-11-23T09:50",
        told_how="phone",
        reaction="客户王丽表示接受",
    )
    desk.step(f"{bank}-a", case_id, "report", summary="处理完毕。")
    desk.step("assoc-staff", case_id, "close", note="同意办结")
    return case_id


def freeze(app) -> int:
    with app.app_context():
        frozen = archive_ops.freeze_due(app.config["FROZEN_NOW"])
        db.session.commit()
        return frozen


def test_closing_gives_one_number_and_the_freeze_issues_hashed_files(desk, app):
    case_id = closed_case(desk, app)
    with app.app_context():
        archives = db.session.scalars(select(CaseArchive)).all()
        assert [(a.complaint_id, a.archive_no) for a in archives] == [(case_id, "LNYX-2026-000001")]
        (due,) = db.session.scalars(select(Dossier)).all()
        assert (due.state, due.version, due.pdf_sha256) == ("due", 1, None)

    staff = desk.as_("assoc-staff")
    piece = staff.get(f"/archives/cases/{case_id}", headers={"HX-Request": "true"})
    assert "LNYX-2026-000001" in piece.get_data(as_text=True)
    assert "待生成" in piece.get_data(as_text=True)
    assert staff.get(f"/archives/cases/{case_id}/dossier.pdf").status_code == 404  # not yet

    assert freeze(app) == 1
    with app.app_context():
        stored = db.session.scalars(select(Dossier)).one()
        hashes = (stored.pdf_sha256, stored.zip_sha256, stored.frozen_at)
        assert stored.attachment_count == 1

    pdf = staff.get(f"/archives/cases/{case_id}/dossier.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "no-store" in pdf.headers["Cache-Control"]
    assert hashlib.sha256(pdf.data).hexdigest() == hashes[0]
    packed = staff.get(f"/archives/cases/{case_id}/dossier.zip")
    assert packed.status_code == 200 and "no-store" in packed.headers["Cache-Control"]
    assert hashlib.sha256(packed.data).hexdigest() == hashes[1]
    with zipfile.ZipFile(io.BytesIO(packed.data)) as inside:
        names = inside.namelist()
        assert names == ["LNYX-2026-000001-v1.pdf", "附件/01-收据.png", "SHA256SUMS.txt"]
        assert inside.read("LNYX-2026-000001-v1.pdf") == pdf.data
        assert inside.read("附件/01-收据.png") == SCAN
        assert hashlib.sha256(SCAN).hexdigest() in inside.read("SHA256SUMS.txt").decode()

    # Downloads are recorded.
    with app.app_context():
        recorded = db.session.scalars(
            select(AuditEntry.changes).where(AuditEntry.action == "dossier_downloaded")
        ).all()
        assert [c["file"] for c in recorded] == ["pdf", "zip"]

    # A second freeze, and a return visit after the closure, change nothing issued.
    app.config["FROZEN_NOW"] = app.config["FROZEN_NOW"] + timedelta(days=1)
    desk.step("assoc-staff", case_id, "return_visit", satisfaction="satisfied", comment="满意")
    assert freeze(app) == 0
    with app.app_context():
        stored = db.session.scalars(select(Dossier)).one()
        assert (stored.pdf_sha256, stored.zip_sha256, stored.frozen_at) == hashes
        assert db.session.scalar(select(func.count()).select_from(CaseArchive)) == 1
        with pytest.raises(RuntimeError):
            stored.pdf = b"%PDF-forged"
            db.session.flush()
        db.session.rollback()
    assert (
        hashlib.sha256(staff.get(f"/archives/cases/{case_id}/dossier.pdf").data).hexdigest()
        == hashes[0]
    )

    # The case page loads the archive piece; the list shows the dossier.
    page = staff.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/archives/cases/{case_id}" in page
    listing = staff.get("/archives").get_data(as_text=True)
    assert "LNYX-2026-000001" in listing


def test_another_banks_dossier_is_not_found(desk, app):
    case_id = closed_case(desk, app)
    freeze(app)
    for who, status in (("bank1-a", 200), ("bank1-leader", 200), ("bank2-a", 404)):
        client = desk.as_(who)
        for url in (
            f"/archives/cases/{case_id}",
            f"/archives/cases/{case_id}/dossier.pdf",
            f"/archives/cases/{case_id}/dossier.zip",
        ):
            assert client.get(url).status_code == status, (who, url)
        listing = client.get("/archives").get_data(as_text=True)
        assert ("LNYX-2026-000001" in listing) is (status == 200)
    # A version that does not exist, and a bad one, are 404 too.
    client = desk.as_("bank1-a")
    assert client.get(f"/archives/cases/{case_id}/dossier.pdf?version=2").status_code == 404
    assert client.get(f"/archives/cases/{case_id}/dossier.pdf?version=x").status_code == 404
    # The export is the association's.
    assert client.get("/archives/export/2026H1.zip").status_code == 403


def _figures(app):
    from portal.statistics import queries
    from portal.statistics.rules import parse_period

    with app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        return queries.overview(staff, parse_period("2026H2"))


def test_erase_expired_removes_personal_data_and_keeps_the_statistics(desk, app):
    case_id = closed_case(desk, app)
    freeze(app)
    before = _figures(app)

    # Five years later to the day the case is kept; a day after, it is erased.
    app.config["FROZEN_NOW"] = at("2031-11-23", 10)
    dry = app.test_cli_runner().invoke(args=["archives", "erase-expired", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "0 case(s)" in dry.output
    app.config["FROZEN_NOW"] = at("2031-11-24", 10)
    dry = app.test_cli_runner().invoke(args=["archives", "erase-expired", "--dry-run"])
    assert "1 case(s) and 1 dossier(s) would be erased" in dry.output
    with app.app_context():
        assert db.session.get(Complaint, case_id).complainant_name == "王丽"  # dry: nothing
    done = app.test_cli_runner().invoke(args=["archives", "erase-expired"])
    assert done.exit_code == 0, done.output
    assert "1 case(s) and 1 dossier(s) erased" in done.output

    with app.app_context():
        case = db.session.get(Complaint, case_id)
        assert case.complainant_name == ERASED
        assert (case.mobile_enc, case.mobile_hash, case.mobile_masked, case.address) == (
            None,
            None,
            None,
            None,
        )
        assert case.facts == ERASED and case.demand == ERASED
        events = db.session.scalars(
            select(ComplaintEvent).where(ComplaintEvent.complaint_id == case_id)
        ).all()
        assert all("王丽" not in (e.note or "") + str(e.detail) for e in events)
        assert {e.action for e in events} >= {"registered", "verified", "closed"}
        attachment = db.session.scalars(select(Attachment)).one()
        assert attachment.data == b"" and attachment.sha256 == hashlib.sha256(SCAN).hexdigest()
        dossier = db.session.scalars(select(Dossier)).one()
        assert dossier.state == "erased" and dossier.pdf is None and dossier.zip is None
        assert dossier.pdf_sha256 is not None  # the hash of what was erased stays
        assert db.session.scalars(select(CaseArchive)).one().erased_at is not None
        runs = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "archive_personal_data_erased")
        ).all()
        assert len(runs) == 1 and runs[0].changes["cases"] == 1
    assert _figures(app) == before
    staff = desk.as_("assoc-staff")
    assert staff.get(f"/archives/cases/{case_id}/dossier.pdf").status_code == 404
    assert "已按保存期限删除个人信息" in staff.get(f"/archives/cases/{case_id}").get_data(
        as_text=True
    )
    # A second run finds nothing left to erase.
    again = app.test_cli_runner().invoke(args=["archives", "erase-expired"])
    assert "0 case(s)" in again.output


def test_the_half_year_export_holds_an_index_and_every_dossier(desk, app):
    first = closed_case(desk, app)
    second = closed_case(desk, app, outlet="bank2-outlet1", bank="bank2")
    freeze(app)
    staff = desk.as_("assoc-staff")
    # 2026H2 is not over on 23 November 2026.
    assert staff.get("/archives/export/2026H2.zip").status_code == 404
    assert staff.get("/archives/export/2026H9.zip").status_code == 404
    app.config["FROZEN_NOW"] = at("2027-01-04", 9)
    page = staff.get("/archives").get_data(as_text=True)
    assert "/archives/export/2026H2.zip" in page
    response = staff.get("/archives/export/2026H2.zip")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    exported = response.data
    response.close()  # a streamed answer keeps its request context until closed
    with app.app_context():
        stored = {
            d.complaint_id: (d.archive.archive_no, d.pdf_sha256, d.zip_sha256)
            for d in db.session.scalars(select(Dossier))
        }
    with zipfile.ZipFile(io.BytesIO(exported)) as bundle:
        names = bundle.namelist()
        assert names[0] == "archive-2026H2-index.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(bundle.read(names[0])))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[0][0] == "档案编号"
        listed = {row[0]: row for row in rows[1:]}
        assert set(stored) == {first, second}, (stored, first, second)
        for case_id in (first, second):
            number, pdf_hash, zip_hash = stored[case_id]
            assert listed[number][11] == pdf_hash and listed[number][12] == zip_hash
            inner = bundle.read(f"2026H2/{number}-v1.zip")
            assert hashlib.sha256(inner).hexdigest() == zip_hash
    # The CLI writes the same kind of file.
    result = app.test_cli_runner().invoke(
        args=["archives", "export", "2026H2", "--out", "/dev/null"]
    )
    assert result.exit_code == 0 and "2 dossier(s)" in result.output


def test_the_retention_setting_is_the_association_administrators_and_audited(desk, app):
    admin = desk.as_("assoc-admin")
    assert admin.get("/archives/settings").status_code == 200
    assert desk.as_("assoc-staff").get("/archives/settings").status_code == 403
    assert admin.post("/archives/settings", data={"retention_years": "0"}).status_code == 422
    assert admin.post("/archives/settings", data={"retention_years": "x"}).status_code == 422
    assert admin.post("/archives/settings", data={"retention_years": "7"}).status_code == 200
    with app.app_context():
        assert archive_ops.retention_years() == 7
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "archive_retention_changed")
        ).one()
        assert entry.changes == {"retention_years": [5, 7]}
