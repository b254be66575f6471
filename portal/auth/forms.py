from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from portal.auth.rules import MIN_PASSWORD_LENGTH, MOBILE_RE, PHONE_RE
from portal.web.forms import PortalForm


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
                min=MIN_PASSWORD_LENGTH, message=_l("新密码至少 %(n)s 位。", n=MIN_PASSWORD_LENGTH)
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


class UserForm(PortalForm):
    version = HiddenField()
    username = StringField(
        _l("用户名"),
        validators=[
            DataRequired(_l("请输入用户名。")),
            Length(max=60),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._-]{2,59}$",
                message=_l("用户名为 3–60 位字母、数字、点、横线或下划线。"),
            ),
        ],
    )
    full_name = StringField(
        _l("姓名"), validators=[DataRequired(_l("请输入姓名。")), Length(max=60)]
    )
    unit_id = SelectField(_l("所属单位"), coerce=int, validate_choice=False)
    role = SelectField(_l("角色"), validate_choice=False)
    email = EmailField(
        _l("电子邮箱"),
        validators=[
            Optional(),
            Email(_l("电子邮箱格式不正确。"), check_deliverability=False),
            Length(max=120),
        ],
    )
    work_phone = StringField(
        _l("办公电话"),
        validators=[
            Optional(),
            Regexp(PHONE_RE, message=_l("办公电话格式不正确，例如 024-22532961。")),
        ],
    )
    mobile = StringField(
        _l("手机"),
        validators=[Optional(), Regexp(MOBILE_RE, message=_l("手机号应为 11 位中国大陆手机号。"))],
    )
    password = PasswordField(
        _l("初始密码"),
        validators=[
            Optional(),
            Length(
                min=MIN_PASSWORD_LENGTH, message=_l("密码至少 %(n)s 位。", n=MIN_PASSWORD_LENGTH)
            ),
        ],
    )


class ConfirmForm(PortalForm):
    """An empty form: CSRF token only, for confirmed actions (deactivate, reset)."""

    confirm = BooleanField()
