"""What every page may show of the deadlines: a clock's explanation and the years whose
official calendar today's deadlines still need (the banner for administrators); and the
association's deadline policy (reminders, escalated cases, lasting breaches)."""

from dataclasses import asdict

from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.deadlines import queries
from portal.deadlines.display import ClockDescription, describe_clock
from portal.deadlines.forms import PolicyForm
from portal.deadlines.models import Clock
from portal.deadlines.rules import DeadlinePolicy, local_day, policy_problems
from portal.deadlines.settings import current_policy, save_policy
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.i18n import is_chinese
from portal.workdays import store


def describe(clock_row: Clock) -> ClockDescription:
    lang = "zh" if is_chinese() else "en"
    return describe_clock(clock_row, store.current_calendar(), clock.now(), lang)


def unconfirmed_years() -> list[int]:
    return queries.unconfirmed_years_ahead(local_day(clock.now()))


def _policy_page(form: PolicyForm, status: int = 200, message: str | None = None):
    return render_page_or_piece(
        "deadlines/policy.html", "deadlines/_policy.html", status=status, form=form, message=message
    )


@login_required
def policy():
    require(Permission.CALENDAR_MANAGE)
    form = PolicyForm(formdata=None, data=asdict(current_policy()))
    return _policy_page(form)


@login_required
def save():
    require(Permission.CALENDAR_MANAGE)
    form = PolicyForm()
    if not form.validate_on_submit():
        return _policy_page(form, 422)
    chosen = DeadlinePolicy(
        escalated_reply_days=form.escalated_reply_days.data,
        reminder_days=tuple(form.reminder_days.data),
        superior_after_days=form.superior_after_days.data,
        leader_after_days=form.leader_after_days.data,
    )
    problems = policy_problems(chosen)
    if problems:
        for name, problem in problems.items():
            getattr(form, name).errors.append(_(problem))
        return _policy_page(form, 422)
    save_policy(chosen, actor=current_user, now=clock.now())
    return _policy_page(form, message=_("期限设置已保存，此后的提醒和上报按新设置执行。"))
