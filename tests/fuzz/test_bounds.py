"""What the fuzz suite found, pinned: each kind of hostile input answers a 4xx with a
message in the user's language and writes nothing (issue 21, point 6)."""

from fuzz_support import fingerprint
from support import NOW


def test_ids_beyond_32_bits_in_a_path_match_no_route(fuzz_app, signed_in):
    client = signed_in("assoc-staff")
    case = fuzz_app.province.cases["registered"]
    assert client.get(f"/cases/{case}").status_code == 200
    for bad in (0, 2**31, 2**63, 10**30):
        assert client.get(f"/cases/{bad}").status_code == 404
    assert client.get(f"/cases/{2**31 - 1}").status_code == 404  # in range, not there


def test_a_number_beyond_32_bits_in_a_query_string_is_a_400_with_a_message(fuzz_app, signed_in):
    client = signed_in("assoc-staff")
    response = client.get(f"/cases?unit={2**63}")
    assert response.status_code == 400
    assert "数字超出允许范围" in response.get_data(as_text=True)
    assert client.get("/cases?unit=x").status_code == 200  # not a number: no filter, as before


def test_a_nul_byte_is_refused_anywhere_and_nothing_is_written(fuzz_app, signed_in):
    client = signed_in("assoc-staff")
    case = fuzz_app.province.cases["registered"]
    assert client.get("/cases?q=a%00b").status_code == 400
    before = fingerprint(fuzz_app)
    page = client.get(f"/cases/{case}").get_data(as_text=True)
    assert 'name="note-version"' in page
    response = client.post(
        f"/cases/{case}/do/note",
        data={"note-text": "记录\x00内容", "note-version": "1", "note-seen_event": "0"},
    )
    assert response.status_code == 422
    assert "空字符" in response.get_data(as_text=True)
    assert fingerprint(fuzz_app) == before


def test_control_characters_are_refused_in_text_and_stripped_from_names(fuzz_app):
    from portal.complaints.forms import NoteForm
    from portal.workdays.forms import DayForm

    with fuzz_app.test_request_context(
        method="POST", data={"text": "第一行\r\n\t第二行\x1b", "version": "1"}
    ):
        form = NoteForm()
        assert not form.validate()
        assert "控制字符" in str(form.text.errors)
    with fuzz_app.test_request_context(
        method="POST", data={"is_working": "1", "name": "春节\n\x07假期", "reason": "通知"}
    ):
        form = DayForm()
        assert form.name.data == "春节 假期"
        assert form.validate(), form.errors


def test_dates_outside_2000_to_a_year_ahead_are_refused_with_a_message(fuzz_app, signed_in):
    from portal.workdays.forms import ExplainForm

    for day, ok in (
        ("0001-01-01", False),
        ("1999-12-31", False),
        ("2000-01-01", True),
        ("2027-11-23", True),  # today (23 November 2026) + 1 year
        ("2027-11-24", False),
        ("9999-12-31", False),
    ):
        with fuzz_app.test_request_context(query_string={"start": day, "n": "5"}):
            from flask import request

            form = ExplainForm(formdata=request.args)
            assert form.validate() is ok, (day, form.errors)
            if not ok:
                assert "2000-01-01" in str(form.start.errors)
    client = signed_in("bank1-a")
    assert client.get("/calendar/explain?start=0001-01-01&n=5").status_code == 422
    assert client.get("/cases?from=0001-01-01&to=9999-12-31").status_code == 200  # ignored
    assert fuzz_app.config["FROZEN_NOW"] == NOW
