"""Member side of the duty screens: the complaint profile (Art. 6), handlers' contacts, the
A/B pairs (Art. 7) and the duty calendar. Absences and the association's screens are in
``absences`` and ``association`` beside it."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.auth.access import can, require
from portal.auth.roles import Permission, Role
from portal.db import db
from portal.duty import operations, queries
from portal.duty.forms import ContactsForm, CustomerReportForm, PairForm, ProfileForm
from portal.duty.models import DutyPair
from portal.duty.rules import (
    FIELD_LABELS,
    SECTION_LABELS,
    Segment,
    describe_gap_days,
    describe_period,
)
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import in_subtree
from portal.web import clock
from portal.web.htmx import render_page_or_piece


def duty_period(segment: Segment) -> str:
    return describe_period(segment.starts_at, segment.ends_at, queries.local_tz())


def duty_gap_lines(plans) -> list[str]:
    return describe_gap_days(plans, queries.local_tz())


def labels():
    return {"duty_field_labels": FIELD_LABELS, "duty_section_labels": SECTION_LABELS}


def apply_problems(form, problems: dict[str, str]) -> None:
    """Put an operation's refusals next to the fields they concern."""
    for name, message in problems.items():
        field = getattr(form, name, None)
        (field.errors if field is not None else form.form_errors).append(_(message))


def _member_of(unit: Unit) -> Unit:
    return unit if unit.is_member else unit.member


@login_required
def index():
    require(Permission.DUTY_PROFILE_VIEW)
    if can(Permission.DUTY_DIRECTORY_VIEW):
        return redirect(url_for("duty.directory"))
    return redirect(url_for("duty.profile", member_id=current_user.unit.member_id))


def _profile_context(member: Unit) -> dict:
    pairs = queries.pairs_of(member)
    now = clock.now()
    paired = {p.unit_id for p in pairs}
    intermediate = db.session.scalars(
        select(Unit)
        .where(
            in_subtree(Unit.path, member.path),
            Unit.kind.in_(queries.PAIR_KINDS[1:]),
            Unit.is_active.is_(True),
        )
        .order_by(Unit.path)
    ).all()
    return {
        "member": member,
        "profile": queries.profile_of(member),
        "handlers": queries.handlers_of(member),
        "pairs": [(p, queries.on_duty(p.unit, now)) for p in pairs],
        "unpaired": [u for u in intermediate if u.id not in paired],
        "reports": db.session.scalars(
            queries.changes_query(current_user, member.id).limit(10)
        ).all(),
        "customer_reports": queries.customer_reports_of(member, limit=10),
    }


@login_required
def profile(member_id):
    member = queries.load_member_or_404(current_user, member_id)
    require(Permission.DUTY_PROFILE_VIEW)
    return render_page_or_piece(
        "duty/profile.html", "duty/_profile.html", **_profile_context(member)
    )


def _leader_choices(member: Unit) -> list[tuple[int, str]]:
    leaders = queries.member_users(member, Role.MEMBER_LEADER)
    return [(0, _("（不关联账号）"))] + [(u.id, f"{u.full_name}（{u.username}）") for u in leaders]


@login_required
def edit_profile(member_id):
    member = queries.load_member_or_404(current_user, member_id)
    require(Permission.DUTY_PROFILE_MANAGE)
    current = queries.profile_of(member)
    form = ProfileForm(obj=current)
    form.leader_user_id.choices = _leader_choices(member)
    if request.method == "GET":
        form.version.data = str(current.version) if current else ""
    if form.validate_on_submit() and _fresh(form, current):
        fields = {name: getattr(form, name).data for name in operations.PROFILE_FIELDS}
        try:
            operations.save_profile(
                member,
                actor=current_user,
                now=clock.now(),  # the report's date: the server's, never the form's
                leader_user_id=form.leader_user_id.data or None,
                **fields,
            )
        except operations.DutyError as error:
            apply_problems(form, error.problems)
        else:
            flash(_("已保存并报备协会。"), "success")
            return redirect(url_for("duty.profile", member_id=member.id))
    return _form_answer("duty/profile_form.html", form, member=member, profile=current)


