"""The fuzz suite's province: the test province with a case held at each step an
actor of the suite may act on, and signed-in clients."""

import pytest
from support import NOW, make_case, sign_in


@pytest.fixture
def fuzz_app(app, province):
    app.config["FROZEN_NOW"] = NOW
    province.cases = {
        "registered": make_case(app, province, state="registered"),
        "handling": make_case(app, province, state="handling", mobile="13700002222"),
        "at_outlet": make_case(app, province, state="at_outlet", mobile="13700003333"),
    }
    # A substantiated case with a rectification opinion (Art. 9(2)): the outlet records
    # its work on it (/rectifications), the member completes it on the case page.
    province.rectified = make_case(app, province, state="handling", mobile="13700005555")
    with app.app_context():
        from portal.auth.models import User
        from portal.complaints import operations as complaint_ops
        from portal.complaints.models import Complaint
        from portal.db import db

        case = db.session.get(Complaint, province.rectified)
        handler = db.session.get(User, province.user("bank1-a").id)
        complaint_ops.verify(case, actor=handler, now=NOW, finding="substantiated", facts="属实。")
        complaint_ops.add_rectification(
            case,
            actor=handler,
            now=NOW,
            kind="rectification",
            opinion="加强柜员服务培训。",
            owner="和平支行",
            due_on=None,
        )
        db.session.commit()
    with app.app_context():  # an association draft bulletin (Art. 8(5))
        from portal.auth.models import User
        from portal.bulletins import operations
        from portal.db import db
        from portal.statistics.rules import parse_period

        staff = db.session.get(User, province.user("assoc-staff").id)
        draft = operations.create_draft(parse_period("2026H1"), actor=staff, now=NOW)
        db.session.commit()
        province.bulletin = draft.id
    app.province = province
    return app


@pytest.fixture
def signed_in(fuzz_app):
    """A client signed in as ``actor``, reading the portal in ``lang`` (the user's own
    language, Chinese, unless told)."""
    clients = {}

    def client_of(actor, lang=None):
        if (actor, lang) not in clients:
            client = clients[actor, lang] = fuzz_app.test_client()
            sign_in(client, actor)
            if lang:
                client.set_cookie("lang", lang)
        return clients[actor, lang]

    return client_of


@pytest.fixture
def ladder(fuzz_app):
    """Accountability cases (Art. 12) of bank 1 at every rung of the ladder and one of
    bank 2 (another tenant) in review and interviewed, with the current campaign season."""
    from datetime import date

    from fuzz_support import RUNGS, Ladder

    from portal.accountability.models import Season
    from portal.db import db

    p = fuzz_app.province
    with fuzz_app.app_context():
        season = Season(
            name="2026年度优服创建活动赛季", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
        )
        db.session.add(season)
        db.session.commit()
        season_id = season.id
    other = make_case(fuzz_app, p, outlet="bank2-outlet1", mobile="13800004444")
    ladders = {
        "bank1": Ladder(
            fuzz_app, p, season_id=season_id, bank="bank1", complaints=[*p.cases.values()]
        ),
        "bank2": Ladder(fuzz_app, p, season_id=season_id, bank="bank2", complaints=[other]),
    }
    for rung in RUNGS:
        ladders["bank1"].case(rung)
    for rung in ("detected", "interview"):
        ladders["bank2"].case(rung)
    return ladders
