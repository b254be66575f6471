"""The online return visit (Art. 11 回访, issue 24): the association sends the customer of
a closed case a one-time link; the answer is recorded as the case's return visit."""

from datetime import timedelta

from sqlalchemy import select
from support import sign_in
from track_support import PRIVATE, closed_case, tracking_no

from portal.complaints.models import Complaint, ComplaintEvent
from portal.db import db
from portal.tracking.models import VisitLink

VISIT_URL = "http://127.0.0.1:5000/visit/"


def make_link(desk, case_id, **data) -> str:
    piece = desk.as_("assoc-staff").post(
        f"/tracking/cases/{case_id}/visit-link", data=data, headers={"HX-Request": "true"}
    )
    assert piece.status_code == 200, piece.get_data(as_text=True)[-1500:]
    text = piece.get_data(as_text=True)
    start = text.index(VISIT_URL)
    return text[start : text.index("<", start)].removeprefix("http://127.0.0.1:5000")


def test_a_closed_case_gets_a_link_shown_once_and_stored_hashed(app, desk):
    case_id = closed_case(desk)
    staff = desk.as_("assoc-staff")
    piece = staff.get(f"/tracking/cases/{case_id}", headers={"HX-Request": "true"})
    assert "生成在线回访链接" in piece.get_data(as_text=True)
    assert "短信" not in piece.get_data(as_text=True)  # no gateway: no SMS offered
    path = make_link(desk, case_id)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        link = db.session.scalar(select(VisitLink).where(VisitLink.complaint_id == case_id))
        assert token not in (link.token_hash, str(link.id)) and len(link.token_hash) == 64
    again = staff.get(f"/tracking/cases/{case_id}", headers={"HX-Request": "true"})
    text = again.get_data(as_text=True)
    assert token not in text  # shown once
    assert "客户尚未回答" in text and "重新生成在线回访链接" in text


def test_only_the_association_handler_on_a_closed_case_may_make_one(app, desk):
    open_case = desk.register()
    assert (
        desk.as_("assoc-staff").post(f"/tracking/cases/{open_case}/visit-link").status_code == 403
    )
    case_id = closed_case(desk)
    leader = app.test_client()
    sign_in(leader, "assoc-leader")
    assert leader.post(f"/tracking/cases/{case_id}/visit-link").status_code == 403
    assert desk.as_("bank1-a").post(f"/tracking/cases/{case_id}/visit-link").status_code == 403
    assert desk.as_("bank1-outlet1").post(f"/tracking/cases/{case_id}/visit-link").status_code in (
        403,
        404,
    )


def test_the_customer_answers_satisfied_once(app, desk):
    case_id = closed_case(desk)
    path = make_link(desk, case_id)
    customer = app.test_client()
    page = customer.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "满意" in text and "基本满意" in text
    for private in (*PRIVATE, tracking_no(app, case_id)):
        assert private not in text, private
    done = customer.post(path, data={"satisfaction": "satisfied", "comment": "很好"})
    assert done.status_code == 200 and "感谢您的反馈" in done.get_data(as_text=True)
    with app.app_context():
        case = db.session.get(Complaint, case_id)
        assert case.satisfaction == "satisfied"
        entry = db.session.scalar(
            select(ComplaintEvent).where(
                ComplaintEvent.complaint_id == case_id, ComplaintEvent.action == "return_visit"
            )
        )
        assert entry.actor_id is None and entry.detail == {
            "satisfaction": "satisfied",
            "online": True,
        }
        assert entry.note == "很好"
    # Used: a second answer is refused, the first stands.
    second = customer.post(path, data={"satisfaction": "dissatisfied", "comment": ""})
    assert second.status_code == 410 and "只能提交一次" in second.get_data(as_text=True)
    assert customer.get(path).status_code == 410
    with app.app_context():
        assert db.session.get(Complaint, case_id).satisfaction == "satisfied"
    # The staff case page: the history says the customer answered online; the link's state.
    page = desk.as_("assoc-staff").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "客户在线回访" in page
    piece = (
        desk.as_("assoc-staff")
        .get(f"/tracking/cases/{case_id}", headers={"HX-Request": "true"})
        .get_data(as_text=True)
    )
    assert "客户已于 2026年11月23日 10:00 在线回答" in piece
    assert "生成在线回访链接" not in piece  # the return visit is recorded


def test_dissatisfied_opens_the_linked_repeat_complaint(app, desk):
    case_id = closed_case(desk)
    path = make_link(desk, case_id)
    desk.told()
    answer = app.test_client().post(
        path, data={"satisfaction": "dissatisfied", "comment": "问题没有解决"}
    )
    assert answer.status_code == 200
    assert "重复投诉" in answer.get_data(as_text=True)
    with app.app_context():
        repeat = db.session.scalar(select(Complaint).where(Complaint.repeat_of_id == case_id))
        assert repeat is not None and repeat.state == "registered"
        assert repeat.repeat_reason == "dissatisfied" and "问题没有解决" in repeat.facts
        assert repeat.received_by.username == "assoc-staff"  # who sent the link
    told = desk.told()
    assert any(title.startswith("回访不满意") for (_, title) in told), told
    assert any(title.startswith("重复投诉待转办") for (_, title) in told), told


