"""API v1 writes: each step through the web's own dispatcher, with the web's validation
messages (422), the web's 409 on a stale version or a step someone took first, 403 for a
step not the token's user's; idempotency keys; uploads. And the issue's "done when": a
case forwarded on the web is taken by a bank's system through the API alone from
acceptance to its report, and the association sees the same history, clocks, notices and
statistics as for a twin case a person drove on the web."""

import io
from collections import Counter

import pytest
from api_support import Api, token_for
from handoff_support import Desk, at
from sqlalchemy import func, select

from portal.api.models import ApiIdempotency
from portal.complaints.models import Attachment, Complaint, ComplaintEvent
from portal.db import db
from portal.deadlines.models import Clock

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


@pytest.fixture
def desk(app, province):
    app.config["FROZEN_NOW"] = at("2026-11-23", 10)
    return Desk(app, province)


@pytest.fixture
def api(app, desk):
    return Api(app.test_client(), token_for(app, "bank1-a"))


def _forwarded(desk) -> int:
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.told()
    return case_id


def _events(app, case_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ComplaintEvent.action)
                .where(ComplaintEvent.complaint_id == case_id)
                .order_by(ComplaintEvent.id)
            )
        )


def test_accept_then_the_case_as_get_answers_it(app, desk, api):
    case_id = _forwarded(desk)
    before = api.get(f"/cases/{case_id}").get_json()
    response = api.step(case_id, "accept")
    assert response.status_code == 200, response.get_data(as_text=True)
    case = response.get_json()
    assert case["state"] == "handling" and case["version"] > before["version"]
    assert case == api.get(f"/cases/{case_id}").get_json()
    assert {"verify", "pass-down", "contact", "final-reply", "progress"} <= set(case["actions"])
    clocks = {c["step"]: c for c in case["clocks"]}
    assert clocks["accept"]["state"] == "met_on_time"
    assert clocks["verify"]["is_open"] and clocks["report"]["is_open"]
    assert _events(app, case_id)[-1] == "accepted"


def test_validation_answers_422_with_the_webs_messages(app, desk, api):
    case_id = _forwarded(desk)
    api.step(case_id, "accept")
    response = api.step(case_id, "final-reply", result="", told_how="fax", reaction="x" * 501)
    assert response.status_code == 422
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert body["errors"]["result"] == ["请填写最终处理结果。"]
    assert body["errors"]["told_at"] == ["请填写答复客户的时间。"]
    assert body["errors"]["told_how"]  # not one of the choices (WTForms' own message)
    assert body["errors"]["reaction"]
    # A rule of the step (a promise in the past) and a field of the wrong type.
    response = api.step(case_id, "progress", summary="在查", promised_on="2026-11-20")
    assert response.get_json()["errors"]["promised_on"] == ["承诺答复日期必须晚于今天。"]
    response = api.step(case_id, "verify", finding="substantiated", facts=42, colour="red")
    errors = response.get_json()["errors"]
    assert response.status_code == 422 and set(errors) == {"facts", "colour"}
    # No version at all.
    response = api.post(f"/cases/{case_id}/verify", {"finding": "partly", "facts": "查明"})
    assert response.status_code == 422 and "version" in response.get_json()["errors"]
    assert _events(app, case_id)[-1] == "accepted"  # nothing written


