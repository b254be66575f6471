"""Inboxes and the case page; every action goes through one dispatcher:
load (scoped) → check the action is available to this user now → validate → act."""

from dataclasses import replace
from functools import partial
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints import actions, coding, export, operations, queries, search_refs
from portal.complaints.inbox import InboxFilters, InboxKey, due_colour, inbox_page, inbox_query
from portal.complaints.models import Category, Complaint
from portal.complaints.rules import (
    ACTION_LABELS,
    ACTION_ORDER,
    CHANGE_LABELS,
    CHANNELS,
    CLOCK_LABELS,
    FINDINGS,
    QUIET_STEPS,
    RECTIFICATION_KINDS,
    REPLY_CHANNELS,
    SATISFACTION,
    SECONDARY_STEPS,
    STATE_LABELS,
)
from portal.db import db
from portal.deadlines.queries import next_step_of, next_steps
from portal.deadlines.rules import STATE_LABELS as CLOCK_STATE_LABELS
from portal.duty.queries import receiver_at
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import load_unit_or_404, scope_root
from portal.web import clock
from portal.web.htmx import render_page_or_piece, wants_piece


def _inbox_args(args):
    filters, notice = _search_term(InboxFilters.from_args(args), args.get("ref"))
    unit = load_unit_or_404(current_user, filters.unit_id) if filters.unit_id else None
    return filters, unit, notice


def _search_term(filters: InboxFilters, ref: str | None) -> tuple[InboxFilters, str | None]:
    """The search term of a list: read back from its reference (``search_refs``), or
    the ``q`` of the URL unless that may be a mobile or ID number, which is not searched
    (it came in a URL, where it should not be). Returns the filters and a message."""
    if ref:
        g.args_left_out = ("q",)  # the reference stands for the term
        term = search_refs.resolve(current_user, ref, now=clock.now())
        if term is None:
            notice = _("这次搜索已过期或不是您发起的，请在搜索框中重新输入。")
            return replace(filters, q=""), notice
        return replace(filters, q=term), None
    if search_refs.is_personal(filters.q):
        g.args_left_out = ("q",)  # nor carried on in the list's links (args_with)
        notice = _("手机号、证件号等请在搜索框中输入后搜索，不要写在网址中。")
        return replace(filters, q=""), notice
    return filters, None


# The filters the inbox's form sends (templates/complaints/inbox.html).
FILTER_ARGS = ("q", "state", "clock", "category", "unit", "from", "to", "flag", "queue")


@login_required
def search():
    """The inbox's filter form, posted: the list to show, as a URL without a personal
    number in it. A term that may be a mobile or ID number is kept on the server and the
    URL carries its opaque reference; anything else stays in the URL as it is."""
    require(Permission.CASE_VIEW)
    args: dict[str, Any] = {
        name: value for name in FILTER_ARGS if (value := request.form.get(name, "").strip())
    }
    term = args.pop("q", "")
    if search_refs.is_personal(term):
        args["ref"] = search_refs.store(current_user, term, now=clock.now())
    elif term:
        args["q"] = term
    return redirect(url_for("complaints.inbox", **args), 303)


@login_required
def inbox():
    require(Permission.CASE_VIEW)
    filters, unit, notice = _inbox_args(request.args)
    pagination = inbox_page(
        current_user,
        filters,
        now=clock.now(),
        tz=clock.tz(),
        per_page=current_app.config["PAGE_SIZE"],
        unit=unit,
        after=InboxKey.decode(request.args.get("after")),
        before=InboxKey.decode(request.args.get("before")),
        page=request.args.get("page", 1, type=int),
        count_cap=current_app.config["INBOX_COUNT_CAP"],
        # Counting the matches of a common word (吞卡 is in 4% of the cases) costs many
        # times the page itself at a national scale; a search shows its total only when
        # it fits on one page.
        count=not queries.searches_text(filters.q),
    )
    return render_page_or_piece(
        "complaints/inbox.html",
        "complaints/_inbox_table.html",
        pagination=pagination,
        steps=next_steps(
            current_user, [case.id for case, _due in pagination.items], clock.local_today()
        ),
        filters=filters,
        search_too_short=queries.search_too_short(filters.q),
        search_notice=notice,
        # The filter form carries only the chosen category and unit; its lists load
        # when first opened (``filter_options``): most visits never open them.
        chosen_category=(
            db.session.get(Category, filters.category_id)
            if filters.category_id and not wants_piece()
            else None
        ),
        chosen_unit=unit,
        unit_filter=current_user.unit.kind != UnitKind.OUTLET,
        states=STATE_LABELS,
        colour=partial(due_colour, now=clock.now(), tz=clock.tz()),
        root=scope_root(current_user),
    )


