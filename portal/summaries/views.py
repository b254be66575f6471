"""Members' half-year summaries (Art. 9(4)): load (scoped) → check → act → render.

Failed forms come back as 422 with the summary re-rendered (htmx swaps 422); a save on a
version someone else has replaced answers 409."""

from datetime import datetime

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.access import can, require
from portal.auth.roles import ASSOCIATION_ROLES, Permission
from portal.orgs.scoping import scope_root
from portal.statistics.rules import Period, last_complete_period, parse_period, percent, period_of
from portal.summaries import forms, operations, queries
from portal.summaries.rules import MEASURE_LABELS, STANDING_LABELS, Standing, is_overdue
from portal.web import clock
from portal.web.errors import conflict_response
from portal.web.htmx import render_page_or_piece


def _period(text: str | None) -> Period:
    """A half year up to the current one, or 400 saying what is wrong."""
    today = clock.local_today()
    if not text:
        return last_complete_period(today)
    try:
        period = parse_period(text)
    except ValueError:
        abort(400, description=_("期间格式应为如 2026H1 的半年度。"))
    if period > period_of(today):
        abort(400, description=_("不能为尚未开始的半年度填写总结。"))
    return period


def _recent_periods(count: int = 4) -> list[Period]:
    period, found = period_of(clock.local_today()), []
    for _n in range(count + 1):
        found.append(period)
        period = period.previous()
    return found


@login_required
def index():
    require(Permission.SUMMARY_VIEW)
    if current_user.role in ASSOCIATION_ROLES:
        period = _period(request.args.get("period"))
        return render_page_or_piece(
            "summaries/status.html",
            "summaries/_status.html",
            period=period,
            periods=_recent_periods(),
            rows=queries.standings(period),
            standing_labels=STANDING_LABELS,
            missing=Standing.MISSING,
            may_oversee=can(Permission.SUMMARY_OVERSEE),
        )
    return render_page_or_piece(
        "summaries/mine.html",
        "summaries/_mine.html",
        summaries=queries.own_summaries(current_user),
        periods=_recent_periods(),
        default_period=last_complete_period(clock.local_today()),
        may_write=can(Permission.SUMMARY_WRITE),
    )


@login_required
def start():
    require(Permission.SUMMARY_WRITE)
    form = forms.StartForm()
    if not form.validate_on_submit():
        abort(400, description=_("请选择总结期间。"))
    period = _period(form.period.data)
    try:
        summary = operations.start(
            member=scope_root(current_user), period=period.code, actor=current_user, now=clock.now()
        )
    except operations.SummaryError as error:
        abort(409, description=str(error.message))
    return redirect(url_for("summaries.detail", summary_id=summary.id), 303)


def _render(summary, bound=None, status=200, error=None):
    today = clock.local_today()
    period = parse_period(summary.period)
    figures = summary.figures
    if figures is None:  # a draft: the figures as they stand now, taken at submission
        figures = queries.live_figures(current_user, summary.member_id, period, clock.now())
    writing = can(Permission.SUMMARY_WRITE)
    versions = queries.versions(summary)
    blank = {
        "analysis": forms.AnalysisForm(
            formdata=None, analysis=summary.analysis, version=summary.version
        ),
        "measure": forms.MeasureForm(formdata=None),
        "note": forms.NoteForm(formdata=None),
        "return": forms.RequiredNoteForm(formdata=None),
    }
    return render_page_or_piece(
        "summaries/detail.html",
        "summaries/_summary.html",
        status=status,
        trigger="summary-changed" if request.method == "POST" and status == 200 else None,
        summary=summary,
        period=period,
        figures=figures,
        versions=versions,
        history=queries.history(summary),
        overdue={m.id for m in summary.measures if is_overdue(m.status, m.due_on, today)},
        may_write=writing,
        may_oversee=can(Permission.SUMMARY_OVERSEE),
        forms=blank | (bound or {}),
        error=error,
        percent=percent,
        measure_labels=MEASURE_LABELS,
        taken_at=datetime.fromisoformat(figures["taken_at"]),
        # The countermeasures followed up are those of the latest submitted version.
        followed=summary.id == max((v.number, v.id) for v in versions if not v.is_draft)[1]
        if not summary.is_draft
        else False,
    )


@login_required
def detail(summary_id):
    summary = queries.load_summary_or_404(current_user, summary_id)
    require(Permission.SUMMARY_VIEW)
    return _render(summary)


def _writable(summary_id):
    summary = queries.load_summary_or_404(current_user, summary_id)
    require(Permission.SUMMARY_WRITE)
    return summary


