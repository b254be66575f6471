"""Art. 9(4) through HTTP: a member writes its half-year summary (figures pre-filled from
the statistics, frozen when submitted), lists its countermeasures and submits; the
association sees who has submitted, who has a draft and who is missing, reminds the
missing, reads each summary and follows the countermeasures up (verify or send back);
overdue ones show; a correction is a new version; another bank's ids answer 404."""

import pytest
from sqlalchemy import func, select
from support import NOW, make_case, sign_in

from portal.db import db
from portal.notify.models import Notification
from portal.summaries.models import Countermeasure, PeriodSummary

PERIOD = "2026H2"  # the half year of NOW (Monday 23 November 2026)


@pytest.fixture
def app(make_app):
    return make_app(FROZEN_NOW=NOW)


def _start(client, period=PERIOD) -> int:
    response = client.post("/summaries/start", data={"period": period})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _version(app, summary_id) -> str:
    with app.app_context():
        return str(db.session.get(PeriodSummary, summary_id).version)


def _told(app, username_prefix, words) -> list[str]:
    from portal.auth.models import User

    with app.app_context():
        return list(
            db.session.scalars(
                select(User.username)
                .join(Notification, Notification.user_id == User.id)
                .where(
                    User.username.like(f"{username_prefix}%"), Notification.title.contains(words)
                )
                .order_by(User.username)
            )
        )


def _written(app, client, summary_id, measures=(("复训柜员服务规范", "个人金融部", "2026-12-31"),)):
    response = client.post(
        f"/summaries/{summary_id}/save",
        data={"analysis": "本期投诉集中于服务态度。", "version": _version(app, summary_id)},
    )
    assert response.status_code == 200
    for action, owner, due in measures:
        response = client.post(
            f"/summaries/{summary_id}/measures",
            data={"action": action, "owner": owner, "due_on": due},
        )
        assert response.status_code == 200, response.get_data(as_text=True)


