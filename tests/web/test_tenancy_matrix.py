"""Tenancy is a security boundary: for every route that takes an id and every role
below the association, an object of another tenant answers 404 (reads) and changes
nothing (writes).

The routes come from the URL map, so a new route joins the matrix by existing; a
route whose id argument the matrix does not know fails until FOREIGN_OBJECTS learns
how to make another tenant's object of that kind.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select
from support import NOW, sign_in

from portal.db import db
from portal.duty.models import Absence

# Users who have a tenant boundary, with the units that lie outside it.
ACTORS = {
    "bank1-admin": ["bank2", "bank2-outlet1", "assoc"],
    "bank1-a": ["bank2", "bank2-city", "assoc"],
    "bank1-leader": ["bank2-sub", "assoc"],
    "bank1-outlet1": ["bank1-outlet2", "bank1-sub", "bank1", "bank2-outlet1", "assoc"],
}


def _foreign_unit(province, outside):
    return province.unit(outside).id


def _foreign_user(province, outside):
    # A person working in the foreign unit (or, for a bare unit, its first user).
    unit = province.unit(outside)
    for user in province.users.values():
        if user.unit_id == unit.id:
            return user.id
    return None


def _foreign_member(province, outside):
    # The member bank the foreign unit belongs to (the association belongs to none).
    return province.unit(outside).member_id


def _foreign_absence(province, outside):
    return province.absences.get(_foreign_user(province, outside))


def _foreign_case(province, outside):
    return province.cases.get(outside)


def _foreign_attachment(province, outside):
    return province.attachments.get(outside)


def _foreign_clock(province, outside):
    return province.clocks.get(outside)


def _foreign_accountability(province, outside):
    return province.accountability.get(outside)


# URL argument name -> how to find another tenant's object of that kind.
FOREIGN_OBJECTS = {
    "unit_id": _foreign_unit,
    "user_id": _foreign_user,
    "member_id": _foreign_member,
    "absence_id": _foreign_absence,
    "case_id": _foreign_case,
    "attachment_id": _foreign_attachment,
    "clock_id": _foreign_clock,
    "accountability_id": _foreign_accountability,
}


def _any_category(province, outside):
    return province.category


# Shared reference data, not any tenant's: only the association edits it, so everyone
# else gets 403 (and nothing changes) rather than 404.
SHARED = {"category_id"}
FOREIGN_OBJECTS["category_id"] = _any_category


def _foreign_bulletin(province, outside):
    # Drafts are the association's: for a member they lie outside its scope.
    return province.bulletin if outside == "assoc" else None


def _foreign_job(province, outside):
    return province.job if outside == "assoc" else None


def _foreign_rectification(province, outside):
    # Art. 9(2): an opinion is seen by whoever sees the complained outlet.
    return province.rectifications.get(outside)


FOREIGN_OBJECTS["rectification_id"] = _foreign_rectification
# API v1: /cases/{case_id}/rectifications/{item_id}/done
FOREIGN_OBJECTS["item_id"] = _foreign_rectification
FOREIGN_OBJECTS["bulletin_id"] = _foreign_bulletin
FOREIGN_OBJECTS["job_id"] = _foreign_job
# The regulator return is the association's: every member's user finds none.
FOREIGN_OBJECTS["return_id"] = lambda province, outside: province.regulator_return


def _foreign_finding(province, outside):
    # Art. 8(5): findings are the association's; for everyone else every one is foreign.
    return province.finding


def _foreign_advice(province, outside):
    # An advice is seen by the members it is addressed to (never by branch officers).
    return province.advice.get(outside)


FOREIGN_OBJECTS["finding_id"] = _foreign_finding
FOREIGN_OBJECTS["advice_id"] = _foreign_advice


def _foreign_member_duty(kind):
    # Art. 9(3), 9(4): a member's plans, summaries and countermeasures are its own; a
    # branch officer has no part in them, so even its own bank's are foreign.
    return lambda province, outside: province.member_duties[kind].get(outside)


for _kind in ("plan_id", "summary_id", "countermeasure_id"):
    FOREIGN_OBJECTS[_kind] = _foreign_member_duty(_kind)


def _foreign_api_setting(kind):
    # A member's API tokens and webhook endpoints are its administrator's; a branch
    # officer has no part in them, so even its own bank's are foreign.
    return lambda province, outside: province.api_settings[kind].get(outside)


for _kind in ("token_id", "endpoint_id"):
    FOREIGN_OBJECTS[_kind] = _foreign_api_setting(_kind)

# Values for the other URL arguments of an id route (the action to try, and so on).
# Values for the other URL arguments, per blueprint where they differ: each must be a
# value the route accepts, or the 404 would prove nothing.
OTHER_ARGS = {"action": "note", "field": "mobile", "step": "dismiss", "kind": "notice"}
OTHER_ARGS_BY_BLUEPRINT = {"bulletins": {"step": "preview"}, "returns": {"kind": "csv"}}

# Where a case is held -> how make_case puts it there (Art. 9, 10: held by the
# association, by the member bank, or by an outlet).
CASE_PLACES = {
    "assoc": ("bank2-outlet1", "registered"),
    "bank1": ("bank1-outlet1", "handling"),
    "bank2": ("bank2-outlet1", "handling"),
    "bank2-outlet1": ("bank2-outlet1", "at_outlet"),
    "bank1-outlet2": ("bank1-outlet2", "at_outlet"),
}


@pytest.fixture
def province(province, app):
    """The province plus one upcoming absence per person, and a case (with a clock and
    an attachment) held in each place, so every id route has another tenant's object."""
    from support import make_case

    from portal.complaints.models import Attachment
    from portal.deadlines.models import Clock

    province.cases, province.attachments, province.clocks = {}, {}, {}
    from support import category_id

    province.category = category_id(app, "ATT-01")
    for place, (outlet, state) in CASE_PLACES.items():
        case_id = make_case(app, province, state=state, outlet=outlet)
        province.cases[place] = case_id
        with app.app_context():
            attachment = Attachment(
                complaint_id=case_id,
                filename="a.jpg",
                content_type="image/jpeg",
                size=3,
                sha256="0" * 64,
                data=b"abc",
                uploaded_by_id=province.user("assoc-staff").id,
                uploaded_at=NOW,
            )
            db.session.add(attachment)
            db.session.commit()
            province.attachments[place] = attachment.id
            province.clocks[place] = db.session.scalar(
                select(Clock.id).where(Clock.case_id == case_id)
            )
    # Art. 12: an accountability case against each member bank, with its documents.
    province.accountability = {}
    with app.app_context():
        from portal.accountability.models import AccountabilityCase, AccountabilityDocument

        for bank in ("bank1", "bank2"):
            acc = AccountabilityCase(
                member_id=province.unit(bank).id, trigger="media", opened_at=NOW
            )
            db.session.add(acc)
            db.session.flush()
            for kind in ("notice", "regulator"):
                db.session.add(
                    AccountabilityDocument(
                        case_id=acc.id,
                        kind=kind,
                        filename="x.pdf",
                        sha256="0" * 64,
                        data=b"%PDF",
                        created_at=NOW,
                    )
                )
            province.accountability[bank] = acc.id
            # A branch officer has no part in Art. 12: even its own bank's case is foreign.
            province.accountability[f"{bank}-outlet1"] = acc.id
            province.accountability[f"{bank}-sub"] = acc.id
            province.accountability[f"{bank}-city"] = acc.id
        db.session.commit()
    # A rectification opinion on a bank 2 outlet's case and on bank 1's second outlet's.
    province.rectifications = {}
    with app.app_context():
        from portal.complaints.models import Rectification

        for place, outside in (
            ("bank2", ("bank2", "bank2-outlet1", "bank2-city", "bank2-sub")),
            ("bank1-outlet2", ("bank1-outlet2", "bank1-sub", "bank1")),
        ):
            item = Rectification(
                complaint_id=province.cases[place],
                kind="rectification",
                opinion="整改",
                created_by_id=province.user("assoc-staff").id,
                created_at=NOW,
            )
            db.session.add(item)
            db.session.flush()
            province.rectifications |= dict.fromkeys(outside, item.id)
        db.session.commit()
    province.absences = {}
    with app.app_context():
        for user in province.users.values():
            absence = Absence(
                user_id=user.id,
                starts_at=NOW + timedelta(days=2),
                ends_at=NOW + timedelta(days=3),
                reason="年假",
                entered_by_id=user.id,
                entered_at=NOW,
            )
            db.session.add(absence)
            db.session.flush()
            province.absences[user.id] = absence.id
        db.session.commit()
    with app.app_context():  # an association draft bulletin and its preview job
        from portal.auth.models import User
        from portal.bulletins import jobs, operations
        from portal.statistics.rules import parse_period

        staff = db.session.get(User, province.user("assoc-staff").id)
        draft = operations.create_draft(parse_period("2026H2"), actor=staff, now=NOW)
        job = jobs.enqueue(jobs.PREVIEW, {"bulletin_id": draft.id}, actor=staff, now=NOW)
        db.session.commit()
        province.bulletin, province.job = draft.id, job.id
    with app.app_context():  # the regulator return: the association's, foreign to all others
        from portal.returns.operations import generate

        staff = db.session.get(User, province.user("assoc-staff").id)
        item = generate(parse_period("2026H1"), actor=staff, now=NOW, today=NOW.date())
        db.session.commit()
        province.regulator_return = item.id
    with app.app_context():  # Art. 8(5): a finding, and an advice to each bank
        from portal.analysis.models import Advice, AdviceAddressee, Finding

        finding = Finding(
            key="media_chain:r1:2026H2",
            kind="media_chain",
            period="2026H2",
            member_id=province.unit("bank2").id,
            figures={"media": 1, "size": 1},
            found_at=NOW,
            status="confirmed",
        )
        db.session.add(finding)
        db.session.flush()
        province.finding, province.advice = finding.id, {}
        for bank, outside in (
            ("bank2", ("bank2", "bank2-outlet1", "bank2-city", "bank2-sub")),
            ("bank1", ("bank1-outlet2", "bank1-sub", "bank1")),
        ):
            advice = Advice(
                finding_id=finding.id,
                period="2026H2",
                title="建议",
                text="整改",
                due_on=NOW.date() + timedelta(days=30),
                issued_by_id=province.user("assoc-staff").id,
                issued_at=NOW,
            )
            db.session.add(advice)
            db.session.flush()
            db.session.add(AdviceAddressee(advice_id=advice.id, member_id=province.unit(bank).id))
            province.advice |= dict.fromkeys(outside, advice.id)
        db.session.commit()
    with app.app_context():  # Art. 9(3), 9(4): a plan and a submitted summary per bank
        from datetime import date

        from portal.auth.models import User
        from portal.orgs.models import Unit
        from portal.plans.operations import file_plan
        from portal.summaries import operations as summaries

        province.member_duties = {"plan_id": {}, "summary_id": {}, "countermeasure_id": {}}
        for bank, outside in (
            ("bank2", ("bank2", "bank2-outlet1", "bank2-city", "bank2-sub")),
            ("bank1", ("bank1-outlet2", "bank1-sub", "bank1")),
        ):
            member = db.session.get(Unit, province.unit(bank).id)
            handler = db.session.get(User, province.user(f"{bank}-a").id)
            plan = file_plan(
                member=member,
                actor=handler,
                now=NOW,
                data={
                    "kind": "other",
                    "title": "预案",
                    "measures": "措施",
                    "category_ids": [province.category],
                    "unit_ids": [],
                    "starts_on": date(2026, 11, 1),
                    "ends_on": date(2026, 12, 31),
                },
            )
            summary = summaries.start(member=member, period="2026H2", actor=handler, now=NOW)
            summary.analysis = "分析"
            measure = summaries.add_measure(
                summary, action="措施", owner="某部", due_on=date(2026, 12, 31), now=NOW
            )
            summaries.submit(summary, figures={}, actor=handler, now=NOW)
            for kind, value in (
                ("plan_id", plan.id),
                ("summary_id", summary.id),
                ("countermeasure_id", measure.id),
            ):
                province.member_duties[kind] |= dict.fromkeys(outside, value)
        db.session.commit()
    with app.app_context():  # issue 24: a token and a webhook endpoint per bank
        from portal.api.tokens import create_token
        from portal.api.webhooks import create_endpoint
        from portal.auth.models import User
        from portal.orgs.models import Unit

        province.api_settings = {"token_id": {}, "endpoint_id": {}}
        for bank, outside in (
            ("bank2", ("bank2", "bank2-outlet1", "bank2-city", "bank2-sub")),
            ("bank1", ("bank1-outlet2", "bank1-sub", "bank1")),
        ):
            handler = db.session.get(User, province.user(f"{bank}-a").id)
            token, _raw = create_token(user=handler, name="系统", actor=None, now=NOW)
            endpoint, _secret = create_endpoint(
                db.session.get(Unit, province.unit(bank).id),
                url=f"https://{bank}.example.cn/hooks",
                events=["case.forwarded"],
                actor=None,
                now=NOW,
            )
            for kind, value in (("token_id", token.id), ("endpoint_id", endpoint.id)):
                province.api_settings[kind] |= dict.fromkeys(outside, value)
        db.session.commit()
    return province


