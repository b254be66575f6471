"""Major complaints (重大投诉) through HTTP: proposed by the rules at intake and on steps,
confirmed (alerting the member's leader and the association's) or rejected with a reason
by a person, scoped like their case, counted in the statistics and the bulletin.

The criteria cite the practice definition (regulation.md): serious service/management
gaps, or unresolved after several rounds and tending to escalate."""

from datetime import timedelta
from io import BytesIO

from handoff_support import BEIJING, _category
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import db
from portal.major.models import MajorProposal, MajorSettings
from portal.notify.models import Notification, OutboxMessage


def _intake(desk, mobile="13812341234", outlet="bank1-outlet1", **extra) -> int:
    received = desk.app.config["FROZEN_NOW"].astimezone(BEIJING) - timedelta(minutes=30)
    response = desk.as_("assoc-staff").post(
        "/cases/new",
        data={
            "received_at": received.strftime("%Y-%m-%dT%H:%M"),
            "channel": "phone",
            "complainant_name": "王丽",
            "mobile": mobile,
            "reply_channel": "phone",
            "outlet_id": desk.province.unit(outlet).id,
            "category_id": _category(desk.app),
            "facts": "柜员态度差。",
            "demand": "道歉。",
        }
        | extra,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _proposal(app, case_id) -> MajorProposal | None:
    with app.app_context():
        proposal = db.session.scalar(
            select(MajorProposal).where(MajorProposal.complaint_id == case_id)
        )
        if proposal is not None:
            db.session.expunge(proposal)
        return proposal


def _tracking_no(app, case_id) -> str:
    with app.app_context():
        return db.session.get(Complaint, case_id).tracking_no


def _criteria(app, case_id) -> list[str]:
    proposal = _proposal(app, case_id)
    return [r["criterion"] for r in proposal.reasons] if proposal else []


def _handled_media_case(desk) -> int:
    """A bank 1 case accepted by its handler, who then learns it reached the media."""
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.step("bank1-a", case_id, "flags", is_media="y", reason="客户已在微博发帖。")
    desk.told()
    return case_id


def _decide(client, app, case_id, step, **data):
    version = _proposal(app, case_id).version
    return client.post(f"/major/cases/{case_id}/{step}", data={"version": version} | data)


def test_a_repeat_chain_is_proposed_at_its_second_repeat(desk, app):
    original = desk.register()
    first = _intake(desk, repeat_of=_tracking_no(app, original), repeat_reason="dragging")
    assert _proposal(app, first) is None  # one repeat: below the threshold of 2
    second = _intake(desk, repeat_of=_tracking_no(app, first), repeat_reason="dragging")
    assert _criteria(app, second) == ["repeats"]
    # Every open complaint of the chain: the matter has gone round several times.
    assert _criteria(app, original) == _criteria(app, first) == ["repeats"]
    proposal = _proposal(app, second)
    assert proposal.state == "pending" and proposal.reasons[0]["params"] == {
        "count": 2,
        "limit": 2,
    }


def test_a_media_flag_at_intake_is_proposed_with_its_reason_on_the_case_page(desk, app):
    case_id = _intake(desk, is_media="y")
    assert _criteria(app, case_id) == ["media"]
    staff = desk.as_("assoc-staff")
    page = staff.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'hx-get="/major/cases/{case_id}"' in page
    piece = staff.get(f"/major/cases/{case_id}", headers={"HX-Request": "true"})
    html = piece.get_data(as_text=True)
    assert piece.status_code == 200 and "<html" not in html
    assert 'data-testid="major-proposal"' in html and "已升级至网络或媒体" in html
    assert "升级趋势" in html  # the practice definition cited
    assert f'action="/major/cases/{case_id}/confirm"' in html
    assert f'action="/major/cases/{case_id}/reject"' in html
    # The full page twin of the piece.
    full = staff.get(f"/major/cases/{case_id}").get_data(as_text=True)
    assert "<html" in full and 'data-testid="major-proposal"' in full
    # A leader reads the reasons; the decision is not theirs.
    leader = desk.as_("assoc-leader").get(f"/major/cases/{case_id}").get_data(as_text=True)
    assert "已升级至网络或媒体" in leader and "/confirm" not in leader


def test_an_ordinary_intake_proposes_nothing(desk, app):
    case_id = desk.register()
    assert _proposal(app, case_id) is None
    html = desk.as_("assoc-staff").get(f"/major/cases/{case_id}").get_data(as_text=True)
    assert "major-proposal" not in html and "major-badge" not in html


def test_a_member_handler_confirms_and_both_leaders_are_alerted(desk, app):
    case_id = _handled_media_case(desk)
    assert _criteria(app, case_id) == ["media"]
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.username == "bank1-leader"))
        leader.email = "bank1-leader@example.cn"
        db.session.commit()
    handler = desk.as_("bank1-a")
    assert "/confirm" in handler.get(f"/major/cases/{case_id}").get_data(as_text=True)
    response = _decide(handler, app, case_id, "confirm", note="按重大投诉督办。")
    assert response.status_code == 200
    assert 'data-testid="major-badge"' in response.get_data(as_text=True)
    assert response.headers.get("HX-Trigger") == "major-changed"
    proposal = _proposal(app, case_id)
    assert proposal.state == "confirmed" and proposal.note == "按重大投诉督办。"
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        assert case.is_major and case.is_media
        # Through the lifecycle's own step: the case history says who and why.
        entry = db.session.scalar(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case_id, ComplaintEvent.action == "flags_changed")
            .order_by(ComplaintEvent.id.desc())
        )
        assert entry.detail["changes"] == {"is_major": [False, True]}
        assert "确认重大投诉" in entry.note and entry.actor_id == desk.province.user("bank1-a").id
        assert db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "major_confirmed")
        )
        alerted = set(
            db.session.scalars(
                select(User.username)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.title.like("【重大投诉】%"))
            )
        )
        mails = set(
            db.session.scalars(
                select(OutboxMessage.recipient).where(OutboxMessage.subject.like("【重大投诉】%"))
            )
        )
    assert alerted == {"bank1-leader", "assoc-leader"}
    assert mails == {"bank1-leader@example.cn", "assoc-leader@example.cn"}
    # Confirmed once: a second decision is refused, nothing more is sent.
    again = _decide(handler, app, case_id, "confirm")
    assert again.status_code == 422
    # Both homes list it, with its state and due time.
    for user in ("bank1-a", "assoc-staff"):
        home = desk.as_(user).get("/home").get_data(as_text=True)
        assert 'hx-get="/major/dashboard"' in home
        piece = desk.as_(user).get("/major/dashboard", headers={"HX-Request": "true"})
        html = piece.get_data(as_text=True)
        assert _tracking_no(app, case_id) in html and 'data-testid="count-major"' in html
        assert "期限" in html