def test_english_messages_follow_accept_language(app, desk, api):
    case_id = _forwarded(desk)
    api.step(case_id, "accept")
    version = api.get(f"/cases/{case_id}").get_json()["version"]
    response = api.post(
        f"/cases/{case_id}/verify",
        {"version": version, "finding": "partly", "facts": ""},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    message = response.get_json()["errors"]["facts"][0]
    assert message.isascii() and message  # the web's message, in English


def test_a_stale_version_answers_409_with_the_changes(app, desk, api):
    case_id = _forwarded(desk)
    case = api.get(f"/cases/{case_id}").get_json()
    assert api.step(case_id, "accept").status_code == 200
    response = api.post(
        f"/cases/{case_id}/verify",
        {
            "version": case["version"],
            "seen_event": case["last_event_id"],
            "finding": "partly",
            "facts": "查明",
        },
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["type"].endswith("/stale-version")
    assert [c["action"] for c in body["changes"]] == ["accepted"]
    assert _events(app, case_id)[-1] == "accepted"


def test_a_step_the_other_handler_took_first_is_a_conflict(app, desk, api):
    case_id = _forwarded(desk)
    version = api.get(f"/cases/{case_id}").get_json()["version"]
    desk.step("bank1-b", case_id, "accept")  # on the web, first
    response = api.post(f"/cases/{case_id}/accept", {"version": version})
    assert response.status_code == 409
    assert [c["action"] for c in response.get_json()["changes"]][-1] == "accepted"
    assert _events(app, case_id).count("accepted") == 1


def test_a_step_not_the_users_answers_403(app, desk, api):
    case_id = _forwarded(desk)
    # Reporting before acceptance, with the current version: not a conflict, a refusal.
    response = api.step(case_id, "report", summary="已处理")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    outlet = Api(app.test_client(), token_for(app, "bank1-outlet1"))
    api.step(case_id, "accept")
    api.step(case_id, "pass-down", unit_id=desk.province.unit("bank1-outlet1").id, note="请核实")
    assert outlet.step(case_id, "verify", finding="partly", facts="x").status_code == 403


def test_pass_down_progress_and_the_outlets_token(app, desk, api, province):
    case_id = _forwarded(desk)
    api.step(case_id, "accept")
    refused = api.step(case_id, "pass-down", unit_id=province.unit("bank2-outlet1").id)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["unit_id"] == ["只能转交给本单位的下级单位。"]
    passed = api.step(
        case_id, "pass-down", unit_id=province.unit("bank1-outlet1").id, note="请核实"
    )
    assert passed.status_code == 200
    assert passed.get_json()["handling_unit"]["id"] == province.unit("bank1-outlet1").id
    outlet = Api(app.test_client(), token_for(app, "bank1-outlet1"))
    case = outlet.get(f"/cases/{case_id}").get_json()
    assert {"contact", "final-reply", "progress"} <= set(case["actions"])
    promised = outlet.step(case_id, "progress", summary="正在调取录像", promised_on="2026-11-30")
    assert promised.status_code == 200, promised.get_data(as_text=True)
    case = promised.get_json()
    assert case["promised_on"] == "2026-11-30"
    assert any(c["step"] == "promise" and c["is_open"] for c in case["clocks"])
    told = desk.told()
    assert told[("bank1-a", "网点报告处理进度")] or any(u == "bank1-a" for u, _t in told)


def test_rectifications_and_their_completion(app, desk, api):
    case_id = _forwarded(desk)
    api.step(case_id, "accept")
    assert api.step(case_id, "verify", finding="substantiated", facts="属实").status_code == 200
    opinion = api.step(
        case_id, "rectifications", kind="rectification", opinion="加强培训", due_on="2026-12-10"
    )
    assert opinion.status_code == 200, opinion.get_data(as_text=True)
    (item,) = opinion.get_json()["rectifications"]
    assert item["due_on"] == "2026-12-10" and item["completed_at"] is None
    missing = api.step(case_id, f"rectifications/{item['id'] + 100}/done", note="已完成")
    assert missing.status_code == 422
    done = api.step(case_id, f"rectifications/{item['id']}/done", note="已完成培训")
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["rectifications"][0]["completed_at"]


def test_idempotency_replays_and_never_steps_twice(app, desk, api):
    case_id = _forwarded(desk)
    version = api.get(f"/cases/{case_id}").get_json()["version"]
    first = api.post(f"/cases/{case_id}/accept", {"version": version}, key="k-1")
    assert first.status_code == 200 and "Idempotency-Replayed" not in first.headers
    again = api.post(f"/cases/{case_id}/accept", {"version": version}, key="k-1")
    assert again.status_code == 200
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _events(app, case_id).count("accepted") == 1
    other = api.post(f"/cases/{case_id}/accept", {"version": version + 5}, key="k-1")
    assert other.status_code == 422
    assert other.get_json()["type"].endswith("/idempotency-key-reused")
    # A refused request keeps no key: corrected, the same key may be used.
    bad = api.post(f"/cases/{case_id}/verify", {"version": 0, "finding": "?"}, key="k-2")
    assert bad.status_code in (409, 422)
    current = api.get(f"/cases/{case_id}").get_json()["version"]
    good = api.post(
        f"/cases/{case_id}/verify",
        {"version": current, "finding": "partly", "facts": "查明"},
        key="k-2",
    )
    assert good.status_code == 200, good.get_data(as_text=True)
    # Another token's keys are its own.
    other_api = Api(app.test_client(), token_for(app, "bank1-b"))
    theirs = other_api.post(f"/cases/{case_id}/accept", {"version": version}, key="k-1")
    assert theirs.status_code in (403, 409) and "Idempotency-Replayed" not in theirs.headers
    with app.app_context():
        assert db.session.scalar(select(func.count(ApiIdempotency.id))) == 2


def test_a_key_whose_request_has_not_finished_answers_409(app, desk, api):
    case_id = _forwarded(desk)
    version = api.get(f"/cases/{case_id}").get_json()["version"]
    from portal.api import idempotency
    from portal.api.models import ApiToken

    body = {"version": version}
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
        print_ = idempotency.fingerprint("POST", f"/api/v1/cases/{case_id}/accept", body)
        db.session.add(
            ApiIdempotency(
                token_id=token_id, key="busy", fingerprint=print_, created_at=at("2026-11-23", 10)
            )
        )
        db.session.commit()
    response = api.post(f"/cases/{case_id}/accept", body, key="busy")
    assert response.status_code == 409
    assert response.get_json()["type"].endswith("/idempotency-key-in-use")
    assert "accepted" not in _events(app, case_id)


@pytest.mark.postgresql_only("two connections racing on one key")
def test_two_requests_at_once_with_one_key_take_the_step_once(app, desk, api, monkeypatch):
    """The second request waits on the key's unique index while the first runs, then
    replays its answer: one acceptance, two identical answers."""
    import threading
    import time

    from portal.complaints import actions

    case_id = _forwarded(desk)
    version = api.get(f"/cases/{case_id}").get_json()["version"]
    perform = actions.perform

    def slow(*args, **kwargs):
        time.sleep(0.5)  # the other request arrives meanwhile
        return perform(*args, **kwargs)

    monkeypatch.setattr(actions, "perform", slow)
    start = threading.Barrier(2)
    answers = []

    def send():
        client = Api(app.test_client(), api.token)
        start.wait()
        answers.append(client.post(f"/cases/{case_id}/accept", {"version": version}, key="same"))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [200, 200]
    assert [a.headers.get("Idempotency-Replayed") for a in answers].count("true") == 1
    assert answers[0].get_json() == answers[1].get_json()
    assert _events(app, case_id).count("accepted") == 1


def test_keys_are_purged_after_a_day(app, desk, api):
    from datetime import timedelta

    from portal.api import idempotency

    case_id = _forwarded(desk)
    api.step(case_id, "accept", key="old")
    with app.app_context():
        now = at("2026-11-23", 10)
        assert idempotency.purge(now + timedelta(hours=23)) == 0
        assert idempotency.purge(now + timedelta(hours=25)) == 1
        db.session.commit()


def test_attachments_hang_on_a_note_with_the_webs_checks(app, desk, api):
    case_id = _forwarded(desk)
    api.step(case_id, "accept")
    version = api.get(f"/cases/{case_id}").get_json()["version"]

    def upload(files, text="客户提供的小票", key=None, v=version):
        data = {"version": str(v), "text": text, "files": files}
        return api.post(
            f"/cases/{case_id}/attachments",
            data=data,
            content_type="multipart/form-data",
            key=key,
        )

    refused = upload([(io.BytesIO(EXE), "receipt.jpg")])
    assert refused.status_code == 422
    assert "只接受图片" in refused.get_json()["errors"]["files"][0]
    assert upload([]).get_json()["errors"]["files"] == ["请选择要上传的文件。"]
    assert upload([(io.BytesIO(JPEG), "a.jpg")], text="").status_code == 422
    assert upload([(io.BytesIO(JPEG), "a.jpg")], v=version - 1).status_code == 409
    done = upload([(io.BytesIO(JPEG), "receipt.jpg")], key="u-1")
    assert done.status_code == 200, done.get_data(as_text=True)
    note = done.get_json()["history"][-1]
    assert note["action"] == "note" and note["note"] == "客户提供的小票"
    assert [a["filename"] for a in note["attachments"]] == ["receipt.jpg"]
    again = upload([(io.BytesIO(JPEG), "receipt.jpg")], key="u-1")
    assert again.headers["Idempotency-Replayed"] == "true"
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id))) == 1
    # Not JSON for an upload, nor an upload for a step.
    assert api.post(f"/cases/{case_id}/attachments", {"version": version}).status_code == 415


