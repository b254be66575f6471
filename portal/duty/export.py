"""The members' contact directory as an Excel workbook (Art. 6: what members reported to
the association), headers in Chinese, one row per accepting unit; the rows with a duty
gap are filled light red. A second sheet gives the moment of export, on which the duty
columns depend."""

from collections.abc import Sequence
from datetime import datetime, tzinfo

from portal.duty.queries import DirectoryRow
from portal.duty.rules import describe_gap_days
from portal.web import xlsx

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


def _person(user) -> list:
    if user is None:
        return [None] * 4
    name = user.full_name if user.is_active else f"{user.full_name}（已停用）"
    return [name, user.work_phone, user.mobile, user.email]


def _cells(row: DirectoryRow, tz: tzinfo) -> list:
    p = row.profile
    profile: list[str | None] = ["未报备", *[None] * 6]
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
        bool(row.member.is_associate),
        *profile,
        *_person(pair.handler_a if pair else None),
        *_person(pair.handler_b if pair else None),
        on_duty,
        "；".join(describe_gap_days(row.gap_plans, tz)) or None,
    ]


def directory_workbook(rows: Sequence[DirectoryRow], now: datetime, tz: tzinfo) -> bytes:
    directory = xlsx.Sheet(
        "会员单位投诉联络名录",
        HEADERS,
        [_cells(row, tz) for row in rows],
        marked=[n for n, row in enumerate(rows) if row.answer.is_gap or row.gap_plans],
    )
    about = xlsx.Sheet("导出信息", ["项目", "内容"], [["导出时间（北京时间）", now]])
    return xlsx.workbook([directory, about], tz=tz).getvalue()
