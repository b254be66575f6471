"""Sign-in, sign-out, own password, language."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import operations
from portal.auth.forms import LoginForm, PasswordForm
from portal.auth.passwords import verify_password
from portal.auth.rules import password_problems
from portal.db import db
from portal.web import clock
from portal.web.i18n import LANG_COOKIE

SIGN_IN_MESSAGES = {
    "invalid": "用户名或密码不正确。",
    "locked": "连续登录失败次数过多，账户已暂时锁定，请稍后再试或联系管理员。",
    "inactive": "该账户已停用，请联系本单位管理员。",
}


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
        try:
            user = operations.authenticate(form.username.data, form.password.data, clock.now())
        except operations.SignInError as error:
            db.session.commit()  # keep the failure count even though the answer is 4xx
            form.form_errors.append(_(SIGN_IN_MESSAGES[error.reason]))
            return render_template(
                "auth/login.html", form=form
            ), 401 if error.reason == "invalid" else 403
        login_user(user)
        return redirect(_safe_next(form.next.data))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@login_required
def logout():
    logout_user()
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
                form.new.errors.append(_("新密码须同时包含字母和数字，且不能包含用户名。"))
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
