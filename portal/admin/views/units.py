"""The unit tree screens: browse one's scope; administrators add, edit, deactivate."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from portal.admin.forms import ConfirmForm, UnitForm
from portal.admin.rules import can_add_child, can_edit_unit, can_toggle_unit
from portal.auth.access import require
from portal.auth.models import User
from portal.auth.roles import Permission, Role
from portal.db import db
from portal.orgs import operations
from portal.orgs.models import Unit
from portal.orgs.rules import INSTITUTION_GROUPS, KIND_LABELS, UnitKind, allowed_child_kinds
from portal.orgs.scoping import in_subtree, load_unit_or_404, scope_root, units_query
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate


def _role():
    return Role(current_user.role)


def filtered_units(args):
    query = units_query(current_user)
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(
                Unit.name.ilike(like),
                Unit.code.ilike(like),
                Unit.district.ilike(like),
                Unit.city.ilike(like),
            )
        )
    if args.get("kind") in set(UnitKind):
        query = query.where(Unit.kind == args["kind"])
    status = args.get("status", "active")
    if status == "active":
        query = query.where(Unit.is_active.is_(True))
    elif status == "inactive":
        query = query.where(Unit.is_active.is_(False))
    return query.order_by(Unit.path)


@login_required
def index():
    require(Permission.ORG_UNIT_VIEW)
    pagination = paginate(filtered_units(request.args))
    return render_page_or_piece(
        "admin/units/index.html",
        "admin/units/_table.html",
        pagination=pagination,
        kinds=KIND_LABELS,
        root=scope_root(current_user),
    )


@login_required
def detail(unit_id):
    unit = load_unit_or_404(current_user, unit_id)
    require(Permission.ORG_UNIT_VIEW)
    return _render_detail(unit)


def _render_detail(unit: Unit, status: int = 200, error: str | None = None):
    children = db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.is_active.desc(), Unit.code)
    ).all()
    outlets = db.session.scalar(
        select(func.count())
        .select_from(Unit)
        .where(
            in_subtree(Unit.path, unit.path), Unit.kind == UnitKind.OUTLET, Unit.is_active.is_(True)
        )
    )
    people = db.session.scalars(
        select(User).where(User.unit_id == unit.id).order_by(User.is_active.desc(), User.username)
    ).all()
    role = _role()
    return render_page_or_piece(
        "admin/units/detail.html",
        "admin/units/_detail.html",
        status=status,
        unit=unit,
        children=children,
        people=people,
        outlets=outlets,
        institution_groups=INSTITUTION_GROUPS,
        confirm=ConfirmForm(),
        error=error,
        may_edit=can_edit_unit(role, unit.unit_kind),
        may_toggle=can_toggle_unit(role, unit.unit_kind),
        may_add=can_add_child(role, unit.unit_kind) and unit.is_active,
    )


def _fill_unit(form: UnitForm, parent: Unit | None, unit: Unit | None = None) -> dict:
    fields = {name: getattr(form, name).data for name in operations.UNIT_FIELDS}
    for name in ("short_name", "city", "district", "address", "complaint_phone", "system_phone"):
        fields[name] = (fields[name] or "").strip() or None
    fields["code"] = fields["code"].strip().upper()
    fields["name"] = fields["name"].strip()
    kind = unit.kind if unit else fields.get("kind")
    if not _may_set_group(kind):
        # Not the association's form, or not a member: the group stays as it was.
        fields["institution_group"] = unit.institution_group if unit else None
    else:
        fields["institution_group"] = fields["institution_group"] or None
    return fields


def _may_set_group(kind) -> bool:
    """The association places its members in the regulator's institution groups; a
    member does not place itself (its administrator edits its details, not its group)."""
    return _role() == Role.ASSOC_ADMIN and kind == UnitKind.MEMBER


def _group_choices(form: UnitForm) -> None:
    form.institution_group.choices = [
        ("", _("未设置")),
        *[(key, _(label)) for key, label in INSTITUTION_GROUPS.items()],
    ]


@login_required
def create():
    parent = load_unit_or_404(current_user, request.args.get("parent", type=int) or 0)
    if not can_add_child(_role(), parent.unit_kind) or not parent.is_active:
        abort(403)
    form = UnitForm()
    kinds = allowed_child_kinds(parent.unit_kind)
    form.kind.choices = [(k.value, KIND_LABELS[k]) for k in kinds]
    _group_choices(form)
    if form.validate_on_submit():
        if form.kind.data not in {k.value for k in kinds}:
            form.kind.errors.append(_("请选择单位类型。"))
        else:
            try:
                unit = operations.create_unit(
                    parent=parent, actor=current_user, now=clock.now(), **_fill_unit(form, parent)
                )
            except operations.UnitError as error:
                getattr(form, error.field).errors.append(_(str(error)))
            else:
                flash(_("已新增单位：%(name)s", name=unit.name), "success")
                return redirect(url_for("admin.unit", unit_id=unit.id))
    return render_template(
        "admin/units/form.html",
        form=form,
        parent=parent,
        unit=None,
        may_group=_may_set_group(UnitKind.MEMBER) and parent.is_association,
    ), (422 if form.errors else 200)


@login_required
def edit(unit_id):
    unit = load_unit_or_404(current_user, unit_id)
    if not can_edit_unit(_role(), unit.unit_kind):
        abort(403)
    form = UnitForm(obj=unit)
    form.kind.choices = [(unit.kind, unit.kind_label)]
    _group_choices(form)
    if request.method == "GET":
        form.version.data = str(unit.version)
    if form.validate_on_submit():
        if form.version.data != str(unit.version):
            form.form_errors.append(_("该单位信息已被他人修改，请查看最新内容后重新提交。"))
        else:
            try:
                operations.update_unit(
                    unit, actor=current_user, now=clock.now(), **_fill_unit(form, unit.parent, unit)
                )
            except operations.UnitError as error:
                getattr(form, error.field).errors.append(_(str(error)))
            else:
                flash(_("单位信息已保存。"), "success")
                return redirect(url_for("admin.unit", unit_id=unit.id))
    return render_template(
        "admin/units/form.html",
        form=form,
        parent=unit.parent,
        unit=unit,
        may_group=_may_set_group(unit.kind),
    ), (409 if form.form_errors else 422 if form.errors else 200)


@login_required
def toggle_active(unit_id):
    unit = load_unit_or_404(current_user, unit_id)
    if not can_toggle_unit(_role(), unit.unit_kind):
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    activate = request.form.get("active") == "1"
    try:
        operations.set_unit_active(unit, activate, actor=current_user, now=clock.now())
    except operations.UnitError as error:
        return _render_detail(unit, status=409, error=_(str(error)))
    flash(_("已启用该单位。") if activate else _("已停用该单位，其历史记录保持不变。"), "success")
    return redirect(url_for("admin.unit", unit_id=unit.id))