@login_required
def filter_options(kind: str):
    """The options of a filter form's list (the inbox's categories and units, the
    statistics' members and main categories), ``selected`` chosen."""
    if kind == "category":
        require(Permission.CASE_VIEW)
        options = [(c.id, c.full_label) for c in queries.categories()]
    elif kind == "unit":
        require(Permission.CASE_VIEW)
        options = [(u.id, u.short_name or u.name) for u in _unit_choices()]
    elif kind == "member":
        require(Permission.STATISTICS_VIEW)
        options = [(u.id, u.name) for u in _members()]
    elif kind == "main-category":
        require(Permission.STATISTICS_VIEW)
        options = [(c.id, c.label) for c in queries.categories() if c.parent_id is None]
    else:
        abort(404)
    return render_template(
        "complaints/_filter_options.html",
        options=options,
        selected=request.args.get("selected", type=int),
    )


def _members():
    """(id, name) of the member banks in the reader's scope."""
    from portal.orgs.models import Unit
    from portal.orgs.scoping import scope_filter

    return db.session.execute(
        select(Unit.id, Unit.name)
        .where(scope_filter(current_user, Unit.path), Unit.kind == UnitKind.MEMBER)
        .order_by(Unit.path)
    ).all()


UNIT_CHOICES_MAX = 300  # beyond, the unit filter lists a bank's branches, not its outlets


def _unit_choices():
    """Members (for the association) or the units of one's own tree, for the unit filter:
    (id, name, short_name) rows. A big bank's outlets (thousands) are left out of the
    list, which then names its city branches and sub-branches only."""
    from portal.orgs.models import Unit
    from portal.orgs.scoping import scope_filter

    def units(kinds, limit=None):
        query = (
            select(Unit.id, Unit.name, Unit.short_name)
            .where(
                scope_filter(current_user, Unit.path),
                Unit.kind.in_(kinds),
                Unit.is_active.is_(True),
            )
            .order_by(Unit.path)
        )
        return db.session.execute(query.limit(limit) if limit else query).all()

    if current_user.is_association:
        return units([UnitKind.MEMBER])
    branches = [UnitKind.CITY_BRANCH, UnitKind.SUB_BRANCH]
    rows = units([*branches, UnitKind.OUTLET], limit=UNIT_CHOICES_MAX + 1)
    return rows if len(rows) <= UNIT_CHOICES_MAX else units(branches)


