"""Pure rule for an administrator's change of one day on the year page.

The calendar stores only departures from Monday–Friday, so a change is planned as
the departure the day should have afterwards (or none, when it goes back to the rule).
Make-up working days (调休上班) are weekends by definition; a weekday taken off needs
the holiday's name, as the State Council notices give one for every day off.
"""

from datetime import date

from portal.workdays.rules import WEEKDAYS_ZH, OfficialDay

MAX_NAME = 100


class DayEditError(ValueError):
    """The change cannot be made; the message is for the form, in Chinese."""


def plan_day(day: date, is_working: bool, name: str | None) -> OfficialDay | None:
    """The stored departure for ``day`` after the change, or None for the plain weekday rule.

    - a working weekday, or a weekend day off without a name: the plain rule;
    - a working weekend day: a make-up day, ``name`` the holiday it makes up for;
    - a weekday off: a holiday named ``name`` (required);
    - a weekend day off with a name: a holiday (a weekend inside a holiday's range).
    """
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise DayEditError(f"名称最多{MAX_NAME}个字")
    weekend = day.weekday() >= 5
    if is_working:
        if not weekend:
            return None
        if not name:
            raise DayEditError(
                f"{day}是{WEEKDAYS_ZH[day.weekday()]}：设为调休上班日时请填写所调休的节日名称"
            )
        return OfficialDay(day, True, "makeup", name)
    if not name:
        if weekend:
            return None
        raise DayEditError(
            f"{day}是{WEEKDAYS_ZH[day.weekday()]}：设为休息日时请填写节日名称或放假原因"
        )
    return OfficialDay(day, False, "holiday", name)


def day_state(day: date, entry: OfficialDay | None) -> dict:
    """What a day is, as recorded before and after a change (plain JSON)."""
    if entry is None:
        weekend = day.weekday() >= 5
        return {
            "is_working_day": not weekend,
            "kind": "weekend" if weekend else "workday",
            "name": "",
        }
    return {"is_working_day": entry.is_working_day, "kind": entry.kind, "name": entry.name}
