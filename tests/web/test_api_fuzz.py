"""Hostile input to API v1 never answers 5xx, and a refused write leaves nothing but the
token's bookkeeping (its last use, its rate count): ids beyond 32 bits in paths, JSON of
every shape in every field of every step (NUL bytes, 10,000 characters, 2^63, dates like
0001-01-01, objects where text belongs), hostile query strings on the list. The
portal's own fuzz suite (tests/fuzz) does the same for the screens, with a cookie."""

import re

import pytest
from api_support import Api, token_for
from fuzz_support import FUZZ, HOSTILE_IDS, HOSTILE_VALUES, fingerprint
from hypothesis import given
from hypothesis import strategies as st
from support import NOW, make_case
from werkzeug.routing import IntegerConverter

BOOKKEEPING = ("api_token", "rate_window")


def _walled(app) -> dict:
    return {k: v for k, v in fingerprint(app).items() if k not in BOOKKEEPING}


@pytest.fixture
def api(app, province):
    app.config["FROZEN_NOW"] = NOW
    app.config["API_RATE_LIMIT"] = 1_000_000  # the fuzz run sends many
    app.province = province
    province.cases = {
        "forwarded": make_case(app, province, state="forwarded"),
        "handling": make_case(app, province, state="handling", mobile="13700002222"),
    }
    return Api(app.test_client(), token_for(app, "bank1-a"))


def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]


def test_hostile_ids_in_api_paths_answer_4xx_and_write_nothing(app, api):
    checked = 0
    for rule in _api_rules(app):
        numbers = [a for a, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not numbers:
            continue
        for bad in HOSTILE_IDS:
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<[^<>]*\b{arg}>", str(bad), path)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                before = _walled(app) if method == "POST" else None
                response = api.client.open(
                    path, method=method, json={"version": 1}, headers=api.headers()
                )
                assert response.status_code in (400, 404, 405, 415, 422), (method, path)
                assert response.mimetype == "application/problem+json", (method, path)
                if before is not None:
                    assert _walled(app) == before, (method, path)
                checked += 1
    assert checked > 50


json_values = st.recursive(
    st.one_of(
        st.sampled_from(HOSTILE_VALUES),
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=30),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)

STEP_FIELDS = {
    "accept": [],
    "pass-down": ["unit_id", "note"],
    "contact": ["contacted_at", "how", "summary"],
    "progress": ["summary", "promised_on"],
    "final-reply": ["result", "told_at", "told_how", "reaction"],
    "verify": ["finding", "facts"],
    "rectifications": ["kind", "opinion", "owner", "due_on"],
    "rectifications/1/done": ["note"],
    "report": ["summary"],
}


@pytest.mark.parametrize("step", sorted(STEP_FIELDS))
def test_hostile_json_in_every_field_of_a_step_answers_below_500(app, api, step):
    fields = [*STEP_FIELDS[step], "version", "seen_event", "unknown"]
    case_id = app.province.cases["forwarded" if step == "accept" else "handling"]

    @FUZZ
    @given(body=st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)))
    def one(body):
        before = _walled(app)
        response = api.post(f"/cases/{case_id}/{step}", body)
        assert response.status_code < 500, (step, body, response.status_code)
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
            assert _walled(app) == before, (step, body)

    one()
    # Not an object at all, and not JSON at all.
    for raw in ("[]", '"x"', "1", "null", "{", "\x00"):
        response = api.client.post(
            f"/api/v1/cases/{case_id}/{step}",
            data=raw,
            content_type="application/json",
            headers=api.headers(),
        )
        assert response.status_code == 400, raw


@FUZZ
@given(
    args=st.dictionaries(
        st.sampled_from(["state", "updated_since", "cursor", "limit"]),
        st.sampled_from(HOSTILE_VALUES) | st.text(max_size=20),
        min_size=1,
    )
)
def _list_args(api, args):
    response = api.get("/cases", query_string=args)
    assert response.status_code in (200, 400), (args, response.status_code)


def test_hostile_query_strings_on_the_list_answer_200_or_400(app, api):
    _list_args(api)


@pytest.mark.parametrize(
    "args",
    [
        {"limit": "²"},  # a digit to str.isdigit, not to int()
        {"updated_since": "0001-01-01"},  # year 1 in Beijing is no time in UTC
        {"updated_since": "9999-12-31T23:59:59-12:00"},
        # a cursor crafted to hold year 1: ["0001-01-01T00:00:00+08:00", 1]
        {"cursor": "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzA4OjAwIiwgMV0"},
    ],
)
def test_list_arguments_found_by_the_fuzz_answer_400(app, api, args):
    response = api.get("/cases", query_string=args)
    assert response.status_code == 400, args
    assert response.mimetype == "application/problem+json"
