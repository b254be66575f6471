"""The analysis screens (Art. 8(5)): load (scoped) → check → act → render.

Failed forms come back as 422 with the piece re-rendered (htmx swaps 422)."""

from datetime import timedelta

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal.analysis import describe, forms, operations, queries
from portal.analysis.rules import (
    ADVICE_STATUS_LABELS,
    ENTRY_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    AdviceStatus,
    Status,
    Thresholds,
)
from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.statistics.rules import parse_period, period_of
from portal.web import clock
from portal.web.htmx import render_page_or_piece

# -- Findings --------------------------------------------------------------------------


def _list(status=200, run_form=None, ran=None):
    period = request.values.get("period") or None
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    state = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    try:
        period = parse_period(period).code if period else None
    except ValueError:
        period = None
    default = period_of(clock.local_today()).code
    return render_page_or_piece(
        "analysis/index.html",
        "analysis/_findings.html",
        status,
        rows=queries.findings(current_user, period=period, kind=kind, status=state),
        period=period,
        kind=kind,
        state=state,
        kinds=KIND_LABELS,
        states=STATUS_LABELS,
        run_form=run_form or forms.RunForm(formdata=None, period=period or default),
        last_run=queries.last_run(period or default),
        ran=ran,
        subject=describe.subject,
    )


@login_required
def index():
    require(Permission.ANALYSIS_VIEW)
    return _list()


@login_required
def run():
    require(Permission.ANALYSIS_DECIDE)
    form = forms.RunForm()
    if not form.validate_on_submit():
        return _list(422, run_form=form)
    result = operations.run(parse_period(form.period.data), actor=current_user, now=clock.now())
    return _list(run_form=form, ran=result)


STEP_FORMS = {
    "confirm": forms.ReasonForm,
    "dismiss": forms.ReasonForm,
    "typical": forms.TypicalForm,
    "words": forms.WordsForm,
    "advice": forms.AdviceForm,
}


def _steps(finding) -> list[str]:
    if not can(Permission.ANALYSIS_DECIDE):
        return []
    if finding.status == Status.OPEN:
        return ["confirm", "dismiss"]
    if finding.status == Status.CONFIRMED:
        return ["typical", "words", "advice"]
    return []


def _prepare(name, form, finding, cases, fresh: bool):
    """Choices for the form; a fresh (unsubmitted) form also gets its defaults."""
    if name == "typical":
        form.case_id.choices = [
            SelectChoice(c.id, f"{c.tracking_no} · {c.outlet.name}") for c in cases
        ]
        if fresh:
            form.case_id.data = finding.typical_case_id
    if name == "advice":
        form.members.choices = [SelectChoice(m.id, m.name) for m in queries.members()]
        if fresh:
            default = finding.figures.get("members") or [finding.member_id]
            form.members.data = [m for m in default if m]
            form.title.data = _(KIND_LABELS[finding.kind])
            form.due_on.data = clock.local_today() + timedelta(days=30)
    if name == "words" and fresh:
        form.words.data = finding.words
    return form


def _finding_page(finding, bound=None, status=200):
    cases = queries.finding_cases(finding)
    step_forms = {}
    for name in _steps(finding):
        form = (bound or {}).get(name)
        fresh = form is None
        form = form or STEP_FORMS[name](formdata=None)
        step_forms[name] = _prepare(name, form, finding, cases, fresh)
    period = parse_period(finding.period)
    return render_page_or_piece(
        "analysis/finding.html",
        "analysis/_finding.html",
        status,
        trigger="analysis-changed" if request.method == "POST" and status == 200 else None,
        finding=finding,
        cases=cases,
        history=queries.finding_history(finding),
        advice=queries.advice_of_finding(finding),
        forms=step_forms,
        subject=describe.subject(finding),
        figures=describe.figures(finding),
        period=period,
        plans="plans.covering" in current_app.view_functions,
    )


@login_required
def finding(finding_id):
    found = queries.load_finding_or_404(current_user, finding_id)
    require(Permission.ANALYSIS_VIEW)
    return _finding_page(found)


@login_required
def finding_act(finding_id, step):
    found = queries.load_finding_or_404(current_user, finding_id)
    require(Permission.ANALYSIS_DECIDE)
    if step not in _steps(found):
        abort(409)
    cases = queries.finding_cases(found)
    form = _prepare(step, STEP_FORMS[step](), found, cases, fresh=False)
    if not form.validate_on_submit():
        return _finding_page(found, {step: form}, 422)
    now, actor = clock.now(), current_user
    try:
        if step in ("confirm", "dismiss"):
            operations.decide(found, step, actor=actor, now=now, reason=form.reason.data)
        elif step == "typical":
            operations.make_typical(found, actor=actor, now=now, case_id=form.case_id.data)
        elif step == "words":
            operations.update_words(found, actor=actor, now=now, words=form.words.data or "")
        else:
            operations.issue_advice(
                found,
                actor=actor,
                now=now,
                today=clock.local_today(),
                title=form.title.data.strip(),
                text=form.text.data,
                due_on=form.due_on.data,
                member_ids=form.members.data,
            )
    except operations.AnalysisError as exc:
        form.form_errors.append(_(str(exc)))
        return _finding_page(found, {step: form}, 422)
    return _finding_page(found)


