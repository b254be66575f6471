from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.rules import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from portal.web.forms import PortalForm

PASSWORD_PROBLEMS = {
    "too_short": _l("密码至少 %(n)s 位。", n=MIN_PASSWORD_LENGTH),
    "too_long": _l("密码最多 %(n)s 位。", n=MAX_PASSWORD_LENGTH),
    "letters_and_digits": _l("密码须同时包含字母和数字。"),
    "contains_username": _l("密码不能包含用户名。"),
    "common": _l(
        "密码太常见或太容易猜到，请换一个更长、更不规则的密码（例如几个词加数字和符号）。"
    ),
}


def password_errors(problems: list[str]) -> list[str]:
    """The messages of ``rules.password_problems``, in the reader's language."""
    return [str(PASSWORD_PROBLEMS[p]) for p in problems]


class LoginForm(PortalForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名。"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。"))])
    next = HiddenField()


class PasswordForm(PortalForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。"))])
    new = PasswordField(
        _l("新密码"),
        validators=[
            DataRequired(_l("请输入新密码。")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "新密码须为 %(min)s 至 %(max)s 位。",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
    )
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[
            DataRequired(_l("请再次输入新密码。")),
            EqualTo("new", _l("两次输入的新密码不一致。")),
        ],
    )


# -- two-factor sign-in -----------------------------------------------------------------


class CodeForm(PortalForm):
    """The second step of signing in: the code the authenticator app shows."""

    code = StringField(_l("6 位验证码"), validators=[DataRequired(_l("请输入验证码。"))])


class RecoveryCodeForm(PortalForm):
    """The second step of signing in without the phone: one of the recovery codes."""

    code = StringField(_l("恢复码"), validators=[DataRequired(_l("请输入恢复码。"))])


class EnrolForm(PortalForm):
    """Confirming a new authenticator app with the code it shows."""

    code = StringField(_l("应用显示的 6 位验证码"), validators=[DataRequired(_l("请输入验证码。"))])


class AccountEnrolForm(EnrolForm):
    """Enrolling from one's own account: the password too, so that a desk left signed in
    cannot be tied to someone else's phone."""

    password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。"))])


class ProofForm(PortalForm):
    """A change to one's second factor: the current password or a current code."""

    proof = PasswordField(
        _l("当前密码或验证码"), validators=[DataRequired(_l("请输入当前密码或验证码。"))]
    )


class ContinueForm(PortalForm):
    """A button only (CSRF token): "I have saved the recovery codes, continue"."""