def id_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.arguments:
            continue
        id_args = [a for a in rule.arguments if a.endswith("_id")]
        if not id_args:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule, method, id_args))
    return routes


def snapshot(app):
    """Every row of every table: a write that slipped through shows as a difference."""
    state = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            state[table.name] = sorted(repr(tuple(r)) for r in rows)
    return state


def test_every_id_argument_is_known_to_the_matrix(app):
    unknown = {a for _, _, args in id_routes(app) for a in args if a not in FOREIGN_OBJECTS}
    assert not unknown, f"teach FOREIGN_OBJECTS how to make another tenant's {unknown}"


def test_matrix_is_not_empty(app):
    # Guards the guard: the walk must find the id routes that exist today.
    endpoints = {rule.endpoint for rule, _, _ in id_routes(app)}
    assert {
        "admin.unit",
        "admin.edit_unit",
        "admin.edit_user",
        "admin.user_active",
        "complaints.detail",
        "complaints.act",
        "complaints.attachment",
        "complaints.reveal",
        "complaints.explain_clock",
        "accountability.detail",
        "accountability.act",
        "accountability.document",
    } <= endpoints


# API v1 (``api.*``) authenticates by the token alone: each actor's system gets one, and
# its last use and rate count are the only rows such a request may write.
API_BOOKKEEPING = {"api_token", "rate_window"}