# -- Done when ------------------------------------------------------------------------

STEPS = [
    ("2026-11-23", 11, "accept", {}),
    (
        "2026-11-24",
        9,
        "contact",
        {"contacted_at": "2026-11-24T08:30", "how": "phone", "summary": "已电话联系客户"},
    ),
    (
        "2026-11-24",
        10,
        "final_reply",
        {
            "result": "已向客户致歉并说明处理结果",
            "told_at": "2026-11-24T09:50",
            "told_how": "phone",
            "reaction": "客户表示理解",
        },
    ),
    ("2026-11-25", 10, "verify", {"finding": "unsubstantiated", "facts": "经调阅录像，柜员无不当"}),
    ("2026-11-25", 15, "report", {"summary": "已核实并答复客户，客户表示理解"}),
]
API_NAMES = {"final_reply": "final-reply"}


def _clocks(app, case_id):
    with app.app_context():
        return [
            (
                c.kind,
                c.owner_unit_id,
                c.due_on,
                c.met_at,
                c.cancelled_at,
                c.state(c.met_at or c.due_at),
            )
            for c in db.session.scalars(
                select(Clock).where(Clock.case_id == case_id).order_by(Clock.kind, Clock.id)
            )
        ]


def _history(app, case_id):
    with app.app_context():
        return [
            (e.action, e.at, e.actor_id, e.actor_unit_id, e.note, e.detail)
            for e in db.session.scalars(
                select(ComplaintEvent)
                .where(ComplaintEvent.complaint_id == case_id)
                .order_by(ComplaintEvent.id)
            )
        ]


