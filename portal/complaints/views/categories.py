"""The association edits the category taxonomy: add, rename, deactivate (never delete)."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints import queries
from portal.complaints.models import Category
from portal.db import db
from portal.web.forms import PortalForm
from portal.web.htmx import render_page_or_piece


class CategoryForm(PortalForm):
    parent_id = SelectField(_l("上级类别"), coerce=int, validate_choice=False)
    code = StringField(
        _l("代码"),
        validators=[
            DataRequired(_l("请填写代码。")),
            Regexp(r"^[A-Z0-9-]{2,20}$", message=_l("代码为 2–20 位大写字母、数字或横线。")),
        ],
    )
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=60)])
    name_en = StringField(_l("英文名称"), validators=[Length(max=80)])


def _all():
    return list(db.session.scalars(select(Category).order_by(Category.sort, Category.id)))


def _render(form, status=200):
    form.parent_id.choices = [(0, _("（一级类别）"))] + [
        (c.id, c.name) for c in _all() if not c.parent_id
    ]
    return render_page_or_piece(
        "complaints/categories.html",
        "complaints/_categories.html",
        status=status,
        form=form,
        categories=_all(),
    )


@login_required
def options():
    """The active categories as the options of a select, ``selected`` chosen: loaded when
    the correction form's list is first opened."""
    require(Permission.CASE_INTAKE)
    return render_template(
        "complaints/_category_options.html",
        categories=queries.categories(),
        selected=request.args.get("selected", type=int),
    )


@login_required
def index():
    require(Permission.CATEGORY_MANAGE)
    return _render(CategoryForm())


@login_required
def create():
    require(Permission.CATEGORY_MANAGE)
    form = CategoryForm()
    form.parent_id.choices = []
    if form.validate_on_submit():
        parent = db.session.get(Category, form.parent_id.data) if form.parent_id.data else None
        if db.session.scalar(select(Category).where(Category.code == form.code.data)):
            form.code.errors.append(_("该代码已被使用。"))
        elif form.parent_id.data and parent is None:
            form.parent_id.errors.append(_("所选上级类别不存在。"))
        elif parent is not None and parent.parent_id:
            form.parent_id.errors.append(_("只支持两级类别。"))
        elif parent is not None and not parent.is_active:
            form.parent_id.errors.append(_("上级类别已停用，请先启用。"))
        else:
            db.session.add(
                Category(
                    code=form.code.data,
                    name=form.name.data.strip(),
                    name_en=(form.name_en.data or "").strip() or None,
                    parent_id=parent.id if parent else None,
                    sort=(max((c.sort for c in _all()), default=0) + 1),
                )
            )
            db.session.flush()
            return _render(CategoryForm(formdata=None))
    return _render(form, 422)


@login_required
def toggle(category_id):
    require(Permission.CATEGORY_MANAGE)
    category = db.session.get(Category, category_id)
    if category is None:
        from flask import abort

        abort(404)
    category.is_active = request.form.get("active") == "1"
    db.session.flush()
    return _render(CategoryForm(formdata=None))


def _crosswalk_page(problems=None, posted=None, status=200):
    from portal.codes import queries as code_queries

    walk = code_queries.crosswalk()
    rows = []
    for c in _all():
        row = walk.get(c.id)
        values = {
            "b": (posted or {}).get(f"b-{c.id}", row.code_b if row else ""),
            "c": (posted or {}).get(f"c-{c.id}", row.code_c if row else ""),
        }
        rows.append((c, values))
    return render_template(
        "complaints/crosswalk.html",
        rows=rows,
        b_choices=code_queries.grouped_choices("B"),
        c_choices=code_queries.grouped_choices("C"),
        problems=problems or {},
    ), status


@login_required
def crosswalk():
    """The crosswalk (JR/T 0169-2018): the B and C codes each category counts under while
    a case has none of its own (cases before coding, old reports), and the codes intake
    starts from. Saved as a whole; every change audited; a bad code saves nothing."""
    from flask import flash, redirect, url_for
    from flask_login import current_user

    from portal.codes import operations as code_operations
    from portal.codes import queries as code_queries
    from portal.codes.rules import check_code
    from portal.web import clock

    require(Permission.CATEGORY_MANAGE)
    if request.method == "GET":
        return _crosswalk_page()
    known = code_queries.current_names()
    problems: dict[int, list[str]] = {}
    chosen = []
    for c in _all():
        b = (request.form.get(f"b-{c.id}") or "").strip().upper()
        code_c = (request.form.get(f"c-{c.id}") or "").strip().upper()
        if not b and not code_c:
            continue  # left without a crosswalk: its cases need codes of their own
        found = [check_code(b, "B", known), check_code(code_c, "C", known)]
        if not b or not code_c:
            found.append(_("B类与C类编码须同时选择。"))
        if errors := [p for p in found if p]:
            problems[c.id] = errors
        else:
            chosen.append((c, b, code_c))
    if problems:
        return _crosswalk_page(problems, request.form, 422)
    changed = sum(
        code_operations.set_crosswalk(c, b, code_c, actor=current_user, now=clock.now())
        for c, b, code_c in chosen
    )
    flash(_("类别对照表已保存（%(n)s项有变化）。", n=changed), "success")
    return redirect(url_for("complaints.crosswalk"), 303)
