"""Art. 12(1): detection runs on the relevant event itself, not only on the next sweep."""

from datetime import UTC, datetime

from sqlalchemy import select
from support import category_id, sign_in

from portal.accountability.models import AccountabilityCase
from portal.db import db

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_a_media_escalation_at_intake_opens_an_accountability_case_at_once(app, province):
    app.config["FROZEN_NOW"] = NOW
    client = app.test_client()
    sign_in(client, "assoc-staff")
    response = client.post(
        "/cases/new",
        data={
            "received_at": "2026-11-23T09:30",
            "channel": "phone",
            "complainant_name": "赵刚",
            "mobile": "13600001111",
            "reply_channel": "phone",
            "outlet_id": province.unit("bank2-outlet1").id,
            "category_id": category_id(app, "CRD-02"),
            "facts": "吞卡后处置不当，客户在微博发帖，已有大量转发。",
            "demand": "退卡并道歉。",
            "is_media": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        cases = db.session.scalars(select(AccountabilityCase)).all()
        assert [(c.member_id, c.trigger) for c in cases] == [(province.unit("bank2").id, "media")]


def test_an_ordinary_intake_opens_nothing(app, province):
    app.config["FROZEN_NOW"] = NOW
    client = app.test_client()
    sign_in(client, "assoc-staff")
    client.post(
        "/cases/new",
        data={
            "received_at": "2026-11-23T09:30",
            "channel": "phone",
            "complainant_name": "赵刚",
            "mobile": "13600001111",
            "reply_channel": "phone",
            "outlet_id": province.unit("bank2-outlet1").id,
            "category_id": category_id(app, "CRD-02"),
            "facts": "吞卡",
            "demand": "退卡",
        },
    )
    with app.app_context():
        assert db.session.scalars(select(AccountabilityCase)).all() == []
