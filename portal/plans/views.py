"""Contingency plans (Art. 9(3)): load (scoped) → check → act → render.

Failed forms come back as 422 with the form re-rendered (htmx swaps 422); a save on a
version someone else has replaced answers 409."""

from datetime import date

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal.auth.access import can, require
from portal.auth.roles import ASSOCIATION_ROLES, Permission
from portal.complaints.models import Category
from portal.complaints.queries import load_case_or_404
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import can_see_unit, scope_root
from portal.plans import forms, operations, queries
from portal.plans.models import ContingencyPlan
from portal.plans.rules import KIND_LABELS, STATUS_LABELS
from portal.web import clock
from portal.web.errors import conflict_response
from portal.web.htmx import render_page_or_piece


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@login_required
def index():
    require(Permission.PLAN_VIEW)
    member_id = _int_arg("member")
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    chosen = request.args.get("status", "active")
    status = chosen if chosen in STATUS_LABELS else None
    plans = queries.plan_list(current_user, member_id=member_id, kind=kind, status=status)
    return render_page_or_piece(
        "plans/index.html",
        "plans/_list.html",
        plans=plans,
        members=queries.members() if current_user.role in ASSOCIATION_ROLES else [],
        member_id=member_id,
        kind=kind,
        chosen_status=status or "all",
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        may_file=can(Permission.PLAN_FILE),
    )


def _choices(form, member: Unit) -> None:
    form.category_ids.choices = [
        SelectChoice(c.id, c.full_label if c.parent_id else c.label) for c in queries.categories()
    ]
    form.unit_ids.choices = [
        SelectChoice(u.id, f"{'　' * (u.depth - member.depth - 1)}{u.name}")
        for u in queries.member_units(member)
    ]


def _form_page(form, plan=None, status=200):
    return render_page_or_piece(
        "plans/edit.html", "plans/_form.html", status=status, form=form, plan=plan
    )


def _data(form) -> dict:
    return {name: getattr(form, name).data or [] for name in ("category_ids", "unit_ids")} | {
        name: getattr(form, name).data
        for name in ("kind", "title", "measures", "starts_on", "ends_on")
    }


@login_required
def new():
    require(Permission.PLAN_FILE)
    member = scope_root(current_user)
    form = forms.PlanForm()
    _choices(form, member)
    if request.method == "GET":
        return _form_page(form)
    if not form.validate_on_submit():
        return _form_page(form, status=422)
    plan = operations.file_plan(
        member=member, actor=current_user, now=clock.now(), data=_data(form)
    )
    return redirect(url_for("plans.detail", plan_id=plan.id), 303)


def _render_detail(plan, withdraw_form=None, status=200):
    return render_page_or_piece(
        "plans/detail.html",
        "plans/_plan.html",
        status=status,
        plan=plan,
        categories=queries.named(Category, plan.category_ids),
        units=queries.named(Unit, plan.unit_ids),
        history=queries.history(plan),
        may_file=can(Permission.PLAN_FILE) and plan.is_active,
        withdraw_form=withdraw_form or forms.WithdrawForm(formdata=None, version=plan.version),
    )


@login_required
def detail(plan_id):
    plan = queries.load_plan_or_404(current_user, plan_id)
    require(Permission.PLAN_VIEW)
    return _render_detail(plan)


def _stale(plan: ContingencyPlan, form) -> bool:
    return str(form.version.data or "") != str(plan.version)


@login_required
def edit(plan_id):
    plan = queries.load_plan_or_404(current_user, plan_id)
    require(Permission.PLAN_FILE)
    if not plan.is_active:
        abort(409)
    form = forms.EditPlanForm(obj=plan if request.method == "GET" else None)
    _choices(form, plan.member)
    if request.method == "GET":
        form.version.data = str(plan.version)
        return _form_page(form, plan)
    if not form.validate_on_submit():
        return _form_page(form, plan, 422)
    if _stale(plan, form):
        return conflict_response()
    operations.edit_plan(
        plan, actor=current_user, now=clock.now(), data=_data(form), note=form.note.data or None
    )
    return redirect(url_for("plans.detail", plan_id=plan.id), 303)


@login_required
def withdraw(plan_id):
    plan = queries.load_plan_or_404(current_user, plan_id)
    require(Permission.PLAN_FILE)
    if not plan.is_active:
        abort(409)
    form = forms.WithdrawForm()
    if not form.validate_on_submit():
        return _render_detail(plan, form, 422)
    if _stale(plan, form):
        return conflict_response()
    operations.withdraw_plan(plan, actor=current_user, now=clock.now(), reason=form.reason.data)
    return _render_detail(plan)


@login_required
def for_case(case_id):
    """Art. 9(3) on the case page: the plans in force covering this case, or that none
    does. Scoped like the case (404 outside it)."""
    case = load_case_or_404(current_user, case_id)
    return render_page_or_piece(
        "plans/for_case.html",
        "plans/_covering.html",
        plans=queries.plans_covering_case(case),
        may_read=can(Permission.PLAN_VIEW),
        piece_id=f"plans-case-{case.id}",
        case=case,
    )


def _covering_args() -> dict:
    """The scope of ``/plans/covering``, or 400 saying what is wrong."""

    def number(name: str, required: bool) -> int | None:
        text = request.args.get(name, "").strip()
        if not text and not required:
            return None
        if not text.isdigit() or len(text) > 9:
            abort(400, description=_("参数 %(name)s 须为编号。", name=name))
        return int(text)

    def day(name: str) -> date:
        try:
            value = date.fromisoformat(request.args.get(name, "").strip())
        except ValueError:
            abort(400, description=_("参数 %(name)s 须为日期（YYYY-MM-DD）。", name=name))
        if not date(2000, 1, 1) <= value <= date(2999, 12, 31):
            abort(400, description=_("参数 %(name)s 的日期超出范围。", name=name))
        return value

    member_id, outlet_id = number("member", True), number("outlet", False)
    category_id = number("category", False)
    start, end = day("start"), day("end")
    if end < start:
        abort(400, description=_("结束日期不能早于开始日期。"))
    member = db.session.get(Unit, member_id)
    if member is None or member.kind != UnitKind.MEMBER or not can_see_unit(current_user, member):
        abort(404)
    outlet = db.session.get(Unit, outlet_id) if outlet_id is not None else None
    if outlet_id is not None and (outlet is None or outlet.member_id != member.id):
        abort(400, description=_("所选网点不属于该会员单位。"))
    category = db.session.get(Category, category_id) if category_id is not None else None
    if category_id is not None and category is None:
        abort(400, description=_("投诉类别不存在。"))
    return {"member": member, "outlet": outlet, "category": category, "start": start, "end": end}


@login_required
def covering():
    """Art. 8(5) × 9(3): the plans in force touching a cluster's scope, for the
    analysis domain's finding page (``hx-get`` of this URL)."""
    require(Permission.PLAN_VIEW)
    scope = _covering_args()
    return render_page_or_piece(
        "plans/for_case.html",
        "plans/_covering.html",
        plans=queries.plans_covering(**scope),
        may_read=True,
        piece_id="plans-covering",
        case=None,
    )
