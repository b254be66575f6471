"""Intake that is hard to get wrong (role-first screens, point 6): every problem in one
round, an error summary that lists and links the fields, required fields marked, chosen
files kept across a refused submission, the repeat panel only when it has something
to say."""

import io
import re

from sqlalchemy import func, select
from support import sign_in
from test_complaint_forms import EXE, JPEG, NOW, counts, intake

from portal.complaints.models import Attachment, PendingUpload
from portal.db import db


def _upload(client, filename, data):
    return client.post(
        "/cases/uploads",
        data={"attachments": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )


def _kept_ids(html: str) -> list[str]:
    return re.findall(r'name="upload_id" value="(\d+)"', html)


def test_every_problem_comes_in_one_round_with_a_linked_summary(app, province):
    app.config["FROZEN_NOW"] = NOW
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    before = counts(app)
    # A form error (no name), a database check (no such outlet), a clock check (received
    # tomorrow) and a category not chosen: all four at once, not one round each.
    response = staff.post(
        "/cases/new",
        data=intake(
            province,
            app,
            complainant_name="",
            outlet_id=999999,
            received_at="2026-11-24T09:00",
            category_id="0",
        ),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[html.index('data-testid="error-summary"') :].split("</div>")[0]
    assert "请修改以下 4 处后重新提交" in summary
    for anchor, text in (
        ("#complainant_name", "请填写投诉人姓名"),
        ("#outlet", "请从列表中选择"),
        ("#received_at", "不能晚于现在"),
        ("#category_id", "请选择投诉类别"),
    ):
        assert re.search(rf'<a href="{anchor}">[^<]+</a>：[^<]*{text}', summary), anchor
    assert counts(app) == before


def test_required_fields_are_marked(app, province):
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    html = staff.get("/cases/new").get_data(as_text=True)
    for name in ("complainant_name", "facts", "demand", "received_at"):
        label = re.search(rf'<label for="{name}">(.*?)</label>', html, re.S).group(1)
        assert 'class="required"' in label, name
        assert re.search(rf'id="{name}"[^>]*aria-required="true"', html) or re.search(
            rf'aria-required="true"[^>]*id="{name}"', html
        ), name
    outlet = re.search(r'<label for="outlet">(.*?)</label>', html, re.S).group(1)
    assert 'class="required"' in outlet
    # Optional fields carry no mark.
    staff_label = re.search(r'<label for="staff">(.*?)</label>', html, re.S).group(1)
    assert "required" not in staff_label


def test_chosen_files_survive_a_refused_submission(app, province):
    app.config["FROZEN_NOW"] = NOW
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    kept = _upload(staff, "现场照片.jpg", JPEG)
    assert kept.status_code == 200
    ids = _kept_ids(kept.get_data(as_text=True))
    assert len(ids) == 1 and "现场照片.jpg" in kept.get_data(as_text=True)
    # The worksheet is refused for a missing name: the file stays on it, by its id.
    form = intake(province, app, complainant_name="")
    form["upload_id"] = ids
    refused = staff.post("/cases/new", data=form)
    assert refused.status_code == 422
    assert _kept_ids(refused.get_data(as_text=True)) == ids
    assert "现场照片.jpg" in refused.get_data(as_text=True)
    # Corrected and sent again: the file becomes the complaint's attachment.
    form["complainant_name"] = "张敏"
    registered = staff.post("/cases/new", data=form)
    assert registered.status_code == 302
    case_id = int(registered.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        attachment = db.session.scalar(select(Attachment).where(Attachment.complaint_id == case_id))
        assert attachment.filename == "现场照片.jpg" and attachment.data == JPEG
        assert db.session.scalar(select(func.count()).select_from(PendingUpload)) == 0


def test_a_refused_file_is_said_and_nothing_is_kept(app, province):
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    refused = _upload(staff, "photo.jpg", EXE)
    assert refused.status_code == 422 and "只接受" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PendingUpload)) == 0


def test_nobody_claims_anothers_kept_file(app, province):
    app.config["FROZEN_NOW"] = NOW
    staff, admin = app.test_client(), app.test_client()
    sign_in(staff, "assoc-staff")
    sign_in(admin, "assoc-admin")
    ids = _kept_ids(_upload(staff, "现场照片.jpg", JPEG).get_data(as_text=True))
    form = intake(province, app)
    form["upload_id"] = ids
    # Another desk sending that id registers its complaint without the file ...
    response = admin.post("/cases/new", data=form)
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Attachment)
                .where(Attachment.complaint_id == case_id)
            )
            == 0
        )
        # ... and the file is still waiting for the one who chose it.
        assert db.session.scalar(select(func.count()).select_from(PendingUpload)) == 1


def test_the_repeat_panel_is_silent_without_candidates(app, province):
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    piece = staff.post(
        "/cases/repeats", data={"mobile": "13700009999"}, headers={"HX-Request": "true"}
    )
    html = piece.get_data(as_text=True)
    assert 'id="repeat-suggestions"' in html and "card" not in html and "<p" not in html


def test_files_never_registered_are_dropped_by_the_sweep_after_a_day(app, province):
    from datetime import timedelta

    from portal.jobs.sweep import run_sweep

    app.config["FROZEN_NOW"] = NOW
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    assert _upload(staff, "现场照片.jpg", JPEG).status_code == 200
    with app.app_context():
        assert run_sweep(NOW + timedelta(hours=23))["uploads_dropped"] == 0
        assert run_sweep(NOW + timedelta(hours=25))["uploads_dropped"] == 1
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PendingUpload)) == 0
