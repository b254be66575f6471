"""The public status page /track: a complainant follows their case with its tracking
number and the last four digits of their mobile, without signing in (issue 24)."""

import shutil
import subprocess

import pytest
from sqlalchemy import select
from support import NOW, make_case, sign_in
from track_support import (
    LAST_FOUR,
    PRIVATE,
    closed_case,
    qr_modules_on_page,
    tracking_no,
    without_csrf,
)

from portal.db import db
from portal.tracking.models import TrackLookup


def look(client, number, digits=LAST_FOUR):
    return client.post("/track", data={"tracking_no": number, "last_four": digits})


def test_the_form_is_public_and_chinese_first_with_the_language_switch(client, province):
    page = client.get("/track")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "查询投诉办理进度" in text and "手机号后四位" in text
    assert "/lang/en?next=/track" in text  # the portal's own switch
    assert "024-22532961" in text  # Art. 5 contacts
    client.set_cookie("lang", "en")
    english = client.get("/track").get_data(as_text=True)
    assert "Track your complaint" in english and "Last four digits" in english


def test_the_right_pair_shows_the_stage_the_deadline_and_nothing_personal(app, desk):
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    number = tracking_no(app, case_id)
    anonymous = app.test_client()
    # Lower case and spaces are accepted.
    page = look(anonymous, "  " + number.lower().replace("-", " - ") + " ", " 12 34 ")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[-1500:]
    assert number in text
    assert "已转交银行" in text and "等待银行受理" in text
    assert "第1银行辽宁省分行" in text  # the bank's name may be shown
    # Forwarded on Monday 23 November: accepted by the end of the next working day.
    assert "2026年11月24日" in text and "剩 1 个工作日" in text
    assert "<details" in text and "期限是怎样算出来的" in text
    for private in (*PRIVATE, "bank1-a", "assoc-staff", "和平支行"):
        assert private not in text, private
    assert LAST_FOUR not in without_csrf(text).replace(number, "")


def test_a_progress_report_shows_the_promised_date(app, desk):
    case_id = desk.register()
    desk.to_outlet(case_id)
    desk.step("bank1-outlet1", case_id, "progress", promised_on="2026-11-30", summary="正在调查。")
    text = look(app.test_client(), tracking_no(app, case_id)).get_data(as_text=True)
    assert "银行处理中" in text and "承诺在下列日期前再次答复您" in text
    assert "2026年11月30日" in text and "正在调查" not in text


def test_a_closed_case_reads_closed(app, desk):
    case_id = closed_case(desk)
    text = look(app.test_client(), tracking_no(app, case_id)).get_data(as_text=True)
    assert "已办结" in text and "协会可能会回访您" in text
    for private in PRIVATE:
        assert private not in text, private


def test_a_wrong_pair_answers_exactly_like_an_unknown_number(app, desk):
    case_id = desk.register()
    number = tracking_no(app, case_id)
    wrong = look(app.test_client(), number, "9999")
    unknown = look(app.test_client(), "LN2026-999999", "9999")
    unknown_same_digits = look(app.test_client(), "LN2026-999999", LAST_FOUR)
    assert wrong.status_code == unknown.status_code == unknown_same_digits.status_code == 200
    bodies = {without_csrf(r.get_data(as_text=True)) for r in (wrong, unknown, unknown_same_digits)}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "没有查到" in body
    assert number not in body and "999999" not in body and "9999" not in body
    assert dict(wrong.headers).keys() == dict(unknown.headers).keys()


def test_a_case_without_a_mobile_cannot_be_looked_up(app, province):
    app.config["FROZEN_NOW"] = NOW
    case_id = make_case(app, province, mobile=None)
    number = tracking_no(app, case_id)
    for digits in ("0000", "****"[:0] + "1111"):
        text = look(app.test_client(), number, digits).get_data(as_text=True)
        assert "没有查到" in text


def test_malformed_input_is_refused_with_a_message(client, province):
    answer = look(client, "12345", "12a4")
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "LN2026-000123" in text and "4 位数字" not in text  # the first problem first
    answer = look(client, "LN2026-000001", "12a4")
    assert answer.status_code == 422 and "4 位数字" in answer.get_data(as_text=True)


def test_the_number_is_throttled_across_app_servers(app, make_app, desk):
    case_id = desk.register()
    number = tracking_no(app, case_id)
    other = make_app(FROZEN_NOW=app.config["FROZEN_NOW"])
    clients = [app.test_client(), other.test_client()]
    for attempt in range(5):  # 5 per quarter of an hour, wherever they land
        assert look(clients[attempt % 2], number, "0000").status_code == 200
    refused = look(clients[1], number)  # even the right pair now waits
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "查询过于频繁" in refused.get_data(as_text=True)
    assert LAST_FOUR not in refused.get_data(as_text=True)
    # Another number from the same address is not held up by this one.
    assert look(clients[0], "LN2026-999999").status_code == 200


