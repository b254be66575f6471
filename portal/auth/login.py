"""Flask-Login wiring: the session cookie holds "id:token:key"; a changed token
(password change, deactivation) ends every older session of the user, an ended sign-in
(``SignIn.ended_at``, sign-out) the one session it started."""

from functools import cache

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload

from portal.auth.models import SignIn, User
from portal.db import PREPARE, db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录。")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


# Every request reads it: a statement built once (no rebuilding, no new cache key).
# The user and whether the sign-in is still open, in one statement; with the user's unit
# and its bank, from which the request's wall is drawn right after (orgs.scoping.wall_for)
# — an officer's bank would otherwise cost a second statement. The bank is named through
# the mapper (auth lies below orgs and does not import it), once, on the first request.
@cache
def _user_statement():
    unit = User.unit.property.mapper.class_
    return (
        select(User)
        .options(joinedload(User.unit).joinedload(unit.member))
        .where(
            User.id == bindparam("user_id"),
            exists().where(
                SignIn.key == bindparam("key"),
                SignIn.user_id == User.id,
                SignIn.ended_at.is_(None),
            ),
        )
        .execution_options(**PREPARE)
    )


@login_manager.user_loader
def load_user(session_id: str):
    user_id, token, key = (session_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not 0 < int(user_id) < 2**31 or not key:
        return None
    user = db.session.scalar(_user_statement(), {"user_id": int(user_id), "key": key})
    if user is None or not user.is_active or user.session_token != token:
        return None
    user.sign_in_key = key
    return user


@login_manager.unauthorized_handler
def unauthorized():
    # htmx cannot follow a redirect into a piece: tell it to load the sign-in page.
    from flask import make_response

    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
