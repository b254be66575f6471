"""API v1 reads: the cases in the token's scope (another member's case answers 404, an
outlet's token sees its own unit's), cursor pages with filters, one case with its clocks,
public history, version and open steps, the units to pass down to."""

from datetime import timedelta

import pytest
from api_support import Api, token_for
from support import NOW, make_case

from portal.complaints.models import Complaint
from portal.db import db


@pytest.fixture
def api(app, client, province):
    app.config["FROZEN_NOW"] = NOW  # Monday 23 November 2026, 10:00 in Beijing
    return Api(client, token_for(app, "bank1-a"))


def test_me_names_the_system_member_and_role(api, province):
    me = api.get("/me").get_json()
    assert me["system"] == "行内投诉管理系统"
    assert me["member"]["id"] == province.unit("bank1").id
    assert me["user"]["role"] == "member_handler"
    assert me["token_prefix"].startswith("lnp_")


def test_the_list_holds_the_members_cases_only(app, api, province):
    mine = make_case(app, province, state="forwarded")
    held = make_case(app, province, state="at_outlet", mobile="13700002222")
    theirs = make_case(app, province, state="forwarded", outlet="bank2-outlet1")
    registered = make_case(app, province, state="registered")  # still with the association
    page = api.get("/cases").get_json()
    ids = [item["id"] for item in page["items"]]
    assert set(ids) == {mine, held}
    assert theirs not in ids and registered not in ids
    item = next(i for i in page["items"] if i["id"] == held)
    assert item["mobile_masked"] == "137****2222"
    assert "13700002222" not in str(page)
    assert (
        item["state"] == "handling"
        and item["handling_unit"]["id"] == province.unit("bank1-outlet1").id
    )
    assert page["next_cursor"] is None


def test_another_members_case_answers_404_everywhere(app, api, province):
    theirs = make_case(app, province, state="forwarded", outlet="bank2-outlet1")
    missing = api.get(f"/cases/{theirs}")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert api.get("/cases/987654").get_json()["status"] == 404  # the same as none at all
    for step in (
        "accept",
        "pass-down",
        "contact",
        "progress",
        "final-reply",
        "verify",
        "rectifications",
        "report",
        "rectifications/1/done",
    ):
        response = api.post(f"/cases/{theirs}/{step}", {"version": 1})
        assert response.status_code == 404, step
    upload = api.post(
        f"/cases/{theirs}/attachments",
        data={"version": "1", "text": "x"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404
    with app.app_context():
        assert db.session.get(Complaint, theirs).state == "forwarded"


def test_an_outlets_token_sees_only_what_its_unit_holds(app, client, province):
    at_outlet1 = make_case(app, province, state="at_outlet")
    at_member = make_case(app, province, state="handling")
    at_outlet2 = make_case(app, province, state="at_outlet", outlet="bank1-outlet2")
    api = Api(client, token_for(app, "bank1-outlet1"))
    ids = {item["id"] for item in api.get("/cases").get_json()["items"]}
    assert ids == {at_outlet1}
    assert api.get(f"/cases/{at_member}").status_code == 404
    assert api.get(f"/cases/{at_outlet2}").status_code == 404
    assert api.get("/units").get_json()["items"] == []  # nothing below an outlet


def test_cursor_pages_and_filters(app, api, province):
    ids = [make_case(app, province, state="forwarded", mobile=f"1370000{n:04d}") for n in range(5)]
    handling = make_case(app, province, state="handling")
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/cases", query_string=query).get_json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([*ids, handling]) and len(seen) == len(set(seen))
    forwarded = api.get("/cases", query_string={"state": "forwarded"}).get_json()["items"]
    assert {i["id"] for i in forwarded} == set(ids)
    both = api.get("/cases", query_string={"state": "forwarded,handling"}).get_json()["items"]
    assert len(both) == 6
    with app.app_context():
        from sqlalchemy import func, select

        latest = db.session.scalar(select(func.max(Complaint.updated_at)))
        later = latest + timedelta(seconds=1)
        db.session.get(Complaint, handling).updated_at = later
        db.session.commit()
    since = api.get("/cases", query_string={"updated_since": later.isoformat()}).get_json()
    assert [i["id"] for i in since["items"]] == [handling]


@pytest.mark.parametrize(
    "query",
    [
        {"state": "nonsense"},
        {"updated_since": "yesterday"},
        {"cursor": "%%%"},
        {"limit": "0"},
        {"limit": "1000"},
        {"cursor": "WzEsMl0"},
    ],
)
def test_bad_list_arguments_answer_400_problems(api, query):
    response = api.get("/cases", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]


def test_one_case_with_clocks_history_version_and_actions(app, api, province):
    case_id = make_case(app, province, state="forwarded")
    case = api.get(f"/cases/{case_id}").get_json()
    assert case["tracking_no"].startswith("LN")
    assert case["actions"] == ["accept", "attachments"]
    assert isinstance(case["version"], int)
    steps = {c["step"]: c for c in case["clocks"]}
    assert steps["accept"]["is_open"] and steps["accept"]["working_days_left"] >= 0
    assert steps["accept"]["state"] in ("running", "due_today")
    assert steps["forward"]["state"] == "met_on_time" and not steps["forward"]["is_open"]
    assert [h["action"] for h in case["history"]][:2] == ["registered", "forwarded"]
    assert case["last_event_id"] == max(h["id"] for h in case["history"] if h["id"])
    assert case["next_due"]["step"] == "accept"
    assert case["mobile_masked"] == "137****1111" and "13700001111" not in str(case)


def test_units_below_the_member_for_passing_down(api, province):
    units = api.get("/units").get_json()["items"]
    ids = {u["id"] for u in units}
    assert province.unit("bank1-outlet1").id in ids and province.unit("bank1-city").id in ids
    assert province.unit("bank1").id not in ids
    assert province.unit("bank2-outlet1").id not in ids
