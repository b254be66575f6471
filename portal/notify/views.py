from flask import request
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, select

from portal.db import PREPARE, db
from portal.notify import operations
from portal.notify.models import Notification
from portal.web import clock
from portal.web.htmx import render_page_or_piece
from portal.web.pagination import paginate

# Every full page shows the bell's count: built once, and prepared on PostgreSQL.
_UNREAD = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .execution_options(**PREPARE)
)


def unread_count(user) -> int:
    return db.session.execute(_UNREAD, {"user_id": user.id}).scalar_one()


@login_required
def index():
    # Only one's own notifications: the user id comes from the session, never the URL.
    query = select(Notification).where(Notification.user_id == current_user.id)
    if request.args.get("status") == "unread":
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return render_page_or_piece(
        "notify/index.html", "notify/_list.html", pagination=paginate(query)
    )


@login_required
def badge():
    return render_page_or_piece(
        "notify/_badge.html", "notify/_badge.html", count=unread_count(current_user)
    )


@login_required
def mark_all_read():
    operations.mark_read(current_user, None, clock.now())
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return render_page_or_piece(
        "notify/index.html",
        "notify/_list.html",
        pagination=paginate(query),
        trigger="notifications-changed",
    )
