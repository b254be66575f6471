"""Form input of the archive: the retention period."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.archives.rules import MAX_RETENTION_YEARS, MIN_RETENTION_YEARS
from portal.web.forms import PortalForm


class RetentionForm(PortalForm):
    retention_years = IntegerField(
        _l("保存期限（年）"),
        validators=[
            InputRequired(_l("请填写保存期限。")),
            NumberRange(
                MIN_RETENTION_YEARS,
                MAX_RETENTION_YEARS,
                _l("保存期限须在%(min)s至%(max)s年之间。"),
            ),
        ],
    )
