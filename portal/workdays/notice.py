"""A year's State Council holiday notice as JSON: the documented import format.

The State Council publishes next year's arrangement (国务院办公厅关于某年部分节假日
安排的通知) in November or December; until the ``chinesecalendar`` package ships it, an
administrator types it in. Art. 11 limits reaching into that year stop being provisional
once it is imported. The format (see ``examples/notice-2026.json``)::

    {
      "year": 2027,
      "source": "国务院办公厅关于2027年部分节假日安排的通知",      (optional)
      "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}, ...],
      "makeup_workdays": [{"day": "2027-02-07", "for": "春节"}, ...]
    }

Ranges are inclusive and list every day off, weekend days included, as the notice
words them ("10月1日至7日放假调休，共7天"). Every date lies in ``year``, except that the
New Year's holiday and its make-up days may reach back into the previous December (the
2019 notice: 2018-12-30 to 2019-01-01 off, Saturday 2018-12-29 worked). Make-up days
must be Saturdays or Sundays and make up for a holiday of the same notice. Validation
is strict and reports every problem at once, in Chinese, naming the entry.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from portal.workdays.rules import WEEKDAYS_ZH, OfficialDay

NEW_YEAR = "元旦"
# The longest arrangement so far is 10 days (Spring Festival 2020, extended); a longer
# range is almost certainly a typo in a month or a day.
MAX_HOLIDAY_DAYS = 15

_TOP_KEYS = {"year", "source", "holidays", "makeup_workdays"}
_HOLIDAY_KEYS = {"name", "from", "to"}
_MAKEUP_KEYS = {"day", "for"}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class NoticeError(ValueError):
    """The notice is invalid; ``messages`` lists every problem, in Chinese."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class HolidayRange:
    """Consecutive days off for one holiday, both ends included."""

    name: str
    first: date
    last: date

    def days(self) -> list[date]:
        """Every day of the range."""
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class MakeupDay:
    """A weekend day worked (调休上班) to make up for ``holiday``."""

    day: date
    holiday: str


@dataclass(frozen=True)
class Notice:
    """One year's official arrangement, validated."""

    year: int
    holidays: tuple[HolidayRange, ...]
    makeup_workdays: tuple[MakeupDay, ...]
    source: str = ""

    def days(self) -> list[OfficialDay]:
        """The notice as official days, in date order (the same shape as ``official_days``)."""
        days = [
            OfficialDay(day, False, "holiday", entry.name)
            for entry in self.holidays
            for day in entry.days()
        ]
        days += [OfficialDay(m.day, True, "makeup", m.holiday) for m in self.makeup_workdays]
        return sorted(days, key=lambda entry: entry.day)

    def as_dict(self) -> dict:
        """The notice in the import format (what ``parse_notice`` reads back)."""
        data: dict = {"year": self.year}
        if self.source:
            data["source"] = self.source
        data["holidays"] = [
            {"name": h.name, "from": h.first.isoformat(), "to": h.last.isoformat()}
            for h in self.holidays
        ]
        data["makeup_workdays"] = [
            {"day": m.day.isoformat(), "for": m.holiday} for m in self.makeup_workdays
        ]
        return data


def _parse_day(value: object) -> date | None:
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _in_notice_year(day: date, year: int, name: str) -> bool:
    if day.year == year:
        return True
    # The New Year's break may start, and be made up, in the previous December.
    return name == NEW_YEAR and day.year == year - 1 and day.month == 12


def _unknown_keys(entry: dict, allowed: set[str]) -> str:
    return "、".join(sorted(str(key) for key in entry if key not in allowed))


def parse_notice(data: dict) -> Notice:
    """Validate a notice in the import format; raise ``NoticeError`` listing every problem."""
    if not isinstance(data, dict):
        raise NoticeError(["通知必须是一个 JSON 对象"])
    errors: list[str] = []
    if extra := _unknown_keys(data, _TOP_KEYS):
        errors.append(f"未知字段：{extra}（允许：year、source、holidays、makeup_workdays）")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1 < year < 9999:
        errors.append(f"year 必须是整数年份（例如 2027），收到的是 {year!r}")
        raise NoticeError(errors)  # every other check depends on the year
    source = data.get("source", "")
    if not isinstance(source, str):
        errors.append("source 必须是文字（通知的标题或文号）")
        source = ""

    holidays = _parse_holidays(data.get("holidays"), year, errors)
    makeup = _parse_makeup(data.get("makeup_workdays"), year, holidays, errors)
    if errors:
        raise NoticeError(errors)
    return Notice(year, tuple(holidays), tuple(makeup), source.strip())