@login_required
def export_list():
    require(Permission.CASE_VIEW)
    filters, unit, _notice = _inbox_args(request.args)
    query = inbox_query(current_user, filters, now=clock.now(), tz=clock.tz(), unit=unit)
    stream = export.inbox_workbook(db.session.execute(query.limit(export.MAX_ROWS)).all())
    return send_file(
        stream,
        as_attachment=True,
        download_name=f"complaints-{clock.local_today()}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _own_first(clocks: list) -> list:
    """The clock table: the viewer's own clocks first (an outlet's reply before the
    member's verify and report), the running ones before those met, each as started."""
    root = scope_root(current_user).path
    return sorted(
        clocks,
        key=lambda c: (not c.owner_path.startswith(root), not c.is_open, c.started_at, c.id),
    )


def case_context(case: Complaint, clocks: list | None = None, **extra) -> dict:
    """What the case page shows; ``clocks`` when the step just taken knows them."""
    available = queries.actions_for(current_user, case)
    case_clocks = actions.case_clocks(case) if clocks is None else clocks
    case_files = queries.files(case)
    history = queries.timeline(current_user, case, case_files)
    return {
        "case": case,
        "history": history,
        "actions": available,
        "on_demand": sorted(actions.ON_DEMAND & set(available)),
        "forms": actions.blank_forms(
            case, available, last_event_id=max((e.id for e in history if e.id), default=0)
        ),
        "clocks": _own_first(case_clocks),
        # Art. 7: the forward form names the bank and who of its pair would accept now.
        "forward_to": receiver_at(case.member, clock.now()) if "forward" in available else None,
        "next_step": next_step_of(current_user, case_clocks, clock.local_today()),
        "rectifications": actions.rectifications(case),
        "repeats": queries.repeat_chain(current_user, case),
        "may_reveal": queries.sees_full_pii(current_user, case),
        "following": queries.is_following(current_user, case),
        "accepted_by_name": queries.user_name(case.accepted_by_id),
        "case_codes": coding.case_codes(case),  # JR/T 0169-2018, or the crosswalk's
        "intake_attachments": [a for a in case_files if a.event_id is None],
        "channels": CHANNELS,
        "reply_channels": REPLY_CHANNELS,
        "findings": FINDINGS,
        "satisfaction_labels": SATISFACTION,
        "rectification_kinds": RECTIFICATION_KINDS,
        "action_labels": ACTION_LABELS,
        "quiet_steps": QUIET_STEPS,
        "secondary_steps": SECONDARY_STEPS,
        "change_labels": CHANGE_LABELS,
        "action_order": ACTION_ORDER,
        "clock_labels": CLOCK_LABELS,
        "clock_state_labels": CLOCK_STATE_LABELS,
        "clock_state": lambda ck: ck.state(clock.now()),
    } | extra


@login_required
def detail(case_id):
    case = load_case_or_404(case_id)
    return render_page_or_piece(
        "complaints/detail.html", "complaints/_case.html", **case_context(case)
    )


def load_case_or_404(case_id: int) -> Complaint:
    case = queries.load_case_or_404(current_user, case_id)
    require(Permission.CASE_VIEW)
    return case


@login_required
def act(case_id, action):
    case = load_case_or_404(case_id)
    if action not in actions.ACTIONS:
        abort(404)
    if actions.gate(action) not in queries.actions_for(current_user, case):
        # A step no longer open because someone else took it first (the other handler
        # accepted, maybe on another app server) is a conflict to explain, not a 403.
        outcome = actions.stale_outcome(action, case)
        if outcome is None:
            abort(403)
    else:
        outcome = actions.perform(action, case, current_user)
    if outcome.status >= 400:
        db.session.rollback()
        case = load_case_or_404(case_id)
    elif outcome.redirect_to:
        # The step created a case elsewhere (a repeat after a dissatisfied return visit):
        # the user lands on it as a whole page, told what happened there.
        flash(outcome.message or _("已保存。"), "success")
        if request.headers.get("HX-Request"):
            response = make_response("", 204)
            response.headers["HX-Redirect"] = outcome.redirect_to
            return response
        return redirect(outcome.redirect_to, 303)
    context = case_context(
        case,
        open_action=action if outcome.status >= 400 else None,
        failed_form=outcome.form if outcome.status == 422 else None,
        conflict=outcome.conflict,
        message=outcome.message,
        clocks=outcome.clocks,
    )
    response = render_page_or_piece(
        "complaints/detail.html", "complaints/_case.html", status=outcome.status, **context
    )
    if outcome.status < 400:
        response.headers["HX-Trigger"] = "case-changed, notifications-changed"
    return response


@login_required
def reveal(case_id, field):
    case = load_case_or_404(case_id)
    if field not in ("mobile", "id_number") or not queries.sees_full_pii(current_user, case):
        abort(403)
    from portal.complaints.operations import reveal as do_reveal

    value = do_reveal(case, actor=current_user, now=clock.now(), field=field)
    return render_page_or_piece(
        "complaints/_revealed.html",
        "complaints/_revealed.html",
        case=case,
        field=field,
        value=value,
    )


@login_required
def step_form(case_id, action):
    """The form of a step offered closed on the case page, when the user opens it."""
    case = load_case_or_404(case_id)
    if action not in actions.ON_DEMAND or action not in queries.actions_for(current_user, case):
        abort(404)
    return render_template(
        "complaints/_step_form.html",
        case=case,
        name=action,
        form=actions.blank_form(action, case),
        action_labels=ACTION_LABELS,
        reply_channels=REPLY_CHANNELS,
    )


@login_required
def follow(case_id):
    """关注 or stop following a case: whoever may see it may follow it."""
    case = load_case_or_404(case_id)
    wanted = request.form.get("follow") == "1"
    if wanted:
        operations.follow(case, user=current_user, now=clock.now())
        message = _("已关注：此后该投诉的每一步都会通知您。")
    else:
        operations.unfollow(case, user=current_user)
        message = _("已取消关注。")
    return render_page_or_piece(
        "complaints/detail.html",
        "complaints/_case.html",
        **case_context(case, message=message),
    )


@login_required
def call(case_id):
    """Tap to call the customer from a tablet: whoever may reveal the number (those
    handling the case) gets it as a ``tel:`` address; each call is recorded as a reveal."""
    case = load_case_or_404(case_id)
    if not case.mobile_enc or not queries.sees_full_pii(current_user, case):
        abort(403)
    number = operations.reveal(case, actor=current_user, now=clock.now(), field="mobile")
    if not number:
        abort(404)
    response = make_response("", 303 if not request.headers.get("HX-Request") else 204)
    response.headers["HX-Redirect" if request.headers.get("HX-Request") else "Location"] = (
        f"tel:{number}"
    )
    return response


@login_required
def attachment(attachment_id):
    item = queries.load_attachment_or_404(current_user, attachment_id)
    response = make_response(item.data)
    response.headers["Content-Type"] = item.content_type
    # Never rendered inline as HTML: the type came from the bytes and is on the allow list.
    response.headers["Content-Disposition"] = (
        "inline" if item.content_type.startswith(("image/", "audio/")) else "attachment"
    ) + f"; filename*=UTF-8''{_quote(item.filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
def explain_clock(case_id, clock_id):
    """How a due date was computed: the days counted and skipped (Art. 11)."""
    case = load_case_or_404(case_id)
    ck = next((c for c in actions.case_clocks(case) if c.id == clock_id), None)
    if ck is None:
        abort(404)
    return render_page_or_piece(
        "complaints/clock_explain.html", "complaints/_clock_explain.html", case=case, clock=ck
    )