def _without(state: dict, tables: set) -> dict:
    return {name: rows for name, rows in state.items() if name not in tables}


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_foreign_ids_answer_404_and_change_nothing(app, province, actor):
    from api_support import token_for

    client = app.test_client()
    sign_in(client, actor)
    bearer = {"Authorization": f"Bearer {token_for(app, actor)}"}
    checked = 0
    for rule, method, id_args in id_routes(app):
        if rule.endpoint.startswith("api."):
            for outside in ACTORS[actor]:
                values = {a: FOREIGN_OBJECTS[a](province, outside) for a in id_args}
                if None in values.values():
                    continue
                url = rule.build(values, append_unknown=False)[1]
                before = snapshot(app) if method != "GET" else None
                body = (
                    {"data": {"version": "1", "text": "x"}, "content_type": "multipart/form-data"}
                    if rule.endpoint == "api.attachments"
                    else {"json": {"version": 1}}
                )
                response = client.open(url, method=method, headers=bearer, **body)
                assert response.status_code == 404, (actor, method, url, response.status_code)
                if before is not None:
                    assert _without(snapshot(app), API_BOOKKEEPING) == _without(
                        before, API_BOOKKEEPING
                    ), (actor, method, url)
                checked += 1
            continue
        for outside in ACTORS[actor]:
            values = {}
            for arg in id_args:
                values[arg] = FOREIGN_OBJECTS[arg](province, outside)
            if None in values.values():
                continue
            other = OTHER_ARGS | OTHER_ARGS_BY_BLUEPRINT.get(rule.endpoint.split(".")[0], {})
            values |= {a: other[a] for a in rule.arguments if a not in values}
            url = rule.build(values, append_unknown=False)[1]
            before = snapshot(app) if method != "GET" else None
            response = client.open(
                url,
                method=method,
                data={"active": "0", "name": "x", "code": "HACK-1", "kind": "outlet"},
            )
            expected = 403 if SHARED & set(id_args) else 404
            assert response.status_code == expected, (actor, method, url, response.status_code)
            if before is not None:
                assert snapshot(app) == before, (actor, method, url)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("actor, outside", [("bank1-admin", "bank2"), ("bank1-admin", "assoc")])