def _parse_holidays(raw: object, year: int, errors: list[str]) -> list[HolidayRange]:
    if not isinstance(raw, list) or not raw:
        errors.append('holidays 必须是非空列表，每项形如 {"name": ..., "from": ..., "to": ...}')
        return []
    ranges: list[HolidayRange] = []
    taken: dict[date, str] = {}  # day -> the entry that already lists it
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            errors.append(f"holidays 第{number}项必须是对象")
            continue
        name = entry.get("name")
        name = name.strip() if isinstance(name, str) else ""
        label = f"holidays 第{number}项（{name or '未命名'}）"
        problems: list[str] = []
        if extra := _unknown_keys(entry, _HOLIDAY_KEYS):
            problems.append(f"未知字段 {extra}")
        if not name:
            problems.append("name（节日名称）不能为空")
        first, last = _parse_day(entry.get("from")), _parse_day(entry.get("to"))
        if first is None:
            problems.append(f"from 日期 {entry.get('from')!r} 无效，应为 YYYY-MM-DD")
        if last is None:
            problems.append(f"to 日期 {entry.get('to')!r} 无效，应为 YYYY-MM-DD")
        if first is not None and last is not None:
            if first > last:
                problems.append(f"from {first} 晚于 to {last}")
            elif (last - first).days + 1 > MAX_HOLIDAY_DAYS:
                days = (last - first).days + 1
                problems.append(f"假期共{days}天，超过{MAX_HOLIDAY_DAYS}天，请核对日期")
            for day in (first, last):
                if not _in_notice_year(day, year, name):
                    problems.append(f"{day} 不在{year}年内（只有元旦可从上一年12月开始）")
        if problems or first is None or last is None:  # a missing day is a problem
            errors.extend(f"{label}：{problem}" for problem in problems)
            continue
        holiday = HolidayRange(name, first, last)
        clash = next((day for day in holiday.days() if day in taken), None)
        if clash is not None:
            errors.append(f"{label}：{clash} 已列在 {taken[clash]}中")
            continue
        taken.update(dict.fromkeys(holiday.days(), label))
        ranges.append(holiday)
    return ranges


def _parse_makeup(
    raw: object, year: int, holidays: list[HolidayRange], errors: list[str]
) -> list[MakeupDay]:
    if raw is None:  # required even when empty, so that forgetting it cannot pass
        errors.append("缺少 makeup_workdays（没有调休上班日时写 []）")
        return []
    if not isinstance(raw, list):
        errors.append('makeup_workdays 必须是列表，每项形如 {"day": ..., "for": ...}')
        return []
    off = {day: h.name for h in holidays for day in h.days()}
    names = {h.name for h in holidays}
    seen: dict[date, int] = {}
    makeup: list[MakeupDay] = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            errors.append(f"makeup_workdays 第{number}项必须是对象")
            continue
        day = _parse_day(entry.get("day"))
        holiday = entry.get("for")
        holiday = holiday.strip() if isinstance(holiday, str) else ""
        label = f"makeup_workdays 第{number}项（{entry.get('day')}）"
        problems: list[str] = []
        if extra := _unknown_keys(entry, _MAKEUP_KEYS):
            problems.append(f"未知字段 {extra}")
        if not holiday:
            problems.append("for（所调休的节日）不能为空")
        elif holiday not in names:
            problems.append(f"for “{holiday}”不是本通知 holidays 中的节日")
        if day is None:
            problems.append(f"day 日期 {entry.get('day')!r} 无效，应为 YYYY-MM-DD")
        else:
            if day.weekday() < 5:
                problems.append(f"调休上班日必须是周六或周日，{day} 是{WEEKDAYS_ZH[day.weekday()]}")
            if not _in_notice_year(day, year, holiday):
                problems.append(f"{day} 不在{year}年内（只有元旦的调休可在上一年12月）")
            if day in off:
                problems.append(f"{day} 同时被列为假日（{off[day]}）")
            if day in seen:
                problems.append(f"与第{seen[day]}项重复")
        if problems or day is None:  # a missing day is a problem
            errors.extend(f"{label}：{problem}" for problem in problems)
            continue
        seen[day] = number
        makeup.append(MakeupDay(day, holiday))
    return makeup
