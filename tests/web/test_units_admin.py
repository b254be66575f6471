"""Administering the unit tree (Art. 2, 6, 9, 10): who may add, edit and deactivate."""

from sqlalchemy import func, select
from support import sign_in

from portal.audit.models import AuditEntry
from portal.db import db
from portal.orgs.models import Unit


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_member_admin_adds_an_outlet_under_its_sub_branch(app, client, province):
    sign_in(client, "bank1-admin")
    sub = province.unit("bank1-sub")
    response = client.post(
        f"/units/new?parent={sub.id}",
        data={
            "kind": "outlet",
            "code": "bank1-sy-01-03",
            "name": "第1银行和平支行3号网点",
            "district": "和平区",
            "complaint_phone": "024-88886666",
            "in_campaign": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "BANK1-SY-01-03"))
        assert unit.path == f"{sub.path}{unit.id}/" and unit.depth == sub.depth + 1
        assert unit.member_id == province.unit("bank1").id and unit.in_campaign
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.subject_id == unit.id, AuditEntry.action == "unit_created"
            )
        )
        assert entry.actor.username == "bank1-admin" and entry.changes["code"] == [
            None,
            "BANK1-SY-01-03",
        ]


def test_bad_unit_input_re_renders_with_messages_and_writes_nothing(app, client, province):
    sign_in(client, "bank1-admin")
    sub = province.unit("bank1-sub")
    before = _count(app, Unit)
    response = client.post(
        f"/units/new?parent={sub.id}",
        data={"kind": "outlet", "code": "no spaces!", "name": "", "complaint_phone": "12345"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请输入单位名称" in text and "机构代码为" in text and "电话格式不正确" in text
    # A duplicate code and a kind that may not sit under the parent.
    taken = client.post(
        f"/units/new?parent={sub.id}",
        data={"kind": "outlet", "code": "BANK1-SY-01-01", "name": "重复"},
    )
    assert taken.status_code == 422 and "已被使用" in taken.get_data(as_text=True)
    wrong_kind = client.post(
        f"/units/new?parent={sub.id}",
        data={"kind": "city_branch", "code": "BANK1-X", "name": "错层"},
    )
    assert wrong_kind.status_code == 422
    assert _count(app, Unit) == before


def test_outlets_have_no_children_and_only_the_association_adds_members(client, province):
    sign_in(client, "bank1-admin")
    assert client.get(f"/units/new?parent={province.unit('bank1-outlet1').id}").status_code == 403
    client.post("/logout")
    sign_in(client, "assoc-admin")
    assoc = province.unit("assoc")
    response = client.post(
        f"/units/new?parent={assoc.id}",
        data={"kind": "member", "code": "NEWBANK", "name": "新会员银行", "is_associate": "y"},
    )
    assert response.status_code == 302
    # The association does not run a member's internal tree.
    assert client.get(f"/units/new?parent={province.unit('bank1').id}").status_code == 403


def test_deactivating_a_unit_with_active_children_is_refused(app, client, province):
    sign_in(client, "bank1-admin")
    sub = province.unit("bank1-sub")
    refused = client.post(f"/units/{sub.id}/active", data={"active": "0"})
    assert refused.status_code == 409 and "仍有启用的下级单位" in refused.get_data(as_text=True)
    for key in ("bank1-outlet1", "bank1-outlet2"):
        assert (
            client.post(f"/units/{province.unit(key).id}/active", data={"active": "0"}).status_code
            == 302
        )
    assert client.post(f"/units/{sub.id}/active", data={"active": "0"}).status_code == 302
    with app.app_context():
        assert db.session.get(Unit, sub.id).is_active is False  # deactivated, not deleted
    # Deactivated units drop out of the default list but stay findable.
    listing = client.get("/units?q=和平支行").get_data(as_text=True)
    assert "1号网点" not in listing
    assert "1号网点" in client.get("/units?q=和平支行&status=all").get_data(as_text=True)


def test_stale_edit_is_refused_and_shows_a_conflict(app, client, province):
    sign_in(client, "bank1-admin")
    outlet = province.unit("bank1-outlet1")
    form = {"code": outlet.code, "name": "新名称", "version": str(outlet.version)}
    assert client.post(f"/units/{outlet.id}/edit", data=form).status_code == 302
    stale = client.post(f"/units/{outlet.id}/edit", data=form | {"name": "又一个名称"})
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Unit, outlet.id).name == "新名称"


def test_search_and_filters_find_units_by_name_code_and_district(client, province):
    sign_in(client, "assoc-staff")
    html = client.get("/units?q=BANK2-SY-01-02").get_data(as_text=True)
    assert "第2银行和平支行2号网点" in html and "第1银行" not in html
    html = client.get("/units?kind=member").get_data(as_text=True)
    assert "第1银行辽宁省分行" in html and "网点" not in html.split('id="unit-table"')[1]
    html = client.get("/units?q=没有这个单位").get_data(as_text=True)
    assert "没有符合条件的单位" in html


def test_member_user_lists_only_its_own_tree(client, province):
    sign_in(client, "bank1-a")
    html = client.get("/units?status=all").get_data(as_text=True)
    assert "第1银行沈阳分行" in html and "第2银行" not in html
