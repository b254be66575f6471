"""Form input for a decision on a proposal and for the thresholds."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.major.rules import LIMITS
from portal.web.forms import PortalForm


class ConfirmForm(PortalForm):
    """A confirmation may say more; the reasons found are recorded anyway."""

    note = TextAreaField(_l("说明（可选）"), validators=[Optional(), Length(max=1000)])
    version = HiddenField()


class RejectForm(PortalForm):
    """A rejection always says why."""

    note = TextAreaField(
        _l("否决理由"),
        validators=[DataRequired(_l("请说明否决的理由。")), Length(max=1000)],
    )
    version = HiddenField()


def _bounded(label, name):
    low, high = LIMITS[name]
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("请填写数值。")),
            NumberRange(low, high, _l("请填写 %(min)s 至 %(max)s 之间的整数。")),
        ],
    )


class ThresholdsForm(PortalForm):
    repeats = _bounded(_l("重复投诉次数（同一投诉链）"), "repeats")
    complainants = _bounded(_l("同一网点同类问题的投诉人数"), "complainants")
    window_days = _bounded(_l("统计天数"), "window_days")