def test_a_flag_set_by_hand_settles_the_proposal_and_alerts_once(desk, app):
    case_id = _handled_media_case(desk)
    desk.step("assoc-staff", case_id, "flags", is_media="y", is_major="y", reason="金额较大。")
    assert _proposal(app, case_id).state == "confirmed"
    told = desk.told()
    assert told[("bank1-leader", "【重大投诉】" + _tracking_no(app, case_id))] == 1
    assert told[("assoc-leader", "【重大投诉】" + _tracking_no(app, case_id))] == 1


def test_an_intake_ticked_major_alerts_the_leaders(desk, app):
    case_id = _intake(desk, is_major="y")
    assert _proposal(app, case_id) is None
    assert desk.told()[("assoc-leader", "【重大投诉】" + _tracking_no(app, case_id))] == 1


def test_the_association_rejects_with_a_reason_and_the_member_may_not(desk, app):
    case_id = _handled_media_case(desk)
    member = desk.as_("bank1-a")
    assert "/reject" not in member.get(f"/major/cases/{case_id}").get_data(as_text=True)
    assert _decide(member, app, case_id, "reject", note="不同意").status_code == 403
    staff = desk.as_("assoc-staff")
    refused = _decide(staff, app, case_id, "reject", note="  ")
    assert refused.status_code == 422 and "请说明否决的理由" in refused.get_data(as_text=True)
    assert _proposal(app, case_id).state == "pending"
    done = _decide(staff, app, case_id, "reject", note="帖子已删除，客户已和解。")
    assert done.status_code == 200
    proposal = _proposal(app, case_id)
    assert (proposal.state, proposal.note) == ("rejected", "帖子已删除，客户已和解。")
    with app.app_context():
        assert not db.session.get(Complaint, case_id).is_major
    assert "帖子已删除" in staff.get(f"/major/cases/{case_id}").get_data(as_text=True)
    listed = staff.get("/major?state=rejected").get_data(as_text=True)
    assert _tracking_no(app, case_id) in listed


def test_another_banks_proposal_answers_404_and_changes_nothing(desk, app):
    case_id = _handled_media_case(desk)
    other = desk.as_("bank2-a")
    assert other.get(f"/major/cases/{case_id}").status_code == 404
    assert _decide(other, app, case_id, "confirm").status_code == 404
    assert _proposal(app, case_id).state == "pending"
    assert _tracking_no(app, case_id) not in other.get("/major").get_data(as_text=True)
    own = desk.as_("bank1-leader").get("/major").get_data(as_text=True)
    assert _tracking_no(app, case_id) in own


def test_a_stale_decision_answers_409(desk, app):
    case_id = _handled_media_case(desk)
    response = desk.as_("assoc-staff").post(
        f"/major/cases/{case_id}/confirm", data={"version": "999"}
    )
    assert response.status_code == 409
    assert _proposal(app, case_id).state == "pending"


def test_no_proposal_answers_404_and_unknown_states_too(desk, app):
    case_id = desk.register()
    staff = desk.as_("assoc-staff")
    assert staff.post(f"/major/cases/{case_id}/confirm", data={"version": 1}).status_code == 404
    assert staff.get("/major?state=bogus").status_code == 404
    assert desk.as_("bank1-outlet1").get("/major").status_code == 403