def _statistics(app, province):
    from portal.auth.models import User
    from portal.statistics.queries import overview
    from portal.statistics.rules import Period

    with app.test_request_context():
        assoc = db.session.get(User, province.user("assoc-leader").id)
        headline, members = overview(assoc, Period(2026, 2))
        return headline, members


def _doubled(one, two):
    """``two`` holds every count of ``one`` twice and the same rates and averages."""
    if isinstance(one, dict):
        assert set(one) == set(two)
        for key in one:
            if key.endswith("_id"):
                assert one[key] == two[key]
            else:
                _doubled(one[key], two[key])
    elif isinstance(one, list | tuple):
        assert len(one) == len(two)
        for a, b in zip(one, two, strict=True):
            _doubled(a, b)
    elif isinstance(one, bool) or one is None or isinstance(one, str):
        assert one == two
    elif isinstance(one, int):
        assert two == 2 * one, (one, two)
    else:
        assert one == pytest.approx(two), (one, two)


def test_done_when_a_banks_system_takes_a_forwarded_case_to_its_report(app, desk, province):
    """Two cases forwarded on the web at the same moment: bank1-a drives one on the web,
    the bank's system (a token acting as bank1-a) the other through the API alone, step
    for step at the same moments. The association sees the same history, clocks, notices
    and statistics."""
    web_case = _forwarded(desk)
    web_told = Counter()
    for day, hour, action, fields in STEPS:
        app.config["FROZEN_NOW"] = at(day, hour)
        desk.step("bank1-a", web_case, action, **fields)
        web_told += desk.told()
    stats_one = _statistics(app, province)

    app.config["FROZEN_NOW"] = at("2026-11-23", 10)
    api_case = _forwarded(desk)
    api = Api(app.test_client(), token_for(app, "bank1-a", name="行内投诉管理系统"))
    api_told = Counter()
    for day, hour, action, fields in STEPS:
        app.config["FROZEN_NOW"] = at(day, hour)
        body = dict(fields)
        for name in ("contacted_at", "told_at"):
            if name in body:  # RFC 3339 with its offset, as a system sends it
                body[name] += ":00+08:00"
        response = api.step(api_case, API_NAMES.get(action, action), key=f"{action}-1", **body)
        assert response.status_code == 200, (action, response.get_data(as_text=True))
        api_told += desk.told()

    final = api.get(f"/cases/{api_case}").get_json()
    assert final["state"] == "reported" and final["actions"] == ["attachments"]
    assert _history(app, api_case) == _history(app, web_case)
    assert _clocks(app, api_case) == _clocks(app, web_case)
    assert api_told == web_told and web_told  # the same people told the same things
    with app.app_context():
        web, api_row = (db.session.get(Complaint, i) for i in (web_case, api_case))
        for column in (
            "state",
            "finding",
            "replied_at",
            "reported_at",
            "accepted_by_id",
            "accepted_at",
            "next_due_at",
            "handling_unit_id",
            "version",
        ):
            assert getattr(api_row, column) == getattr(web, column), column
    _doubled(stats_one, _statistics(app, province))
    # And the association's own case page shows the API's case as the web's.
    staff = desk.as_("assoc-staff")
    page = staff.get(f"/cases/{api_case}").get_data(as_text=True)
    assert "已核实并答复客户" in page
