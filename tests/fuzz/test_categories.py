"""The complaint categories' administration (the association administrator) under hostile
input: a new category under a valid parent, under a subcategory (two levels only) and
under hostile ids, with new, taken and malformed codes and Chinese and English names
valid or hostile; each kind of category deactivated and reactivated by its id, and
hostile ids. No 5xx; a refusal writes nothing; what is accepted keeps the taxonomy
consistent, and the screens that list it still answer."""

import re

from fuzz_support import ALL_AT_ONCE, FUZZ, HOSTILE_IDS, check, forms_on, hostile, mixes
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from portal.complaints.models import Category
from portal.db import db
from portal.web import bounds

TABLES = ("complaint_category",)


def _ids(app):
    """{code: id} of the taxonomy as it stands."""
    with app.app_context():
        return dict(db.session.execute(select(Category.code, Category.id)).tuples().all())


def _consistent(app):
    with app.app_context():
        categories = db.session.scalars(select(Category)).all()
    by_id = {c.id: c for c in categories}
    codes = [c.code for c in categories]
    assert len(codes) == len(set(codes))
    for c in categories:
        if c.parent_id is not None:  # two levels, under a category that exists
            assert by_id[c.parent_id].parent_id is None, (c.code, c.parent_id)
        assert re.fullmatch(r"[A-Z0-9-]{2,20}", c.code), c.code
        for name, limit in ((c.name, 60), (c.name_en, 80)):
            if name is None and limit == 80:
                continue
            assert name and name == name.strip() and len(name) <= limit, (c.code, name)
            assert bounds.text_problem(name, multiline=False) is None, (c.code, name)
        assert c.is_active in (True, False)


def _lists_still_answer(app, client):
    """What shows the taxonomy: the administration, the intake form, the options of a
    correction, the inbox's filter."""
    for url in ("/categories", "/cases/new", "/categories/options?selected=1", "/cases"):
        assert check(app, client, "GET", url).status_code == 200, url


def test_category_forms_with_valid_and_hostile_values_and_ids(fuzz_app, signed_in):
    """One test for both forms: the province costs more than either."""
    _new_categories(fuzz_app, signed_in)
    _deactivating_by_id(fuzz_app, signed_in)


def _new_categories(fuzz_app, signed_in):
    admin = signed_in("assoc-admin", "en")  # and in Chinese below
    page = admin.get("/categories").get_data(as_text=True)
    fields = next(f for action, f in forms_on(page) if action == "/categories")
    assert {"parent_id", "code", "name", "name_en"} <= set(fields)
    ids = _ids(fuzz_app)
    top, sub = ids["ATT"], ids["ATT-01"]

    for value in ALL_AT_ONCE:
        data = dict.fromkeys(fields, value)
        response = check(fuzz_app, admin, "POST", "/categories", data, tables=TABLES)
        assert response.status_code == 422, value[:20]

    valid = {"parent_id": str(top), "code": "DIG-09", "name": "数字渠道", "name_en": "Digital"}
    choices = {  # besides the page's and the valid value: other parents, codes, names
        "parent_id": st.sampled_from(["0", str(sub), str(2**31 - 1)]),
        "code": st.from_regex(r"\A[A-Z0-9-]{2,20}\Z") | st.sampled_from(["ATT-01", "zz-1", "A"]),
        "name": st.sampled_from([" 手机银行 ", "名" * 60, "名" * 61]),
        "name_en": st.sampled_from(["", "x" * 80, "x" * 81]),
    }

    @FUZZ
    @given(data=mixes(fields, valid, **choices))
    def one(data):
        if check(fuzz_app, admin, "POST", "/categories", data, tables=TABLES).status_code < 400:
            _consistent(fuzz_app)

    one()

    # Valid: accepted, under a top-level category and at the top level, the English name
    # kept; a taken code and a subcategory as parent are refused with a message.
    admin = signed_in("assoc-admin")
    new = {"code": "DIG-01", "name": "手机银行", "name_en": "Mobile banking"}
    for data, status, message in (
        (new | {"parent_id": str(top)}, 200, "Mobile banking"),
        (new | {"parent_id": "0", "code": "DIG"}, 200, "DIG"),
        (new | {"parent_id": str(top)}, 422, "该代码已被使用"),
        (new | {"parent_id": str(sub), "code": "DIG-02"}, 422, "只支持两级类别"),
        (new | {"parent_id": str(2**31 - 1), "code": "DIG-03"}, 422, "所选上级类别不存在"),
    ):
        response = check(fuzz_app, admin, "POST", "/categories", data, tables=TABLES)
        assert response.status_code == status, (data, response.status_code)
        assert message in response.get_data(as_text=True)
    _consistent(fuzz_app)
    _lists_still_answer(fuzz_app, admin)
    for actor in ("assoc-staff", "bank1-admin"):
        assert check(fuzz_app, signed_in(actor), "POST", "/categories", new).status_code == 403


def _deactivating_by_id(fuzz_app, signed_in):
    admin = signed_in("assoc-admin", "en")
    ids = _ids(fuzz_app)
    page = admin.get("/categories").get_data(as_text=True)
    toggles = {a: f for a, f in forms_on(page) if re.fullmatch(r"/categories/\d+/active", a)}
    assert len(toggles) == len(ids)  # one per category
    valid = [ids["ATT"], ids["ATT-01"], ids["OTH-99"]]

    @FUZZ
    @given(
        target=st.sampled_from(valid + HOSTILE_IDS),
        active=st.sampled_from(["0", "1", toggles[f"/categories/{valid[0]}/active"]["active"]])
        | hostile,
    )
    def one(target, active):
        url = f"/categories/{target}/active"
        response = check(fuzz_app, admin, "POST", url, {"active": active}, tables=TABLES)
        # A NUL is refused before the route is looked at (portal.web.bounds).
        expected = 422 if "\x00" in active else 200 if target in valid else 404
        assert response.status_code == expected, url
        _consistent(fuzz_app)

    one()
    for target in valid:  # each kind, off and on again
        for active, shown in (("0", False), ("1", True)):
            url = f"/categories/{target}/active"
            assert check(fuzz_app, admin, "POST", url, {"active": active}).status_code == 200
            with fuzz_app.app_context():
                assert db.session.get(Category, target).is_active is shown
    for bad in HOSTILE_IDS:
        url = f"/categories/{bad}/active"
        assert check(fuzz_app, admin, "POST", url, {"active": "0"}).status_code == 404, url
    for actor in ("assoc-staff", "bank1-admin"):
        url = f"/categories/{valid[1]}/active"
        assert check(fuzz_app, signed_in(actor), "POST", url, {"active": "0"}).status_code == 403
    _consistent(fuzz_app)
    _lists_still_answer(fuzz_app, admin)
