"""The 75 % line through HTTP (regulation.md, "Practice from the other source documents":
an on-time rate below 75 % was one source's threshold for ordering rectification): the
mark on the dashboard, the Excel cell, the bulletin; ordering a rectification once, which
the member answers with an 8D plan (Art. 12's module); the setting.

The figures are the hand-built set of ``statistics_support`` for 2026H1: bank 1 accepts
on time 2 of 2 (100 %) and verifies 0 of 1 (0 %); bank 2 accepts 0 of 1 (0 %); the
province accepts 2 of 3 (66.7 %) and verifies 0 of 1."""

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from statistics_support import build_statistics_data
from support import NOW, sign_in

from portal.accountability.models import AccountabilityCase, AccountabilityEvent, RateEvidence
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.db import db
from portal.statistics.models import RateLineSetting
from portal.statistics.rules import parse_period

MARK = 'data-testid="below-line-mark"'
PLAN = {
    "team": "分管行长、客服部",
    "problem": "核实环节及时率 0%。",
    "containment": "每日盯办在办投诉。",
    "root_cause": "核实任务未分派到人。",
    "corrective_action": "核实环节设专人并设提醒。",
    "verification": "下月及时率复核。",
    "prevention": "纳入季度考核。",
    "owner": "李经理",
    "due_on": "2026-12-31",
}


@pytest.fixture
def figures(app, province):
    with app.app_context():
        build_statistics_data(province)
    return province


def _client(app, username):
    client = app.test_client()
    sign_in(client, username)
    return client


def _dashboard(client, **extra) -> str:
    response = client.get("/statistics", query_string={"period": "2026H1", **extra})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _line_entries(app) -> list:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rate_line_updated"))
        )


def _order(client, member_id, stage="verify", period="2026H1", **headers):
    return client.post(
        f"/statistics/rate-line/members/{member_id}/order",
        data={"period": period, "stage": stage},
        headers=headers,
    )


def test_the_dashboard_marks_rates_below_the_line_with_words_and_a_legend(app, figures):
    html = _dashboard(_client(app, "assoc-staff"))
    # The province's accept (66.7 %) and verify (0 %); bank 1's verify; bank 2's accept;
    # and the latter two again in the panel of rates below the line.
    assert html.count(MARK) == 6
    assert "低于 75% 警戒线" in html  # the mark's words, not colour alone
    assert 'data-testid="rate-line-legend"' in html and "警戒线为 75%" in html
    panel = re.search(r'<section class="card" id="rate-line".*?</section>', html, re.S)
    assert panel and panel.group(0).count('data-testid="below-line"') == 2
    assert 'data-testid="below-line-count">2 项' in panel.group(0)
    # Staff see the list but may not order (the association's decision, Art. 12).
    assert 'data-testid="order-button"' not in panel.group(0)
    leader = _dashboard(_client(app, "assoc-leader"))
    assert leader.count('data-testid="order-button"') == 2


def test_the_members_own_dashboard_marks_its_own_rates_without_an_order(app, figures):
    html = _dashboard(_client(app, "bank1-a"))
    assert html.count('data-testid="below-line"') == 1  # its verify only
    assert 'data-testid="order-button"' not in html


def test_the_forward_stage_is_marked_but_never_ordered(app, figures):
    with app.app_context():
        from portal.complaints.models import Complaint
        from portal.deadlines.models import Clock

        case = db.session.scalar(select(Complaint).order_by(Complaint.id))
        late = case.received_at.replace(day=case.received_at.day + 5)
        db.session.add(
            Clock(
                case_id=case.id,
                kind="forward",
                owner_unit_id=figures.unit("assoc").id,
                owner_path=figures.unit("assoc").path,
                started_at=case.received_at,
                limit_days=2,
                due_on=case.received_at.date(),
                due_at=case.received_at,
                met_at=late,
            )
        )
        db.session.commit()
    leader = _client(app, "assoc-leader")
    html = _dashboard(leader)
    assert "转递为协会自身职责，不责令会员单位整改" in html
    refused = _order(leader, figures.unit("bank1").id, stage="forward")
    assert refused.status_code == 422 and "转递环节由协会办理" in refused.get_data(as_text=True)
    assert _count(app, AccountabilityCase) == 0


