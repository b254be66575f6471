"""Forms of the lifecycle. Every one re-renders with its messages on bad input."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from portal.complaints.rules import (
    CHANNELS,
    FINDINGS,
    RECTIFICATION_KINDS,
    REPEAT_REASONS,
    REPLY_CHANNELS,
    SATISFACTION,
    is_valid_resident_id,
)
from portal.web.forms import PortalForm


def _choices(mapping):
    return [SelectChoice(k, _l(v)) for k, v in mapping.items()]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class VersionedForm(PortalForm):
    version = HiddenField()  # optimistic locking: the version the user saw
    seen_event = HiddenField()  # the last history entry the user saw


class IntakeForm(PortalForm):
    received_at = DateTimeLocalField(
        _l("受理时间"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_l("请填写受理时间。"))]
    )
    channel = SelectField(_l("投诉渠道"), choices=_choices(CHANNELS))
    complainant_name = StringField(
        _l("投诉人姓名"), validators=[DataRequired(_l("请填写投诉人姓名。")), Length(max=60)]
    )
    mobile = StringField(
        _l("手机号"),
        validators=[
            Optional(),
            Regexp(r"^1[3-9]\d{9}$", message=_l("手机号应为 11 位中国大陆手机号。")),
        ],
    )
    id_number = StringField(_l("身份证号（选填）"), validators=[Optional(), Length(max=18)])
    address = StringField(_l("联系地址"), validators=[Optional(), Length(max=200)])
    reply_channel = SelectField(_l("希望的答复方式"), choices=_choices(REPLY_CHANNELS))
    outlet_id = IntegerField(
        _l("被投诉网点"), validators=[InputRequired(_l("请选择被投诉的网点。"))]
    )
    staff = StringField(
        _l("被投诉人员（姓名/工号，选填）"), validators=[Optional(), Length(max=60)]
    )
    # Required (marked on the worksheet); "—" (0) is refused by the view's own check.
    category_id = SelectField(
        _l("投诉类别"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("请选择投诉类别。"))],
    )
    # JR/T 0169-2018: A optional, B and C required; their choices (the current version's
    # codes, grouped by top level) are set by the view, which checks them (``codes.rules``)
    # and fills B and C left empty from the category's crosswalk.
    code_a = SelectField(_l("A 业务办理渠道"), validate_choice=False, validators=[Optional()])
    code_b = SelectField(_l("B 业务类别"), validate_choice=False, validators=[Optional()])
    code_c = SelectField(_l("C 投诉原因"), validate_choice=False, validators=[Optional()])
    facts = TextAreaField(
        _l("投诉事由"),
        validators=[DataRequired(_l("请填写客户反映的事实经过。")), Length(max=5000)],
    )
    demand = TextAreaField(
        _l("客户诉求"), validators=[DataRequired(_l("请填写客户的诉求。")), Length(max=2000)]
    )
    is_major = BooleanField(_l("重大投诉"))
    is_media = BooleanField(_l("已升级至网络或媒体（舆情）"))
    repeat_of = StringField(
        _l("关联的原投诉编号（重复投诉）"), validators=[Optional(), Length(max=20)]
    )
    repeat_reason = SelectField(
        _l("重复投诉原因"),
        choices=[SelectChoice("", "—")] + _choices(REPEAT_REASONS),
        validate_choice=False,
    )
    attachments = MultipleFileField(_l("附件（扫描件、照片、录音）"))

    def validate_id_number(self, field):
        if field.data and not is_valid_resident_id(field.data.strip()):
            raise ValidationError(_l("身份证号格式或校验位不正确。"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not (self.mobile.data or "").strip() and self.reply_channel.data in ("phone", "sms"):
            self.mobile.errors.append(_l("电话或短信答复需要手机号。"))
            ok = False
        if self.repeat_reason.data not in (None, "", "None", *REPEAT_REASONS):
            self.repeat_reason.errors.append(_l("请选择重复投诉原因。"))
            ok = False
        if self.repeat_reason.data in (None, "None"):
            self.repeat_reason.data = ""
        if self.repeat_of.data and not self.repeat_reason.data:
            self.repeat_reason.errors.append(_l("关联原投诉时请选择重复投诉原因。"))
            ok = False
        return ok


class InvalidateForm(VersionedForm):
    reason = TextAreaField(_l("无效原因"), validators=[DataRequired(_l("请填写认定无效的原因。"))])
    told_how = StringField(
        _l("如何告知客户"), validators=[DataRequired(_l("请填写告知客户的方式。"))]
    )


class NoteForm(VersionedForm):
    text = TextAreaField(
        _l("内容"), validators=[DataRequired(_l("请填写内容。")), Length(max=5000)]
    )
    internal = BooleanField(_l("仅本单位可见（内部备注）"))


class ReasonForm(VersionedForm):
    reason = TextAreaField(
        _l("原因"), validators=[DataRequired(_l("请填写原因。")), Length(max=2000)]
    )


class ForwardDownForm(VersionedForm):
    unit_id = SelectField(_l("转交单位"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("转交说明"), validators=[Optional(), Length(max=2000)])


class ContactForm(VersionedForm):
    contacted_at = DateTimeLocalField(
        _l("联系时间"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_l("请填写联系时间。"))]
    )
    how = SelectField(_l("联系方式"), choices=_choices(REPLY_CHANNELS))
    summary = TextAreaField(
        _l("沟通内容"), validators=[DataRequired(_l("请填写与客户沟通的内容。"))]
    )
    photos = MultipleFileField(_l("照片或录音"))


class ProgressForm(VersionedForm):
    summary = TextAreaField(
        _l("处理进度（已告知客户的内容）"), validators=[DataRequired(_l("请填写处理进度。"))]
    )
    promised_on = DateField(_l("承诺再次答复日期"), validators=[Optional()])


class FinalReplyForm(VersionedForm):
    result = TextAreaField(
        _l("最终处理结果"), validators=[DataRequired(_l("请填写最终处理结果。"))]
    )
    told_at = DateTimeLocalField(
        _l("答复客户时间"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("请填写答复客户的时间。"))],
    )
    told_how = SelectField(_l("答复方式"), choices=_choices(REPLY_CHANNELS))
    reaction = StringField(
        _l("客户反馈"), validators=[DataRequired(_l("请填写客户的反馈。")), Length(max=500)]
    )


class VerifyForm(VersionedForm):
    finding = SelectField(_l("核实结论"), choices=_choices(FINDINGS))
    facts = TextAreaField(_l("核实情况"), validators=[DataRequired(_l("请填写核实查明的情况。"))])


class ReportForm(VersionedForm):
    summary = TextAreaField(
        _l("处理结果"), validators=[DataRequired(_l("请填写上报协会的处理结果。"))]
    )


class RectifyForm(VersionedForm):
    kind = SelectField(_l("类别"), choices=_choices(RECTIFICATION_KINDS))
    opinion = TextAreaField(_l("意见内容"), validators=[DataRequired(_l("请填写意见内容。"))])
    owner = StringField(_l("责任人/责任部门"), validators=[Optional(), Length(max=60)])
    due_on = DateField(_l("完成期限"), validators=[Optional()])


class CompleteRectificationForm(VersionedForm):
    item_id = IntegerField(validators=[InputRequired()])
    note = TextAreaField(_l("完成情况"), validators=[DataRequired(_l("请填写整改完成情况。"))])


class CloseForm(VersionedForm):
    note = TextAreaField(_l("审核意见"), validators=[Optional(), Length(max=2000)])


class ReturnVisitForm(VersionedForm):
    satisfaction = SelectField(_l("客户满意度"), choices=_choices(SATISFACTION))
    comment = TextAreaField(_l("客户意见"), validators=[DataRequired(_l("请记录客户的意见。"))])


class EmptyForm(VersionedForm):
    """Accept, forward: nothing to fill in beyond the version."""


class ReferForm(VersionedForm):
    """Out of the association's scope (e.g. an insurer's or a court's matter): where the
    customer was referred, and how they were told."""

    referred_to = StringField(
        _l("转往的机构或渠道"),
        validators=[DataRequired(_l("请填写告知客户转往的机构或渠道。")), Length(max=200)],
    )
    reason = TextAreaField(
        _l("不属于受理范围的原因"), validators=[DataRequired(_l("请填写原因。")), Length(max=2000)]
    )
    told_how = StringField(
        _l("如何告知客户"),
        validators=[DataRequired(_l("请填写告知客户的方式。")), Length(max=100)],
    )


class DuplicateForm(VersionedForm):
    original = StringField(
        _l("原投诉编号"),
        validators=[DataRequired(_l("请填写已登记的原投诉编号。")), Length(max=20)],
    )
    reason = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class FlagsForm(VersionedForm):
    """The flags on an open case, with the reason for the change (Art. 12(1)4)."""

    is_major = BooleanField(_l("重大投诉"))
    is_media = BooleanField(_l("已升级至网络或媒体（舆情）"))
    reason = TextAreaField(
        _l("变更原因"), validators=[DataRequired(_l("请填写变更原因。")), Length(max=2000)]
    )


class CorrectForm(VersionedForm):
    """What was typed wrong at intake, corrected with a reason (the association)."""

    outlet_id = IntegerField(_l("被投诉网点"), validators=[Optional()])
    category_id = SelectField(_l("投诉类别"), coerce=int, validate_choice=False)
    # JR/T 0169-2018 codes, corrected with the category (choices set when the form is built).
    code_a = SelectField(_l("A 业务办理渠道"), validate_choice=False, validators=[Optional()])
    code_b = SelectField(_l("B 业务类别"), validate_choice=False, validators=[Optional()])
    code_c = SelectField(_l("C 投诉原因"), validate_choice=False, validators=[Optional()])
    complainant_name = StringField(
        _l("投诉人姓名"), validators=[DataRequired(_l("请填写投诉人姓名。")), Length(max=60)]
    )
    mobile = StringField(
        _l("手机号（不改请留空）"),
        validators=[
            Optional(),
            Regexp(r"^1[3-9]\d{9}$", message=_l("手机号应为 11 位中国大陆手机号。")),
        ],
    )
    address = StringField(_l("联系地址"), validators=[Optional(), Length(max=200)])
    reply_channel = SelectField(_l("希望的答复方式"), choices=_choices(REPLY_CHANNELS))
    reason = TextAreaField(
        _l("更正原因"), validators=[DataRequired(_l("请填写更正原因。")), Length(max=2000)]
    )


class RectificationWorkForm(PortalForm):
    """The outlet's (or the member's) report on an open rectification (Art. 9(2))."""

    note = TextAreaField(
        _l("整改进展或完成情况"),
        validators=[DataRequired(_l("请填写整改进展或完成情况。")), Length(max=2000)],
    )
    done = BooleanField(_l("整改已完成"))
