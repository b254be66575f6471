"""The return's two files, written from its figures (``content.build``): one CSV a
regulator's system can load, one workbook a person reads. Both say the same numbers.

CSV: UTF-8 with a byte-order mark (so Excel opens the Chinese correctly), CRLF lines,
one flat table: a ``section`` column first (meta, codes, groups, banks, timeliness,
decisions), then the union of every section's columns, keys (codes, group keys, member
codes, step and decision keys) beside the names. ``meta`` rows state the period, the
basis, the code-list version and the time of generation as key/value pairs. No cell is
ever a formula: a text starting with = + - @ or a control character is written behind an
apostrophe (``portal.web.cells``); numbers, "-3.5" too, are left as they are.

Workbook (``portal.web.xlsx``: numbers as numbers, header frozen, filter): a cover sheet
with the same statements, then one sheet per section.
"""

import csv
import io
from datetime import date, datetime

from portal.deadlines.rules import DEADLINE_TZ
from portal.returns.content import ALL, AXIS_NAMES, TOTAL_NAME
from portal.statistics.regulator import UNGROUPED
from portal.web import xlsx
from portal.web.cells import csv_cell
from portal.web.xlsx import Sheet, Value

COLUMNS = (
    "section",
    "key",
    "value",
    "axis",
    "level",
    "code",
    "code_name",
    "group",
    "group_name",
    "member_code",
    "member_name",
    "count",
    "previous",
    "change",
    "change_rate",
    "share",
    "members",
    "median",
    "median_per_1000_outlets",
    "median_per_10m_customers",
    "outlets",
    "customers",
    "customers_as_of",
    "per_1000_outlets",
    "per_10m_customers",
    "step",
    "step_name",
    "met",
    "on_time",
    "on_time_rate",
    "trigger",
    "trigger_name",
    "decision",
    "decision_name",
    "decided_on",
)
META = (
    ("period", "报送期间"),
    ("period_label", "期间名称"),
    ("first_day", "起始日期"),
    ("last_day", "截止日期"),
    ("previous", "比较期间（上期）"),
    ("version", "版本"),
    ("unfinished", "期间未结束时生成"),
    ("change_note", "更正说明"),
    ("basis", "统计口径"),
    ("timeliness_basis", "及时率口径"),
    ("code_version", "JR/T 0169-2018 编码表版本"),
    ("generated_at", "生成时间（北京时间）"),
    ("generated_by", "生成人"),
)