def test_ids_in_forms_and_query_strings_are_scoped_too(app, province, actor, outside):
    client = app.test_client()
    sign_in(client, actor)
    foreign = province.unit(outside).id
    before = snapshot(app)
    # A new unit under another bank's unit.
    assert client.get(f"/units/new?parent={foreign}").status_code == 404
    response = client.post(
        f"/units/new?parent={foreign}",
        data={"kind": "outlet", "code": "HACK-2", "name": "越权网点"},
    )
    assert response.status_code == 404
    # A user placed into another bank's unit through the form's unit_id.
    response = client.post(
        "/users/new",
        data={
            "username": "intruder",
            "full_name": "越权",
            "unit_id": foreign,
            "role": "member_handler",
            "password": "Tenancy-check-2026x",
        },
    )
    assert response.status_code == 422
    assert "管理范围" in response.get_data(as_text=True)
    # Moving one's own user into another bank.
    own = province.user("bank1-a")
    response = client.post(
        f"/users/{own.id}/edit",
        data={
            "username": own.username,
            "full_name": own.full_name,
            "unit_id": foreign,
            "role": "member_handler",
            "version": str(own.version),
        },
    )
    assert response.status_code == 422
    assert snapshot(app) == before


def test_association_sees_every_tenant(app, province):
    client = app.test_client()
    sign_in(client, "assoc-leader")
    for key in ("bank1-outlet1", "bank2-outlet2"):
        assert client.get(f"/units/{province.unit(key).id}").status_code == 200


def test_branch_officer_sees_only_its_own_unit(app, province):
    client = app.test_client()
    sign_in(client, "bank1-outlet1")
    # A branch officer has no unit screens at all; its own unit is not a 404 but a 403.
    assert client.get(f"/units/{province.unit('bank1-outlet1').id}").status_code == 403
    assert client.get(f"/units/{province.unit('bank1-outlet2').id}").status_code == 404


@pytest.mark.parametrize(
    "actor, place, visible",
    [
        ("bank1-outlet1", "bank1", False),  # held by the member, not yet passed down
        ("bank1-a", "bank1-outlet2", True),  # the member sees what it passed down
        ("bank1-a", "assoc", False),  # not forwarded to anyone yet
        ("assoc-leader", "bank2-outlet1", True),
    ],
)
def test_case_visibility_follows_where_the_case_is_held(app, province, actor, place, visible):
    client = app.test_client()
    sign_in(client, actor)
    status = client.get(f"/cases/{province.cases[place]}").status_code
    assert status == (200 if visible else 404)
