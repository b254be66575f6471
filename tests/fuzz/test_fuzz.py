"""Hostile input never answers 5xx, and a refused request writes nothing (issue 21,
point 6): ids beyond 32 bits in paths, query strings and forms; NUL bytes and control
characters in text; dates like 0001-01-01; 10,000-character strings; odd Unicode.

Routes and forms come from the app itself: every route with an id from the URL map,
every POST form from the pages the actors reach (read from their HTML), so a new
screen joins the suite by existing. Both databases; sized for CI (docs/security.md)."""

import re
from urllib.parse import urlencode

import pytest
from fuzz_support import (
    ACTORS,
    ALL_AT_ONCE,
    FUZZ,
    HOSTILE_IDS,
    check,
    forms_on,
    hostile,
)
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

# Pages that answer a file (PDF, Excel) cost seconds and carry no form.
FILES = (".pdf", ".xlsx", "/worksheet", "/download")
# Signing out or changing one's password would end the actor's part in the run: those
# forms, signing in and the language switch are fuzzed in test_fuzz_auth.py.
SKIPPED_POSTS = ("/logout", "/account/", "/lang/", "/login")


def _real_args(app, rule):
    """Values for a GET route's arguments that name a real object, or None."""
    p = app.province
    known = {
        "unit_id": p.unit("bank1-outlet1").id,
        "member_id": p.unit("bank1").id,
        "user_id": p.user("bank1-outlet1").id,
        "case_id": p.cases["handling"],
        "year": 2026,
        "month": 11,
        "day": "2026-11-23",
    }
    if not set(rule.arguments) <= set(known):
        return None
    return {a: known[a] for a in rule.arguments}


def _hostile_urls(app):
    """Every route with a number in its path, each number replaced by each hostile value."""
    for rule in app.url_map.iter_rules():
        numbers = [a for a, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not numbers or rule.endpoint.startswith("api."):
            continue  # the API takes a token, not a cookie: tests/web/test_api_fuzz.py
        for bad in HOSTILE_IDS:
            path = rule.rule
            for arg in rule.arguments:
                value = bad if arg in numbers else _OTHER.get(arg, "x")
                path = re.sub(rf"<[^<>]*\b{arg}>", str(value), path)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield method, path


_OTHER = {"action": "note", "field": "mobile", "step": "preview", "kind": "notice", "day": "x"}


@pytest.mark.parametrize("actor", ACTORS[:2])
def test_hostile_ids_in_paths_answer_4xx_and_write_nothing(fuzz_app, signed_in, actor):
    client = signed_in(actor)
    checked = 0
    for method, url in _hostile_urls(fuzz_app):
        response = check(fuzz_app, client, method, url, data={"name": "x", "version": "1"})
        assert response.status_code in (400, 403, 404, 405, 422), (method, url)
        checked += 1
    assert checked > 200


# Query-string arguments the screens read; every GET page gets hostile values for them.
QUERY_KEYS = [
    "page", "unit", "member", "category", "season", "parent", "selected", "year", "from",
    "to", "q", "period", "state", "after", "before", "start", "n", "show", "gaps", "clock",
    "flag", "queue", "status", "action",
]  # fmt: skip


def _pages(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if rule.rule.endswith(FILES) or rule.endpoint.startswith("auth."):
            continue
        args = _real_args(app, rule)
        if args is not None:
            yield rule.build(args, append_unknown=False)[1]


@pytest.mark.parametrize("actor", ACTORS[:2])
def test_hostile_query_strings_answer_below_500(fuzz_app, signed_in, actor):
    client = signed_in(actor)
    pages = sorted(set(_pages(fuzz_app)))
    assert len(pages) > 20

    @FUZZ
    @given(
        page=st.sampled_from(pages),
        args=st.dictionaries(st.sampled_from(QUERY_KEYS), hostile, min_size=1, max_size=4),
    )
    def one(page, args):
        check(fuzz_app, client, "GET", f"{page}?{urlencode(args)}")

    one()
    # And each page once with every key at a value beyond 32 bits, and once with NUL.
    for page in pages:
        for value in (str(2**63), "\x00", "0001-01-01"):
            check(fuzz_app, client, "GET", f"{page}?{urlencode(dict.fromkeys(QUERY_KEYS, value))}")


def _forms(app, client):
    """(action, fields as the page sends them) of every POST form the actor reaches."""
    from portal.complaints.actions import ACTIONS

    p = app.province
    pages = set(_pages(app)) | {
        f"/units/new?parent={p.unit('bank1').id}",
        f"/units/{p.unit('bank1-city').id}/edit",
        f"/duty/units/{p.unit('bank1').id}/pair",
        f"/duty/handlers/{p.user('bank1-a').id}/contacts",
        f"/bulletins/{p.bulletin}",
    }
    for case in [*app.province.cases.values(), app.province.rectified]:
        pages |= {f"/cases/{case}", *(f"/cases/{case}/form/{a}" for a in ACTIONS)}
    found = {}
    for page in sorted(pages):
        response = client.get(page)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        for action, fields in forms_on(response.get_data(as_text=True)):
            url = (action or page).split("#")[0]
            if not url.startswith("/") or url.startswith(SKIPPED_POSTS) or not fields:
                continue
            # One form of each kind: the same form on another case or category adds time only.
            shape = (re.sub(r"/\d+", "/N", url), tuple(sorted(fields)))
            found.setdefault(shape, (url, fields))
    return [found[shape] for shape in sorted(found)]


@pytest.mark.parametrize("actor", ACTORS)
def test_hostile_form_values_answer_below_500_and_refusals_write_nothing(
    fuzz_app, signed_in, actor
):
    client = signed_in(actor)
    forms = _forms(fuzz_app, client)
    assert len(forms) >= 5, forms

    for url, fields in forms:
        # Every field at once at one hostile value: refused with a message, nothing kept.
        for value in ALL_AT_ONCE:
            check(fuzz_app, client, "POST", url, data=dict.fromkeys(fields, value))
        _fuzz_form(fuzz_app, client, url, fields)


def _fuzz_form(app, client, url, fields):
    """Random mixes: some fields as the page filled them, others hostile."""

    @FUZZ
    @given(data=st.fixed_dictionaries({k: st.just(v) | hostile for k, v in fields.items()}))
    def one(data):
        check(app, client, "POST", url, data=data)

    one()
