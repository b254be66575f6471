"""Art. 12 through HTTP: detection → interview → 8D plan overdue → public criticism →
the notice and the regulator letter as Chinese PDFs → disqualifications in the season;
and a member sees only its own cases and register entries."""

import re
import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from support import make_case, sign_in

from portal.accountability.models import AccountabilityCase, AccountabilityDocument
from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import db
from portal.jobs.sweep import run_sweep

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Beijing
DUE_DAY = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # the plan's due date: not yet overdue
AFTER_DUE = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)

PLAN = {
    "team": "分管行长、网点主任、客服经理",
    "problem": "柜员态度生硬，客户在网络发帖。",
    "containment": "当日致歉并处理客户诉求。",
    "root_cause": "服务规范培训未覆盖新入职柜员。",
    "corrective_action": "全员复训，考核上岗。",
    "verification": "神秘客户暗访两次。",
    "prevention": "纳入季度服务检查。",
    "owner": "王主任",
    "due_on": "2026-12-05",
}


def _detected(app, province):
    tracking = []
    ids = []
    for outlet in ("bank1-outlet1", "bank1-outlet2"):
        case_id = make_case(app, province, state="handling", outlet=outlet)
        with app.app_context():
            complaint = db.session.get(Complaint, case_id)
            complaint.is_media = True  # Art. 12(1)4: escalated to the media
            tracking.append(complaint.tracking_no)
            db.session.commit()
        ids.append(case_id)
    with app.app_context():
        run_sweep(NOW)
        db.session.commit()
        case_id = db.session.scalar(select(AccountabilityCase.id))
    return case_id, ids, tracking


def _pdf_text(data: bytes, tmp_path, name: str) -> tuple[str, str]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout
    return text, fonts


