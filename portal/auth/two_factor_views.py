"""Two-factor sign-in screens: the second step of signing in (a code, or a recovery code
without the phone), enrolling an app (at sign-in when the setting requires it, or from
one's account), new recovery codes, turning it off. The sign-in steps run on the
pending state of ``signing_in``; nobody is signed in until ``signing_in.complete``."""

from flask import (
    abort,
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
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.auth import signing_in, totp, two_factor
from portal.auth.forms import (
    AccountEnrolForm,
    CodeForm,
    ContinueForm,
    EnrolForm,
    LoginForm,
    ProofForm,
    RecoveryCodeForm,
)
from portal.auth.models import User
from portal.auth.passwords import verify_password
from portal.auth.rules import MAX_CODE_FAILURES
from portal.db import db
from portal.web import clock

TOTP, RECOVERY = "totp", "recovery_code"
# While enrolling from one's account: the new secret, sealed, until the code confirms it.
ACCOUNT_ENROL = "two_factor_enrol"


def _client() -> dict:
    return {"address": request.remote_addr, "agent": request.user_agent.string}


def _restart(found):
    """No live pending sign-in for this step: to the step it is at, else back to the
    password."""
    if isinstance(found, signing_in.Pending) and found.stage in ("verify", "enrol"):
        return redirect(url_for(f"auth.{found.stage}"))
    if found == "expired":
        flash(_("登录已超时，请重新输入用户名和密码。"), "info")
    return redirect(url_for("auth.login"))


def _too_often(wait: int) -> str:
    return _("验证码尝试过于频繁，请 %(n)s 秒后再试。", n=wait)


# -- signing in: the second step --------------------------------------------------------


def verify():
    now = clock.now()
    pending = signing_in.load(now)
    if not isinstance(pending, signing_in.Pending) or pending.stage != "verify":
        return _restart(pending)
    method = RECOVERY if request.values.get("method") == RECOVERY else TOTP
    form = RecoveryCodeForm() if method == RECOVERY else CodeForm()
    if form.validate_on_submit():
        user = pending.user
        if wait := two_factor.wait_before_code(user, now):
            form.form_errors.append(_too_often(wait))
            response = make_response(_verify_page(form, method, pending), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        if method == RECOVERY:
            ok = two_factor.use_recovery_code(user, form.code.data, now)
            outcome = "ok" if ok else "invalid"
        else:
            outcome = two_factor.accept_code(user, form.code.data, now)
        if outcome == "ok":
            two_factor.clear_wrong_codes(user)
            return signing_in.complete(user, pending.next_page, second_factor=method)
        return _wrong_code(form, method, pending, outcome, now)
    return _verify_page(form, method, pending), 422 if form.errors else 200


def _verify_page(form, method: str, pending: signing_in.Pending) -> str:
    return render_template(
        "auth/verify.html",
        form=form,
        method=method,
        username=pending.user.username,
        issuer=totp.ISSUER,
    )


def _wrong_code(form, method: str, pending: signing_in.Pending, outcome: str, now):
    user, failures = pending.user, pending.failures + 1
    two_factor.count_wrong_code(user, now)
    two_factor.record_wrong_code(user, method=method, reason=outcome, now=now, **_client())
    if failures >= MAX_CODE_FAILURES:
        # A guesser starts over from the password (and the count on the server, across
        # pending states, makes the next codes wait: rules.code_throttle_level).
        signing_in.drop()
        db.session.commit()  # the count and the audit entry stay although the answer is 4xx
        login = LoginForm(formdata=None, next=pending.next_page)
        login.form_errors.append(_("验证码错误次数过多，请重新输入用户名和密码登录。"))
        return render_template("auth/login.html", form=login), 401
    signing_in.update(failures=failures)
    db.session.commit()
    if method == RECOVERY:
        problem = _("恢复码不正确或已使用过。")
    elif outcome == "replayed":
        problem = _("该验证码已使用过，请等应用显示下一个验证码后再输入。")
    else:
        problem = _("验证码不正确，请输入应用中当前显示的 6 位数字。")
    left = MAX_CODE_FAILURES - failures
    form.code.errors.append(
        _("%(problem)s还可再试 %(n)s 次，之后须重新输入密码。", problem=problem, n=left)
    )
    return _verify_page(form, method, pending), 401


# -- signing in: enrolling when required -----------------------------------------------


def enrol_at_sign_in():
    now = clock.now()
    pending = signing_in.load(now)
    if isinstance(pending, signing_in.Pending) and pending.stage == "codes":
        # Enrolled already (a reload, a second click): the codes are not shown twice.
        return _codes_page([], at_sign_in=True)
    if not isinstance(pending, signing_in.Pending) or pending.stage != "enrol":
        return _restart(pending)
    secret = two_factor.unseal_secret(pending.secret)
    if secret is None:
        secret = totp.new_secret()
        signing_in.update(secret=two_factor.seal_secret(secret))
    form = EnrolForm()
    if form.validate_on_submit():
        codes = _confirm(form, pending.user, secret, now)
        if codes is not None:
            signing_in.update(stage="codes", secret=None)
            return _codes_page(codes, at_sign_in=True)
    page = _enrol_page(form, pending.user, secret, at_sign_in=True)
    return page, 422 if form.errors else 200


def finish():
    """ "I have saved the recovery codes": the sign-in an enrolment started ends here."""
    pending = signing_in.load(clock.now())
    if not isinstance(pending, signing_in.Pending) or pending.stage != "codes":
        return _restart(pending)
    if not ContinueForm().validate_on_submit():
        abort(400)
    return signing_in.complete(pending.user, pending.next_page, second_factor=TOTP)


def _confirm(form, user: User, secret: str, now) -> list[str] | None:
    """The new app's code: if right, the user is enrolled and gets recovery codes."""
    outcome, step = totp.check_code(secret, form.code.data, now, None)
    if outcome != "ok":
        form.code.errors.append(
            _(
                "验证码不正确。请确认已在应用中添加本账户，并输入应用当前显示的 6 位数字"
                "（手机时间须准确）。"
            )
        )
        return None
    return two_factor.enrol(user, secret, step, now=now)


def _enrol_page(form, user: User, secret: str, *, at_sign_in: bool) -> str:
    uri = totp.provisioning_uri(secret, user.username)
    title = _("用身份验证器应用扫描此二维码")
    return render_template(
        "auth/enrol.html",
        form=form,
        at_sign_in=at_sign_in,
        qr=Markup(totp.qr_svg(uri, title)),  # noqa: S704  (segno's SVG, our own data)
        secret=totp.grouped(secret),
        issuer=totp.ISSUER,
        username=user.username,
        required=two_factor.required_for(user),
    )


def _codes_page(codes: list[str], *, at_sign_in: bool) -> str:
    return render_template(
        "auth/recovery_codes.html", codes=codes, at_sign_in=at_sign_in, form=ContinueForm()
    )


# -- one's own account -----------------------------------------------------------------


def _me() -> User:
    return current_user._get_current_object()


def _account_page(**forms) -> str:
    user = _me()
    return render_template(
        "auth/two_factor.html",
        user=user,
        required=two_factor.required_for(user),
        required_reason=_required_reason(user),
        left=two_factor.recovery_codes_left(user) if user.has_two_factor else 0,
        regenerate_form=forms.get("regenerate_form") or ProofForm(prefix="regenerate"),
        off_form=forms.get("off_form") or ProofForm(prefix="off"),
    )


def _required_reason(user: User) -> str:
    if not two_factor.required_for(user):
        return ""
    if current_app.config["TWO_FACTOR"] == "all":
        return _("本平台要求所有用户使用两步验证，因此不能关闭。")
    return _(
        "%(role)s须使用两步验证，因此不能关闭。更换手机时可重新设置。",
        role=_(user.role_label),
    )


@login_required
def account():
    return _account_page()


@login_required
def account_enrol():
    now, user = clock.now(), _me()
    held = session.get(ACCOUNT_ENROL)
    secret = None
    if isinstance(held, dict) and held.get("user") == user.id:
        secret = two_factor.unseal_secret(held.get("secret"))
    if secret is None:
        secret = totp.new_secret()
        session[ACCOUNT_ENROL] = {"user": user.id, "secret": two_factor.seal_secret(secret)}
    form = AccountEnrolForm()
    status = 200
    if form.validate_on_submit():
        if wait := two_factor.wait_before_code(user, now):
            form.form_errors.append(_too_often(wait))
            status = 429
        elif not verify_password(user.password_hash, form.password.data):
            two_factor.count_wrong_code(user, now)
            db.session.commit()  # counted although the answer is 4xx
            form.password.errors.append(_("当前密码不正确。"))
        elif (codes := _confirm(form, user, secret, now)) is not None:
            session.pop(ACCOUNT_ENROL, None)
            return _codes_page(codes, at_sign_in=False)
    if form.errors and status == 200:
        status = 422
    return _enrol_page(form, user, secret, at_sign_in=False), status


def _proof_refused(form, user: User, now) -> int:
    """0 when ``form.proof`` is the current password or a current code (used up), else
    the status of the refusal, with the message on the form. Wrong proofs count like
    wrong codes: a desk left signed in is no place to guess them."""
    if wait := two_factor.wait_before_code(user, now):
        form.form_errors.append(_too_often(wait))
        return 429
    text = form.proof.data
    if user.has_two_factor and totp.is_code_shaped(text):
        right = two_factor.accept_code(user, text, now) == "ok"
    else:
        right = verify_password(user.password_hash, text)
    if right:
        return 0
    two_factor.count_wrong_code(user, now)
    db.session.commit()  # counted although the answer is 4xx
    form.proof.errors.append(_("当前密码或验证码不正确。"))
    return 422


@login_required
def regenerate():
    now, user = clock.now(), _me()
    if not user.has_two_factor:
        return redirect(url_for("auth.two_factor"))
    form = ProofForm(prefix="regenerate")
    if not form.validate_on_submit():
        return _account_page(regenerate_form=form), 422
    if status := _proof_refused(form, user, now):
        return _account_page(regenerate_form=form), status
    codes = two_factor.regenerate_recovery_codes(user, now=now)
    return _codes_page(codes, at_sign_in=False)


@login_required
def turn_off():
    now, user = clock.now(), _me()
    form = ProofForm(prefix="off")
    if two_factor.required_for(user):
        form.form_errors.append(_required_reason(user))
        return _account_page(off_form=form), 403
    if not user.has_two_factor:
        return redirect(url_for("auth.two_factor"))
    if not form.validate_on_submit():
        return _account_page(off_form=form), 422
    if status := _proof_refused(form, user, now):
        return _account_page(off_form=form), status
    two_factor.turn_off(user, now=now)
    flash(_("已关闭两步验证，恢复码已作废。"), "success")
    return redirect(url_for("auth.two_factor"))
