"""The home page's other duties (Art. 8(5), 9(4)): advice to answer, a half-year summary
not yet submitted, countermeasures overdue; for the association, findings to review,
answers to follow up and members whose summary is missing. Counted per role and scope."""

from support import NOW, make_case, sign_in

from portal.auth.models import User
from portal.db import db
from portal.orgs.models import Unit
from portal.summaries import operations as summaries


def _duties(client) -> str:
    response = client.get("/home/duties")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _advice_to_bank1(app, province):
    """A cluster at bank 1's first outlet, confirmed, with advice addressed to bank 1."""
    app.config["FROZEN_NOW"] = NOW
    for n in range(3):
        make_case(app, province, mobile=f"1370000{n:04d}")
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    staff.post("/analysis/run", data={"period": "2026H2"})
    from sqlalchemy import select

    from portal.analysis.models import Finding

    with app.app_context():
        finding_id = db.session.scalar(select(Finding.id).where(Finding.kind == "outlet_cluster"))
    staff.post(f"/analysis/findings/{finding_id}/confirm", data={"reason": "属实。"})
    answer = staff.post(
        f"/analysis/findings/{finding_id}/advice",
        data={
            "title": "排队整改",
            "text": "请增设窗口。",
            "due_on": "2026-12-31",
            "members": [str(province.unit("bank1").id)],
        },
    )
    assert answer.status_code == 200


def test_a_member_is_told_of_advice_to_answer_and_its_missing_summary(app, client, province):
    _advice_to_bank1(app, province)
    sign_in(client, "bank1-a")
    page = _duties(client)
    assert "待答复的行业整改建议：1 项" in page
    assert "2026年上半年总结尚未提交" in page  # 23 November 2026: the last half year is H1
    other_bank = app.test_client()
    sign_in(other_bank, "bank2-a")
    other = _duties(other_bank)
    assert "整改建议" not in other and "2026年上半年总结尚未提交" in other


def test_a_submitted_summary_and_overdue_countermeasures(app, client, province):
    from datetime import date

    app.config["FROZEN_NOW"] = NOW
    with app.app_context():
        bank1 = db.session.get(Unit, province.unit("bank1").id)
        actor = db.session.get(User, province.user("bank1-a").id)
        summary = summaries.start(member=bank1, period="2026H1", actor=actor, now=NOW)
        summaries.save(summary, analysis="投诉集中在排队。", now=NOW)
        summaries.add_measure(
            summary, action="增设窗口", owner="运营部", due_on=date(2026, 10, 1), now=NOW
        )
        summaries.submit(summary, figures={}, actor=actor, now=NOW)
        db.session.commit()
    sign_in(client, "bank1-a")
    page = _duties(client)
    assert "总结尚未提交" not in page
    assert "逾期未落实的整改措施：1 项" in page
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    association = _duties(staff)
    assert "2026年上半年总结尚未提交的会员单位：1 家" in association


def test_the_association_sees_findings_to_review_and_answers_to_follow_up(app, client, province):
    app.config["FROZEN_NOW"] = NOW
    for n in range(3):
        make_case(app, province, mobile=f"1370000{n:04d}")
    sign_in(client, "assoc-staff")
    assert "待审查的集中投诉发现" not in _duties(client)  # nothing found before a run
    client.post("/analysis/run", data={"period": "2026H2"})
    page = _duties(client)
    assert "待审查的集中投诉发现：1 项" in page
    assert "2026年上半年总结尚未提交的会员单位：2 家" in page
    assert "待跟进的整改建议" not in page


def test_an_answered_advice_waits_for_the_association(app, client, province):
    _advice_to_bank1(app, province)
    member = app.test_client()
    sign_in(member, "bank1-a")
    from sqlalchemy import select

    from portal.analysis.models import Advice

    with app.app_context():
        advice_id = db.session.scalar(select(Advice.id))
    answer = member.post(f"/analysis/advice/{advice_id}/answer", data={"text": "已增设窗口。"})
    assert answer.status_code == 200
    assert "待答复的行业整改建议" not in _duties(member)
    sign_in(client, "assoc-leader")
    assert "会员单位已答复、待跟进的整改建议：1 项" in _duties(client)


def test_an_outlet_officer_has_no_such_duties(client, province):
    sign_in(client, "bank1-outlet1")
    assert 'data-testid="duties"' not in _duties(client)
    assert 'data-testid="duties-slot"' not in client.get("/home").get_data(as_text=True)


def test_the_home_loads_the_piece_for_members(client, province):
    sign_in(client, "bank1-a")
    assert 'data-testid="duties-slot"' in client.get("/home").get_data(as_text=True)
