"""Form input for summaries and their countermeasures: one small validation object each."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.web.forms import PortalForm


class StartForm(PortalForm):
    period = StringField(_l("总结期间"), validators=[DataRequired(_l("请选择总结期间。"))])


class AnalysisForm(PortalForm):
    """Art. 9(4): the member's own analysis of the period's complaints."""

    analysis = TextAreaField(_l("总结与分析"), validators=[Optional(), Length(max=20000)])
    version = HiddenField()


class MeasureForm(PortalForm):
    """A countermeasure (应对措施): what, who, by when."""

    action = TextAreaField(
        _l("措施内容"), validators=[DataRequired(_l("请填写措施内容。")), Length(max=2000)]
    )
    owner = StringField(
        _l("责任人（部门）"), validators=[DataRequired(_l("请填写责任人。")), Length(max=60)]
    )
    due_on = DateField(_l("完成期限"), validators=[DataRequired(_l("请填写完成期限。"))])


class NoteForm(PortalForm):
    """A follow-up step: the member's report of completion, the association's check."""

    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class RequiredNoteForm(PortalForm):
    note = TextAreaField(
        _l("说明"), validators=[DataRequired(_l("请填写说明。")), Length(max=2000)]
    )


class RemindForm(PortalForm):
    period = StringField(_l("总结期间"), validators=[DataRequired(_l("请选择总结期间。"))])
