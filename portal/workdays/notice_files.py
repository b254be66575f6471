"""A year's notice as text: the JSON of ``notice.py`` or a small CSV, as typed on the
import screen or given to ``flask --app wsgi calendar import-year YEAR FILE``.

The CSV has one row per entry (a header row ``kind,name,from,to`` and lines starting
with ``#`` are ignored; the Chinese kinds in brackets are accepted too)::

    year,2027                                   (年份; optional when the year is given)
    source,国务院办公厅关于2027年部分节假日安排的通知   (来源; optional)
    holiday,元旦,2027-01-01,2027-01-01          (放假: name, first day, last day)
    holiday,春节,2027-02-06,2027-02-13
    makeup,春节,2027-02-14                      (上班: the holiday made up for, the day)

Both forms end in ``notice.parse_notice``, so the screen, the command and the JSON
file report the same Chinese messages.
"""

import csv
import io
import json

from portal.web.cells import csv_row, unquote_csv_cell
from portal.workdays.notice import Notice, NoticeError, parse_notice

KINDS = {
    "year": "year",
    "年份": "year",
    "source": "source",
    "来源": "source",
    "holiday": "holiday",
    "放假": "holiday",
    "makeup": "makeup",
    "上班": "makeup",
    "调休上班": "makeup",
}


def read_notice(text: str, year: int | None = None) -> Notice:
    """Parse JSON (starts with ``{``) or CSV text; ``year``, when given, must match."""
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise NoticeError(["内容为空：请粘贴通知的 JSON 或 CSV"])
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise NoticeError(
                [f"JSON 格式错误：第{error.lineno}行第{error.colno}列（{error.msg}）"]
            ) from None
    else:
        data = csv_to_data(text, year)
    notice = parse_notice(data)
    if year is not None and notice.year != year:
        raise NoticeError([f"内容中的年份 {notice.year} 与所选年份 {year} 不一致"])
    return notice


def csv_to_data(text: str, year: int | None = None) -> dict:
    """The CSV rows in the JSON shape ``parse_notice`` reads; row problems raise at once."""
    data: dict = {"holidays": [], "makeup_workdays": []}
    if year is not None:
        data["year"] = year
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            row = next(csv.reader([line]), [])
        except csv.Error as error:
            errors.append(f"第{number}行：无法按 CSV 读取（{error}）")
            continue
        # The apostrophe ``notice_as_csv`` puts before a formula-like text is not part of
        # it (issue 21.3): the file reads back as written.
        cells = [unquote_csv_cell(cell.strip()) for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells or cells[0].startswith("#") or cells[0].lower() == "kind":
            continue
        kind = KINDS.get(cells[0].lower())
        values = cells[1:]
        if kind is None:
            errors.append(
                f"第{number}行：未知类型“{cells[0]}”（可用：year、source、holiday、makeup）"
            )
        elif kind == "year":
            parsed = _year(values)
            if parsed is None:
                errors.append(f"第{number}行：year 后应为四位年份，如 year,2027")
            elif year is not None and parsed != year:
                errors.append(f"第{number}行：年份 {parsed} 与所选年份 {year} 不一致")
            else:
                data["year"] = parsed
        elif kind == "source":
            data["source"] = "，".join(values)
        elif kind == "holiday":
            if len(values) not in (2, 3):
                errors.append(f"第{number}行：应为 holiday,节日名称,开始日期,结束日期")
            else:
                name, first, *last = values
                data["holidays"].append({"name": name, "from": first, "to": (last or [first])[0]})
        elif len(values) != 2:
            errors.append(f"第{number}行：应为 makeup,所调休的节日,日期")
        else:
            data["makeup_workdays"].append({"for": values[0], "day": values[1]})
    if errors:
        raise NoticeError(errors)
    if "year" not in data:
        raise NoticeError(["缺少年份：请加一行 year,YYYY"])
    return data


def _year(values: list[str]) -> int | None:
    if len(values) != 1 or not values[0].isdigit() or len(values[0]) != 4:
        return None
    return int(values[0])


def notice_as_csv(notice: Notice) -> str:
    """The notice in the CSV form (what ``read_notice`` reads back); a text a spreadsheet
    could take for a formula goes behind an apostrophe (issue 21.3)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(["year", notice.year]))
    if notice.source:
        writer.writerow(csv_row(["source", notice.source]))
    for holiday in notice.holidays:
        writer.writerow(csv_row(["holiday", holiday.name, holiday.first, holiday.last]))
    for makeup in notice.makeup_workdays:
        writer.writerow(csv_row(["makeup", makeup.holiday, makeup.day]))
    return out.getvalue()
