"""The returns tab of the bulletins (通报 › 监管报送): the versions of each period with
their SHA-256 and files, and generating a version (a correction with its note).

Returns are the association's: for anyone else every return URL answers 404 (an id) or
403 (the list), like any object outside one's scope.
"""

from io import BytesIO

from flask import abort, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from portal.auth.access import can, require
from portal.auth.roles import Permission
from portal.db import db
from portal.returns import operations, rules
from portal.returns.models import RegulatorReturn
from portal.statistics.rules import last_complete_period, parse_any_period
from portal.web import clock
from portal.web.bounds import text_problem
from portal.web.htmx import render_page_or_piece, wants_piece

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def load_return_or_404(return_id: int) -> RegulatorReturn:
    item = db.session.get(RegulatorReturn, return_id)
    if item is None or not current_user.is_association or not can(Permission.RETURN_VIEW):
        abort(404)
    return item


def _periods(returns: list[RegulatorReturn]) -> list[tuple[str, list[RegulatorReturn]]]:
    """[(period, its versions newest first)], newest period first."""
    grouped: dict[str, list[RegulatorReturn]] = {}
    for item in returns:
        grouped.setdefault(item.period, []).append(item)
    return list(grouped.items())


def _list(status: int = 200, error: str | None = None, unconfirmed: bool = False, made=None):
    returns = operations.all_returns()
    return render_page_or_piece(
        "returns/index.html",
        "returns/_list.html",
        status,
        periods=_periods(returns),
        downloads=operations.download_counts([r.id for r in returns]),
        default_period=last_complete_period(clock.local_today()).code,
        recent_periods=rules.recent_periods(clock.local_today()),
        error=error,
        unconfirmed=unconfirmed,
        made=made,
    )


@login_required
def index():
    require(Permission.RETURN_VIEW)
    return _list()


@login_required
def generate():
    require(Permission.RETURN_MANAGE)
    try:
        period = parse_any_period(request.form.get("period", ""))
    except ValueError:
        # parse_any_period's own message quotes the input: not a message to translate.
        return _list(422, rules.BAD_PERIOD)
    note = request.form.get("change_note") or ""
    if problem := text_problem(note, multiline=False):
        return _list(422, problem)
    try:
        made = operations.generate(
            period,
            actor=current_user,
            now=clock.now(),
            today=clock.local_today(),
            change_note=note,
            confirm_unfinished=request.form.get("confirm_unfinished") == "1",
        )
    except operations.ReturnError as exc:
        unconfirmed = isinstance(exc, operations.Unconfirmed)
        return _list(exc.status, str(exc), unconfirmed=unconfirmed)
    if not wants_piece():  # a browser's plain POST: back to the list, not a re-POST on reload
        return redirect(url_for("returns.index"), 303)
    return _list(201, made=made)


@login_required
def download(return_id, kind):
    item = load_return_or_404(return_id)
    operations.record_download(item, user=current_user, kind=kind, now=clock.now())
    data = item.csv if kind == "csv" else item.xlsx
    return send_file(
        BytesIO(data),
        mimetype=MIMETYPES[kind],
        as_attachment=True,
        download_name=rules.file_name(item.period, item.version, kind),
    )
