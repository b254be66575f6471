"""User administration: the association staffs itself and names member administrators;
a member administrator staffs its own tree (Art. 6)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_

from portal.admin.forms import ConfirmForm, UserForm
from portal.admin.rules import assignable_roles
from portal.auth import operations, two_factor
from portal.auth.access import require
from portal.auth.forms import password_errors
from portal.auth.models import User
from portal.auth.roles import ROLE_LABELS, Permission, Role
from portal.auth.rules import password_problems
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.scoping import load_user_or_404, units_query, users_query
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate


def can_manage_user(target: User) -> bool:
    """Inside one's scope, and only roles one could have given (no self-lockout)."""
    if target.id == current_user.id:
        return False
    return Role(target.role) in assignable_roles(Role(current_user.role), target.unit.unit_kind)


def filtered_users(args):
    query = users_query(current_user)
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(User.username.ilike(like), User.full_name.ilike(like), Unit.name.ilike(like))
        )
    if args.get("role") in set(Role):
        query = query.where(User.role == args["role"])
    status = args.get("status", "active")
    if status == "active":
        query = query.where(User.is_active.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active.is_(False))
    return query.order_by(Unit.path, User.username)


@login_required
def index():
    require(Permission.USER_MANAGE)
    return render_page_or_piece(
        "admin/users/index.html",
        "admin/users/_table.html",
        pagination=paginate(filtered_users(request.args)),
        roles=ROLE_LABELS,
        can_manage_user=can_manage_user,
    )


def _unit_choices() -> list[tuple[int, str]]:
    """Units where the current administrator may place someone."""
    actor_role = Role(current_user.role)
    units = db.session.scalars(
        units_query(current_user).where(Unit.is_active.is_(True)).order_by(Unit.path)
    ).all()
    return [
        (u.id, f"{'　' * u.depth}{u.name}（{u.code}）")
        for u in units
        if assignable_roles(actor_role, u.unit_kind)
    ]


def _role_choices() -> list[tuple[str, str]]:
    return [(r.value, ROLE_LABELS[r]) for r in Role]


def _validate_placement(form: UserForm) -> Unit | None:
    """The chosen unit (scoped) if the chosen role may be given there, else form errors."""
    unit = db.session.scalar(units_query(current_user).where(Unit.id == form.unit_id.data))
    if unit is None or not unit.is_active:
        form.unit_id.errors.append(_("请选择您管理范围内的启用单位。"))
        return None
    allowed = assignable_roles(Role(current_user.role), unit.unit_kind)
    if form.role.data not in {r.value for r in allowed}:
        labels = "、".join(ROLE_LABELS[r] for r in allowed) or _("无")
        form.role.errors.append(_("该单位可设置的角色：%(roles)s。", roles=labels))
        return None
    return unit


def _clean(form: UserForm) -> dict:
    return {
        "username": form.username.data.strip(),
        "full_name": form.full_name.data.strip(),
        "role": form.role.data,
        "email": (form.email.data or "").strip() or None,
        "work_phone": (form.work_phone.data or "").strip() or None,
        "mobile": (form.mobile.data or "").strip() or None,
    }


def _username_taken(username: str, user_id: int | None) -> bool:
    existing = operations.find_by_username(username)
    return existing is not None and existing.id != user_id


@login_required
def create():
    require(Permission.USER_MANAGE)
    form = UserForm()
    form.unit_id.choices = _unit_choices()
    form.role.choices = _role_choices()
    unit_id = request.args.get("unit", type=int)
    if request.method == "GET" and unit_id:
        form.unit_id.data = unit_id
    if form.validate_on_submit():
        unit = _validate_placement(form)
        if not form.password.data:
            form.password.errors.append(_("请设置初始密码。"))
        elif problems := password_problems(form.password.data, form.username.data):
            form.password.errors.extend(password_errors(problems))
        if _username_taken(form.username.data, None):
            form.username.errors.append(_("该用户名已被使用。"))
        if unit is not None and not form.errors:
            user = operations.create_user(
                actor=current_user,
                unit=unit,
                now=clock.now(),
                password=form.password.data,
                **_clean(form),
            )
            flash(_("已新增用户：%(name)s", name=user.full_name), "success")
            return redirect(url_for("admin.users", q=user.username))
    return render_template(
        "admin/users/form.html", form=form, target=None
    ), 422 if form.errors else 200


@login_required
def edit(user_id):
    target = load_user_or_404(current_user, user_id)
    require(Permission.USER_MANAGE)
    if not can_manage_user(target):
        abort(403)
    form = UserForm(obj=target)
    form.unit_id.choices = _unit_choices()
    form.role.choices = _role_choices()
    if request.method == "GET":
        form.version.data = str(target.version)
    status = 200
    if form.validate_on_submit():
        unit = _validate_placement(form)
        if _username_taken(form.username.data, target.id):
            form.username.errors.append(_("该用户名已被使用。"))
        if form.version.data != str(target.version):
            form.form_errors.append(_("该用户信息已被他人修改，请查看最新内容后重新提交。"))
            status = 409
        if form.password.data and (
            problems := password_problems(form.password.data, form.username.data)
        ):
            form.password.errors.extend(password_errors(problems))
        if unit is not None and not form.errors:
            operations.update_user(
                target, actor=current_user, unit=unit, now=clock.now(), **_clean(form)
            )
            if form.password.data:
                operations.reset_password(
                    target, form.password.data, actor=current_user, now=clock.now()
                )
            flash(_("用户信息已保存。"), "success")
            return redirect(url_for("admin.users", q=target.username))
    if form.errors and status == 200:
        status = 422
    return render_template("admin/users/form.html", form=form, target=target), status


@login_required
def toggle_active(user_id):
    target = load_user_or_404(current_user, user_id)
    require(Permission.USER_MANAGE)
    if not can_manage_user(target):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    activate = request.form.get("active") == "1"
    operations.set_user_active(target, activate, actor=current_user, now=clock.now())
    flash(
        _("已启用用户 %(name)s。", name=target.full_name)
        if activate
        else _("已停用用户 %(name)s，其登录已全部失效。", name=target.full_name),
        "success",
    )
    return redirect(url_for("admin.users", q=target.username, status="all"))


@login_required
def reset_two_factor(user_id):
    """Someone lost their phone: their second factor is removed (where it is required,
    they enrol again at the next sign-in)."""
    target = load_user_or_404(current_user, user_id)
    require(Permission.USER_MANAGE)
    if not can_manage_user(target):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if target.has_two_factor:
        two_factor.reset(target, actor=current_user, now=clock.now())
        flash(
            _("已重置 %(name)s 的两步验证，其下次登录时须重新设置。", name=target.full_name)
            if two_factor.required_for(target)
            else _("已重置 %(name)s 的两步验证。", name=target.full_name),
            "success",
        )
    return redirect(url_for("admin.users", q=target.username, status="all"))
