"""Form input for contingency plans: one small validation object each."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.plans.rules import KIND_LABELS
from portal.web.forms import PortalForm


class PlanForm(PortalForm):
    """Art. 9(3): a plan for foreseeable complaints. ``category_ids`` and ``unit_ids``
    take their choices from the view (the categories; the member's own units)."""

    kind = SelectField(
        _l("预案类型"), choices=[SelectChoice(k.value, _l(v)) for k, v in KIND_LABELS.items()]
    )
    title = StringField(
        _l("预案名称"), validators=[DataRequired(_l("请填写预案名称。")), Length(max=120)]
    )
    measures = TextAreaField(
        _l("应对措施"), validators=[DataRequired(_l("请填写应对措施。")), Length(max=8000)]
    )
    category_ids = SelectMultipleField(
        _l("涉及投诉类别"),
        coerce=int,
        validators=[DataRequired(_l("请至少选择一个投诉类别。"))],
    )
    unit_ids = SelectMultipleField(
        _l("适用网点（不选则适用全行）"), coerce=int, validators=[Optional()]
    )
    starts_on = DateField(_l("适用开始日期"), validators=[DataRequired(_l("请填写开始日期。"))])
    ends_on = DateField(_l("适用结束日期"), validators=[DataRequired(_l("请填写结束日期。"))])

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))


class EditPlanForm(PlanForm):
    note = StringField(_l("修改说明"), validators=[Optional(), Length(max=500)])
    version = HiddenField()


class WithdrawForm(PortalForm):
    reason = TextAreaField(
        _l("撤回理由"), validators=[DataRequired(_l("请填写撤回理由。")), Length(max=2000)]
    )
    version = HiddenField()
