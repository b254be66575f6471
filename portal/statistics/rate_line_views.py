"""The 75 % line on the screens: its setting, the panel of rates below it, and ordering a
rectification from one (load → check → act → render)."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accountability import operations as accountability
from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import load_unit_or_404, scope_root
from portal.statistics import rate_line, snapshots
from portal.statistics.forms import OrderForm, RateLineForm
from portal.statistics.rules import AnyPeriod, parse_any_period, period_of
from portal.web import clock
from portal.web.htmx import render_page_or_piece


def panel_context(period: AnyPeriod, rows: list[dict], filters: dict) -> dict:
    """What the dashboard's panel of rates below the line shows (``_rate_line.html``),
    from the member rows of the page's own snapshot and one query of the orders."""
    percent = rate_line.line_percent()
    return {
        "line_percent": percent,
        "line_period": period,
        "line_marked": rate_line.marked(current_user, period, rows, percent / 100),
        # The line concerns a member's rate as a whole: no order from a category's.
        "line_may_order": can(Permission.ACCOUNTABILITY_DECIDE) and not filters.get("category_id"),
    }


def _setting_page(form, status=200, saved=False):
    return render_page_or_piece(
        "statistics/rate_line.html",
        "statistics/_rate_line_setting.html",
        status=status,
        form=form,
        saved=saved,
    )


@login_required
def setting():
    require(Permission.ACCOUNTABILITY_CONFIGURE)
    form = RateLineForm(formdata=None, data={"percent": rate_line.line_percent()})
    return _setting_page(form)


@login_required
def update_setting():
    require(Permission.ACCOUNTABILITY_CONFIGURE)
    form = RateLineForm()
    if not form.validate_on_submit():
        return _setting_page(form, 422)
    changed = rate_line.update_line(form.percent.data, actor=current_user, now=clock.now())
    return _setting_page(form, saved=changed)


def _order_answer(status: int, **context):
    return render_page_or_piece(
        "statistics/rate_order.html", "statistics/_rate_order_answer.html", status=status, **context
    )


@login_required
def order(member_id):
    """One action from a marked rate: the member is told and answers with an 8D plan.
    A second click answers 409 "already ordered", with the link to the case."""
    member = load_unit_or_404(current_user, member_id)  # scoped: another bank's is a 404
    require(Permission.ACCOUNTABILITY_DECIDE)
    if member.kind != UnitKind.MEMBER:
        abort(404)
    form = OrderForm()
    stage = request.form.get("stage", "")
    if not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
        return _order_answer(422, member=member, stage=stage, error=error, case_id=None)
    period = parse_any_period(form.period.data)
    try:
        case = rate_line.order(current_user, period, member, stage, now=clock.now())
    except accountability.AlreadyOrdered as done:
        return _order_answer(409, member=member, stage=stage, case_id=done.case_id, again=True)
    except rate_line.NotBelowLine:
        error = _("该及时率现已不低于警戒线，未责令整改。")
        return _order_answer(422, member=member, stage=stage, error=error, case_id=None)
    return _order_answer(
        200,
        member=member,
        stage=stage,
        case_id=case.id,
        trigger="accountability-changed",
    )


@login_required
def summary():
    """The association's home: how many member × stage rates of the current half year
    lie below the line (from the dashboard's stored figures), linking to the dashboard."""
    require(Permission.STATISTICS_VIEW)
    if scope_root(current_user).kind != UnitKind.ASSOCIATION:
        abort(404)
    period = period_of(clock.local_today())
    snapshot = snapshots.dashboard_snapshot(current_user, period, now=clock.now())
    context = panel_context(period, snapshot.data["rows"], {})
    return render_page_or_piece(
        "statistics/rate_line_summary.html",
        "statistics/_rate_line_summary.html",
        dashboard=url_for("statistics.dashboard", period=period.code),
        **context,
    )