def test_the_full_ladder(make_app, province, tmp_path):
    app = make_app(FROZEN_NOW=NOW)
    acc_id, complaint_ids, tracking = _detected(app, province)
    leader, member, admin = app.test_client(), app.test_client(), app.test_client()
    sign_in(leader, "assoc-leader")
    sign_in(member, "bank1-a")
    sign_in(admin, "assoc-admin")

    # The association administrator configures the current season.
    response = admin.post(
        "/accountability/seasons",
        data={"name": "2026年度优服创建活动", "starts_on": "2026-01-01", "ends_on": "2026-12-31"},
    )
    assert response.status_code == 200

    page = leader.get(f"/accountability/{acc_id}").get_data(as_text=True)
    assert "待审查" in page and tracking[0] in page and tracking[1] in page
    # Public criticism cannot skip the interview (Art. 12(2)).
    assert (
        leader.post(f"/accountability/{acc_id}/criticise", data={"reason": "x"}).status_code == 409
    )
    # A bad interview form comes back 422; a good one schedules it.
    bad = leader.post(
        f"/accountability/{acc_id}/interview",
        data={"held_on": "2026-11-24"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "请填写提出的整改要求" in bad.get_data(as_text=True)
    response = leader.post(
        f"/accountability/{acc_id}/interview",
        data={
            "held_on": "2026-11-24",
            "association_attendees": "协会秘书长",
            "member_attendees": "第1银行辽宁省分行行长",
            "requirements": "两周内完成服务整改。",
            "rectify_by": "2026-12-10",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "约见谈话" in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)  # the piece, not the page

    # The member answers with an 8D plan; the association cannot write it for them.
    assert leader.post(f"/accountability/{acc_id}/plan", data=PLAN).status_code == 403
    assert member.post(f"/accountability/{acc_id}/plan", data=PLAN).status_code == 200

    # Not overdue on the due date itself; overdue the day after.
    app.config["FROZEN_NOW"] = DUE_DAY
    refused = leader.post(f"/accountability/{acc_id}/criticise", data={"reason": "逾期未整改"})
    assert refused.status_code == 422
    app.config["FROZEN_NOW"] = AFTER_DUE
    response = leader.post(
        f"/accountability/{acc_id}/criticise", data={"reason": "约见谈话后逾期未完成整改。"}
    )
    assert response.status_code == 200
    assert "通报批评" in response.get_data(as_text=True)

    for kind in ("notice", "regulator"):
        pdf = member.get(f"/accountability/{acc_id}/{kind}.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        text, fonts = _pdf_text(pdf.data, tmp_path, kind)
        assert "第1银行辽宁省分行" in text
        assert all(t in text for t in tracking)
        assert ("CJK" in fonts or "WenQuanYi" in fonts) and " yes " in fonts  # embedded
        # GB/T 9704-2012: the mark, the number given at the decision, the date of issue.
        assert "辽宁省银行业协会文件" in text and "2026年12月6日" in text
        assert re.search(r"辽银协〔2026〕[12]号", text) and re.search(r"—\s*1\s*—", text)

    register = member.get("/accountability/eligibility").get_data(as_text=True)
    assert register.count('data-testid="disqualification"') == 3  # the bank and two outlets
    assert "第1银行和平支行1号网点" in register and "组织奖" in register

    with app.app_context():
        documents = db.session.scalars(select(AccountabilityDocument)).all()
        assert {d.kind for d in documents} == {"notice", "regulator"}
        actions = set(
            db.session.scalars(
                select(ComplaintEvent.action).where(ComplaintEvent.complaint_id == complaint_ids[0])
            )
        )
    assert {
        "accountability_opened",
        "accountability_interview",
        "accountability_plan_submitted",
        "accountability_criticise",
        "accountability_disqualified",
    } <= actions
    # Each document's number shows in the case's list of documents.
    page = member.get(f"/accountability/{acc_id}").get_data(as_text=True)
    assert "辽银协〔2026〕1号" in page and "辽银协〔2026〕2号" in page
    # The decision is on the case's history: who, when and why.
    history = leader.get(f"/accountability/{acc_id}").get_data(as_text=True)
    assert "约见谈话后逾期未完成整改。" in history and "assoc-leader" in history


def test_dismissal_needs_a_reason_and_is_final(app, province):
    acc_id, _, _ = _detected(app, province)
    client = app.test_client()
    sign_in(client, "assoc-admin")
    assert client.post(f"/accountability/{acc_id}/dismiss", data={"reason": ""}).status_code == 422
    assert (
        client.post(
            f"/accountability/{acc_id}/dismiss", data={"reason": "客户已撤诉，非处置不当所致。"}
        ).status_code
        == 200
    )
    assert "已驳回" in client.get(f"/accountability/{acc_id}").get_data(as_text=True)
    assert client.post(f"/accountability/{acc_id}/interview", data={}).status_code == 409
    with app.app_context():  # a dismissed case is not reopened on the same evidence
        run_sweep(NOW)
        db.session.commit()
        assert len(db.session.scalars(select(AccountabilityCase)).all()) == 1


@pytest.mark.parametrize(
    "user, visible",
    [
        ("bank1-a", True),
        ("bank1-leader", True),
        ("bank2-a", False),
        ("bank2-admin", False),
        ("bank1-outlet1", False),
    ],
)
def test_a_member_sees_only_its_own_cases(app, province, user, visible):
    acc_id, _, _ = _detected(app, province)
    client = app.test_client()
    sign_in(client, user)
    status = client.get(f"/accountability/{acc_id}").status_code
    assert status == (200 if visible else 404)
    listing = client.get("/accountability")
    if user == "bank1-outlet1":
        assert listing.status_code == 403
    else:
        assert (f'/accountability/{acc_id}"' in listing.get_data(as_text=True)) is visible


def test_thresholds_are_the_administrators(app, province):
    client = app.test_client()
    sign_in(client, "assoc-leader")
    assert client.get("/accountability/thresholds").status_code == 403
    client = app.test_client()
    sign_in(client, "assoc-admin")
    page = client.get("/accountability/thresholds").get_data(as_text=True)
    assert 'value="3"' in page and 'value="6"' in page
    assert (
        client.post(
            "/accountability/thresholds",
            data={"repeat_chain": "0", "recurring_count": "3", "recurring_months": "6"},
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/accountability/thresholds",
            data={"repeat_chain": "3", "recurring_count": "4", "recurring_months": "12"},
        ).status_code
        == 200
    )
    assert 'value="12"' in client.get("/accountability/thresholds").get_data(as_text=True)


def test_recurrence_allows_criticism_before_the_due_date(make_app, province):
    app = make_app(FROZEN_NOW=NOW)
    acc_id, _, _ = _detected(app, province)
    admin = app.test_client()
    sign_in(admin, "assoc-admin")
    admin.post(
        "/accountability/seasons",
        data={"name": "2026赛季", "starts_on": "2026-01-01", "ends_on": "2026-12-31"},
    )
    admin.post(
        f"/accountability/{acc_id}/interview",
        data={
            "held_on": "2026-11-23",
            "association_attendees": "秘书长",
            "member_attendees": "行长",
            "requirements": "整改。",
            "rectify_by": "2026-12-31",
        },
    )
    assert (
        admin.post(f"/accountability/{acc_id}/criticise", data={"reason": "x"}).status_code == 422
    )  # nothing overdue, no recurrence
    app.config["FROZEN_NOW"] = later = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    again = make_case(app, province, state="handling")
    with app.app_context():
        db.session.get(Complaint, again).is_media = True
        db.session.commit()
        run_sweep(later)  # a new media case against the same bank after the interview
        db.session.commit()
    response = admin.post(
        f"/accountability/{acc_id}/criticise", data={"reason": "同类问题再次发生。"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url", ["/accountability", "/accountability/eligibility", "/accountability/thresholds"]
)
def test_pages_and_pieces(app, province, url):
    client = app.test_client()
    sign_in(client, "assoc-admin")
    page = client.get(url)
    piece = client.get(url, headers={"HX-Request": "true"})
    assert page.status_code == piece.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in piece.get_data(as_text=True)
    assert "HX-Request" in piece.headers["Vary"]


def test_rejected_evidence_then_verified_closes_the_case(app, province):
    from portal.notify.models import Notification

    acc_id, _, _ = _detected(app, province)
    leader, member = app.test_client(), app.test_client()
    sign_in(leader, "assoc-leader")
    sign_in(member, "bank1-admin")
    leader.post(
        f"/accountability/{acc_id}/interview",
        data={
            "held_on": "2026-11-24",
            "association_attendees": "秘书长",
            "member_attendees": "行长",
            "requirements": "整改。",
            "rectify_by": "2026-12-31",
        },
    )
    assert member.post(f"/accountability/{acc_id}/plan", data=PLAN).status_code == 200
    done = {"closure": "已完成复训，附培训签到表。"}
    assert member.post(f"/accountability/{acc_id}/complete", data=done).status_code == 200
    assert member.post(f"/accountability/{acc_id}/verify", data={"reason": "x"}).status_code == 403
    assert (
        leader.post(
            f"/accountability/{acc_id}/reject", data={"reason": "缺少暗访记录。"}
        ).status_code
        == 200
    )
    assert member.post(f"/accountability/{acc_id}/plan", data=PLAN).status_code == 200
    assert member.post(f"/accountability/{acc_id}/complete", data=done).status_code == 200
    assert (
        leader.post(f"/accountability/{acc_id}/verify", data={"reason": "整改到位。"}).status_code
        == 200
    )
    page = member.get(f"/accountability/{acc_id}").get_data(as_text=True)
    assert "整改已核验，结案" in page and "缺少暗访记录。" in page
    with app.app_context():
        told = {(n.user.username, n.title) for n in db.session.scalars(select(Notification))}
    assert any(u == "bank1-admin" and "约见谈话" in t for u, t in told)
    assert any(u == "assoc-leader" and "整改方案" in t for u, t in told)
    assert not any(u.startswith("bank2") for u, _ in told)
