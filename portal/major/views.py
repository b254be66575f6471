"""Major complaints: load (scoped) → check → act → render.

Failed forms come back as 422 with the piece re-rendered (htmx swaps 422)."""

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.complaints.inbox import InboxFilters, inbox_page
from portal.complaints.queries import load_case_or_404
from portal.complaints.rules import OPEN_STATES
from portal.major import forms, operations, queries
from portal.major.models import PENDING, STATE_LABELS
from portal.major.rules import CRITERION_LABELS, DEFINITION, Thresholds
from portal.web import clock, errors
from portal.web.htmx import render_page_or_piece

SHOWN = 5  # cases and proposals under each heading of the home page


def _common() -> dict:
    return {
        "criterion_labels": CRITERION_LABELS,
        "definition": DEFINITION,
        "state_labels": STATE_LABELS,
    }


@login_required
def index():
    require(Permission.MAJOR_VIEW)
    state = request.args.get("state", PENDING)
    if state not in (*STATE_LABELS, "all"):
        abort(404)
    return render_page_or_piece(
        "major/index.html",
        "major/_list.html",
        proposals=queries.listed(current_user, None if state == "all" else state),
        counts=queries.counts(current_user),
        state=state,
        **_common(),
    )


@login_required
def dashboard():
    """The home page's "重大投诉": the open major cases in scope with their state and
    due time, and the proposals awaiting a decision."""
    require(Permission.MAJOR_VIEW)
    cases = inbox_page(
        current_user,
        InboxFilters(flag="major"),
        now=clock.now(),
        tz=clock.tz(),
        per_page=SHOWN,
        count_cap=1000,
    )
    return render_page_or_piece(
        "major/dashboard.html",
        "major/_dashboard.html",
        cases=cases,
        pending=queries.pending(current_user, SHOWN),
        counts=queries.counts(current_user),
        **_common(),
    )


def _may_decide(case, proposal) -> dict[str, bool]:
    # Confirming sets the flag, which only an open case takes; a proposal left pending
    # when its case closed can still be rejected, so that it leaves the list.
    pending = proposal is not None and proposal.state == PENDING
    return {
        "confirm": pending and case.state in OPEN_STATES and can(Permission.MAJOR_CONFIRM),
        "reject": pending and can(Permission.MAJOR_REJECT),
    }


def _render_case(case, proposal, bound=None, status=200, trigger=None):
    may = _may_decide(case, proposal)
    step_forms = {
        "confirm": forms.ConfirmForm(formdata=None) if may["confirm"] else None,
        "reject": forms.RejectForm(formdata=None) if may["reject"] else None,
    }
    for form in step_forms.values():
        if form is not None and proposal is not None:
            form.version.data = str(proposal.version)
    step_forms.update(bound or {})
    return render_page_or_piece(
        "major/case.html",
        "major/_case.html",
        status=status,
        trigger=trigger,
        case=case,
        proposal=proposal,
        forms=step_forms,
        **_common(),
    )


@login_required
def for_case(case_id):
    """The case page's badge: why the case is (or may be) major, and the decision."""
    case = load_case_or_404(current_user, case_id)
    require(Permission.CASE_VIEW)
    return _render_case(case, queries.proposal_for_case(case))


def _decide(case_id, step):
    case = load_case_or_404(current_user, case_id)
    require(Permission.MAJOR_CONFIRM if step == "confirm" else Permission.MAJOR_REJECT)
    proposal = queries.proposal_for_case_or_404(case)
    form = (forms.ConfirmForm if step == "confirm" else forms.RejectForm)()
    if not form.validate_on_submit():
        return _render_case(case, proposal, {step: form}, 422)
    if form.version.data != str(proposal.version):
        return errors.conflict_response()
    try:
        if step == "confirm":
            operations.confirm(
                proposal, case, actor=current_user, now=clock.now(), note=form.note.data or ""
            )
        else:
            operations.reject(proposal, actor=current_user, now=clock.now(), note=form.note.data)
    except operations.DecisionError as error:
        form.form_errors.append(_(str(error)))
        return _render_case(case, proposal, {step: form}, 422)
    return _render_case(case, proposal, trigger="major-changed")


@login_required
def confirm(case_id):
    return _decide(case_id, "confirm")


@login_required
def reject(case_id):
    return _decide(case_id, "reject")


def _settings_page(form, status=200, saved=False):
    return render_page_or_piece(
        "major/settings.html",
        "major/_settings.html",
        status=status,
        form=form,
        saved=saved,
        **_common(),
    )


@login_required
def settings():
    require(Permission.MAJOR_CONFIGURE)
    return _settings_page(forms.ThresholdsForm(formdata=None, obj=operations.thresholds()))


@login_required
def update_settings():
    require(Permission.MAJOR_CONFIGURE)
    form = forms.ThresholdsForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    values = Thresholds(form.repeats.data, form.complainants.data, form.window_days.data)
    saved = operations.update_thresholds(values, actor=current_user, now=clock.now())
    return _settings_page(form, saved=saved)