def test_unknown_and_expired_links_answer_alike(app, desk):
    case_id = closed_case(desk)
    path = make_link(desk, case_id)
    customer = app.test_client()
    unknown = customer.get("/visit/not-a-token")
    app.config["FROZEN_NOW"] += timedelta(days=31)
    expired = customer.get(path)
    assert unknown.status_code == expired.status_code == 404
    assert "无效或已过期" in expired.get_data(as_text=True)
    posted = customer.post(path, data={"satisfaction": "satisfied"})
    assert posted.status_code == 404
    with app.app_context():
        assert db.session.get(Complaint, case_id).satisfaction is None
    piece = (
        desk.as_("assoc-staff")
        .get(f"/tracking/cases/{case_id}", headers={"HX-Request": "true"})
        .get_data(as_text=True)
    )
    assert "已过期，客户未回答" in piece


def test_a_new_link_replaces_the_old(app, desk):
    case_id = closed_case(desk)
    old = make_link(desk, case_id)
    new = make_link(desk, case_id)
    customer = app.test_client()
    assert customer.get(old).status_code == 404
    assert customer.get(new).status_code == 200


def test_a_missing_answer_is_asked_again(app, desk):
    case_id = closed_case(desk)
    path = make_link(desk, case_id)
    answer = app.test_client().post(path, data={"comment": "x"})
    assert answer.status_code == 422 and "请选择您的满意程度" in answer.get_data(as_text=True)
    odd = app.test_client().post(path, data={"satisfaction": "delighted"})
    assert odd.status_code == 422
    assert app.test_client().get(path).status_code == 200  # still open


def test_the_page_is_throttled(make_app, app, desk):
    app.config["TRACK_LIMIT_PER_MINUTE"] = 3
    customer = app.test_client()
    codes = [customer.get("/visit/whatever").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_the_sms_goes_through_the_gateway_and_a_failure_says_so(app, desk, monkeypatch):
    import json

    from portal.tracking import visits

    sent = []

    class Answer:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(request, timeout):
        sent.append((request.full_url, json.loads(request.data), dict(request.headers), timeout))
        return Answer()

    app.config.update(SMS_GATEWAY_URL="http://sms.example/send", SMS_GATEWAY_TOKEN="tok")
    monkeypatch.setattr(visits.urllib.request, "urlopen", fake_urlopen)
    case_id = closed_case(desk)
    piece = (
        desk.as_("assoc-staff")
        .get(f"/tracking/cases/{case_id}", headers={"HX-Request": "true"})
        .get_data(as_text=True)
    )
    assert "同时通过短信发送给客户" in piece
    path = make_link(desk, case_id, sms="1")
    url, body, headers, timeout = sent[0]
    assert url == "http://sms.example/send" and body["mobile"] == "13812341234"
    assert path in body["text"] and headers["Authorization"] == "Bearer tok" and timeout > 0
    for private in ("王丽", "柜员态度差", "第1银行", tracking_no(app, case_id)):
        assert private not in body["text"]
    piece = (
        desk.as_("assoc-staff")
        .get(f"/tracking/cases/{case_id}", headers={"HX-Request": "true"})
        .get_data(as_text=True)
    )
    assert "已短信发送" in piece

    def failing(request, timeout):
        raise visits.urllib.error.URLError("connection refused")

    monkeypatch.setattr(visits.urllib.request, "urlopen", failing)
    staff = desk.as_("assoc-staff")
    answer = staff.post(
        f"/tracking/cases/{case_id}/visit-link", data={"sms": "1"}, headers={"HX-Request": "true"}
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "短信发送失败" in text
    start = text.index(VISIT_URL)
    printed = text[start : text.index("<", start)].removeprefix("http://127.0.0.1:5000")
    assert app.test_client().get(printed).status_code == 200  # the printed link still works


def test_the_answer_is_recorded_behind_the_wall_without_an_all_banks_role(make_app, app, desk):
    case_id = closed_case(desk)
    path = make_link(desk, case_id)
    bare = make_app(FROZEN_NOW=app.config["FROZEN_NOW"], DATABASE_ALL_BANKS_ROLE=None)
    answer = bare.test_client().post(path, data={"satisfaction": "dissatisfied", "comment": "慢"})
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.get(Complaint, case_id).satisfaction == "dissatisfied"
        assert db.session.scalar(select(Complaint.id).where(Complaint.repeat_of_id == case_id))
