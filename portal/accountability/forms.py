"""Form input for the ladder, seasons and thresholds: one small validation object each."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from portal.web.forms import PortalForm


def _text(label, message, max_length=2000):
    return TextAreaField(label, validators=[DataRequired(message), Length(max=max_length)])


class ReasonForm(PortalForm):
    """Dismissal, rejection of a plan, verification: every decision says why."""

    reason = _text(_l("理由"), _l("请填写理由。"))


class InterviewForm(PortalForm):
    """约见谈话 (Art. 12(1))."""

    held_on = DateField(_l("谈话日期"), validators=[DataRequired(_l("请填写谈话日期。"))])
    association_attendees = StringField(
        _l("协会出席人员"), validators=[DataRequired(_l("请填写协会出席人员。")), Length(max=200)]
    )
    member_attendees = StringField(
        _l("会员单位出席人员"),
        validators=[DataRequired(_l("请填写会员单位出席人员。")), Length(max=200)],
    )
    requirements = _text(_l("整改要求"), _l("请填写提出的整改要求。"))
    rectify_by = DateField(_l("整改完成期限"), validators=[DataRequired(_l("请填写整改期限。"))])

    def validate_rectify_by(self, field):
        if self.held_on.data and field.data and field.data < self.held_on.data:
            raise ValidationError(_l("整改期限不能早于谈话日期。"))


class PlanForm(PortalForm):
    """The member's rectification plan in the 8D structure."""

    team = _text(_l("D1 整改小组"), _l("请填写整改小组。"))
    problem = _text(_l("D2 问题描述"), _l("请描述问题。"))
    containment = _text(_l("D3 临时措施"), _l("请填写临时措施。"))
    root_cause = _text(_l("D4 根本原因"), _l("请填写根本原因。"))
    corrective_action = _text(_l("D5 纠正措施"), _l("请填写纠正措施。"))
    verification = _text(_l("D6 效果验证"), _l("请填写如何验证效果。"))
    prevention = _text(_l("D7 预防措施"), _l("请填写预防措施。"))
    owner = StringField(
        _l("责任人"), validators=[DataRequired(_l("请填写责任人。")), Length(max=60)]
    )
    due_on = DateField(_l("完成日期"), validators=[DataRequired(_l("请填写完成日期。"))])


class CompletionForm(PortalForm):
    closure = _text(_l("D8 完成情况及证明材料说明"), _l("请说明整改完成情况。"))


class CriticiseForm(PortalForm):
    reason = _text(_l("通报批评理由"), _l("请填写通报批评的理由。"))
    recurred = BooleanField(_l("同类问题再次发生"))


class SeasonForm(PortalForm):
    name = StringField(
        _l("赛季名称"), validators=[DataRequired(_l("请填写赛季名称。")), Length(max=80)]
    )
    starts_on = DateField(_l("开始日期"), validators=[DataRequired(_l("请填写开始日期。"))])
    ends_on = DateField(_l("结束日期"), validators=[DataRequired(_l("请填写结束日期。"))])

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))


class ThresholdsForm(PortalForm):
    repeat_chain = IntegerField(
        _l("重复投诉次数（第2项）"),
        validators=[DataRequired(_l("请填写次数。")), NumberRange(1, 20)],
    )
    recurring_count = IntegerField(
        _l("同类属实投诉件数（第3项）"),
        validators=[DataRequired(_l("请填写件数。")), NumberRange(2, 50)],
    )
    recurring_months = IntegerField(
        _l("统计月数（第3项）"),
        validators=[DataRequired(_l("请填写月数。")), NumberRange(1, 36)],
    )
