"""Form input of the analysis: one small validation object each."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from portal.statistics.rules import parse_period
from portal.web.forms import PortalForm


def _text(label, message, max_length=4000):
    return TextAreaField(label, validators=[DataRequired(message), Length(max=max_length)])


class RunForm(PortalForm):
    """运行分析 over a half year (``statistics.rules.Period``)."""

    period = StringField(
        _l("期间"), validators=[DataRequired(_l("请填写期间，如 2026H2。")), Length(max=7)]
    )

    def validate_period(self, field):
        try:
            parse_period(field.data or "")
        except ValueError:
            raise ValidationError(_l("期间格式应为 2026H1 或 2026H2。")) from None


class ReasonForm(PortalForm):
    """Confirming or dismissing a finding: every decision says why."""

    reason = _text(_l("理由"), _l("请填写理由。"), 2000)


class TypicalForm(PortalForm):
    case_id = SelectField(
        _l("典型案例投诉"), coerce=int, validators=[DataRequired(_l("请选择一件投诉。"))]
    )


class WordsForm(PortalForm):
    words = TextAreaField(_l("通报文字（第八条第五项）"), validators=[Length(max=4000)])


class AdviceForm(PortalForm):
    title = StringField(
        _l("建议标题"), validators=[DataRequired(_l("请填写建议标题。")), Length(max=120)]
    )
    text = _text(_l("整改建议"), _l("请填写整改建议。"))
    due_on = DateField(_l("答复期限"), validators=[DataRequired(_l("请填写答复期限。"))])
    members = SelectMultipleField(
        _l("送达会员单位"), coerce=int, validators=[DataRequired(_l("请选择建议送达的会员单位。"))]
    )


class AnswerForm(PortalForm):
    text = _text(_l("整改情况"), _l("请说明已采取的整改措施。"))


class ReviewForm(PortalForm):
    member = IntegerField(validators=[DataRequired()])
    decision = SelectField(
        _l("处理"),
        choices=[SelectChoice("follow_up", _l("要求补充")), SelectChoice("closed", _l("办结"))],
        validators=[DataRequired()],
    )
    text = _text(_l("跟进意见"), _l("请填写跟进意见。"), 2000)


class ThresholdsForm(PortalForm):
    cluster_count = IntegerField(
        _l("网点同类投诉件数"), validators=[DataRequired(_l("请填写件数。")), NumberRange(2, 100)]
    )
    cluster_weeks = IntegerField(
        _l("统计周数"), validators=[DataRequired(_l("请填写周数。")), NumberRange(1, 26)]
    )
    surge_percent = IntegerField(
        _l("较上半年增长百分比"),
        validators=[DataRequired(_l("请填写百分比。")), NumberRange(1, 1000)],
    )
    surge_minimum = IntegerField(
        _l("异常增长最少件数"), validators=[DataRequired(_l("请填写件数。")), NumberRange(2, 1000)]
    )
    rise_members = IntegerField(
        _l("同时上升的会员单位数"),
        validators=[DataRequired(_l("请填写单位数。")), NumberRange(2, 100)],
    )
    rise_minimum = IntegerField(
        _l("每家最少件数"), validators=[DataRequired(_l("请填写件数。")), NumberRange(1, 1000)]
    )
    repeat_chain = IntegerField(
        _l("重复投诉次数"), validators=[DataRequired(_l("请填写次数。")), NumberRange(1, 20)]
    )
