"""The official arrangements shipped in the ``chinesecalendar`` package (2004 onwards).

The package transcribes each year's State Council notice (国务院办公厅关于某年部分节假日
安排的通知): ``holidays`` maps every day off to its holiday, ``workdays`` maps every
make-up working day (调休上班) to the holiday it makes up for. Both are plain data;
this module only reads them, renames the holidays in Chinese and builds the calendar
the Art. 11 limits are counted on. Years after the package's last year come from
imported notices (see ``notice.py``) or are provisional (weekday rule).
"""

from functools import lru_cache

from chinese_calendar import constants

from portal.workdays.rules import OfficialDay, WorkingCalendar

__all__ = ["NAMES_ZH", "OfficialDay", "official_calendar", "official_days", "official_years"]

# The package's English holiday keys -> the names the State Council notices use. The
# package's own Chinese labels are abbreviated ("清明", "端午", "中秋"), hence our own.
NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    # 2015-09-03, a one-off day off; the full official name as the 2015 notice gives it.
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _name_zh(english: str) -> str:
    try:
        return NAMES_ZH[english]
    except KeyError:  # a new package release added a holiday: map it before upgrading
        raise LookupError(f"chinesecalendar holiday {english!r} has no Chinese name") from None


def official_years() -> list[int]:
    """The years the package covers, in order (2004 to its last transcribed notice)."""
    years = {day.year for day in constants.holidays}
    return list(range(min(years), max(years) + 1))


def official_days(year: int) -> list[OfficialDay]:
    """The days of ``year`` that depart from the Monday–Friday rule, in date order.

    Every day the package marks as a holiday (weekend days inside a holiday's range
    included, named after it) and every make-up working day that falls on a weekend.
    """
    if year not in official_years():
        raise ValueError(f"chinesecalendar has no arrangement for {year}")
    days = [
        OfficialDay(day, False, "holiday", _name_zh(name))
        for day, name in constants.holidays.items()
        if day.year == year
    ]
    days += [
        OfficialDay(day, True, "makeup", _name_zh(name))
        for day, name in constants.workdays.items()
        # A make-up "working day" on a weekday would change nothing: not a departure.
        if day.year == year and day.weekday() >= 5
    ]
    return sorted(days, key=lambda entry: entry.day)


@lru_cache(maxsize=1)
def official_calendar() -> WorkingCalendar:
    """The working-day calendar of every year the package covers, all of them confirmed."""
    years = official_years()
    days = [entry for year in years for entry in official_days(year)]
    return WorkingCalendar.from_days(days, confirmed_years=years)
