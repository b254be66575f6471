"""Optimistic locking: a save that loses a race answers 409 with a clear page, never 500."""

from sqlalchemy import update
from support import sign_in

from portal.db import db
from portal.orgs.models import Unit


def test_losing_a_race_on_flush_answers_409(app, province):
    """The request loads the unit, someone else commits first, the request's UPDATE finds
    the version moved: StaleDataError inside the view becomes a 409 page."""
    from flask import Flask

    @app.post("/_test/race/<int:unit_id>")
    def race(unit_id):
        unit = db.session.get(Unit, unit_id)
        with db.engine.begin() as other:  # another app server saves first
            other.execute(update(Unit).where(Unit.id == unit_id).values(version=Unit.version + 1))
        unit.name = "改名"
        db.session.flush()
        return "saved"

    assert isinstance(app, Flask)
    client = app.test_client()
    sign_in(client, "bank1-admin")
    response = client.post(f"/_test/race/{province.unit('bank1-outlet1').id}")
    assert response.status_code == 409 and "已被他人修改" in response.get_data(as_text=True)
