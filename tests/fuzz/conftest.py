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
    clients = {}

    def client_of(actor):
        if actor not in clients:
            clients[actor] = fuzz_app.test_client()
            sign_in(clients[actor], actor)
        return clients[actor]

    return client_of