def test_the_excel_cell_below_the_line_is_filled_and_stays_a_number(app, figures):
    response = _client(app, "assoc-staff").get("/statistics/export.xlsx?period=2026H1")
    book = load_workbook(BytesIO(response.data))
    members = book["会员单位"]
    headers = [cell.value for cell in members[1]]
    rows = {row[0].value: row for row in members.iter_rows(min_row=2)}
    step = {"受理": len(headers) - 1 - headers[::-1].index("受理")}  # not the count "受理"
    verify = rows["第1银行辽宁省分行"][headers.index("核实情况")]
    assert verify.value == 0 and isinstance(verify.value, int | float)
    assert verify.number_format == "0.0%" and verify.fill.fgColor.rgb.endswith("FDE8E6")
    accept = rows["第1银行辽宁省分行"][step["受理"]]
    assert accept.value == 1 and accept.fill.fill_type is None  # 100 %: not marked
    bank2 = rows["第2银行辽宁省分行"][step["受理"]]
    assert bank2.value == 0 and bank2.fill.fgColor.rgb.endswith("FDE8E6")
    # The member names stay the only rows; the legend is a row of the overview.
    assert list(rows) == ["第1银行辽宁省分行", "第2银行辽宁省分行"]
    overview = {row[0].value: row[1] for row in book["总体情况"].iter_rows(min_row=2)}
    legend = overview["及时率警戒线（浅红底色标出低于此线的环节及时率）"]
    assert legend.value == 0.75 and legend.number_format == "0.0%"
    head_accept = overview["受理及时率"]
    assert head_accept.value == pytest.approx(2 / 3)
    assert head_accept.fill.fgColor.rgb.endswith("FDE8E6")


def test_the_bulletin_marks_the_same_rates(app, figures):
    from portal.bulletins import operations, pdf

    with app.app_context():
        staff = db.session.get(User, figures.user("assoc-staff").id)
        draft = operations.create_draft(parse_period("2026H1"), actor=staff, now=NOW)
        db.session.flush()
        context = pdf.build_context(draft, staff)
        html = pdf.render_html(context)
        db.session.rollback()
    rows = {m["member_name"]: m for m in context["members"]}
    assert rows["第1银行辽宁省分行"]["below"]["verify"] is True
    assert rows["第1银行辽宁省分行"]["below"]["accept"] is False
    assert rows["第2银行辽宁省分行"]["below"]["accept"] is True
    assert rows["第2银行辽宁省分行"]["below"]["report"] is None  # nothing counted
    head = {row["label"]: row for row in context["headline"]}
    assert head["受理及时率"]["below"] is True and head["回访满意率"]["below"] is None
    assert context["line_percent"] == 75
    assert "低于 75% 警戒线" in html
    # The province's accept and verify, bank 1's verify, bank 2's accept.
    assert html.count('class="num below"') == 4


def test_ordering_a_rectification_once_and_the_member_answers_with_an_8d_plan(app, figures):
    bank1 = figures.unit("bank1").id
    leader = _client(app, "assoc-leader")
    response = _order(leader, bank1, HX_Request="true")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'data-testid="order-link"' in body
    with app.app_context():
        case = db.session.scalar(select(AccountabilityCase))
        evidence = db.session.scalar(select(RateEvidence))
        assert (case.trigger, case.state, case.member_id) == ("rate_below_line", "ordered", bank1)
        assert (evidence.period, evidence.stage, evidence.on_time, evidence.met) == (
            "2026H1",
            "verify",
            0,
            1,
        )
        assert evidence.line_percent == 75
        actions = list(db.session.scalars(select(AccountabilityEvent.action)))
        assert actions == ["opened", "order"]
        case_id = case.id
    assert f"/accountability/{case_id}" in body

    # A second click: "already ordered", with the link; nothing more is written.
    again = _order(leader, bank1, HX_Request="true")
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert 'data-testid="already-ordered"' in text and f"/accountability/{case_id}" in text
    assert _count(app, AccountabilityCase) == 1 and _count(app, AccountabilityEvent) == 2
    # The dashboard now links to the case instead of offering the order.
    html = _dashboard(leader)
    assert html.count('data-testid="order-button"') == 1  # bank 2's accept is left
    assert f"已责令整改：问责 {case_id} 号" in html

    # The member reads the order and answers with its 8D plan, as for Art. 12(1).
    member = _client(app, "bank1-a")
    page = member.get(f"/accountability/{case_id}").get_data(as_text=True)
    assert 'data-testid="rate-evidence"' in page and "0.0%" in page and "已责令整改" in page
    assert 'data-testid="step-plan"' in page
    assert member.post(f"/accountability/{case_id}/plan", data=PLAN).status_code == 200
    assert (
        member.post(
            f"/accountability/{case_id}/complete", data={"closure": "已设专人，复核达标。"}
        ).status_code
        == 200
    )
    verified = leader.post(f"/accountability/{case_id}/verify", data={"reason": "复核达标。"})
    assert verified.status_code == 200
    with app.app_context():
        assert db.session.get(AccountabilityCase, case_id).state == "closed"


