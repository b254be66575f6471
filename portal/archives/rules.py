"""Pure archive rules (Art. 8(6), 9(5), 10(3)): archive numbers, the retention cut-off,
the dossier's states and what erasure keeps. No Flask, no database, no clock.

The regulation says that the association, the member units and the outlets keep complaint
archives; it says nothing of how long. The retention period is therefore a setting
(``DEFAULT_RETENTION_YEARS``), and the regulator's rules on record keeping decide its value.
"""

import re
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from portal.auth.roles import ASSOCIATION_ROLES, Role


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


BEIJING = ZoneInfo("Asia/Shanghai")
# 辽宁 (LN), 银协 (YX): the association's archive, apart from the tracking numbers (LN2026-…).
ARCHIVE_PREFIX = "LNYX"
ARCHIVE_RE = re.compile(r"^[A-Z]{2,6}-(\d{4})-(\d{6})$")
DEFAULT_RETENTION_YEARS = 5
MIN_RETENTION_YEARS, MAX_RETENTION_YEARS = 1, 30
ERASED = "（已删除）"  # what erased texts read, in every record that keeps a text


class DossierState(StrEnum):
    DUE = "due"  # the case was closed: the dossier waits for the freeze (flask archives freeze)
    FROZEN = "frozen"  # rendered and hashed; never changes again
    ERASED = "erased"  # retention ran out: the bytes are gone, their hashes stay


DOSSIER_STATE_LABELS = {
    DossierState.DUE: N_("待生成"),
    DossierState.FROZEN: N_("已封存"),
    DossierState.ERASED: N_("已按保存期限删除个人信息"),
}


def archive_number(year: int, seq: int, prefix: str = ARCHIVE_PREFIX) -> str:
    """``LNYX-2026-000123``: the year of closure (Beijing) and its counter."""
    if not 1 <= seq <= 999_999:
        raise ValueError(f"archive counter out of range: {seq}")
    return f"{prefix}-{year:04d}-{seq:06d}"


def parse_archive_number(text: str) -> tuple[int, int] | None:
    """(year, seq) of an archive number, or None."""
    match = ARCHIVE_RE.match((text or "").strip().upper())
    return (int(match.group(1)), int(match.group(2))) if match else None


def closure_year(closed_at: datetime) -> int:
    """The year a case was closed, on the Beijing calendar (a case closed on 31 December
    at 23:30 Beijing time is numbered in that year, though it is already 1 January in
    no time zone that matters here)."""
    return closed_at.astimezone(BEIJING).year


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(today: date, years: int) -> datetime:
    """The instant (UTC) before which a closure lies longer ago than ``years``: cases
    closed on a Beijing day before the same day ``years`` ago are erased; a case closed
    on that very day is kept until tomorrow."""
    if not MIN_RETENTION_YEARS <= years <= MAX_RETENTION_YEARS:
        raise ValueError(f"retention out of range: {years}")
    first_kept = years_before(today, years)
    return datetime.combine(first_kept, time(0), BEIJING).astimezone(UTC)


def is_expired(closed_at: datetime, today: date, years: int) -> bool:
    return closed_at < retention_cutoff(today, years)


def next_version(existing: list[int]) -> int:
    """A closure after a reopening issues the next version; the earlier ones stay."""
    return max(existing, default=0) + 1


def may_export(role: str) -> bool:
    """The half-year export feeds the association's own archive (Art. 8(6))."""
    return Role(role) in ASSOCIATION_ROLES


def may_configure(role: str) -> bool:
    """The retention period is the association administrator's setting."""
    return Role(role) == Role.ASSOC_ADMIN


def is_closed_period(last_day: date, today: date) -> bool:
    """A half year may be exported once it is over: no case closes into it any more."""
    return last_day < today


def zip_member_name(index: int, filename: str) -> str:
    """The name of an attachment inside the dossier's zip: numbered in upload order (two
    files may share a name), with no folders and nothing that climbs out of one."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".") or "file"
    base = re.sub(r"[\x00-\x1f]", "", base)[:120] or "file"
    return f"附件/{index:02d}-{base}"


# What erasure keeps of a history entry's detail: the structure (who, where to, which
# finding) that statistics and accountability read; free texts and the values of
# corrected personal data go.
KEPT_DETAIL_KEYS = frozenset(
    {
        "channel",
        "told_how",
        "referred_to",
        "original",
        "original_id",
        "duplicate",
        "duplicate_id",
        "from",
        "to",
        "to_id",
        "how",
        "contacted_at",
        "promised_on",
        "told_at",
        "finding",
        "kind",
        "item",
        "due_on",
        "satisfaction",
        "repeat",
        "repeat_id",
        "repeat_of",
        "member_id",
    }
)
PERSONAL_CHANGES = frozenset({"complainant_name", "mobile", "address", "id_number"})


def erased_detail(detail: dict) -> dict:
    """A history entry's detail without personal data: unknown keys go (a new free text
    is erased until it is named here), corrections of personal fields keep only that
    they happened."""
    kept = {key: value for key, value in (detail or {}).items() if key in KEPT_DETAIL_KEYS}
    changes = (detail or {}).get("changes")
    if isinstance(changes, dict):
        kept["changes"] = {
            name: [ERASED, ERASED] if name in PERSONAL_CHANGES else pair
            for name, pair in changes.items()
        }
    return kept


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