def _text(value) -> str:
    """A CSV cell: empty for None, integers as written, fractions to six decimals (no
    exponent, no trailing zeros), booleans as 1/0; a text a spreadsheet could take for
    a formula (a name starting with = + - @ …) behind an apostrophe (issue 21.3)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, str):
        return csv_cell(value)
    return str(value)


def _group_key(group: str | None) -> str:
    return group or ""


def csv_rows(figures: dict) -> list[dict]:
    """The flat table, as dicts over ``COLUMNS`` (missing columns are empty)."""
    rows: list[dict] = []
    meta = figures["meta"]
    for key, _label in META:
        rows.append({"section": "meta", "key": key, "value": meta.get(key)})
    for row in figures["codes"]:
        for group, count in [*row["counts"].items(), (ALL, row["total"])]:
            rows.append(
                {
                    "section": "codes",
                    "axis": row["axis"],
                    "level": row["level"],
                    "code": row["code"] or "",
                    "code_name": row["name"],
                    "group": group,
                    "group_name": TOTAL_NAME
                    if group == ALL
                    else _group_name(figures, group or None),
                    "count": count,
                }
            )
    for row in figures["groups"]:
        rows.append(
            {
                "section": "groups",
                "group": _group_key(row["group"]),
                "group_name": row["label"],
                **{
                    k: row[k]
                    for k in (
                        "count",
                        "previous",
                        "change",
                        "change_rate",
                        "share",
                        "members",
                        "median",
                        "median_per_1000_outlets",
                        "median_per_10m_customers",
                    )
                },
            }
        )
    for row in figures["banks"]:
        rows.append(
            {
                "section": "banks",
                **{k: v for k, v in row.items() if k != "member_id"},
                "group": _group_key(row["group"]),
            }
        )
    for row in figures["timeliness"]:
        rows.append(
            {
                "section": "timeliness",
                "member_code": row["member_code"],
                "member_name": row["member_name"],
                "step": row["step"],
                "step_name": row["step_name"],
                "met": row["met"],
                "on_time": row["on_time"],
                "on_time_rate": row["rate"],
            }
        )
    for row in figures["decisions"]:
        rows.append(
            {
                "section": "decisions",
                "member_code": row["member_code"],
                "member_name": row["member_name"],
                "trigger": row["trigger"],
                "trigger_name": row["trigger_name"],
                "decision": row["decision"],
                "decision_name": row["decision_name"],
                "decided_on": row["date"],
            }
        )
    return rows


def _group_name(figures: dict, group: str | None) -> str:
    for row in figures["groups"]:
        if row["group"] == group:
            return row["label"]
    return UNGROUPED if group is None else group


def csv_bytes(figures: dict) -> bytes:
    """The CSV file: UTF-8 with BOM, CRLF, every field of ``COLUMNS`` in order."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in csv_rows(figures):
        writer.writerow([_text(row.get(column)) for column in COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _number(value, digits: int = 2) -> Value | None:
    return None if value is None else Value(round(float(value), 4), f"0.{'0' * digits}")


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def sheets(figures: dict) -> list[Sheet]:
    meta = figures["meta"]
    cover = []
    for key, label in META:
        value = meta.get(key)
        if key == "unfinished":
            value = "是" if value else "否"
        elif key == "generated_at" and value:
            value = datetime.fromisoformat(value)
        elif key in ("first_day", "last_day"):
            value = _day(value)
        cover.append([label, value])
    columns: list[str] = []
    for row in figures["codes"]:
        columns += [g for g in row["counts"] if g not in columns]
    names = {g: _group_name(figures, g or None) for g in columns}
    return [
        Sheet("报送说明", ["项目", "内容"], cover),
        Sheet(
            "1 编码×机构类型",
            ["维度", "维度名称", "层级", "编码", "名称", *[names[g] for g in columns], TOTAL_NAME],
            [
                [
                    row["axis"],
                    AXIS_NAMES[row["axis"]],
                    row["level"],
                    row["code"] or "",
                    row["name"],
                    *[row["counts"].get(g, 0) for g in columns],
                    row["total"],
                ]
                for row in figures["codes"]
            ],
        ),
        Sheet(
            "2 机构类型",
            [
                "机构类型代码",
                "机构类型",
                "投诉量",
                "上期",
                "变化",
                "环比",
                "占比",
                "机构数",
                "中位数",
                "每千营业网点投诉量中位数",
                "每千万个人客户投诉量中位数",
            ],
            [
                [
                    _group_key(row["group"]),
                    row["label"],
                    row["count"],
                    row["previous"],
                    row["change"],
                    xlsx.rate(row["change_rate"]),
                    xlsx.rate(row["share"]),
                    row["members"],
                    _number(row["median"], 1),
                    _number(row["median_per_1000_outlets"]),
                    _number(row["median_per_10m_customers"]),
                ]
                for row in figures["groups"]
            ],
        ),
        Sheet(
            "3 会员单位",
            [
                "机构代码",
                "会员单位",
                "机构类型代码",
                "机构类型",
                "投诉量",
                "上期",
                "变化",
                "环比",
                "营业网点数",
                "个人客户数",
                "客户数截至",
                "每千营业网点投诉量",
                "每千万个人客户投诉量",
            ],
            [
                [
                    row["member_code"],
                    row["member_name"],
                    _group_key(row["group"]),
                    row["group_name"],
                    row["count"],
                    row["previous"],
                    row["change"],
                    xlsx.rate(row["change_rate"]),
                    row["outlets"],
                    row["customers"],
                    _day(row["customers_as_of"]),
                    _number(row["per_1000_outlets"]),
                    _number(row["per_10m_customers"]),
                ]
                for row in figures["banks"]
            ],
        ),
        Sheet(
            "4 办理时限（第十一条）",
            ["机构代码", "会员单位", "环节代码", "环节", "已完成", "按时完成", "及时率"],
            [
                [
                    row["member_code"],
                    row["member_name"],
                    row["step"],
                    row["step_name"],
                    row["met"],
                    row["on_time"],
                    xlsx.rate(row["rate"]),
                ]
                for row in figures["timeliness"]
            ],
        ),
        Sheet(
            "5 责任追究（第十二条）",
            ["机构代码", "会员单位", "事由代码", "事由", "处理代码", "处理", "日期"],
            [
                [
                    row["member_code"],
                    row["member_name"],
                    row["trigger"],
                    row["trigger_name"],
                    row["decision"],
                    row["decision_name"],
                    _day(row["date"]),
                ]
                for row in figures["decisions"]
            ],
        ),
    ]


def xlsx_bytes(figures: dict) -> bytes:
    return xlsx.workbook(sheets(figures), tz=DEADLINE_TZ).getvalue()
