"""The public pages (no sign-in): /track and /visit/<token>; and the staff case page's
piece of the complainant's side (look-ups, the online return visit's link).

A public answer of 4xx commits first: the rate windows (``web.rate_limit``) and the
look-up record must outlive the request's roll-back (``create_app``'s commit_once)."""

from datetime import timedelta

from flask import abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints import queries as case_queries
from portal.complaints.rules import SATISFACTION
from portal.db import db
from portal.orgs.contacts import current_contacts
from portal.tracking import status as track_status
from portal.tracking import visits
from portal.tracking.forms import TrackForm, VisitForm
from portal.tracking.models import FOUND, NOT_FOUND, THROTTLED
from portal.tracking.rules import (
    is_last_four,
    is_tracking_no,
    normalise_last_four,
    normalise_tracking_no,
)
from portal.web import clock, rate_limit
from portal.web.htmx import render_page_or_piece
from portal.web.i18n import is_chinese


def track_address() -> str:
    """The address printed for customers (worksheet, Art. 4 notice, SMS)."""
    return current_app.config["BASE_URL"] + "/track"


def _client() -> str:
    return request.remote_addr or "unknown"


def _throttled(keys: list[tuple[str, int, timedelta]]) -> int:
    """Count one attempt under each key; the longest wait among those over their limit."""
    now = clock.now()
    waits = [
        rate_limit.hit(key, limit=limit, window=window, now=now) for key, limit, window in keys
    ]
    return max(waits, default=0)


def _too_many(wait: int, template: str, **context):
    db.session.commit()  # keep the counts and the record: a 429 rolls back otherwise
    response = make_response(render_template(template, wait=wait, **context), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _address_limits(prefix: str) -> list[tuple[str, int, timedelta]]:
    config = current_app.config
    client = _client()
    return [
        (f"{prefix}:addr:m:{client}", config["TRACK_LIMIT_PER_MINUTE"], timedelta(minutes=1)),
        (f"{prefix}:addr:h:{client}", config["TRACK_LIMIT_PER_HOUR"], timedelta(hours=1)),
    ]


def track():
    """The status look-up: the form, and (posted) the answer. A wrong pair and an
    unknown number answer the same page, byte for byte, after the same work."""
    form = TrackForm()
    context = {"contacts": current_contacts()}
    if request.method == "GET":
        return render_template("tracking/track.html", form=form, **context)
    number = normalise_tracking_no(form.tracking_no.data)
    digits = normalise_last_four(form.last_four.data)
    valid = form.validate()
    if valid and not is_tracking_no(number):
        form.tracking_no.errors.append(_("投诉编号的格式为 LN2026-000123，请核对。"))
        valid = False
    if valid and not is_last_four(digits):
        form.last_four.errors.append(_("请填写 4 位数字。"))
        valid = False
    if not valid:
        # Refused before any case is read or any attempt counted: nothing written.
        return render_template("tracking/track.html", form=form, **context), 422
    config = current_app.config
    limits = [
        *_address_limits("track"),
        (f"track:no:{number}", config["TRACK_LIMIT_PER_NUMBER"], timedelta(minutes=15)),
    ]
    wait = _throttled(limits)
    now = clock.now()
    if wait:
        track_status.record_look_up(
            now=now, address=_client(), tracking_no=number, outcome=THROTTLED
        )
        return _too_many(wait, "tracking/too_many.html", **context)
    found, case_id = track_status.look_up(
        number,
        digits,
        now=now,
        today=clock.local_today(),
        lang="zh" if is_chinese() else "en",
    )
    track_status.record_look_up(
        now=now,
        address=_client(),
        tracking_no=number,
        outcome=FOUND if found else NOT_FOUND,
        case_id=case_id,
    )
    if found is None:
        # Nothing typed is echoed: the page is the same whatever pair was wrong.
        return render_template(
            "tracking/track.html", form=TrackForm(formdata=None), not_found=True, **context
        )
    return render_template("tracking/status.html", status=found, **context)


def visit(token: str):
    """The online return visit: the question, and (posted) the answer recorded."""
    wait = _throttled(_address_limits("visit"))
    if wait:
        return _too_many(wait, "tracking/visit_gone.html", kind="throttled")
    now = clock.now()
    form = VisitForm()
    if request.method == "GET":
        state = visits.state_of(token, now=now)
        if state.state != visits.OPEN:
            return _gone(state.state)
        return render_template("tracking/visit.html", form=form, expires_at=state.expires_at)
    if not form.validate():
        state = visits.state_of(token, now=now)
        if state.state != visits.OPEN:
            return _gone(state.state)
        # The link is open (its state is no news): the refusal writes nothing.
        return render_template("tracking/visit.html", form=form, expires_at=state.expires_at), 422
    outcome, _repeat = visits.answer(
        token,
        satisfaction=form.satisfaction.data,
        comment=(form.comment.data or "").strip(),
        now=now,
        local_today=clock.local_today(),
    )
    if outcome != visits.OPEN:
        return _gone(outcome)
    return render_template(
        "tracking/visit_done.html",
        satisfaction=SATISFACTION[form.satisfaction.data],
        dissatisfied=form.satisfaction.data == "dissatisfied",
        contacts=current_contacts(),
    )


def _gone(state: str):
    """Used (410), or unknown and expired alike (404): one clear message each."""
    db.session.commit()  # the rate windows (a used link's claim, if it raced, stays)
    status = 410 if state == visits.USED else 404
    return render_template(
        "tracking/visit_gone.html", kind=state, contacts=current_contacts()
    ), status


# -- the staff case page -------------------------------------------------------------


def _may_send(case) -> bool:
    # The same gate as the return-visit step itself (Art. 11; ``actions_for``).
    return "return_visit" in case_queries.actions_for(current_user, case)


def _render_case(case, status=200, **extra):
    link = visits.link_of(case.id)
    count, last = track_status.look_ups_of(case.id)
    return render_page_or_piece(
        "tracking/case.html",
        "tracking/_case.html",
        status=status,
        case=case,
        link=link,
        look_ups=count,
        last_look_up=last,
        may_send=_may_send(case),
        sms_offered=bool(current_app.config.get("SMS_GATEWAY_URL")) and bool(case.mobile_enc),
        now=clock.now(),
        **extra,
    )


@login_required
def for_case(case_id: int):
    """The case page's piece: how often the customer looked the case up, and the online
    return visit's link (its state; the button that makes one)."""
    case = case_queries.load_case_or_404(current_user, case_id)
    require(Permission.CASE_VIEW)
    return _render_case(case)


@login_required
def create_link(case_id: int):
    """A new one-time return-visit link (replacing the old), shown once; sent by SMS
    when asked and a gateway is configured."""
    case = case_queries.load_case_or_404(current_user, case_id)
    if not _may_send(case):
        abort(403)
    now = clock.now()
    days = current_app.config["RETURN_VISIT_LINK_DAYS"]
    token = visits.create_link(case, actor=current_user, now=now, days=days)
    url = current_app.config["BASE_URL"] + f"/visit/{token}"
    sms_error = None
    sms_sent = False
    if request.form.get("sms") == "1" and current_app.config.get("SMS_GATEWAY_URL"):
        link = visits.link_of(case.id)
        assert link is not None
        text = visits.SMS_TEXT % {"days": days, "url": url}  # in Chinese, for the customer
        sms_error = visits.send_sms(link, case, text, config=current_app.config, now=now)
        sms_sent = sms_error is None
    return _render_case(case, new_url=url, sms_sent=sms_sent, sms_error=sms_error)
