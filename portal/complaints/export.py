"""Excel export of a filtered case list. Personal data is masked (JR/T 0171-2020)."""

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook

from portal.complaints.rules import CHANNELS, STATE_LABELS, State
from portal.web import clock

MAX_ROWS = 50_000


def inbox_workbook(rows) -> BytesIO:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("投诉清单"))
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
    sheet.append(headers)
    tz = clock.tz()
    for case, due_at in rows:
        sheet.append(
            [
                case.tracking_no,
                case.received_on.isoformat(),
                _(CHANNELS.get(case.channel, case.channel)),
                case.complainant_name,
                case.mobile_masked or "",
                case.member.name,
                case.outlet.name,
                case.category.full_name,
                _(STATE_LABELS[State(case.state)]),
                due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if due_at else "",
                _("是") if case.is_major else "",
                _("是") if case.is_media else "",
                _("是") if case.repeat_of_id else "",
            ]
        )
    stream = BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream
