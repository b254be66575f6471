"""Forms of the code list screens (JR/T 0169-2018)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.web.forms import PortalForm

CODE_PATTERN = r"^[ABCabc]\d{2,14}$"


class ImportForm(PortalForm):
    file = FileField(_l("编码表文件（CSV）"))
    note = StringField(
        _l("版本说明"),
        validators=[DataRequired(_l("请填写版本说明，如所依据的标准文本。")), Length(max=500)],
    )


class CodeForm(PortalForm):
    """Rename a code of the current version, or add one (a new version either way)."""

    code = StringField(
        _l("编码"),
        validators=[
            DataRequired(_l("请填写编码。")),
            Regexp(CODE_PATTERN, message=_l("编码以A、B或C开头，后接2–14位数字。")),
        ],
    )
    parent = StringField(
        _l("上级编码（新增时填写，一级编码留空）"),
        validators=[
            Optional(),
            Regexp(CODE_PATTERN, message=_l("编码以A、B或C开头，后接2–14位数字。")),
        ],
    )
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=80)])
    name_en = StringField(_l("英文名称"), validators=[Optional(), Length(max=120)])
    note = StringField(
        _l("版本说明"), validators=[DataRequired(_l("请填写修改说明。")), Length(max=500)]
    )
