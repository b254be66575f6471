"""The public forms: the status look-up and the online return visit."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.complaints.rules import SATISFACTION
from portal.web.forms import PortalForm


class TrackForm(PortalForm):
    tracking_no = StringField(
        _l("投诉编号"),
        validators=[DataRequired(_l("请填写投诉编号。")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    last_four = StringField(
        _l("手机号后四位"),
        validators=[DataRequired(_l("请填写登记投诉时所留手机号的后四位。")), Length(max=12)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class VisitForm(PortalForm):
    satisfaction = RadioField(
        _l("您对投诉的处理结果是否满意？"),
        choices=[SelectChoice(k, _l(v)) for k, v in SATISFACTION.items()],
        validators=[InputRequired(_l("请选择您的满意程度。"))],
    )
    comment = TextAreaField(
        _l("您的意见（可不填）"),
        validators=[Optional(), Length(max=500, message=_l("意见请不超过 500 字。"))],
        render_kw={"rows": "4"},
    )
