"""The e-mail outbox for the association administrator (issue 21.10): failed mail with
its last error, and sending it again once the mail server is back. The sender gives a
message up after its retries (about ten hours of outage); here, or with
``flask --app wsgi outbox requeue``, it goes back in the queue."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from portal.admin.forms import ConfirmForm
from portal.auth.access import require
from portal.auth.roles import Permission
from portal.db import db
from portal.notify import operations
from portal.notify.models import OutboxMessage
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate


def N_(text: str) -> str:  # marks a label for extraction; translated where shown
    return text


STATUS_LABELS = {
    "queued": N_("待发送"),
    "sending": N_("发送中"),
    "sent": N_("已发送"),
    "failed": N_("发送失败"),
}
# The filter: failed mail (the default), or every message, newest first.
SHOWN = {"failed": N_("发送失败"), "all": N_("全部（最近在前）")}
# Ids as the database holds them: a larger one is no message (and no 500).
MAX_ID = 2**31 - 1


@login_required
def index():
    require(Permission.OUTBOX_MANAGE)
    shown = request.args.get("status", "failed")
    if shown not in SHOWN:
        shown = "failed"
    query = select(OutboxMessage)
    if shown == "failed":
        query = query.where(OutboxMessage.status == "failed")
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    counts: dict[str, int] = {status: count for status, count in rows}
    return render_page_or_piece(
        "admin/outbox/index.html",
        "admin/outbox/_table.html",
        pagination=paginate(query),
        shown=shown,
        choices=SHOWN,
        statuses=STATUS_LABELS,
        counts=counts,
        form=ConfirmForm(),
    )


@login_required
def requeue():
    """Failed mail back in the queue: the messages posted as ``message``, or all failed
    mail with ``all=1``. The next run of the sender sends them."""
    require(Permission.OUTBOX_MANAGE)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("all") == "1":
        count = operations.requeue_failed(now=clock.now())
    else:
        ids = [i for i in request.form.getlist("message", type=int) if 0 < i <= MAX_ID]
        if not ids:
            abort(400)
        count = operations.requeue_failed(now=clock.now(), ids=ids)
    db.session.commit()
    if count:
        flash(
            _("已将 %(count)s 封邮件重新放入发送队列，将在下次发送时发出。", count=count), "success"
        )
    else:
        flash(_("没有需要重新发送的邮件：所选邮件已不是发送失败状态。"), "warning")
    return redirect(url_for("admin.outbox", status=request.args.get("status", "failed")))
