"""The association places its members in the regulator's institution groups on the unit
form (regulator-reporting.md); audited; shown on the unit page; a member's administrator
edits its details but not its group."""

from sqlalchemy import select
from support import sign_in

from portal.audit.models import AuditEntry
from portal.db import db
from portal.orgs.models import Unit


def _form(unit: Unit, **extra) -> dict:
    return {
        "version": str(unit.version),
        "code": unit.code,
        "name": unit.name,
        **extra,
    }


def _unit(app, unit_id) -> Unit:
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        db.session.expunge(unit)
        return unit


def test_the_association_sets_a_members_group(app, client, province):
    bank1 = province.unit("bank1")
    sign_in(client, "assoc-admin")
    form = client.get(f"/units/{bank1.id}/edit").get_data(as_text=True)
    assert "机构类型（监管口径）" in form and "国有大型商业银行" in form
    answer = client.post(
        f"/units/{bank1.id}/edit", data=_form(_unit(app, bank1.id), institution_group="state_owned")
    )
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(Unit, bank1.id).institution_group == "state_owned"
        entry = db.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.subject_id == bank1.id, AuditEntry.action == "unit_updated")
            .order_by(AuditEntry.id.desc())
        )
        assert entry.changes["institution_group"] == [None, "state_owned"]
    page = client.get(f"/units/{bank1.id}").get_data(as_text=True)
    assert "国有大型商业银行" in page
    # Cleared again.
    client.post(f"/units/{bank1.id}/edit", data=_form(_unit(app, bank1.id), institution_group=""))
    assert _unit(app, bank1.id).institution_group is None


def test_an_unknown_group_is_refused(app, client, province):
    bank1 = province.unit("bank1")
    sign_in(client, "assoc-admin")
    answer = client.post(
        f"/units/{bank1.id}/edit", data=_form(_unit(app, bank1.id), institution_group="moon")
    )
    assert answer.status_code == 422 and "请选择机构类型" in answer.get_data(as_text=True)
    assert _unit(app, bank1.id).institution_group is None


def test_a_member_admin_cannot_place_its_own_bank(app, client, province):
    bank1 = province.unit("bank1")
    with app.app_context():
        db.session.get(Unit, bank1.id).institution_group = "city"
        db.session.commit()
    sign_in(client, "bank1-admin")
    form = client.get(f"/units/{bank1.id}/edit").get_data(as_text=True)
    assert "机构类型（监管口径）" not in form
    answer = client.post(
        f"/units/{bank1.id}/edit",
        data=_form(
            _unit(app, bank1.id), name="第1银行辽宁省分行（新）", institution_group="state_owned"
        ),
    )
    assert answer.status_code == 302
    unit = _unit(app, bank1.id)
    assert unit.name == "第1银行辽宁省分行（新）" and unit.institution_group == "city"
    # The unit page shows it to the member as well.
    assert "城市商业银行（含民营银行）" in client.get(f"/units/{bank1.id}").get_data(as_text=True)
    # Another member's unit: 404.
    bank2 = province.unit("bank2")
    assert client.get(f"/units/{bank2.id}/edit").status_code == 404


def test_a_new_member_may_be_placed_at_creation(app, client, province):
    assoc = province.unit("assoc")
    sign_in(client, "assoc-admin")
    answer = client.post(
        f"/units/new?parent={assoc.id}",
        data={"kind": "member", "code": "BANK9", "name": "第9银行", "institution_group": "rural"},
    )
    assert answer.status_code == 302
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "BANK9"))
        assert unit.institution_group == "rural"


def test_only_members_have_a_group(app, client, province):
    sub = province.unit("bank1-sub")
    sign_in(client, "bank1-admin")
    answer = client.post(
        f"/units/new?parent={sub.id}",
        data={"kind": "outlet", "code": "BANK1-X", "name": "网点X", "institution_group": "rural"},
    )
    assert answer.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(Unit).where(Unit.code == "BANK1-X")).institution_group is None
        )
