"""Form input of the statistics: the 75 % line and an order made from a marked rate."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from portal.statistics.rules import ASSOCIATION_STAGES, may_order, parse_any_period
from portal.web.forms import PortalForm


class RateLineForm(PortalForm):
    """The line in whole percent (the practice source's 75 % by default)."""

    percent = IntegerField(
        _l("及时率警戒线（%）"),
        validators=[
            InputRequired(_l("请填写警戒线。")),
            NumberRange(1, 100, _l("警戒线应为 1 至 100 之间的整数。")),
        ],
    )


class OrderForm(PortalForm):
    """Which rate of the member the order is made from (the member is in the URL)."""

    period = StringField(validators=[DataRequired(_l("请指定统计期间。"))])
    stage = StringField(validators=[DataRequired(_l("请指定环节。"))])

    def validate_period(self, field):
        try:
            parse_any_period(field.data)  # a half year or a quarter
        except ValueError:
            raise ValidationError(
                _l("期间格式应为 2026H1、2026H2（半年）或 2026Q1 至 2026Q4（季度）。")
            ) from None

    def validate_stage(self, field):
        if field.data in ASSOCIATION_STAGES:
            # Art. 11(1): forwarding is the association's own step.
            raise ValidationError(_l("转递环节由协会办理，不能对会员单位责令整改。"))
        if not may_order(field.data):
            raise ValidationError(_l("该环节不适用及时率警戒线。"))
