"""The accountability ladder (Art. 12) under hostile input. Each step's form is posted on
a case standing on the rung where the step is open, by the people who take it (the
association's leader and administrator decide; the member's handler and administrator
answer), with its fields as the page fills them, valid or hostile, mixed; then valid,
and accepted. Every step is posted where it is not open, by those who may not take it,
on another tenant's case and on hostile ids; the cases' pages and documents are read by
valid and hostile ids; seasons and thresholds are set with valid and hostile values.

No 5xx; a refused request writes nothing to the accountability tables or to the
histories and notices they feed; an accepted one leaves its case consistent
(``_consistent``). The administrators read English, the others Chinese."""

from datetime import date
from urllib.parse import urlencode

from fuzz_support import (
    ALL_AT_ONCE,
    FUZZ,
    HOSTILE_IDS,
    PLAN,
    RUNGS,
    check,
    forms_on,
    hostile,
    mixes,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.accountability.rules import LADDER, CaseState
from portal.db import db
from portal.web import bounds

# What a ladder step writes: the case and its records, the complaints' histories, the
# notices and their e-mails.
TABLES = ("accountability", "campaign", "complaint_event", "notification", "outbox")
TODAY = date(2026, 11, 23)
# Ten forms on their rungs, most of whose mixes are accepted (a reason takes almost any
# text) and move the case on, so that the next mix needs a new case: fewer mixes each.
LADDER_FUZZ = settings(FUZZ, max_examples=4)

VALID = {
    "dismiss": {"reason": "客户已撤诉，非处置不当所致。"},
    "interview": {
        "held_on": "2026-11-23",
        "association_attendees": "协会秘书长",
        "member_attendees": "第1银行辽宁省分行行长",
        "requirements": "两周内完成服务整改。",
        "rectify_by": "2026-12-10",
    },
    "plan": {k: str(v) for k, v in PLAN.items()},
    "complete": {"closure": "已完成复训，附培训签到表。"},
    "verify": {"reason": "整改到位。"},
    "reject": {"reason": "缺少暗访记录。"},
    "criticise": {"reason": "约见谈话后逾期未完成整改。"},
}
# Each step on the rung where it is open, by one who takes it, and what the valid post
# adds: on a case not yet overdue, criticism needs the association to assert recurrence.
STEPS = [
    ("detected", "interview", "assoc-leader", {}),
    ("detected", "dismiss", "assoc-admin", {}),
    ("interview", "plan", "bank1-a", {}),
    ("interview", "criticise", "assoc-leader", {"recurred": "y"}),
    ("submitted", "complete", "bank1-admin", {}),
    ("submitted", "reject", "assoc-admin", {}),
    ("completed", "verify", "assoc-leader", {}),
    ("completed", "reject", "assoc-leader", {}),
    ("rejected", "plan", "bank1-admin", {}),
    ("overdue", "criticise", "assoc-admin", {}),
]
# The administrators read the portal in English: the English catalogue meets every form.
ENGLISH = ("assoc-admin", "bank1-admin")
DECIDE = ("dismiss", "interview", "verify", "reject", "criticise")
RESPOND = ("plan", "complete")
# The steps open on each rung (accountability/views/cases.py ``steps``).
OPEN = {
    "detected": {"interview", "dismiss"},
    "interview": {"plan", "criticise"},
    "submitted": {"complete", "reject", "criticise"},
    "completed": {"verify", "reject", "criticise"},
    "rejected": {"plan", "criticise"},
    "overdue": {"complete", "reject", "criticise"},
}


def _post(app, client, url, data):
    response = check(app, client, "POST", url, data, tables=TABLES)
    if response.status_code < 400:
        _consistent(app, int(url.split("/")[2]))
    return response


def _text_ok(value, limit, multiline=True):
    assert value.strip() and len(value) <= limit, (value[:40], len(value))
    assert bounds.text_problem(value, multiline) is None, repr(value)


def _date_ok(day):
    assert bounds.date_problem(day, TODAY) is None, day


def _consistent(app, case_id):
    """The case's state agrees with its interview, plan, documents, register entries and
    history; everything stored is within what the forms allow."""
    from portal.accountability.models import (
        AccountabilityCase,
        AccountabilityDocument,
        AccountabilityEvent,
        Disqualification,
        Interview,
        RectificationPlan,
    )

    decided = {decision: state for (_, decision), state in LADDER.items()}
    with app.app_context():
        case = db.session.get(AccountabilityCase, case_id)
        state = CaseState(case.state)
        interview = db.session.scalar(select(Interview).where(Interview.case_id == case.id))
        plan = db.session.scalar(
            select(RectificationPlan).where(RectificationPlan.case_id == case.id)
        )
        kinds = set(
            db.session.scalars(
                select(AccountabilityDocument.kind).where(AccountabilityDocument.case_id == case.id)
            )
        )
        # Art. 12(3): the member and the outlets concerned lose the season's awards, once
        # a season (the entry names the first case that cost them).
        lost = set(
            db.session.execute(
                select(Disqualification.unit_id, Disqualification.award).where(
                    Disqualification.member_id == case.member_id
                )
            ).tuples()
        )
        entries = db.session.scalar(select(func.count()).where(Disqualification.case_id == case.id))
        actions = list(
            db.session.scalars(
                select(AccountabilityEvent.action)
                .where(AccountabilityEvent.case_id == case.id)
                .order_by(AccountabilityEvent.id)
            )
        )
        where = (case.id, state, actions)
        assert actions[0] == "opened", where
        ladder_steps = [a for a in actions if a in decided]
        assert len(ladder_steps) == len(set(ladder_steps)), where
        assert [decided[a] for a in ladder_steps][-1:] == (
            [] if state == CaseState.DETECTED else [state]
        ), where
        assert (interview is not None) == (
            state in (CaseState.INTERVIEW, CaseState.CRITICISED, CaseState.CLOSED)
        ), where
        assert kinds == ({"notice", "regulator"} if state == CaseState.CRITICISED else set())
        if state == CaseState.CRITICISED:
            assert (case.member_id, "organisation") in lost, where
            assert {(e.outlet_id, "outlet") for e in case.evidence} <= lost, where
        else:
            assert entries == 0, where
        if interview is not None:
            _date_ok(interview.held_on)
            _date_ok(interview.rectify_by)
            assert interview.rectify_by >= interview.held_on, where
            _text_ok(interview.association_attendees, 200, multiline=False)
            _text_ok(interview.member_attendees, 200, multiline=False)
            _text_ok(interview.requirements, 2000)
        if plan is None:
            assert state != CaseState.CLOSED, where
            return
        assert interview is not None, where
        assert plan.status in ("submitted", "completed", "verified", "rejected"), where
        assert (plan.status == "verified") == (state == CaseState.CLOSED), where
        assert (plan.closure is not None) == (plan.completed_at is not None), where
        if plan.closure is not None:
            _text_ok(plan.closure, 2000)
        assert plan.status != "submitted" or plan.closure is None, where
        for name in ("team", "problem", "containment", "root_cause", "corrective_action"):
            _text_ok(getattr(plan, name), 2000)
        for name in ("verification", "prevention"):
            _text_ok(getattr(plan, name), 2000)
        _text_ok(plan.owner, 60, multiline=False)
        _date_ok(plan.due_on)


def _form_on_page(client, case_id, step):
    """The fields of ``step``'s form as the case page offers it (it must offer it)."""
    page = client.get(f"/accountability/{case_id}")
    assert page.status_code == 200
    url = f"/accountability/{case_id}/{step}"
    found = [fields for action, fields in forms_on(page.get_data(as_text=True)) if action == url]
    assert found, f"the page of case {case_id} offers no {step} form"
    return found[0]


def test_every_step_on_its_rung_with_valid_and_hostile_values(fuzz_app, ladder, signed_in):
    bank1 = ladder["bank1"]
    assert set(OPEN) <= set(RUNGS)
    hammered = set()
    for rung, step, actor, extra in STEPS:
        client = signed_in(actor, "en" if actor in ENGLISH else None)
        fields = _form_on_page(client, bank1.case(rung), step)
        valid = VALID[step] | extra
        names = sorted(set(fields) | set(valid))

        if step not in hammered:  # every field at one hostile value at once
            hammered.add(step)
            for value in ALL_AT_ONCE:
                url = f"/accountability/{bank1.case(rung)}/{step}"
                _post(fuzz_app, client, url, dict.fromkeys(names, value))

        _fuzz_step(fuzz_app, client, bank1, rung, step, fields, valid)

        # Valid, on a case on the rung: accepted, and the case moves on consistently.
        case_id = bank1.case(rung)
        if extra:  # without what ``extra`` asserts the ladder refuses the step, with a message
            response = _post(fuzz_app, client, f"/accountability/{case_id}/{step}", VALID[step])
            assert response.status_code == 422
            assert "第十二条第二款" in response.get_data(as_text=True)
        response = _post(fuzz_app, client, f"/accountability/{case_id}/{step}", valid)
        assert response.status_code == 200, (rung, step, response.get_data(as_text=True)[-2000:])
        assert bank1.rung_of(case_id) != rung


def _fuzz_step(app, client, ladder, rung, step, fields, valid):
    """Mixes of valid, hostile and absent values, each posted on a case standing on
    ``rung`` (a new one when the last mix was accepted and moved it on)."""

    @LADDER_FUZZ
    @given(data=mixes(fields, valid))
    def one(data):
        _post(app, client, f"/accountability/{ladder.case(rung)}/{step}", data)

    one()


# Where each step is open (on a case of bank 1), and who may take it.
OPEN_ON = {
    "interview": "detected",
    "dismiss": "detected",
    "plan": "interview",
    "complete": "submitted",
    "verify": "completed",
    "reject": "submitted",
    "criticise": "overdue",
}
TAKES = {step: "assoc-leader" for step in DECIDE} | {step: "bank1-a" for step in RESPOND}
# Below the range, beyond 64 bits, in range but absent (test_fuzz posts every hostile id
# to every route with an id, as people who may not take these steps).
NO_SUCH_IDS = (0, 2**63, 2**31 - 1)


def test_refusals_pages_documents_and_settings(fuzz_app, ladder, signed_in):
    """Steps where they are not open, by whom may not take them, on another tenant's case
    and on hostile ids; then the pages and documents, seasons and thresholds (one test:
    seeding the ladder is most of a test's cost)."""
    bank1, bank2 = ladder["bank1"], ladder["bank2"]
    for step, actor in TAKES.items():
        client = signed_in(actor)
        # On every rung where the step is not open: 409, nothing written.
        for rung in RUNGS:
            if step not in OPEN.get(rung, ()):
                url = f"/accountability/{bank1.case(rung)}/{step}"
                response = _post(fuzz_app, client, url, VALID[step] | {"recurred": "y"})
                assert response.status_code == 409, (rung, step)
        # On another tenant's case, and on hostile ids: 404, nothing written.
        for target in (bank2.case("interview"), *NO_SUCH_IDS):
            url = f"/accountability/{target}/{step}"
            if target == bank2.case("interview") and actor.startswith("assoc"):
                continue  # the association's to decide
            assert _post(fuzz_app, client, url, VALID[step]).status_code == 404, url

    # Where the step is open, by whom may not take it: the other side, those who read
    # only, another tenant, a branch.
    others = ("assoc-staff", "bank1-leader", "bank2-a", "bank1-outlet1")
    for step, rung in OPEN_ON.items():
        url = f"/accountability/{bank1.case(rung)}/{step}"
        other_side = "bank1-admin" if step in DECIDE else "assoc-admin"
        for actor in (other_side, *others):
            expected = 404 if actor in ("bank2-a", "bank1-outlet1") else 403
            client = signed_in(actor, "en" if actor in ENGLISH else None)
            response = _post(fuzz_app, client, url, VALID[step])
            assert response.status_code == expected, (step, actor)

    _pages_and_documents(fuzz_app, ladder, signed_in)
    _seasons_and_thresholds(fuzz_app, signed_in)


# Query-string arguments the accountability pages read.
QUERY = st.dictionaries(
    st.sampled_from(["state", "season", "page", "selected"]), hostile, min_size=1, max_size=3
)


def _pages_and_documents(fuzz_app, ladder, signed_in):
    """Each case's page and documents by valid and hostile ids, with hostile queries."""
    bank1, bank2 = ladder["bank1"], ladder["bank2"]
    criticised = bank1.case("criticised")
    for actor, status in (("assoc-staff", 200), ("bank1-leader", 200), ("bank2-a", 404)):
        client = signed_in(actor)
        for rung in ("dismissed", "closed", "criticised"):  # the others: the first test
            page = check(fuzz_app, client, "GET", f"/accountability/{bank1.case(rung)}")
            assert page.status_code == status, (actor, rung)
        for kind in ("notice", "regulator"):
            answer = check(fuzz_app, client, "GET", f"/accountability/{criticised}/{kind}.pdf")
            assert answer.status_code == status, (actor, kind)
            assert status == 404 or answer.mimetype == "application/pdf"
            url = f"/accountability/{bank1.case('closed')}/{kind}.pdf"  # no documents
            assert check(fuzz_app, client, "GET", url).status_code == 404
    client = signed_in("bank1-outlet1")
    assert check(fuzz_app, client, "GET", f"/accountability/{criticised}").status_code == 404
    client = signed_in("bank1-a")
    assert (
        check(fuzz_app, client, "GET", f"/accountability/{bank2.case('interview')}").status_code
        == 404
    )
    for bad in HOSTILE_IDS:
        for path in (f"/accountability/{bad}", f"/accountability/{bad}/notice.pdf"):
            assert check(fuzz_app, client, "GET", path).status_code == 404, path

    pages = [f"/accountability/{criticised}", "/accountability", "/accountability/eligibility"]

    @FUZZ
    @given(page=st.sampled_from(pages), args=QUERY)
    def one(page, args):
        check(fuzz_app, client, "GET", f"{page}?{urlencode(args)}")

    one()
    for page in pages:
        for value in (str(2**63), "\x00", "0001-01-01", str(bank1.season_id)):
            query = urlencode(dict.fromkeys(["state", "season"], value))
            check(fuzz_app, client, "GET", f"{page}?{query}")


SEASON = {"name": "2027年度优服创建活动赛季", "starts_on": "2027-01-01", "ends_on": "2027-06-30"}
THRESHOLDS = {"repeat_chain": "3", "recurring_count": "4", "recurring_months": "12"}


def _settings_consistent(app):
    from portal.accountability.models import AccountabilitySettings, Season

    with app.app_context():
        names = []
        for season in db.session.scalars(select(Season)):
            _text_ok(season.name, 80, multiline=False)
            _date_ok(season.starts_on)
            _date_ok(season.ends_on)
            assert season.starts_on <= season.ends_on, season.name
            names.append(season.name)
        assert len(names) == len(set(names))
        for row in db.session.scalars(select(AccountabilitySettings)):
            assert row.id == 1
            assert 1 <= row.repeat_chain <= 20
            assert 2 <= row.recurring_count <= 50
            assert 1 <= row.recurring_months <= 36


def _seasons_and_thresholds(fuzz_app, signed_in):
    admin = signed_in("assoc-admin", "en")
    for url, page, valid in (
        ("/accountability/seasons", "/accountability/eligibility", SEASON),
        ("/accountability/thresholds", "/accountability/thresholds", THRESHOLDS),
    ):
        forms = [f for a, f in forms_on(admin.get(page).get_data(as_text=True)) if a == url]
        assert forms, f"{page} offers no form posting to {url}"
        _fuzz_settings(fuzz_app, admin, url, forms[0], valid)
        # Neither is anybody else's to set.
        for actor in ("assoc-leader", "bank1-admin"):
            response = check(fuzz_app, signed_in(actor), "POST", url, valid, tables=SETTINGS)
            assert response.status_code == 403


SETTINGS = ("campaign", "accountability_settings")


def _fuzz_settings(app, admin, url, fields, valid):
    names = sorted(set(fields) | set(valid))
    for value in ALL_AT_ONCE:
        response = check(app, admin, "POST", url, dict.fromkeys(names, value), tables=SETTINGS)
        assert response.status_code == 422

    @FUZZ
    @given(data=mixes(fields, valid))
    def one(data):
        if check(app, admin, "POST", url, data, tables=SETTINGS).status_code < 400:
            _settings_consistent(app)

    one()
    response = check(app, admin, "POST", url, valid, tables=SETTINGS)
    assert response.status_code in (200, 422)  # 422: a mix above created this season already
    _settings_consistent(app)
