"""The bulletin PDF from the hand-built data set: text, fonts, immutability, jobs."""

import hashlib
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from statistics_support import build_statistics_data

from portal.auth.models import User
from portal.bulletins import jobs, operations, pdf
from portal.bulletins.models import DONE, FAILED, QUEUED, RUNNING, Bulletin, Job
from portal.db import db
from portal.statistics.rules import parse_period

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
H1 = parse_period("2026H1")


def _draft(province, ids=None):
    staff = db.session.get(User, province.user("assoc-staff").id)
    draft = operations.create_draft(H1, actor=staff, now=NOW)
    operations.update_draft(
        draft,
        now=NOW,
        overview="上半年投诉总体平稳。",
        advice="加强服务培训。",
        typical_case_ids=ids or [],
    )
    return draft


def _text(tmp_path, data: bytes) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_text_and_embedded_cjk_font(app, province, tmp_path):
    with app.app_context():
        ids = build_statistics_data(province)
        draft = _draft(province, ids=[ids[0]])
        data = pdf.render_pdf(pdf.build_context(draft, draft.created_by))
    assert data.startswith(b"%PDF")
    text = _text(tmp_path, data)
    for expected in (
        "2026年上半年",
        "2026H1",
        "辽宁省银行业协会",
        "第1银行辽宁省分行",
        "第2银行辽宁省分行",
        "服务态度",
        "平均工作日",
        "问责决定",
        "加强服务培训",
        "案例1",
    ):
        assert expected in text, expected
    assert "王芳" not in text  # the complainant's name is removed from typical cases
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "b.pdf")], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded


def test_a_published_version_is_frozen_and_a_correction_is_a_new_version(app, province):
    with app.app_context():
        build_statistics_data(province)
        staff = db.session.get(User, province.user("assoc-staff").id)
        draft = _draft(province)
        operations.publish(draft, b"%PDF-first", actor=staff, now=NOW, change_note=None)
        db.session.commit()
        first_id, first_sha = draft.id, draft.sha256
        assert first_sha == hashlib.sha256(b"%PDF-first").hexdigest()
        draft.overview = "改写"
        with pytest.raises(RuntimeError, match="frozen"):
            db.session.flush()
        db.session.rollback()
        correction = operations.create_draft(H1, actor=staff, now=NOW)
        assert (correction.version, correction.supersedes_id) == (2, first_id)
        assert correction.overview == "上半年投诉总体平稳。"
        with pytest.raises(operations.BulletinError):
            operations.publish(correction, b"%PDF-2", actor=staff, now=NOW, change_note="")
        operations.publish(correction, b"%PDF-2", actor=staff, now=NOW, change_note="更正数据")
        db.session.commit()
        assert db.session.get(Bulletin, first_id).sha256 == first_sha
        assert operations.latest_published("2026H1").version == 2


def test_jobs_are_claimed_once_retried_after_a_crash_and_fail_with_a_message(app, province):
    with app.app_context():
        build_statistics_data(province)
        draft = _draft(province)
        job = jobs.enqueue(jobs.PREVIEW, {"bulletin_id": draft.id}, actor=None, now=NOW)
        db.session.commit()
        claimed = jobs.claim_next(NOW)
        assert claimed.id == job.id and claimed.state == RUNNING and claimed.attempts == 1
        assert jobs.claim_next(NOW + timedelta(minutes=1)) is None  # taken, not stale
        # The worker died: after the stale limit another worker takes it and finishes it.
        again = jobs.claim_next(NOW + jobs.STALE_CLAIM + timedelta(seconds=1))
        assert again.id == job.id and again.attempts == 2
        jobs.run(again, NOW)
        job = db.session.get(Job, job.id)
        assert job.state == DONE and job.result_id == draft.id
        assert db.session.get(Bulletin, draft.id).preview_pdf.startswith(b"%PDF")

        broken = jobs.enqueue(jobs.PREVIEW, {"bulletin_id": 999999}, actor=None, now=NOW)
        db.session.commit()
        for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
            jobs.run(jobs.claim_next(NOW), NOW)
            broken = db.session.get(Job, broken.id)
            assert broken.state == (FAILED if attempt == jobs.MAX_ATTEMPTS else QUEUED)
        assert "通报不存在" in broken.error


def test_demo_publishes_the_last_half_year_and_drafts_the_current_one(app, province):
    from portal.demo.bulletin_demo import seed_bulletins

    with app.app_context():
        build_statistics_data(province)
        assert "2026H1 published" in seed_bulletins(NOW)
        rows = db.session.execute(
            db.select(Bulletin.period, Bulletin.state).order_by(Bulletin.id)
        ).all()
        assert rows == [("2026H1", "published"), ("2026H2", "draft")]
        assert seed_bulletins(NOW) == "demo bulletins already there"


def test_a_large_province_gets_summaries_and_the_lists_go_to_the_annex(app, province, tmp_path):
    with app.app_context():
        build_statistics_data(province)
        draft = _draft(province)
        context = pdf.build_context(draft, draft.created_by)
        row = context["members"][0]
        members = [
            row | {"member_id": n, "member_name": f"测试第{n}银行", "received": 100 - n}
            for n in range(1, 41)
        ]
        decisions = [
            {"member": f"测试第{n % 3}银行", "reason": "转办投诉无人受理", "decision": "已驳回"}
            for n in range(35)
        ]
        context |= pdf.member_sections(members) | pdf.decision_sections(decisions)
        data = pdf.render_pdf(context)
    text = _text(tmp_path, data)
    assert "本期共有 40 家会员单位受理投诉" in text
    assert "测试第10银行" in text and "测试第11银行" not in text.split("受理及时率最低")[0]
    assert "本期共作出责任追究决定 35 项" in text
