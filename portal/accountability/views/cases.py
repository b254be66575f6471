"""Accountability cases (Art. 12): load (scoped) → check → act → render.

Failed forms come back as 422 with the case piece re-rendered (htmx swaps 422)."""

from io import BytesIO

from flask import abort, current_app, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.accountability import forms, operations, queries
from portal.accountability.rules import ACTION_LABELS as RATE_ACTION_LABELS
from portal.accountability.rules import (
    PLAN_STATES,
    STATE_LABELS,
    TRIGGER_LABELS,
    CaseState,
    Trigger,
    can_criticise,
)
from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.complaints.rules import ACTION_LABELS
from portal.db import db
from portal.deadlines.rules import LIFECYCLE_KINDS, RULES
from portal.documents.operations import number_of
from portal.web import clock
from portal.web.htmx import render_page_or_piece

FORMS = {
    "dismiss": forms.ReasonForm,
    "interview": forms.InterviewForm,
    "plan": forms.PlanForm,
    "complete": forms.CompletionForm,
    "verify": forms.ReasonForm,
    "reject": forms.ReasonForm,
    "criticise": forms.CriticiseForm,
}
# Who may take each step: the association decides, the member answers (Art. 12).
STEP_PERMISSION = {
    "dismiss": Permission.ACCOUNTABILITY_DECIDE,
    "interview": Permission.ACCOUNTABILITY_DECIDE,
    "verify": Permission.ACCOUNTABILITY_DECIDE,
    "reject": Permission.ACCOUNTABILITY_DECIDE,
    "criticise": Permission.ACCOUNTABILITY_DECIDE,
    "plan": Permission.ACCOUNTABILITY_RESPOND,
    "complete": Permission.ACCOUNTABILITY_RESPOND,
}


@login_required
def index():
    require(Permission.ACCOUNTABILITY_VIEW)
    state = request.args.get("state") or None
    query = queries.cases_query(current_user)
    if state in STATE_LABELS:
        query = query.where(queries.AccountabilityCase.state == state)
    cases = list(db.session.scalars(query.order_by(queries.AccountabilityCase.id.desc())))
    return render_page_or_piece(
        "accountability/index.html",
        "accountability/_list.html",
        cases=cases,
        state=state,
        states=STATE_LABELS,
    )


def steps(case, interview, plan) -> list[str]:
    """The steps open on ``case`` now, for the current user."""
    found = []
    if case.state == CaseState.DETECTED:
        found += ["interview", "dismiss"]
    if case.state in PLAN_STATES:
        status = plan.status if plan else None
        if status in (None, "rejected"):
            found.append("plan")
        if status == "submitted":
            found += ["complete", "reject"]
        if status == "completed":
            found += ["verify", "reject"]
        if case.state == CaseState.INTERVIEW:
            found.append("criticise")
        else:  # ordered from a rate: unanswered, the member is summoned (Art. 12(1))
            found.append("interview")
    return [s for s in found if can(STEP_PERMISSION[s])]


def _render(case, bound=None, status=200):
    interview, plan = queries.interview(case), queries.plan(case)
    open_steps = steps(case, interview, plan)
    step_forms = {s: FORMS[s](formdata=None) for s in open_steps}
    if bound:
        step_forms.update(bound)
    today = clock.local_today()
    return render_page_or_piece(
        "accountability/detail.html",
        "accountability/_case.html",
        status=status,
        trigger="accountability-changed" if request.method == "POST" and status == 200 else None,
        case=case,
        interview=interview,
        plan=plan,
        history=queries.history(case),
        forms=step_forms,
        overdue=can_criticise(
            state=case.state,
            plan_due_on=operations.rectify_due_on(interview, plan),
            plan_verified=bool(plan and plan.status == "verified"),
            recurred=operations.has_recurred(case, interview),
            today=today,
        ),
        documents={k: queries.document(case, k) for k in ("notice", "regulator")},
        document_numbers={k: number_of(k, case.id) for k in ("notice", "regulator")},
        rate=queries.rate_evidence(case) if case.trigger == Trigger.RATE_BELOW_LINE else None,
        stage_labels={kind.value: RULES[kind].label for kind in LIFECYCLE_KINDS},
        trigger_labels=TRIGGER_LABELS,
        action_labels=ACTION_LABELS | RATE_ACTION_LABELS,
    )


@login_required
def detail(accountability_id):
    case = queries.load_accountability_or_404(current_user, accountability_id)
    require(Permission.ACCOUNTABILITY_VIEW)
    return _render(case)


@login_required
def act(accountability_id, step):
    case = queries.load_accountability_or_404(current_user, accountability_id)
    require(STEP_PERMISSION[step])
    interview, plan = queries.interview(case), queries.plan(case)
    if step not in steps(case, interview, plan):
        abort(409)
    form = FORMS[step]()
    if not form.validate_on_submit():
        return _render(case, {step: form}, 422)
    try:
        _apply(step, case, plan, form)
    except operations.LadderError:
        form.form_errors.append(_LADDER_ERRORS.get(step, _("当前状态下不能执行该操作。")))
        return _render(case, {step: form}, 422)
    return _render(case)


_LADDER_ERRORS = {
    "criticise": _l(
        "须在约见谈话后整改逾期未完成或同类问题再次发生，且已设置当前赛季，方可通报批评（第十二条第二款）。"
    ),
}


def _apply(step, case, plan, form):
    now, actor = clock.now(), current_user
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token",)}
    if step == "dismiss":
        operations.decide(case, "dismiss", actor=actor, now=now, reason=form.reason.data)
    elif step == "interview":
        operations.schedule_interview(case, actor=actor, now=now, data=data)
    elif step == "plan":
        operations.submit_plan(case, actor=actor, now=now, data=data)
    elif step == "complete":
        operations.complete_plan(case, plan, actor=actor, now=now, closure=form.closure.data)
    elif step == "verify":
        operations.verify_plan(case, plan, actor=actor, now=now, reason=form.reason.data)
    elif step == "reject":
        operations.reject_plan(case, plan, actor=actor, now=now, reason=form.reason.data)
    elif step == "criticise":
        today = clock.local_today()
        operations.criticise(
            case,
            actor=actor,
            now=now,
            today=today,
            reason=form.reason.data,
            recurred=form.recurred.data,
            season=queries.current_season(today),
            regulator=current_app.config["REGULATOR_NAME"],
        )


@login_required
def document(accountability_id, kind):
    case = queries.load_accountability_or_404(current_user, accountability_id)
    require(Permission.ACCOUNTABILITY_VIEW)
    stored = queries.document(case, kind)
    if stored is None:
        abort(404)
    return send_file(
        BytesIO(stored.data),
        mimetype="application/pdf",
        download_name=stored.filename,
        as_attachment=False,
        etag=stored.sha256,
    )
