"""Absences (Art. 7): entered ahead of time or on the day by the handler or the member's
administrator; one that would leave nobody on duty asks for confirmation first, naming
the days. htmx swaps the list; a refused form (422) or the confirmation (409) comes
back as the form piece."""

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.access import can, require
from portal.auth.models import User
from portal.auth.roles import Permission
from portal.duty import operations, queries
from portal.duty.forms import AbsenceForm
from portal.duty.views.members import apply_problems
from portal.orgs.models import Unit
from portal.web import clock
from portal.web.htmx import render_page_or_piece, wants_piece
from portal.web.pagination import paginate


def may_enter_absence_for(handler: User) -> bool:
    """Handlers enter their own absences; the member's administrator anyone's."""
    if not can(Permission.DUTY_ABSENCE_MANAGE):
        return False
    return can(Permission.DUTY_PROFILE_MANAGE) or handler.id == current_user.id


def _new_form(member: Unit, formdata=None) -> AbsenceForm:
    form = AbsenceForm(formdata=formdata)
    people = [u for u in queries.handlers_of(member) if may_enter_absence_for(u)]
    form.user_id.choices = [(u.id, f"{u.full_name}（{u.unit.name}）") for u in people]
    if formdata is None:
        tomorrow = queries.local_today(clock.now()) + timedelta(days=1)
        form.starts_at.data = datetime.combine(tomorrow, time(8, 30))
        form.ends_at.data = datetime.combine(tomorrow, time(17, 30))
        form.user_id.data = current_user.id
    return form


def _list_context(member: Unit) -> dict:
    show = "all" if request.args.get("show") == "all" else "upcoming"
    query = queries.member_absences_query(member, clock.now(), show=show)
    return {
        "member": member,
        "pagination": paginate(query),
        "show": show,
        "now": clock.now(),
        "may_cancel": lambda absence: may_enter_absence_for(absence.user),
    }


@login_required
def absences(member_id):
    member = queries.load_member_or_404(current_user, member_id)
    require(Permission.DUTY_CALENDAR_VIEW)
    form = _new_form(member) if can(Permission.DUTY_ABSENCE_MANAGE) else None
    return render_page_or_piece(
        "duty/absences.html", "duty/_absence_list.html", form=form, **_list_context(member)
    )


def _form_piece(member: Unit, form: AbsenceForm, status: int, gaps=None):
    """The form again, with messages (422) or the gap confirmation (409)."""
    if not wants_piece():
        context = _list_context(member)
        return render_template("duty/absences.html", form=form, gaps=gaps, **context), status
    response = render_page_or_piece(
        "duty/absences.html", "duty/_absence_form.html", status, member=member, form=form, gaps=gaps
    )
    response.headers["HX-Retarget"] = "#absence-form"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _chosen_handler(member: Unit, form: AbsenceForm) -> User | None:
    handler = next((u for u in queries.handlers_of(member) if u.id == form.user_id.data), None)
    if handler is None or not may_enter_absence_for(handler):
        form.user_id.errors.append(_("请选择本单位的承办人（承办人只能登记本人的不在岗）。"))
        return None
    return handler


def _local(value: datetime) -> datetime:
    # The form's times are Beijing wall-clock times.
    return value.replace(tzinfo=queries.local_tz())


@login_required
def add_absence(member_id):
    member = queries.load_member_or_404(current_user, member_id)
    require(Permission.DUTY_ABSENCE_MANAGE)
    form = _new_form(member, request.form)
    handler = _chosen_handler(member, form) if form.validate_on_submit() else None
    if handler is None:
        return _form_piece(member, form, 422)
    try:
        operations.create_absence(
            handler,
            starts_at=_local(form.starts_at.data),
            ends_at=_local(form.ends_at.data),
            reason=form.reason.data,
            actor=current_user,
            now=clock.now(),
            confirmed=form.confirm.data == form.fingerprint(),
        )
    except operations.DutyError as error:
        apply_problems(form, error.problems)
        return _form_piece(member, form, 422)
    except operations.GapWarning as warning:
        form.confirm.data = form.fingerprint()
        return _form_piece(member, form, 409, gaps=warning.gaps)
    return _saved(member, _("已登记不在岗：%(name)s。", name=handler.full_name))


def _saved(member: Unit, message: str):
    if not wants_piece():
        flash(message, "success")
        return redirect(url_for("duty.absences", member_id=member.id))
    return render_page_or_piece(
        "duty/absences.html",
        "duty/_absence_list.html",
        trigger="duty-changed",
        form=_new_form(member),
        fresh_form=True,
        message=message,
        **_list_context(member),
    )


@login_required
def cancel_absence(absence_id):
    absence = queries.load_absence_or_404(current_user, absence_id)
    if not may_enter_absence_for(absence.user):
        abort(403)
    try:
        operations.cancel_absence(absence, actor=current_user, now=clock.now())
    except operations.DutyError as error:
        abort(409, description=_(error.problems["absence"]))
    member = absence.user.unit.member
    return _saved(member, _("已取消 %(name)s 的不在岗登记。", name=absence.user.full_name))