def test_confirmed_majors_count_in_the_statistics_excel_and_bulletin(desk, app):
    from portal.bulletins.models import Bulletin
    from portal.bulletins.pdf import build_context
    from portal.statistics import queries
    from portal.statistics.rules import parse_period

    case_id = _handled_media_case(desk)
    _decide(desk.as_("assoc-staff"), app, case_id, "confirm")
    app.config["STATISTICS_MAX_AGE"] = 0
    bank1 = desk.province.unit("bank1").id
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        head, members = queries.overview(staff, parse_period("2026H2"))
        assert head["major"] == 1
        assert {m["member_id"]: m["major"] for m in members}[bank1] == 1
        context = build_context(Bulletin(period="2026H2", version=1, title="通报"), staff)
        headline = {row["label"]: row["value"] for row in context["headline"]}
        assert headline["重大投诉"] == 1
        assert [m["major"] for m in context["figures"][1] if m["member_id"] == bank1] == [1]
    page = desk.as_("assoc-staff").get("/statistics?period=2026H2").get_data(as_text=True)
    assert 'data-testid="major">1<' in page
    book = load_workbook(
        BytesIO(desk.as_("assoc-staff").get("/statistics/export.xlsx?period=2026H2").data)
    )
    assert ("重大投诉", 1) in list(book["总体情况"].values)
    header, *rows = list(book["会员单位"].values)
    column = header.index("重大投诉")
    assert sum(row[column] or 0 for row in rows) == 1


def test_thresholds_are_the_administrators_with_an_audit_entry(desk, app):
    admin = desk.as_("assoc-admin")
    page = admin.get("/major/settings")
    assert page.status_code == 200 and 'name="repeats"' in page.get_data(as_text=True)
    assert desk.as_("assoc-staff").get("/major/settings").status_code == 403
    bad = admin.post("/major/settings", data={"repeats": 0, "complainants": 3, "window_days": 7})
    assert bad.status_code == 422
    assert admin.post("/major/settings", data={"repeats": "x"}).status_code == 422
    with app.app_context():
        assert db.session.get(MajorSettings, 1) is None
    ok = admin.post("/major/settings", data={"repeats": 3, "complainants": 4, "window_days": 10})
    assert ok.status_code == 200
    with app.app_context():
        row = db.session.get(MajorSettings, 1)
        assert (row.repeats, row.complainants, row.window_days) == (3, 4, 10)
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "major_thresholds_changed")
        )
        assert entry.changes["repeats"] == [2, 3]
    # The new threshold applies: two repeats are no longer enough.
    original = desk.register()
    first = _intake(desk, repeat_of=_tracking_no(app, original), repeat_reason="dragging")
    second = _intake(desk, repeat_of=_tracking_no(app, first), repeat_reason="dragging")
    assert _proposal(app, second) is None


def test_several_complainants_about_one_outlet_in_a_week(desk, app):
    ids = [_intake(desk, mobile=m) for m in ("13800000001", "13800000002")]
    assert [_proposal(app, i) for i in ids] == [None, None]
    third = _intake(desk, mobile="13800000003")
    assert _criteria(app, third) == ["crowd"]
    assert all(_criteria(app, i) == ["crowd"] for i in ids)


def test_catch_up_proposes_a_dissatisfied_customers_repeat(desk, app):
    """A return visit taken outside a request (a script) sends no signal: the catch-up
    finds the repeat it created."""
    from portal.complaints import operations as ops
    from portal.major.detect import catch_up

    case_id = desk.register()
    now = app.config["FROZEN_NOW"]
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        case.state, case.closed_at = "closed", now
        staff = db.session.scalar(select(User).where(User.username == "assoc-staff"))
        repeat = ops.return_visit(
            case,
            actor=staff,
            now=now,
            local_today=now.astimezone(BEIJING).date(),
            satisfaction="dissatisfied",
            comment="仍未解决。",
        )
        db.session.commit()
        repeat_id = repeat.id
        assert catch_up(now) == 1
        db.session.commit()
    assert _criteria(app, repeat_id) == ["dissatisfied"]


def test_a_proposal_left_pending_on_a_closed_case_can_be_rejected_not_confirmed(desk, app):
    case_id = _handled_media_case(desk)
    with app.app_context():
        db.session.get(Complaint, case_id).state = "closed"
        db.session.commit()
    staff = desk.as_("assoc-staff")
    html = staff.get(f"/major/cases/{case_id}").get_data(as_text=True)
    assert "/reject" in html and "/confirm" not in html
    refused = _decide(staff, app, case_id, "confirm")
    assert refused.status_code == 422 and "只有办理中的投诉可以变更标记" in refused.get_data(
        as_text=True
    )
    assert _proposal(app, case_id).state == "pending"
    assert _decide(staff, app, case_id, "reject", note="已办结。").status_code == 200


def test_the_reasons_and_the_dashboard_read_in_english(desk, app):
    case_id = _handled_media_case(desk)
    client = desk.as_("assoc-staff")
    client.get("/lang/en?next=/")
    html = client.get(f"/major/cases/{case_id}").get_data(as_text=True)
    assert "Escalated to the internet or the media" in html and "Confirm as major" in html
    assert "升级" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    home = client.get("/major/dashboard", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Proposals awaiting confirmation" in home
