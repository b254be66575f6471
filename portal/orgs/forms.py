from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.auth.forms import PHONE_RE
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