@login_required
def save(summary_id):
    summary = _writable(summary_id)
    form = forms.AnalysisForm()
    if not form.validate_on_submit():
        return _render(summary, {"analysis": form}, 422)
    if str(form.version.data or "") != str(summary.version):
        return conflict_response()
    try:
        operations.save(summary, analysis=form.analysis.data or "", now=clock.now())
    except operations.SummaryError as error:
        return _render(summary, status=409, error=error.message)
    return _render(summary)


@login_required
def add_measure(summary_id):
    summary = _writable(summary_id)
    form = forms.MeasureForm()
    if not form.validate_on_submit():
        return _render(summary, {"measure": form}, 422)
    try:
        operations.add_measure(
            summary,
            action=form.action.data,
            owner=form.owner.data,
            due_on=form.due_on.data,
            now=clock.now(),
        )
    except operations.SummaryError as error:
        return _render(summary, status=409, error=error.message)
    return _render(summary)


@login_required
def remove_measure(countermeasure_id):
    measure = queries.load_countermeasure_or_404(current_user, countermeasure_id)
    require(Permission.SUMMARY_WRITE)
    summary = measure.summary
    try:
        operations.remove_measure(measure, now=clock.now())
    except operations.SummaryError as error:
        return _render(summary, status=409, error=error.message)
    return _render(summary)


@login_required
def submit(summary_id):
    summary = _writable(summary_id)
    now = clock.now()
    try:
        figures = queries.live_figures(
            current_user, summary.member_id, parse_period(summary.period), now
        )
        operations.submit(summary, figures=figures, actor=current_user, now=now)
    except operations.SummaryError as error:
        return _render(summary, status=422, error=error.message)
    return _render(summary)


@login_required
def correct(summary_id):
    summary = _writable(summary_id)
    try:
        copy = operations.correct(summary, actor=current_user, now=clock.now())
    except operations.SummaryError as error:
        return _render(summary, status=409, error=error.message)
    return redirect(url_for("summaries.detail", summary_id=copy.id), 303)


# Follow-up of a countermeasure: the member reports, the association checks (Art. 9(4)).
_STEP_PERMISSION = {
    "done": Permission.SUMMARY_WRITE,
    "verify": Permission.SUMMARY_OVERSEE,
    "return": Permission.SUMMARY_OVERSEE,
}


def _follow_up(countermeasure_id, step):
    measure = queries.load_countermeasure_or_404(current_user, countermeasure_id)
    require(_STEP_PERMISSION[step])
    summary = measure.summary
    form = forms.RequiredNoteForm() if step in ("done", "return") else forms.NoteForm()
    if not form.validate_on_submit():
        return _render(summary, {"note" if step != "return" else "return": form}, 422)
    try:
        operations.follow_up(
            measure, step, actor=current_user, now=clock.now(), note=form.note.data or None
        )
    except operations.SummaryError as error:
        return _render(summary, status=409, error=error.message)
    return _render(summary)


@login_required
def measure_done(countermeasure_id):
    return _follow_up(countermeasure_id, "done")


@login_required
def measure_verify(countermeasure_id):
    return _follow_up(countermeasure_id, "verify")


@login_required
def measure_return(countermeasure_id):
    return _follow_up(countermeasure_id, "return")


@login_required
def remind():
    require(Permission.SUMMARY_OVERSEE)
    form = forms.RemindForm()
    if not form.validate_on_submit():
        abort(400, description=_("请选择总结期间。"))
    period = _period(form.period.data)
    members = queries.not_submitted(period)
    told = operations.remind(members=members, period=period, actor=current_user, now=clock.now())
    return render_page_or_piece(
        "summaries/status.html",
        "summaries/_status.html",
        trigger="summary-changed",
        period=period,
        periods=_recent_periods(),
        rows=queries.standings(period),
        standing_labels=STANDING_LABELS,
        missing=Standing.MISSING,
        may_oversee=True,
        reminded=(len(members), told),
    )


@login_required
def measures():
    require(Permission.SUMMARY_VIEW)
    only = request.args.get("status") or None
    if only not in (None, "overdue", *MEASURE_LABELS):
        only = None
    today = clock.local_today()
    items = queries.measures_to_follow(current_user, only=only, today=today)
    return render_page_or_piece(
        "summaries/measures.html",
        "summaries/_measures.html",
        items=items,
        only=only or "",
        labels=MEASURE_LABELS,
        overdue={m.id for m in items if is_overdue(m.status, m.due_on, today)},
    )
