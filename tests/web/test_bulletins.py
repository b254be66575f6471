"""The bulletin and the statistics screens through the test client: draft → preview job
→ publish → member download counted; corrections; annexes; dashboards; Excel; CLI."""

import hashlib
import subprocess
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from statistics_support import build_statistics_data
from support import make_case, sign_in

from portal.bulletins import jobs
from portal.bulletins.models import Bulletin, BulletinDownload, Job
from portal.complaints.models import Complaint
from portal.db import db
from portal.notify.models import Notification

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _testid(html, name):
    return html.split(f'data-testid="{name}">', 1)[1].split("<", 1)[0]


def _published_bulletin(staff_id) -> int:
    """A published 2026H1 bulletin with a stand-in PDF (the annexes do not read it)."""
    bulletin = Bulletin(
        period="2026H1",
        version=1,
        state="published",
        title="通报",
        created_by_id=staff_id,
        pdf=b"%PDF-x",
        sha256="0" * 64,
        published_at=NOW,
    )
    db.session.add(bulletin)
    db.session.commit()
    return bulletin.id


def _work(app):
    with app.app_context():
        return jobs.work(lambda: NOW)


def _draft(app, client, period="2026H1"):
    response = client.post("/bulletins", data={"period": period})
    assert response.status_code == 303, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_draft_preview_publish_and_member_download(app, province, tmp_path):
    app.config["FROZEN_NOW"] = NOW
    with app.app_context():
        ids = build_statistics_data(province)
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    bulletin_id = _draft(app, staff)
    page = staff.get(f"/bulletins/{bulletin_id}")
    assert page.status_code == 200 and "LN2026-900000" in page.get_data(as_text=True)
    saved = staff.post(
        f"/bulletins/{bulletin_id}",
        data={"overview": "上半年投诉平稳。", "advice": "加强培训。", "typical": [str(ids[0])]},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and 'id="bulletin-' in saved.get_data(as_text=True)
    assert "<html" not in saved.get_data(as_text=True)  # the piece alone

    started = staff.post(f"/bulletins/{bulletin_id}/preview", headers={"HX-Request": "true"})
    assert started.status_code == 202 and 'data-state="queued"' in started.get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in started.get_data(as_text=True)  # polls its progress
    assert _work(app) == 1
    with app.app_context():
        job_id = db.session.scalar(select(func.max(Job.id)))
    status = staff.get(f"/bulletins/jobs/{job_id}", headers={"HX-Request": "true"})
    assert 'data-state="done"' in status.get_data(as_text=True)
    preview = staff.get(f"/bulletins/{bulletin_id}/preview.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")

    assert staff.post(f"/bulletins/{bulletin_id}/publish").status_code == 202
    _work(app)
    with app.app_context():
        bulletin = db.session.get(Bulletin, bulletin_id)
        assert bulletin.is_published
        first_sha = bulletin.sha256
        notified = db.session.scalar(select(func.count()).select_from(Notification))
        assert notified == 6  # admin, handler and leader of each of the two members
    member = app.test_client()
    sign_in(member, "bank1-a")
    assert "2026年上半年" in member.get("/bulletins").get_data(as_text=True)
    download = member.get(f"/bulletins/{bulletin_id}/download")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == first_sha
    (tmp_path / "b.pdf").write_bytes(download.data)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "2026H1" in text and "第1银行辽宁省分行" in text and "第2银行辽宁省分行" in text
    with app.app_context():
        counted = db.session.execute(
            select(BulletinDownload.member_id, func.count()).group_by(BulletinDownload.member_id)
        ).all()
        assert counted == [(province.unit("bank1").id, 1)]
    detail = staff.get(f"/bulletins/{bulletin_id}").get_data(as_text=True)
    assert 'data-testid="downloads">第1银行辽宁省分行: 1<' in detail

    # A second publish is a new version with a change note; the first stays as it was.
    assert staff.post(f"/bulletins/{bulletin_id}/publish").status_code == 422
    corrected = staff.post(f"/bulletins/{bulletin_id}/correct")
    second_id = int(corrected.headers["Location"].rsplit("/", 1)[1])
    assert staff.post(f"/bulletins/{second_id}/publish").status_code == 422  # no note
    assert (
        staff.post(
            f"/bulletins/{second_id}/publish", data={"change_note": "更正满意率"}
        ).status_code
        == 202
    )
    _work(app)
    with app.app_context():
        first, second = db.session.get(Bulletin, bulletin_id), db.session.get(Bulletin, second_id)
        assert first.sha256 == first_sha == hashlib.sha256(first.pdf).hexdigest()
        assert (second.version, second.supersedes_id, second.change_note) == (
            2,
            bulletin_id,
            "更正满意率",
        )
        assert second.is_published


def test_annexes_are_each_members_own(app, province):
    with app.app_context():
        build_statistics_data(province)
        staff_id = province.user("assoc-staff").id
        bulletin_id = _published_bulletin(staff_id)
    member = app.test_client()
    sign_in(member, "bank1-a")
    own = member.get(f"/bulletins/{bulletin_id}/annex/{province.unit('bank1').id}")
    assert own.status_code == 200
    sheets = load_workbook(BytesIO(own.data))
    rows = list(sheets["会员单位"].values)
    assert [r[0] for r in rows[1:]] == ["第1银行辽宁省分行"]
    assert (
        member.get(f"/bulletins/{bulletin_id}/annex/{province.unit('bank2').id}").status_code == 404
    )


def test_bad_period_is_refused_with_422(app, province):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    response = client.post("/bulletins", data={"period": "2026H3"})
    assert response.status_code == 422 and "2026H1" in response.get_data(as_text=True)
    assert client.get("/statistics?period=bad").status_code == 422


def test_a_period_with_a_percent_sign_is_refused_with_a_message_not_a_500(app, province):
    # Found by the fuzz suite: the refusal once quoted the input into a translated string.
    client = app.test_client()
    sign_in(client, "assoc-staff")
    for period in ("%", "20%s", "%(x)s"):
        response = client.post("/bulletins", data={"period": period})
        assert response.status_code == 422, period
        assert "期间格式应为 2026H1 或 2026H2" in response.get_data(as_text=True)


def _drafts(period="2026H1") -> list[int]:
    return db.session.scalars(
        select(Bulletin.version).where(Bulletin.period == period, Bulletin.state == "draft")
    ).all()


def test_a_second_draft_of_a_period_is_refused_with_409(app, province):
    client = app.test_client()
    sign_in(client, "assoc-staff")
    _draft(app, client)
    response = client.post("/bulletins", data={"period": "2026H1"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "2026H1 已有草稿（第1版）" in html
    assert 'id="bulletin-list"' in html and "<html" not in html  # the list piece, swapped in
    with app.app_context():
        assert _drafts() == [1]
    client.set_cookie("lang", "en")
    english = client.post("/bulletins", data={"period": "2026H1"}).get_data(as_text=True)
    assert "2026H1 has a draft already (version 1)" in english


def test_the_loser_of_a_race_for_the_period_draft_gets_409_not_500(app, province):
    """Another request saves the period's draft between this one's check and its insert
    (played here by a second connection just before the INSERT): the unique index
    refuses the second draft, and the request answers with the first one."""
    staff_id = province.user("assoc-staff").id
    with app.app_context():
        engine = db.engine

        def competitor(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("INSERT INTO BULLETIN ") and not raced:
                raced.append(True)
                with engine.connect() as other:
                    other.execute(
                        Bulletin.__table__.insert().values(
                            period="2026H1",
                            version=1,
                            state="draft",
                            title="通报",
                            created_by_id=staff_id,
                            created_at=NOW,
                            updated_at=NOW,
                        )
                    )
                    other.commit()

    raced: list[bool] = []
    client = app.test_client()
    sign_in(client, "assoc-staff")
    event.listen(engine, "before_cursor_execute", competitor)
    try:
        response = client.post("/bulletins", data={"period": "2026H1"})
    finally:
        event.remove(engine, "before_cursor_execute", competitor)
    assert raced, "the competing draft was not inserted"
    assert response.status_code == 409, response.status_code
    assert "2026H1 已有草稿（第1版）" in response.get_data(as_text=True)
    with app.app_context():
        assert _drafts() == [1]
        # The page still works after the refused insert.
    assert client.get("/bulletins").status_code == 200


def test_the_database_holds_one_draft_per_period(app, province):
    staff_id = province.user("assoc-staff").id
    with app.app_context():
        _published_bulletin(staff_id)  # 2026H1 v1, published

        def add(version, state, period="2026H1"):
            db.session.add(
                Bulletin(
                    period=period,
                    version=version,
                    state=state,
                    title="通报",
                    created_by_id=staff_id,
                )
            )
            db.session.flush()

        add(2, "draft")  # the correction's draft beside the published version
        add(1, "draft", period="2026H2")  # another period's draft
        db.session.commit()
        with pytest.raises(IntegrityError):
            add(3, "draft")  # a second draft of 2026H1, even with its own version number
        db.session.rollback()
        assert _drafts() == [2]


def test_dashboard_page_piece_links_and_excel(app, province):
    with app.app_context():
        build_statistics_data(province)
    client = app.test_client()
    sign_in(client, "assoc-leader")
    page = client.get("/statistics?period=2026H1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "<svg" in html
    assert 'data-testid="received">5<' in html
    assert html.count('data-testid="decisions">0<') == 2  # one cell per member row
    assert "/cases?state=all&amp;from=2026-01-01&amp;to=2026-06-30" in html
    piece = client.get("/statistics?period=2026H1", headers={"HX-Request": "true"})
    assert 'id="statistics-tables"' in piece.get_data(as_text=True)
    assert "<html" not in piece.get_data(as_text=True)
    bank2 = province.unit("bank2").id
    filtered = client.get(f"/statistics?period=2026H1&member={bank2}").get_data(as_text=True)
    assert 'data-testid="received">2<' in filtered  # cases 4 and 5 are about bank2
    # The filter's lists come when opened (issue 22); the chosen member is on the page.
    assert f'<option value="{bank2}" selected>' in filtered
    assert html.count("<option value=") == 2  # 全部, twice: no list built with the page
    members = client.get(f"/cases/filter-options/member?selected={bank2}")
    assert members.get_data(as_text=True).count("<option value=") == 3  # 全部 and two banks
    assert f'<option value="{bank2}" selected>' in members.get_data(as_text=True)
    main = client.get("/cases/filter-options/main-category").get_data(as_text=True)
    assert "›" not in main and main.count("<option value=") > 5
    member = app.test_client()
    sign_in(member, "bank1-a")
    own = member.get("/cases/filter-options/member").get_data(as_text=True)
    assert own.count("<option value=") == 2 and f'value="{bank2}"' not in own
    book = load_workbook(BytesIO(client.get("/statistics/export.xlsx?period=2026H1").data))
    assert book.sheetnames[:3] == ["当前未办结", "总体情况", "会员单位"]
    # The open-cases panel of the dashboard, as its own sheet, with the same numbers.
    panel = dict(list(book["当前未办结"].values)[1:])
    assert panel["当前未办结"] == int(_testid(html, "open-now"))
    assert panel["已超时"] == int(_testid(html, "breached"))
    assert list(book["会员单位"].values)[0][-1] == "问责决定"
    assert list(book["总体情况"].values)[1] == ("受理投诉", 5)
    rows = list(book["总体情况"].values)
    assert ("受理平均工作日", 1.33) in rows, [r for r in rows if "工作日" in r[0]]


def test_member_dashboard_is_scoped(app, province):
    with app.app_context():
        build_statistics_data(province)
    client = app.test_client()
    sign_in(client, "bank1-a")
    html = client.get("/statistics?period=2026H1").get_data(as_text=True)
    assert "第1银行辽宁省分行" in html and "第2银行辽宁省分行" not in html
    assert client.get(f"/statistics?member={province.unit('bank2').id}").status_code == 404


def test_cli_builds_the_current_draft(app, province, tmp_path):
    from portal.auth.models import User
    from portal.bulletins import operations
    from portal.statistics.rules import parse_period

    with app.app_context():
        build_statistics_data(province)
        operations.create_draft(
            parse_period("2026H1"),
            actor=db.session.get(User, province.user("assoc-staff").id),
            now=NOW,
        )
        db.session.commit()
    out = tmp_path / "out.pdf"
    result = app.test_cli_runner().invoke(args=["bulletin", "build", "2026H1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    missing = app.test_cli_runner().invoke(args=["bulletin", "build", "2025H1", "--out", str(out)])
    assert missing.exit_code != 0 and "no draft" in missing.output


def test_dashboard_numbers_equal_the_case_lists_they_link_to(app, province):
    import html as htmllib
    import re

    with app.app_context():
        build_statistics_data(province)
    client = app.test_client()
    sign_in(client, "assoc-leader")
    page = client.get("/statistics?period=2026H1").get_data(as_text=True)
    links = re.findall(
        r'<a class="stat link[^"]*" href="([^"]+)"><span class="num"[^>]*>(\d+)<', page
    )
    links += re.findall(r'<td><a href="(/cases[^"]+)">(\d+)</a></td>', page)
    assert len(links) >= 12
    for href, number in links:
        listed = client.get(htmllib.unescape(href)).get_data(as_text=True).count('id="case-row-')
        assert listed == int(number), (href, number, listed)


def test_the_association_annex_holds_every_member_and_decision(app, province):
    with app.app_context():
        build_statistics_data(province)
        bulletin_id = _published_bulletin(province.user("assoc-staff").id)
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    response = staff.get(f"/bulletins/{bulletin_id}/annex.xlsx")
    assert response.status_code == 200
    sheets = load_workbook(BytesIO(response.data))
    assert [r[0] for r in list(sheets["会员单位"].values)[1:]] == [
        "第1银行辽宁省分行",
        "第2银行辽宁省分行",
    ]
    assert {"会员单位平均工作日", "责任追究"} <= set(sheets.sheetnames)
    member = app.test_client()
    sign_in(member, "bank1-a")
    assert member.get(f"/bulletins/{bulletin_id}/annex.xlsx").status_code == 404


def test_dashboard_figures_are_stored_per_view_and_refreshed(make_app, province):
    """The period figures come from a stored snapshot while it is young enough (the
    page says when they were computed); the refresh command and age renew them; the
    "open now" counts are live."""
    from portal.statistics.models import StatisticsSnapshot

    app = make_app(FROZEN_NOW=NOW)
    with app.app_context():
        build_statistics_data(province)
    client = app.test_client()
    sign_in(client, "assoc-leader")
    page = client.get("/statistics?period=2026H1").get_data(as_text=True)
    assert 'data-testid="received">5<' in page and 'data-testid="computed-at"' in page
    assert 'data-testid="open-now">2<' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatisticsSnapshot)) == 1
    make_case(app, province, state="registered")  # received now, in 2026H2; open
    with app.app_context():  # a case received in 2026H1 arrives late
        case = db.session.get(Complaint, make_case(app, province, state="registered"))
        case.received_on = date(2026, 3, 3)
        db.session.commit()
    page = client.get("/statistics?period=2026H1").get_data(as_text=True)
    assert 'data-testid="received">5<' in page  # the stored figures
    assert 'data-testid="open-now">4<' in page  # live
    result = app.test_cli_runner().invoke(args=["statistics", "refresh"])
    assert result.exit_code == 0 and "1 dashboard view(s)" in result.output
    assert 'data-testid="received">6<' in client.get("/statistics?period=2026H1").get_data(
        as_text=True
    )
    live = make_app(FROZEN_NOW=NOW, STATISTICS_MAX_AGE=0)
    with live.app_context():
        case = db.session.get(Complaint, make_case(live, province, state="registered"))
        case.received_on = date(2026, 3, 4)
        db.session.commit()
    other = live.test_client()
    sign_in(other, "assoc-leader")
    assert 'data-testid="received">7<' in other.get("/statistics?period=2026H1").get_data(
        as_text=True
    )
