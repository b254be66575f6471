"""Art. 9(2): the rectification opinions of substantiated complaints, followed to
completion: a list per member and for the association, and the outlet's own record of
its rectification work."""

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.complaints import operations, queries
from portal.complaints.forms import RectificationWorkForm
from portal.complaints.models import Complaint
from portal.complaints.rules import RECTIFICATION_KINDS
from portal.db import db
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import units_query
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate

STATUS_LABELS = {
    "open": "跟踪中",
    "overdue": "已超期",
    "done": "已完成",
    "all": "全部",
}


def _may_record(user) -> bool:
    """The outlet and the member record rectification work; the association and the
    leaders read."""
    return queries.side_of(user) in ("member", "unit")


def _page(status_code: int = 200, message: str | None = None, failed=None):
    require(Permission.CASE_VIEW)
    status = request.args.get("status", "open")
    if status not in queries.RECTIFICATION_STATUSES:
        status = "open"
    member_id = request.args.get("member", type=int)
    members = []
    if current_user.is_association:
        members = list(
            db.session.scalars(
                units_query(current_user).where(Unit.kind == UnitKind.MEMBER).order_by(Unit.path)
            )
        )
    query = queries.rectifications_query(
        current_user, status=status, today=clock.local_today(), member_id=member_id
    )
    return render_page_or_piece(
        "complaints/rectifications.html",
        "complaints/_rectifications.html",
        status=status_code,
        pagination=paginate(query),
        current=status,
        statuses={k: _(v) for k, v in STATUS_LABELS.items()},
        members=members,
        member_id=member_id,
        today=clock.local_today(),
        kinds=RECTIFICATION_KINDS,
        may_record=_may_record(current_user),
        form=RectificationWorkForm(formdata=None),
        failed=failed,
        message=message,
    )


@login_required
def index():
    return _page()


@login_required
def record_work(rectification_id):
    item = queries.load_rectification_or_404(current_user, rectification_id)
    if not _may_record(current_user):
        abort(403)
    form = RectificationWorkForm()
    if not form.validate_on_submit():
        return _page(422, failed=(item.id, form))
    case = db.session.scalar(select(Complaint).where(Complaint.id == item.complaint_id))
    assert case is not None  # the item's own case
    try:
        if form.done.data:
            operations.complete_rectification(
                case, item, actor=current_user, now=clock.now(), note=form.note.data
            )
            message = _("已登记整改完成：%(op)s", op=item.opinion[:20])
        else:
            operations.record_rectification_work(
                case, item, actor=current_user, now=clock.now(), note=form.note.data
            )
            message = _("已登记整改进展。")
    except operations.CaseError as error:
        form.form_errors.append(_(str(error)))
        return _page(422, failed=(item.id, form))
    return _page(message=message)