def test_an_address_is_throttled_per_minute(make_app, province):
    app = make_app(FROZEN_NOW=NOW, TRACK_LIMIT_PER_MINUTE=3)
    client = app.test_client()
    answers = [look(client, f"LN2026-00010{n}", "1111").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]
    # The next minute's window lets it in again.
    app.config["FROZEN_NOW"] = NOW.replace(minute=1)
    assert look(client, "LN2026-000200", "1111").status_code == 200


def test_every_look_up_is_recorded_and_the_case_page_counts_them(app, desk):
    app.config["TRACK_LIMIT_PER_NUMBER"] = 2
    case_id = desk.register()
    number = tracking_no(app, case_id)
    client = app.test_client()
    look(client, number)
    look(client, number, "0000")
    look(client, number)  # the third within the quarter: throttled
    with app.app_context():
        rows = db.session.execute(
            select(TrackLookup.outcome, TrackLookup.tracking_no, TrackLookup.complaint_id).order_by(
                TrackLookup.id
            )
        ).all()
        addresses = set(db.session.scalars(select(TrackLookup.client_address)))
    assert [tuple(r) for r in rows] == [
        ("found", number, case_id),
        ("not_found", number, None),
        ("throttled", number, None),
    ]
    assert addresses == {"127.0.0.1"}
    piece = desk.as_("assoc-staff").get(
        f"/tracking/cases/{case_id}", headers={"HX-Request": "true"}
    )
    assert piece.status_code == 200
    assert "客户在线查询 1 次，最近 2026年11月23日 10:00" in piece.get_data(as_text=True)
    page = desk.as_("assoc-staff").get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/tracking/cases/{case_id}" in page  # the case page loads the piece


def test_the_piece_is_scoped_like_the_case(app, desk):
    case_id = desk.register()  # at the association: bank 2 does not see it
    other = app.test_client()
    sign_in(other, "bank2-a")
    assert other.get(f"/tracking/cases/{case_id}").status_code == 404


def test_the_worksheet_prints_the_track_address(app, desk):
    case_id = desk.register()
    text = desk.as_("assoc-staff").get(f"/cases/{case_id}/worksheet").get_data(as_text=True)
    assert "查询办理进度：http://127.0.0.1:5000/track（投诉编号 + 手机号后四位）" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_art_4_notice_carries_a_qr_code_to_track(app, client, province, tmp_path):
    import segno

    from portal.orgs.models import Unit
    from portal.orgs.operations import update_unit

    with app.app_context():
        unit = db.session.get(Unit, province.unit("bank1-outlet1").id)
        update_unit(
            unit,
            actor=None,
            now=NOW,
            in_campaign=True,
            complaint_phone="024-81111111",
            system_phone="95588",
        )
        db.session.commit()
    sign_in(client, "bank1-outlet1")
    response = client.get(f"/units/{province.unit('bank1-outlet1').id}/notice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "http://127.0.0.1:5000/track" in text
    assert "扫码查询投诉办理进度" in text.replace(" ", "")
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:           1" in pages  # the QR code still fits the one A4 page
    # The code drawn on the page is the one of the /track address, module for module.
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    for url, same in (("http://127.0.0.1:5000/track", True), ("http://127.0.0.1:5000/x", False)):
        matrix = [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]
        assert (qr_modules_on_page(tmp_path / "page.png", len(matrix)) == matrix) is same


def test_look_ups_work_behind_the_wall_without_an_all_banks_role(make_app, app, desk):
    """PostgreSQL without PORTAL_ALL_BANKS_ROLE: the public page reads and records
    through the wall's bounds alone (migration 7a1c3e5f9b20's policies)."""
    case_id = desk.register()
    number = tracking_no(app, case_id)
    bare = make_app(FROZEN_NOW=app.config["FROZEN_NOW"], DATABASE_ALL_BANKS_ROLE=None)
    client = bare.test_client()
    assert "已登记" in look(client, number).get_data(as_text=True)
    assert "没有查到" in look(client, "LN2026-999999").get_data(as_text=True)
    with app.app_context():
        outcomes = db.session.scalars(select(TrackLookup.outcome).order_by(TrackLookup.id))
        assert list(outcomes) == ["found", "not_found"]


def test_public_pages_ask_search_engines_to_stay_away(client):
    assert client.get("/track").headers["X-Robots-Tag"] == "noindex, nofollow"


def test_the_sweep_forgets_look_ups_after_half_a_year(app):
    from datetime import UTC, datetime, timedelta

    from portal.db import db
    from portal.tracking.models import NOT_FOUND, TrackLookup
    from portal.tracking.status import purge_look_ups

    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    with app.app_context():
        for days in (200, 10):
            db.session.add(TrackLookup(at=now - timedelta(days=days), outcome=NOT_FOUND))
        db.session.flush()
        assert purge_look_ups(now) == 1
        assert db.session.scalar(db.select(db.func.count(TrackLookup.id))) == 1
