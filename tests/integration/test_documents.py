"""Document numbers (GB/T 9704-2012 §7.2.4) and the official layout of the bulletin: a
number per year with no gap or duplicate, also when two hosts issue at once (PostgreSQL,
two connections); given once, at publication, never to a draft; printed in the PDF with
the mark, the date of issue in Chinese and the page numbers "— 1 —"."""

import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool
from statistics_support import build_statistics_data
from support import app_config, sign_in

from portal import create_app
from portal.auth.models import User
from portal.bulletins import jobs, operations, pdf
from portal.db import db
from portal.documents import operations as documents
from portal.documents.models import DocumentNumber
from portal.statistics.rules import parse_period

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 on 7 December, Beijing
H1 = parse_period("2026H1")


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_numbers_run_per_beijing_year_without_gaps_and_once_per_document(app, province):
    with app.app_context():
        first = documents.issue("bulletin", 1, now=NOW)
        second = documents.issue("notice", 7, now=NOW)
        again = documents.issue("notice", 7, now=NOW)  # the same document: its number
        # 2026-12-31 16:30 UTC is already 1 January 2027 in Beijing: a new year's sequence.
        new_year = documents.issue("regulator", 7, now=datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
        db.session.commit()
        assert (first.number, second.number) == ("辽银协〔2026〕1号", "辽银协〔2026〕2号")
        assert again.id == second.id
        assert (new_year.number, new_year.issued_on) == ("辽银协〔2027〕1号", date(2027, 1, 1))
        second.number = "改"
        with pytest.raises(RuntimeError, match="never changes"):
            db.session.flush()
        db.session.rollback()


def test_the_prefix_is_configurable(make_app, province):
    app = make_app(DOCUMENT_PREFIX="辽银协办")
    with app.app_context():
        assert documents.issue("bulletin", 1, now=NOW).number == "辽银协办〔2026〕1号"


def _draft(province):
    staff = db.session.get(User, province.user("assoc-staff").id)
    draft = operations.create_draft(H1, actor=staff, now=NOW)
    operations.update_draft(draft, now=NOW, overview="上半年投诉总体平稳。")
    return draft


def test_a_draft_has_no_number_and_its_preview_says_so(app, province, tmp_path):
    with app.app_context():
        build_statistics_data(province)
        draft = _draft(province)
        db.session.commit()
        jobs.enqueue(jobs.PREVIEW, {"bulletin_id": draft.id}, actor=None, now=NOW)
        db.session.commit()
        jobs.run(jobs.claim_next(NOW), NOW)
        assert db.session.scalar(select(DocumentNumber)) is None
        text = _pdf_text(db.session.get(type(draft), draft.id).preview_pdf, tmp_path)
    assert "辽宁省银行业协会文件" in text and "（发布时编号）" in text
    assert "辽银协〔" not in text


def test_publishing_gives_the_number_and_the_pdf_prints_it(app, province, tmp_path):
    with app.app_context():
        build_statistics_data(province)
        draft = _draft(province)
        staff = db.session.get(User, province.user("assoc-staff").id)
        job = jobs.enqueue(
            jobs.PUBLISH, {"bulletin_id": draft.id, "actor_id": staff.id}, actor=staff, now=NOW
        )
        db.session.commit()
        jobs.run(jobs.claim_next(NOW), NOW)
        bulletin = db.session.get(type(draft), job.payload["bulletin_id"])
        assert bulletin.is_published
        number = documents.number_of("bulletin", bulletin.id)
        assert number.number == "辽银协〔2026〕1号" and number.issued_on == date(2026, 12, 7)
        text = _pdf_text(bulletin.pdf, tmp_path)
    for expected in (
        "辽宁省银行业协会文件",
        "辽银协〔2026〕1号",
        "辽宁省银行业客户投诉情况通报",
        "各会员单位：",
        "2026年12月7日",
        "抄送：国家金融监督管理总局辽宁监管局",
        "按机构类型",
    ):
        assert expected in text, expected
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)
    assert "-0.0" not in text and "+0.0" not in text
    # The title is broken before the period label, never inside a word.
    assert re.search(r"情况通报\s*\n\s*（2026年上半年）", text)

    client = app.test_client()
    sign_in(client, "bank1-a")
    page = client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "辽银协〔2026〕1号" in page and "2026年12月7日" in page


def test_a_failed_publication_gives_its_number_back(app, province):
    with app.app_context():
        build_statistics_data(province)
        draft = _draft(province)
        staff = db.session.get(User, province.user("assoc-staff").id)
        db.session.commit()
        operations.issue_number(draft, actor=staff, now=NOW)
        db.session.rollback()  # the rendering failed: the job's transaction rolls back
        assert db.session.scalar(select(DocumentNumber)) is None
        assert documents.issue("notice", 3, now=NOW).seq == 1


def test_the_html_carries_the_configured_fonts(make_app, province):
    app = make_app(PDF_FONT_FANG="FZFangSong-Z02", PDF_FONT_SERIF="FZXiaoBiaoSong-B05")
    with app.app_context():
        build_statistics_data(province)
        html = pdf.render_html(pdf.build_context(_draft(province), _staff(province)))
    assert 'font-family: "FZFangSong-Z02"' in html
    assert '"FZXiaoBiaoSong-B05"' in html and '"Noto Serif CJK SC"' in html


def _staff(province):
    return db.session.get(User, province.user("assoc-staff").id)


# -- Two hosts at once (PostgreSQL) -----------------------------------------------------


@pytest.fixture
def other_host(database_url):
    other = create_app(app_config(database_url))
    yield other
    with other.app_context():
        db.engine.dispose()


def _wait_until_blocked(timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    owner = create_engine(
        current_app.config["DATABASE_OWNER_URL"] or db.engine.url, poolclass=NullPool
    )
    try:
        while time.monotonic() < deadline:
            with owner.connect() as probe:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
            if waiting:
                return
            time.sleep(0.05)
        raise AssertionError("the second host never waited")
    finally:
        owner.dispose()


@pytest.mark.postgresql_only("a unique index between two connections")
@pytest.mark.parametrize("first_commits", [True, False])
def test_two_hosts_issuing_at_once_get_consecutive_numbers(
    app, other_host, province, first_commits
):
    def issue_on_the_other_host():
        with other_host.app_context():
            row = documents.issue("notice", 2, now=NOW)
            db.session.commit()
            return row.number

    with app.app_context():
        mine = documents.issue("bulletin", 1, now=NOW)  # uncommitted: seq 1 is taken
        assert mine.seq == 1
        pool = ThreadPoolExecutor(1)
        try:
            future = pool.submit(issue_on_the_other_host)
            _wait_until_blocked()  # the other host's insert of seq 1 waits on mine
            if first_commits:
                db.session.commit()
            else:
                db.session.rollback()  # e.g. the PDF failed: the number is given back
            theirs = future.result(timeout=30)
        finally:
            db.session.rollback()
            pool.shutdown()
        rows = db.session.execute(
            select(DocumentNumber.kind, DocumentNumber.seq).order_by(DocumentNumber.seq)
        ).all()
    if first_commits:
        assert theirs == "辽银协〔2026〕2号"
        assert rows == [("bulletin", 1), ("notice", 2)]
    else:
        assert theirs == "辽银协〔2026〕1号"  # no gap left behind
        assert rows == [("notice", 1)]
