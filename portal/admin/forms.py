"""The administrators' forms: a unit, a user, and the bare confirmation of a
deactivation."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from portal.auth.rules import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, MOBILE_RE, PHONE_RE
from portal.orgs.rules import INSTITUTION_GROUPS
from portal.web.forms import PortalForm


class UnitForm(PortalForm):
    version = HiddenField()
    parent_id = SelectField(_l("上级单位"), coerce=int, validate_choice=False)
    kind = SelectField(_l("单位类型"), validate_choice=False)
    code = StringField(
        _l("机构代码"),
        validators=[
            DataRequired(_l("请输入机构代码。")),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$",
                message=_l("机构代码为 2–40 位字母、数字或横线。"),
            ),
        ],
    )
    name = StringField(
        _l("单位名称"), validators=[DataRequired(_l("请输入单位名称。")), Length(max=120)]
    )
    short_name = StringField(_l("简称"), validators=[Optional(), Length(max=40)])
    city = StringField(_l("城市"), validators=[Optional(), Length(max=40)])
    district = StringField(_l("区县"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    complaint_phone = StringField(
        _l("本网点投诉电话"),
        validators=[
            Optional(),
            Regexp(PHONE_RE, message=_l("电话格式不正确，例如 024-22532961。")),
        ],
    )
    system_phone = StringField(
        _l("系统内投诉电话"),
        validators=[Optional(), Regexp(PHONE_RE, message=_l("电话格式不正确，例如 95588。"))],
    )
    is_associate = BooleanField(_l("准会员单位"))
    in_campaign = BooleanField(_l("参加优服创建活动"))
    # A member's institution group, as the regulator's bulletin groups banks
    # (regulator-reporting.md); set by the association only (the view decides).
    institution_group = SelectField(_l("机构类型（监管口径）"), validate_choice=False)

    def validate_institution_group(self, field):
        if field.data and field.data not in INSTITUTION_GROUPS:
            raise ValidationError(_l("请选择机构类型。"))


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
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "密码须为 %(min)s 至 %(max)s 位。",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
    )


class ConfirmForm(PortalForm):
    """An empty form: CSRF token only, for confirmed actions (deactivate, reset)."""

    confirm = BooleanField()


class ContactsForm(PortalForm):
    """Art. 4, 5: the association's public contacts and the national association's number."""

    version = HiddenField()
    department = StringField(
        _l("受理部门"), validators=[DataRequired(_l("请填写受理部门。")), Length(max=80)]
    )
    phone = StringField(
        _l("投诉电话"),
        validators=[
            DataRequired(_l("请填写投诉电话。")),
            Regexp(PHONE_RE, message=_l("电话格式不正确，例如 024-22532961。")),
        ],
    )
    fax = StringField(
        _l("传真"),
        validators=[
            Optional(),
            Regexp(PHONE_RE, message=_l("传真格式不正确，例如 024-22532961。")),
        ],
    )
    emails = StringField(
        _l("电子信箱"), validators=[DataRequired(_l("请至少填写一个电子信箱。")), Length(max=300)]
    )
    national_name = StringField(
        _l("全国性行业协会"), validators=[DataRequired(_l("请填写协会名称。")), Length(max=80)]
    )
    national_phone = StringField(
        _l("全国性行业协会投诉电话"),
        validators=[
            Optional(),
            Regexp(PHONE_RE, message=_l("电话格式不正确，例如 024-22532961。")),
        ],
    )
