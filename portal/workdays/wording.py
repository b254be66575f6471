"""The calendar's day labels in the reader's language. ``WorkingCalendar.day_kind`` names
days in Chinese ("国庆节", "调休上班（国庆节）", "周六"), as the State Council's notice
does; in English the official holidays and weekdays get their English names, and a name
the association typed itself stays as typed."""

import re

from flask_babel import gettext as _

from portal.web.i18n import is_chinese

HOLIDAYS_EN = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
}
WEEKDAYS_EN = {
    "周一": "Mon",
    "周二": "Tue",
    "周三": "Wed",
    "周四": "Thu",
    "周五": "Fri",
    "周六": "Sat",
    "周日": "Sun",
}
MAKEUP = re.compile(r"^调休上班（(.*)）$")


def _names(text: str) -> str:
    return ", ".join(HOLIDAYS_EN.get(name, name) for name in text.split("、"))


def day_label(text: str) -> str:
    """A day label of the calendar (or a run of them: "国庆节、中秋节") for display."""
    if is_chinese() or not text:
        return text
    if match := MAKEUP.match(text):
        return _("调休上班（%(name)s）", name=_names(match.group(1)))
    return WEEKDAYS_EN.get(text) or _names(text)
