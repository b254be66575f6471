"""Pure rules of the return: which periods may be reported, and what a version needs.

No Flask, no database, no clock.
"""

from datetime import date

from portal.statistics.rules import AnyPeriod, period_of, quarter_of


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


# Refusals the user can fix (shown translated).
FUTURE = N_("该期间尚未开始，不能报送。")
NOTE_REQUIRED = N_("该期间已有报送版本，生成新版本须说明更正内容。")
UNFINISHED = N_("期间未结束：数字仍会变化。确认仍要生成，请勾选“期间未结束，仍然生成”。")
BAD_PERIOD = N_("期间格式应为 2026H1（半年）或 2026Q3（季度）。")
NOTE_MAX = 500
NOTE_TOO_LONG = N_("更正说明不能超过500个字。")


def check_period(period: AnyPeriod, today: date) -> tuple[str | None, bool]:
    """(refusal or None, unfinished): a period not yet begun cannot be reported; one not
    yet ended may be, with a warning (its counts still grow)."""
    if period.first_day > today:
        return FUTURE, False
    return None, period.last_day >= today


def check_note(note: str | None, has_versions: bool) -> str | None:
    """A correction (any version after the first) says what changed, briefly."""
    if len((note or "").strip()) > NOTE_MAX:
        return NOTE_TOO_LONG
    if has_versions and not (note or "").strip():
        return NOTE_REQUIRED
    return None


def file_name(period_code: str, version: int, extension: str) -> str:
    return f"regulator-return-{period_code}-v{version}.{extension}"


def recent_periods(today: date, quarters: int = 4, halves: int = 2) -> list[AnyPeriod]:
    """The periods offered for a return (the field still takes any other): the last
    ``quarters`` quarters and ``halves`` half years that have ended, newest first."""
    found: list[AnyPeriod] = []
    quarter = quarter_of(today).previous()
    for _ in range(quarters):
        found.append(quarter)
        quarter = quarter.previous()
    half = period_of(today).previous()
    for _ in range(halves):
        found.append(half)
        half = half.previous()
    return found