@login_required
def report_customers(member_id):
    """The member reports its count of personal customers as of a date (append-only; the
    regulator's figures per 10 million personal customers are normalised by it)."""
    member = queries.load_member_or_404(current_user, member_id)
    require(Permission.DUTY_PROFILE_MANAGE)
    form = CustomerReportForm()
    if form.validate_on_submit():
        try:
            operations.report_customers(
                member,
                personal_customers=form.personal_customers.data,
                as_of=form.as_of.data,
                actor=current_user,
                now=clock.now(),  # the report's time: the server's, never the form's
            )
        except operations.DutyError as error:
            apply_problems(form, error.problems)
        else:
            flash(_("已报备个人客户数。"), "success")
            return redirect(url_for("duty.profile", member_id=member.id))
    return _form_answer(
        "duty/customers_form.html",
        form,
        member=member,
        reports=queries.customer_reports_of(member, limit=10),
    )


def _fresh(form, obj) -> bool:
    """Optimistic locking: refuse to overwrite what someone saved since the form opened."""
    expected = str(obj.version) if obj is not None else ""
    if (form.version.data or "") != expected:
        form.form_errors.append(_("内容已被他人修改，请查看最新内容后重新提交。"))
        return False
    return True


def _form_answer(template: str, form, **context):
    status = 409 if form.form_errors else 422 if form.errors else 200
    return render_template(template, form=form, **context), status


def _may_edit_contacts(handler) -> bool:
    return can(Permission.DUTY_PROFILE_MANAGE) or (
        can(Permission.DUTY_ABSENCE_MANAGE) and handler.id == current_user.id
    )


@login_required
def edit_contacts(user_id):
    handler = queries.load_handler_or_404(current_user, user_id)
    if not _may_edit_contacts(handler):
        abort(403)
    form = ContactsForm(obj=handler)
    if request.method == "GET":
        form.version.data = str(handler.version)
    if form.validate_on_submit() and _fresh(form, handler):
        try:
            operations.update_handler_contacts(
                handler, **_contact_values(form), actor=current_user, now=clock.now()
            )
        except operations.DutyError as error:
            apply_problems(form, error.problems)
        else:
            flash(_("联络方式已保存并报备协会。"), "success")
            return redirect(url_for("duty.profile", member_id=handler.unit.member_id))
    return _form_answer("duty/contacts_form.html", form, handler=handler)


def _contact_values(form: ContactsForm) -> dict:
    return {
        "work_phone": form.work_phone.data,
        "mobile": form.mobile.data,
        "email": form.email.data,
    }


def _pair_choices(member: Unit) -> list[tuple[int, str]]:
    handlers = queries.handlers_of(member)
    return [(0, _("请选择"))] + [(u.id, f"{u.full_name}（{u.unit.name}）") for u in handlers]


@login_required
def edit_pair(unit_id):
    unit = queries.load_pair_unit_or_404(current_user, unit_id)
    require(Permission.DUTY_PROFILE_MANAGE)
    pair = db.session.scalar(select(DutyPair).where(DutyPair.unit_id == unit.id))
    form = PairForm(obj=pair)
    form.handler_a_id.choices = form.handler_b_id.choices = _pair_choices(_member_of(unit))
    if request.method == "GET":
        form.version.data = str(pair.version) if pair else ""
    if form.validate_on_submit() and _fresh(form, pair):
        try:
            operations.set_pair(
                unit,
                handler_a_id=form.handler_a_id.data,
                handler_b_id=form.handler_b_id.data,
                actor=current_user,
                now=clock.now(),
            )
        except operations.DutyError as error:
            apply_problems(form, error.problems)
        else:
            flash(_("A/B角已保存并报备协会。"), "success")
            return redirect(url_for("duty.profile", member_id=_member_of(unit).id))
    return _form_answer("duty/pair_form.html", form, unit=unit, pair=pair)


@login_required
def remove_pair(unit_id):
    unit = queries.load_pair_unit_or_404(current_user, unit_id)
    require(Permission.DUTY_PROFILE_MANAGE)
    if unit.kind == UnitKind.MEMBER:
        abort(409)
    operations.remove_pair(unit, actor=current_user, now=clock.now())
    flash(_("已取消该单位的A/B角，转办给它的投诉由上级单位的A/B角受理。"), "success")
    return redirect(url_for("duty.profile", member_id=unit.member_id))


@login_required
def calendar(member_id):
    member = queries.load_member_or_404(current_user, member_id)
    require(Permission.DUTY_CALENDAR_VIEW)
    now = clock.now()
    today = queries.local_today(now)
    first = today - timedelta(days=today.weekday())  # this week's Monday
    last = first + timedelta(days=queries.HORIZON_DAYS - 1)
    pairs = queries.pairs_of(member)
    plans = [(p, queries.plan_for_pair(p, first, last, known_at=now)) for p in pairs]
    return render_page_or_piece(
        "duty/calendar.html", "duty/_calendar.html", member=member, plans=plans, today=today
    )
