"""Sign-in, sign-out, own password, language."""

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import operations, signing_in, two_factor
from portal.auth.forms import LoginForm, PasswordForm, password_errors
from portal.auth.passwords import verify_password
from portal.auth.rules import password_problems
from portal.db import db
from portal.web import clock
from portal.web.i18n import LANG_COOKIE


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


SIGN_IN_MESSAGES = {
    "invalid": N_("用户名或密码不正确。"),
    "throttled": N_("登录尝试过于频繁，请 %(n)s 秒后再试。"),
    "inactive": N_("该账户已停用，请联系本单位管理员。"),
}
SIGN_IN_STATUS = {"invalid": 401, "throttled": 429, "inactive": 403}


def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a signed-in user to another site.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("home.index")


def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        client = {"address": request.remote_addr, "agent": request.user_agent.string}
        try:
            user = operations.authenticate(
                form.username.data,
                form.password.data,
                clock.now(),
                client["address"] or "",
                cookies=request.cookies,
            )
        except operations.SignInError as error:
            operations.record_failed_sign_in(
                form.username.data, error.reason, now=clock.now(), **client
            )
            db.session.commit()  # keep the failure count even though the answer is 4xx
            form.form_errors.append(_(SIGN_IN_MESSAGES[error.reason], n=error.wait_seconds))
            response = make_response(
                render_template("auth/login.html", form=form), SIGN_IN_STATUS[error.reason]
            )
            if error.wait_seconds:
                response.headers["Retry-After"] = str(error.wait_seconds)
            return response
        next_page = _safe_next(form.next.data)
        if user.has_two_factor or two_factor.required_for(user):
            # The password was right; nobody is signed in before the second factor is.
            stage = "verify" if user.has_two_factor else "enrol"
            signing_in.begin(user, stage=stage, next_page=next_page, now=clock.now())
            return redirect(url_for(f"auth.{stage}"))
        # A fresh session: nothing of the signed-out one (its CSRF token) carries over.
        return signing_in.complete(user, next_page)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@login_required
def logout():
    # Ends the sign-in on the server: a copy of the cookie is refused from now on.
    operations.end_sign_in(current_user._get_current_object(), now=clock.now())
    logout_user()
    session.clear()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("auth.login"))


@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("当前密码不正确。"))
        else:
            problems = password_problems(form.new.data, current_user.username)
            if problems:
                form.new.errors.extend(password_errors(problems))
            else:
                operations.change_password(current_user, form.new.data, clock.now())
                # Keep this session: the token just changed.
                login_user(current_user._get_current_object())
                flash(_("密码已修改，其他设备上的登录已失效。"), "success")
                return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status


def set_language(code):
    if code not in current_app.config["PORTAL_LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    response = redirect(_safe_next(request.args.get("next")))
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response
