"""The members' contact directory as an Excel workbook (Art. 6: what members reported to
the association), headers in Chinese, one row per accepting unit."""

from collections.abc import Sequence
from datetime import datetime, tzinfo
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from portal.duty.queries import DirectoryRow
from portal.duty.rules import describe_gap_days

HEADERS = [
    "会员单位",
    "受理单位",
    "准会员",
    "分管领导",
    "职务",
    "领导办公电话",
    "领导手机",
    "领导电子邮箱",
    "投诉受理责任部门",
    "部门电话",
    "A角",
    "A角办公电话",
    "A角手机",
    "A角电子邮箱",
    "B角",
    "B角办公电话",
    "B角手机",
    "B角电子邮箱",
    "当前值班",
    "值班缺口（未来四周）",
]
WIDTHS = [24, 24, 8, 10, 12, 16, 14, 26, 24, 16] + [10, 16, 14, 26] * 2 + [30, 40]
GAP_FILL = PatternFill("solid", fgColor="FDE8E6")


def _person(user) -> list:
    if user is None:
        return ["", "", "", ""]
    name = user.full_name if user.is_active else f"{user.full_name}（已停用）"
    return [name, user.work_phone or "", user.mobile or "", user.email or ""]


def _cells(row: DirectoryRow, tz: tzinfo) -> list:
    p = row.profile
    profile: list[str | None] = ["未报备", *[""] * 6]
    if p is not None:
        profile = [p.leader_name, p.leader_title, p.leader_work_phone, p.leader_mobile]
        profile += [p.leader_email, p.department_name, p.department_phone]
    pair = row.pair
    on_duty = row.answer.reason
    if pair is not None and not row.answer.is_gap:  # without a pair it is a gap
        person = pair.handler_a if row.answer.role == "A" else pair.handler_b
        on_duty = f"{row.answer.role}角 {person.full_name}（{row.answer.reason}）"
    return [
        row.member.name,
        row.unit.name,
        "是" if row.member.is_associate else "",
        *[value or "" for value in profile],
        *_person(pair.handler_a if pair else None),
        *_person(pair.handler_b if pair else None),
        on_duty,
        "；".join(describe_gap_days(row.gap_plans, tz)),
    ]


def directory_workbook(rows: Sequence[DirectoryRow], now: datetime, tz: tzinfo) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "会员单位投诉联络名录"
    local = now.astimezone(tz)
    sheet.append([f"导出时间：{local:%Y年%m月%d日 %H:%M}（北京时间）"])
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(_cells(row, tz))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed text, never a formula
            if row.answer.is_gap or row.gap_plans:
                cell.fill = GAP_FILL
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    sheet.freeze_panes = "C3"
    sheet.auto_filter.ref = (
        f"A2:{sheet.cell(row=2, column=len(HEADERS)).column_letter}{sheet.max_row}"
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
