"""The working-day calendar screens: a year as month grids (association administrators
change a day in place, with a reason), the import of a year's State Council notice,
and the deadline calculator that explains any due date to anyone signed in."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.db import db
from portal.web import clock
from portal.web.htmx import render_page_or_piece, wants_piece
from portal.workdays import store
from portal.workdays.forms import FIRST_YEAR, LAST_YEAR, DayForm, ExplainForm, NoticeForm
from portal.workdays.grid import WEEK_HEADER_ZH, month_grid, year_grids
from portal.workdays.notice import NoticeError
from portal.workdays.notice_files import read_notice
from portal.workdays.overrides import DayEditError, day_state
from portal.workdays.rules import BEIJING, OfficialDay

CHANGED = "calendar-changed"  # HX-Trigger: the unconfirmed-year banner refreshes itself


def _today() -> date:
    return clock.now().astimezone(BEIJING).date()


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)


def _load_day_or_404(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        abort(404)
    _check_year(day.year)
    return day


def _manual(year: int) -> frozenset[date]:
    return frozenset(d for d, row in store.stored_days(year).items() if row.source == "manual")


def _month(year: int, month: int):
    return month_grid(store.current_calendar(), year, month, _manual(year), _today())


@login_required
def index():
    return redirect(url_for("workdays.year", year=_today().year))


@login_required
def year(year: int):
    _check_year(year)
    return render_page_or_piece(
        "workdays/year.html",
        "workdays/_year_grid.html",
        year=year,
        grids=year_grids(store.current_calendar(), year, _manual(year), _today()),
        year_status=store.year_status(year),
        changes=store.year_changes(year),
        week_header=WEEK_HEADER_ZH,
    )


@login_required
def month(year: int, month: int):
    _check_year(year)
    if not 1 <= month <= 12:
        abort(404)
    return render_page_or_piece(
        "workdays/month.html",
        "workdays/_month.html",
        grid=_month(year, month),
        week_header=WEEK_HEADER_ZH,
    )


def _fill_day_form(form: DayForm, day: date) -> None:
    row = store.stored_days(day.year).get(day)
    entry = OfficialDay(row.day, row.is_working_day, row.kind, row.name) if row else None
    state = day_state(day, entry)
    form.is_working.data = "1" if state["is_working_day"] else "0"
    form.name.data = state["name"]


@login_required
def edit_day(day: str):
    when = _load_day_or_404(day)
    require(Permission.CALENDAR_MANAGE)
    form = DayForm()
    if request.method == "GET":
        _fill_day_form(form, when)
    elif form.validate_on_submit():
        try:
            edit = store.set_day(
                when,
                form.is_working.data == "1",
                form.name.data,
                form.reason.data,
                current_user,
                clock.now(),
            )
        except DayEditError as error:
            form.name.errors.append(str(error))
        except IntegrityError:  # another administrator changed the same day just now
            db.session.rollback()
            abort(409)
        else:
            return _day_changed(when, edit.recomputed)
    status = 422 if form.errors else 200
    return _render_month(when.year, when.month, status=status, editing=when, form=form)


def _render_month(year: int, month: int, status: int = 200, trigger=None, **context):
    return render_page_or_piece(
        "workdays/month.html",
        "workdays/_month.html",
        status=status,
        trigger=trigger,
        grid=_month(year, month),
        week_header=WEEK_HEADER_ZH,
        **context,
    )


def _day_changed(day: date, recomputed: int):
    message = _(
        "已保存 %(day)s；重新计算了 %(n)s 个未完成的期限。", day=day.isoformat(), n=recomputed
    )
    if not wants_piece():
        flash(message, "success")
        return redirect(url_for("workdays.year", year=day.year, _anchor=f"month-{day:%Y-%m}"))
    return _render_month(day.year, day.month, trigger=CHANGED, message=message)


@login_required
def notice():
    require(Permission.CALENDAR_MANAGE)
    form = NoticeForm()
    if request.method == "GET":
        form.year.data = request.args.get("year", type=int) or _today().year + 1
    if form.validate_on_submit():
        try:
            parsed = read_notice(form.content.data, form.year.data)
        except NoticeError as error:
            form.content.errors.extend(error.messages)
        else:
            edit = store.import_notice(parsed, current_user, clock.now(), confirm=form.confirm.data)
            flash(
                _(
                    "已录入 %(year)s 年节假日安排；重新计算了 %(n)s 个未完成的期限。",
                    year=parsed.year,
                    n=edit.recomputed,
                ),
                "success",
            )
            return redirect(url_for("workdays.year", year=parsed.year))
    return render_page_or_piece(
        "workdays/notice.html",
        "workdays/_notice_form.html",
        status=422 if form.errors else 200,
        form=form,
    )


@login_required
def explain():
    form = ExplainForm(formdata=request.args)
    explanation = None
    asked = bool(request.args)
    if asked and form.validate():
        explanation = store.current_calendar().explain(form.start.data, form.n.data)
    return render_page_or_piece(
        "workdays/explain.html",
        "workdays/_explain_form.html",
        status=422 if form.errors else 200,
        form=form,
        explanation=explanation,
        may_manage=can(Permission.CALENDAR_MANAGE),
    )


@login_required
def banner():
    """The unconfirmed-year warning, refreshed in place after a calendar change."""
    require(Permission.CALENDAR_MANAGE)
    if not wants_piece():
        return redirect(url_for("workdays.index"))
    return render_template("workdays/_unconfirmed_banner.html")
