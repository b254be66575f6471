from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from portal.web.forms import PortalForm


class PolicyForm(PortalForm):
    """The association's deadline policy (``rules.DeadlinePolicy``)."""

    escalated_reply_days = IntegerField(
        _l("上报或收回后的答复期限（工作日）"),
        validators=[InputRequired(_l("请填写天数。")), NumberRange(1, 10)],
    )
    reminder_days = SelectMultipleField(
        _l("到期前提醒"),
        choices=[
            SelectChoice(0, _l("到期当天上午")),
            SelectChoice(1, _l("到期前 1 个工作日")),
            SelectChoice(2, _l("到期前 2 个工作日")),
            SelectChoice(3, _l("到期前 3 个工作日")),
        ],
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[InputRequired(_l("请至少选择一项提醒。"))],
    )
    superior_after_days = IntegerField(
        _l("超期后通报上级单位（工作日，0 为不通报）"),
        validators=[InputRequired(_l("请填写天数。")), NumberRange(0, 10)],
    )
    leader_after_days = IntegerField(
        _l("超期后通报会员单位分管领导（工作日，0 为不通报）"),
        validators=[InputRequired(_l("请填写天数。")), NumberRange(0, 10)],
    )
