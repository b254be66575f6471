"""Forms of the duty screens. Phone numbers are normalised (full-width digits, spaces,
"+86") before the pure rules check them, so a messy paste is accepted when it is right
and refused with a clear message when it is not (Art. 6)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.duty.rules import (
    MAX_PERSONAL_CUSTOMERS,
    MAX_REASON,
    is_email,
    is_mobile,
    is_work_phone,
    normalise_phone,
)
from portal.web.forms import PortalForm

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _blank_to_none(value):
    value = _strip(value)
    return value or None


class Check:
    """A WTForms validator from a pure predicate of ``portal.duty.rules``."""

    def __init__(self, predicate, message):
        self.predicate = predicate
        self.message = message

    def __call__(self, form, field):
        if field.data and not self.predicate(field.data):
            raise ValidationError(self.message)


WORK_PHONE = Check(is_work_phone, _l("办公电话格式不正确，须带区号，例如 024-22532961。"))
MOBILE = Check(is_mobile, _l("手机号应为 11 位中国大陆手机号，例如 13912345678。"))
EMAIL = Check(is_email, _l("电子邮箱格式不正确，例如 zhangsan@bank.com.cn。"))


def _phone(label, *, required_message=None, check=WORK_PHONE):
    first = DataRequired(required_message) if required_message else Optional()
    return StringField(label, filters=[normalise_phone], validators=[first, check])


class ProfileForm(PortalForm):
    """Art. 6: the leader in charge of complaints and the responsible department."""

    version = HiddenField()
    leader_name = StringField(
        _l("分管领导姓名"),
        filters=[_strip],
        validators=[DataRequired(_l("请填写分管领导姓名。")), Length(max=60)],
    )
    leader_title = StringField(
        _l("职务"), filters=[_blank_to_none], validators=[Optional(), Length(max=60)]
    )
    leader_work_phone = _phone(_l("领导办公电话"))
    leader_mobile = _phone(
        _l("领导手机"), required_message=_l("请填写分管领导手机。"), check=MOBILE
    )
    leader_email = StringField(
        _l("领导电子邮箱"),
        filters=[_blank_to_none],
        validators=[Optional(), Length(max=120), EMAIL],
    )
    leader_user_id = SelectField(_l("领导的平台账号"), coerce=int, validate_choice=False)
    department_name = StringField(
        _l("投诉受理责任部门"),
        filters=[_strip],
        validators=[DataRequired(_l("请填写投诉受理责任部门。")), Length(max=120)],
    )
    department_phone = _phone(_l("部门电话"), required_message=_l("请填写责任部门电话。"))


class ContactsForm(PortalForm):
    """Art. 6: a handler's work phone, mobile and e-mail, all required."""

    version = HiddenField()
    work_phone = _phone(_l("办公电话"), required_message=_l("请填写办公电话。"))
    mobile = _phone(_l("手机"), required_message=_l("请填写手机。"), check=MOBILE)
    email = StringField(
        _l("电子邮箱"),
        filters=[_blank_to_none],
        validators=[DataRequired(_l("请填写电子邮箱。")), Length(max=120), EMAIL],
    )


class PairForm(PortalForm):
    """Art. 7: handler A and handler B (checked by ``rules.pair_problems``)."""

    version = HiddenField()
    handler_a_id = SelectField(_l("A角（主办）"), coerce=int, validate_choice=False)
    handler_b_id = SelectField(_l("B角（A角不在岗时受理）"), coerce=int, validate_choice=False)


class AbsenceForm(PortalForm):
    """A handler's absence; times are Beijing time, mid-day allowed. ``confirm`` carries
    the fingerprint of the input the user confirmed despite a gap."""

    user_id = SelectField(_l("承办人"), coerce=int, validate_choice=False)
    starts_at = DateTimeLocalField(
        _l("开始时间"),
        format=DATETIME_FORMATS,
        validators=[DataRequired(_l("请填写开始时间，例如 2026-11-25 08:30。"))],
    )
    ends_at = DateTimeLocalField(
        _l("结束时间"),
        format=DATETIME_FORMATS,
        validators=[DataRequired(_l("请填写结束时间，例如 2026-11-25 17:30。"))],
    )
    reason = StringField(
        _l("事由"),
        filters=[_strip],
        validators=[DataRequired(_l("请填写不在岗事由。")), Length(max=MAX_REASON)],
    )
    confirm = HiddenField()

    def fingerprint(self) -> str:
        return "|".join(str(v) for v in (self.user_id.data, self.starts_at.data, self.ends_at.data))


class CustomerReportForm(PortalForm):
    """A member's count of personal customers and the date it holds for (the regulator's
    figures per 10 million personal customers). The date limits are the rules' (not in
    the future, not before 2000), checked by the operation."""

    personal_customers = IntegerField(
        _l("个人客户数（户）"),
        validators=[
            InputRequired(_l("请填写个人客户数。")),
            NumberRange(
                1,
                MAX_PERSONAL_CUSTOMERS,
                _l("个人客户数应为 1 至 2,000,000,000 之间的整数。"),
            ),
        ],
    )
    as_of = DateField(_l("统计截止日期"), validators=[DataRequired(_l("请填写统计截止日期。"))])
