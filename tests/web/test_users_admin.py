"""User administration: the association names member administrators; a member
administrator staffs its own tree (Art. 6)."""

from sqlalchemy import select
from support import sign_in

from portal.auth.models import User
from portal.db import db


def _user(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)
        return user


def test_member_admin_creates_a_branch_officer_who_can_sign_in(app, client, province):
    sign_in(client, "bank1-admin")
    response = client.post(
        "/users/new",
        data={
            "username": "zhang.wei",
            "full_name": "张伟",
            "unit_id": province.unit("bank1-outlet2").id,
            "role": "branch_officer",
            "mobile": "13812345678",
            "email": "zw@bank1.example.cn",
            "work_phone": "024-22223333",
            "password": "Welcome-to-Shenyang-26",
        },
    )
    assert response.status_code == 302
    assert _user(app, "zhang.wei").role == "branch_officer"
    assert (
        app.test_client()
        .post("/login", data={"username": "zhang.wei", "password": "Welcome-to-Shenyang-26"})
        .status_code
        == 302
    )


def test_bad_user_input_gets_clear_messages_and_nothing_is_written(app, client, province):
    sign_in(client, "bank1-admin")
    response = client.post(
        "/users/new",
        data={
            "username": "x",
            "full_name": "",
            "unit_id": province.unit("bank1-outlet2").id,
            "role": "branch_officer",
            "mobile": "12345",
            "email": "not-an-email",
            "work_phone": "abc",
            "password": "short",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "用户名为",
        "请输入姓名",
        "手机号应为",
        "电子邮箱格式不正确",
        "办公电话格式不正确",
        "至少",
    ):
        assert message in text, message
    assert _user(app, "x") is None


def test_roles_must_fit_the_unit_and_the_administrator(app, client, province):
    sign_in(client, "bank1-admin")
    # A member admin cannot make association staff, nor an outlet handler a bank leader.
    for role, unit in (("assoc_admin", "bank1"), ("member_leader", "bank1-outlet1")):
        response = client.post(
            "/users/new",
            data={
                "username": f"try-{role}",
                "full_name": "试",
                "unit_id": province.unit(unit).id,
                "role": role,
                "password": "Welcome-to-Shenyang-26",
            },
        )
        assert response.status_code == 422 and "可设置的角色" in response.get_data(as_text=True)
    taken = client.post(
        "/users/new",
        data={
            "username": "bank1-a",
            "full_name": "重复",
            "unit_id": province.unit("bank1").id,
            "role": "member_handler",
            "password": "Welcome-to-Shenyang-26",
        },
    )
    assert taken.status_code == 422 and "已被使用" in taken.get_data(as_text=True)


def test_association_admin_manages_member_admins_but_not_member_staff(client, province):
    sign_in(client, "assoc-admin")
    assert client.get(f"/users/{province.user('bank1-admin').id}/edit").status_code == 200
    assert client.get(f"/users/{province.user('bank1-a').id}/edit").status_code == 403
    response = client.post(
        "/users/new",
        data={
            "username": "bank2-admin2",
            "full_name": "李娜",
            "unit_id": province.unit("bank2").id,
            "role": "member_admin",
            "password": "Welcome-to-Shenyang-26",
        },
    )
    assert response.status_code == 302


def test_nobody_deactivates_themselves(client, province):
    sign_in(client, "bank1-admin")
    me = province.user("bank1-admin")
    assert client.post(f"/users/{me.id}/active", data={"active": "0"}).status_code == 403


def test_edit_with_a_stale_version_is_refused(app, client, province):
    sign_in(client, "bank1-admin")
    target = province.user("bank1-outlet1")
    form = {
        "username": target.username,
        "full_name": "新名字",
        "unit_id": target.unit_id,
        "role": "branch_officer",
        "version": str(target.version),
    }
    assert client.post(f"/users/{target.id}/edit", data=form).status_code == 302
    stale = client.post(f"/users/{target.id}/edit", data=form | {"full_name": "旧表单"})
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    assert _user(app, "bank1-outlet1").full_name == "新名字"


def test_admin_reset_password_ends_the_users_sessions(app, client, province):
    officer = app.test_client()
    sign_in(officer, "bank1-outlet1")
    sign_in(client, "bank1-admin")
    target = province.user("bank1-outlet1")
    response = client.post(
        f"/users/{target.id}/edit",
        data={
            "username": target.username,
            "full_name": target.full_name,
            "unit_id": target.unit_id,
            "role": "branch_officer",
            "version": str(target.version),
            "password": "Reset-for-outlet-7",
        },
    )
    assert response.status_code == 302
    assert officer.get("/home").status_code == 302
    assert (
        app.test_client()
        .post("/login", data={"username": "bank1-outlet1", "password": "Reset-for-outlet-7"})
        .status_code
        == 302
    )


def test_audit_log_lists_changes_within_scope_only(client, province):
    sign_in(client, "bank1-admin")
    client.post(
        "/users/new",
        data={
            "username": "wang.fang",
            "full_name": "王芳",
            "unit_id": province.unit("bank1-outlet1").id,
            "role": "branch_officer",
            "password": "Welcome-to-Shenyang-26",
        },
    )
    assert "新增用户" in client.get("/audit").get_data(as_text=True)
    other = client.application.test_client()
    sign_in(other, "bank2-admin")
    assert "wang.fang" not in other.get("/audit").get_data(as_text=True)