def test_write_submit_freezes_figures_and_tells_the_association(app, province):
    make_case(app, province, state="handling")
    member = app.test_client()
    sign_in(member, "bank1-a")
    summary_id = _start(member)
    assert _start(member) == summary_id  # the draft under way, not a second one

    page = member.get(f"/summaries/{summary_id}").get_data(as_text=True)
    assert "草稿阶段为实时数据" in page
    assert 'data-testid="fig-received">1<' in page  # pre-filled from the statistics

    # Submitting without countermeasures is refused and writes nothing.
    member.post(
        f"/summaries/{summary_id}/save",
        data={"analysis": "本期投诉集中于服务态度。", "version": _version(app, summary_id)},
    )
    response = member.post(f"/summaries/{summary_id}/submit")
    assert response.status_code == 422 and "至少列出一项应对措施" in response.get_data(as_text=True)

    _written(app, member, summary_id, measures=[("复训柜员服务规范", "个人金融部", "2026-12-31")])
    response = member.post(f"/summaries/{summary_id}/submit", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "已提交" in response.get_data(as_text=True)
    with app.app_context():
        summary = db.session.get(PeriodSummary, summary_id)
        assert summary.status == "submitted" and summary.figures["counts"]["received"] == 1
        assert summary.figures["period"] == PERIOD
    assert _told(app, "assoc", "已提交") == ["assoc-admin", "assoc-staff"]

    # The figures stay as they were when submitted; the dashboards move on.
    make_case(app, province, state="handling", mobile="13700002222")
    page = member.get(f"/summaries/{summary_id}").get_data(as_text=True)
    assert 'data-testid="fig-received">1<' in page and "提交时取自统计模块" in page

    # Frozen: no edit, no new countermeasure.
    response = member.post(
        f"/summaries/{summary_id}/save",
        data={"analysis": "改", "version": _version(app, summary_id)},
    )
    assert response.status_code == 409
    response = member.post(
        f"/summaries/{summary_id}/measures",
        data={"action": "新措施", "owner": "某部", "due_on": "2026-12-31"},
    )
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(PeriodSummary, summary_id).analysis == "本期投诉集中于服务态度。"
        assert db.session.scalar(select(func.count()).select_from(Countermeasure)) == 1

    # A correction is a new version; the submitted one stays as it was.
    response = member.post(f"/summaries/{summary_id}/correct")
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert new_id != summary_id
    page = member.get(f"/summaries/{new_id}").get_data(as_text=True)
    assert "第 2 版" in page and "复训柜员服务规范" in page and "草稿" in page
    assert 'data-testid="fig-received">2<' in page  # a draft shows the figures live
    with app.app_context():
        assert db.session.get(PeriodSummary, summary_id).figures["counts"]["received"] == 1


def test_association_status_table_and_reminder(app, province):
    bank1, bank2 = app.test_client(), app.test_client()
    sign_in(bank1, "bank1-a")
    sign_in(bank2, "bank2-a")
    submitted = _start(bank1)
    _written(app, bank1, submitted)
    assert bank1.post(f"/summaries/{submitted}/submit").status_code == 200
    draft = _start(bank2)

    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    page = staff.get(f"/summaries?period={PERIOD}").get_data(as_text=True)
    b1, b2 = province.unit("bank1").id, province.unit("bank2").id
    assert f'data-testid="standing-{b1}" data-standing="submitted"' in page
    assert f'data-testid="standing-{b2}" data-standing="draft"' in page
    assert f"/summaries/{submitted}" in page and f"/summaries/{draft}" in page
    # Another period: both missing.
    page = staff.get("/summaries?period=2026H1").get_data(as_text=True)
    assert f'data-testid="standing-{b1}" data-standing="missing"' in page
    # The association reads each summary.
    assert "本期投诉集中于服务态度" in staff.get(f"/summaries/{submitted}").get_data(as_text=True)

    # The reminder reaches the leader and handlers of those without a submitted summary.
    response = staff.post(
        "/summaries/remind", data={"period": PERIOD}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "已提醒 1 家会员单位" in response.get_data(as_text=True)
    assert _told(app, "bank2", "请提交") == ["bank2-a", "bank2-admin", "bank2-leader"]
    assert _told(app, "bank1", "请提交") == []
    assert "最近提醒" in staff.get(f"/summaries?period={PERIOD}").get_data(as_text=True)
    # The leader reads but neither reminds nor follows up; members do not remind.
    leader = app.test_client()
    sign_in(leader, "assoc-leader")
    assert leader.get("/summaries").status_code == 200
    assert leader.post("/summaries/remind", data={"period": PERIOD}).status_code == 403
    assert bank1.post("/summaries/remind", data={"period": PERIOD}).status_code == 403


def test_countermeasure_follow_up(app, province):
    member = app.test_client()
    sign_in(member, "bank1-a")
    summary_id = _start(member)
    _written(
        app,
        member,
        summary_id,
        measures=[
            ("复训柜员服务规范", "个人金融部", "2026-12-31"),
            ("优化叫号系统", "运营管理部", "2026-11-20"),  # already past: overdue
            ("修订投诉处理流程", "办公室", "2026-12-15"),
        ],
    )
    member.post(f"/summaries/{summary_id}/submit")
    with app.app_context():
        ids = db.session.scalars(
            select(Countermeasure.id)
            .where(Countermeasure.summary_id == summary_id)
            .order_by(Countermeasure.position)
        ).all()
    page = member.get(f"/summaries/{summary_id}").get_data(as_text=True)
    assert page.count('data-testid="overdue"') == 1
    assert 'data-testid="overdue"' in member.get("/summaries/measures?status=overdue").get_data(
        as_text=True
    )

    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    # Nothing to verify before the member reports it done.
    assert staff.post(f"/summaries/measures/{ids[0]}/verify", data={}).status_code == 409
    # The member reports done with a note (a note is required).
    assert member.post(f"/summaries/measures/{ids[0]}/done", data={"note": ""}).status_code == 422
    response = member.post(f"/summaries/measures/{ids[0]}/done", data={"note": "已完成两期复训。"})
    assert response.status_code == 200 and "已报告完成" in response.get_data(as_text=True)
    assert staff.post(f"/summaries/measures/{ids[0]}/verify", data={}).status_code == 200
    member.post(f"/summaries/measures/{ids[1]}/done", data={"note": "已上线。"})
    # Sent back with a reason: the member's people are told, it is open again.
    assert staff.post(f"/summaries/measures/{ids[1]}/return", data={"note": ""}).status_code == 422
    response = staff.post(f"/summaries/measures/{ids[1]}/return", data={"note": "请附上线截图。"})
    assert response.status_code == 200
    assert _told(app, "bank1", "退回应对措施") == ["bank1-a", "bank1-admin", "bank1-leader"]
    with app.app_context():
        statuses = [db.session.get(Countermeasure, i).status for i in ids]
    assert statuses == ["verified", "returned", "open"]
    # Only the member reports, only the association checks.
    assert member.post(f"/summaries/measures/{ids[2]}/verify", data={}).status_code == 403
    assert staff.post(f"/summaries/measures/{ids[2]}/done", data={"note": "x"}).status_code == 403
    page = staff.get("/summaries/measures").get_data(as_text=True)
    assert "已核验" in page and "已退回" in page


def test_another_banks_ids_answer_404(app, province):
    member = app.test_client()
    sign_in(member, "bank1-a")
    summary_id = _start(member)
    _written(app, member, summary_id)
    member.post(f"/summaries/{summary_id}/submit")
    with app.app_context():
        measure_id = db.session.scalar(select(Countermeasure.id))
    other = app.test_client()
    sign_in(other, "bank2-admin")
    assert other.get(f"/summaries/{summary_id}").status_code == 404
    for url in (
        f"/summaries/{summary_id}/save",
        f"/summaries/{summary_id}/submit",
        f"/summaries/{summary_id}/correct",
        f"/summaries/{summary_id}/measures",
        f"/summaries/measures/{measure_id}/done",
        f"/summaries/measures/{measure_id}/remove",
    ):
        assert other.post(url, data={"note": "x", "analysis": "x"}).status_code == 404, url
    assert f"/summaries/{summary_id}" not in other.get("/summaries").get_data(as_text=True)
    outlet = app.test_client()
    sign_in(outlet, "bank1-outlet1")
    assert outlet.get("/summaries").status_code == 403
    assert outlet.get(f"/summaries/{summary_id}").status_code == 404


def test_bad_input_is_refused_with_a_message(app, province):
    member = app.test_client()
    sign_in(member, "bank1-a")
    for period, words in (("2026H9", "2026H1"), ("2027H1", "尚未开始"), ("abc", "2026H1")):
        response = member.post("/summaries/start", data={"period": period})
        assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert member.get("/summaries?period=x").status_code == 200  # a member's page takes none
    staff = app.test_client()
    sign_in(staff, "assoc-staff")
    assert staff.get("/summaries?period=2026H7").status_code == 400
    summary_id = _start(member)
    for data in (
        {"action": "", "owner": "某部", "due_on": "2026-12-31"},
        {"action": "措施", "owner": "", "due_on": "2026-12-31"},
        {"action": "措施", "owner": "某部", "due_on": "not-a-date"},
        {"action": "措施", "owner": "某部", "due_on": "0001-01-01"},
        {"action": "措施\x00", "owner": "某部", "due_on": "2026-12-31"},
    ):
        response = member.post(f"/summaries/{summary_id}/measures", data=data)
        assert response.status_code == 422, data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Countermeasure)) == 0
    # A stale save: 409, nothing written.
    response = member.post(
        f"/summaries/{summary_id}/save", data={"analysis": "新", "version": "999"}
    )
    assert response.status_code == 409
    # The leader reads and writes nothing.
    leader = app.test_client()
    sign_in(leader, "bank1-leader")
    assert leader.get(f"/summaries/{summary_id}").status_code == 200
    assert leader.post(f"/summaries/{summary_id}/submit").status_code == 403