def test_a_rate_not_below_the_line_is_not_ordered(app, figures):
    leader = _client(app, "assoc-leader")
    refused = _order(leader, figures.unit("bank1").id, stage="accept")  # 100 %
    assert refused.status_code == 422
    assert _order(leader, figures.unit("bank1").id, period="2026H9").status_code == 422
    assert _order(leader, figures.unit("bank1").id, stage="promise").status_code == 422
    assert _count(app, AccountabilityCase) == 0


def test_members_and_staff_cannot_order(app, figures):
    bank1, bank2 = figures.unit("bank1").id, figures.unit("bank2").id
    member = _client(app, "bank1-admin")
    assert _order(member, bank1).status_code == 403  # its own bank: not its decision
    assert _order(member, bank2).status_code == 404  # another bank: not there at all
    assert _order(_client(app, "bank1-outlet1"), bank1).status_code == 404
    assert _order(_client(app, "assoc-staff"), bank1).status_code == 403
    # Not a member bank: a branch's id.
    leader = _client(app, "assoc-leader")
    assert _order(leader, figures.unit("bank1-city").id).status_code == 404
    assert _count(app, AccountabilityCase) == 0


def test_the_line_is_a_setting_of_the_association_administrator(app, figures):
    admin = _client(app, "assoc-admin")
    page = admin.get("/statistics/rate-line")
    assert page.status_code == 200 and 'value="75"' in page.get_data(as_text=True)
    for bad in ("abc", "0", "101", "-5", "", "75.5"):
        response = admin.post("/statistics/rate-line", data={"percent": bad})
        assert response.status_code == 422, bad
    assert _count(app, RateLineSetting) == 0 and not _line_entries(app)
    for who in ("assoc-leader", "assoc-staff", "bank1-admin"):
        client = _client(app, who)
        assert client.get("/statistics/rate-line").status_code == 403
        assert client.post("/statistics/rate-line", data={"percent": "50"}).status_code == 403

    saved = admin.post("/statistics/rate-line", data={"percent": "60"})
    assert saved.status_code == 200 and 'data-testid="saved"' in saved.get_data(as_text=True)
    with app.app_context():
        (entry,) = _line_entries(app)
        assert entry.action == "rate_line_updated" and entry.changes == {"percent": [75, 60]}
    # At 60 %, the province's accept (66.7 %) is no longer below the line.
    html = _dashboard(_client(app, "assoc-staff"))
    assert html.count(MARK) == 5 and "警戒线为 60%" in html


def test_the_association_home_counts_the_rates_below_the_line(app, figures):
    staff = _client(app, "assoc-staff")
    home = staff.get("/home").get_data(as_text=True)
    assert 'data-testid="rate-line-slot"' in home
    piece = staff.get("/statistics/rate-line/summary", headers={"HX-Request": "true"})
    assert piece.status_code == 200
    # This half year (2026H2): bank 1 accepted case 6 late.
    assert re.search(r'data-testid="below-line-home"><span class="num">1<', piece.text)
    member = _client(app, "bank1-a")
    assert 'data-testid="rate-line-slot"' not in member.get("/home").get_data(as_text=True)
    assert member.get("/statistics/rate-line/summary").status_code == 404