# -- Advice ----------------------------------------------------------------------------


def _require_advice_view():
    if not (can(Permission.ANALYSIS_VIEW) or can(Permission.ADVICE_VIEW)):
        abort(403)


@login_required
def advice_index():
    _require_advice_view()
    state = request.args.get("status")
    state = state if state in ADVICE_STATUS_LABELS else None
    return render_page_or_piece(
        "analysis/advice_index.html",
        "analysis/_advice_list.html",
        rows=queries.advice_list(current_user, status=state),
        state=state,
        states=ADVICE_STATUS_LABELS,
        today=clock.local_today(),
    )


def _advice_page(advice, bound=None, status=200):
    addressees = queries.visible_addressees(current_user, advice)
    own = queries.own_member_id(current_user)
    mine = next((a for a in addressees if a.member_id == own), None)
    answer_form = None
    if mine is not None and can(Permission.ADVICE_ANSWER) and mine.status != AdviceStatus.CLOSED:
        answer_form = (bound or {}).get("answer") or forms.AnswerForm(formdata=None)
    review_form = None
    if can(Permission.ANALYSIS_DECIDE):
        review_form = (bound or {}).get("review") or forms.ReviewForm(formdata=None)
    return render_page_or_piece(
        "analysis/advice.html",
        "analysis/_advice.html",
        status,
        trigger="advice-changed" if request.method == "POST" and status == 200 else None,
        advice=advice,
        addressees=addressees,
        entries=queries.advice_entries(current_user, advice),
        answer_form=answer_form,
        review_form=review_form,
        entry_labels=ENTRY_LABELS,
        today=clock.local_today(),
        is_association=queries.is_association(current_user),
    )


@login_required
def advice(advice_id):
    found = queries.load_advice_or_404(current_user, advice_id)
    _require_advice_view()
    return _advice_page(found)


@login_required
def advice_answer(advice_id):
    found = queries.load_advice_or_404(current_user, advice_id)
    require(Permission.ADVICE_ANSWER)
    own = queries.own_member_id(current_user)
    mine = next((a for a in found.addressees if a.member_id == own), None)
    if mine is None:
        abort(404)
    form = forms.AnswerForm()
    if not form.validate_on_submit():
        return _advice_page(found, {"answer": form}, 422)
    try:
        operations.answer(found, mine, actor=current_user, now=clock.now(), text=form.text.data)
    except operations.AnalysisError as exc:
        form.form_errors.append(_(str(exc)))
        return _advice_page(found, {"answer": form}, 422)
    return _advice_page(found)


@login_required
def advice_review(advice_id):
    found = queries.load_advice_or_404(current_user, advice_id)
    require(Permission.ANALYSIS_DECIDE)
    form = forms.ReviewForm()
    if not form.validate_on_submit():
        return _advice_page(found, {"review": form}, 422)
    row = next((a for a in found.addressees if a.member_id == form.member.data), None)
    if row is None:
        form.form_errors.append(_("该建议未送达此会员单位。"))
        return _advice_page(found, {"review": form}, 422)
    try:
        operations.review(
            found, row, form.decision.data, actor=current_user, now=clock.now(), text=form.text.data
        )
    except operations.AnalysisError as exc:
        form.form_errors.append(_(str(exc)))
        return _advice_page(found, {"review": form}, 422)
    return _advice_page(found)


# -- Thresholds ------------------------------------------------------------------------


def _thresholds_page(form, status=200, saved=False):
    return render_page_or_piece(
        "analysis/thresholds.html", "analysis/_thresholds.html", status, form=form, saved=saved
    )


@login_required
def thresholds():
    require(Permission.ANALYSIS_CONFIGURE)
    return _thresholds_page(forms.ThresholdsForm(formdata=None, obj=operations.thresholds()))


@login_required
def update_thresholds():
    require(Permission.ANALYSIS_CONFIGURE)
    form = forms.ThresholdsForm()
    if not form.validate_on_submit():
        return _thresholds_page(form, 422)
    values = Thresholds(**{name: getattr(form, name).data for name in Thresholds.__annotations__})
    operations.update_thresholds(values, actor=current_user, now=clock.now())
    return _thresholds_page(form, saved=True)
