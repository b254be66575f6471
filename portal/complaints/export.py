"""Excel export of a filtered case list. Personal data is masked (JR/T 0171-2020). The
cells are data: the receipt day and the nearest deadline are Excel dates (Beijing wall
time), the flags read 是/否."""

from io import BytesIO

from flask_babel import gettext as _

from portal.complaints.rules import CHANNELS, STATE_LABELS, State
from portal.deadlines.rules import DEADLINE_TZ
from portal.web import xlsx

MAX_ROWS = 50_000


def inbox_workbook(rows) -> BytesIO:
    headers = [
        _("投诉编号"),
        _("受理日期"),
        _("渠道"),
        _("投诉人"),
        _("手机（脱敏）"),
        _("会员单位"),
        _("被投诉网点"),
        _("类别"),
        _("状态"),
        _("最近期限"),
        _("重大"),
        _("舆情"),
        _("重复投诉"),
    ]
    cells = [
        [
            case.tracking_no,
            case.received_on,
            _(CHANNELS.get(case.channel, case.channel)),
            case.complainant_name,
            case.mobile_masked,
            case.member.name,
            case.outlet.name,
            case.category.full_name,
            _(STATE_LABELS[State(case.state)]),
            due_at,
            bool(case.is_major),
            bool(case.is_media),
            case.repeat_of_id is not None,
        ]
        for case, due_at in rows
    ]
    return xlsx.workbook([xlsx.Sheet(_("投诉清单"), headers, cells)], tz=DEADLINE_TZ)
