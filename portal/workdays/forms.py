from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.web.forms import PortalForm
from portal.workdays.overrides import MAX_NAME

FIRST_YEAR, LAST_YEAR = 2000, 2100


class DayForm(PortalForm):
    """Change one day of the calendar; the reason is kept with the change."""

    is_working = RadioField(
        _l("这一天是"),
        choices=[
            SelectChoice("1", _l("工作日（含调休上班）")),
            SelectChoice("0", _l("休息日（节假日）")),
        ],
        validators=[InputRequired(_l("请选择工作日或休息日。"))],
    )
    name = StringField(
        _l("节日名称"),
        validators=[Optional(), Length(max=MAX_NAME, message=_l("名称最多 100 个字。"))],
    )
    reason = StringField(
        _l("修改原因"),
        validators=[
            DataRequired(_l("请填写修改原因，例如所依据的通知。")),
            Length(max=300, message=_l("修改原因最多 300 个字。")),
        ],
    )


class NoticeForm(PortalForm):
    """A year's State Council notice, pasted as JSON or CSV (see notice_files.py)."""

    year = IntegerField(
        _l("年份"),
        invalid_value_message=_l("年份应为四位数字，例如 2027。"),
        validators=[
            InputRequired(_l("请填写年份。")),
            NumberRange(
                FIRST_YEAR, LAST_YEAR, _l("年份应在 %(a)s–%(b)s 之间。", a=FIRST_YEAR, b=LAST_YEAR)
            ),
        ],
    )
    content = TextAreaField(
        _l("通知内容（JSON 或 CSV）"),
        validators=[DataRequired(_l("请粘贴通知的 JSON 或 CSV 内容。"))],
    )
    confirm = BooleanField(_l("确认为正式安排（取消该年期限的“暂定”标记）"), default=True)


class ExplainForm(PortalForm):
    """The deadline calculator: a query string, so no CSRF token."""

    class Meta:
        csrf = False

    start = DateField(
        _l("收到日期"),
        validators=[InputRequired(_l("请选择收到日期。"))],
        format="%Y-%m-%d",
        invalid_value_message=_l("收到日期应为真实存在的日期，格式 YYYY-MM-DD。"),
    )

    def validate_start(self, field):
        if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(
                _l("收到日期应在 %(a)s–%(b)s 年之间。", a=FIRST_YEAR, b=LAST_YEAR)
            )

    n = IntegerField(
        _l("期限（工作日）"),
        invalid_value_message=_l("期限应为整数个工作日。"),
        validators=[
            InputRequired(_l("请填写期限天数。")),
            NumberRange(1, 60, _l("期限应为 1–60 个工作日。")),
        ],
    )
