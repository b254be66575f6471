"""The calendar in the database: loading it (cached per process), seeding the official
years, and the two ways an administrator changes it — one day, or a year's notice.

Every change records a ``CalendarChange`` (who, when, before, after, why), gives the
revision row a new token so that every app server reloads, and recomputes the open
Art. 11 clocks it affects. Writes flush; the request or command commits once.
"""

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import version

from flask import g, has_app_context
from sqlalchemy import and_, delete, or_, select

from portal.db import PREPARE, db
from portal.workdays.models import CalendarChange, CalendarDay, CalendarRevision, CalendarYear
from portal.workdays.notice import Notice
from portal.workdays.official import official_days, official_years
from portal.workdays.overrides import day_state, plan_day
from portal.workdays.rules import OfficialDay, WorkingCalendar
from portal.workdays.signals import calendar_changed

REVISION_ROW = 1


@dataclass(frozen=True)
class CalendarEdit:
    """What a change did: its record (None when nothing changed) and the clocks it moved."""

    change: CalendarChange | None
    recomputed: int


# database URL -> (revision token, calendar). Several app servers each keep their own
# copy and check the token (one primary-key read) before trusting it.
_cache: dict[str, tuple[str, WorkingCalendar]] = {}
_cache_lock = threading.Lock()


# Read on every step that starts a clock: a statement built once.
_TOKEN = (
    select(CalendarRevision.token)
    .where(CalendarRevision.id == REVISION_ROW)
    .execution_options(**PREPARE)
)


def revision_token() -> str:
    return db.session.scalar(_TOKEN) or ""


def load_calendar() -> WorkingCalendar:
    """The calendar as stored now, without the cache."""
    days = [
        OfficialDay(row.day, row.is_working_day, row.kind, row.name)
        for row in db.session.scalars(select(CalendarDay))
    ]
    confirmed = db.session.scalars(select(CalendarYear.year).where(CalendarYear.confirmed)).all()
    return WorkingCalendar.from_days(days, confirmed_years=confirmed)


def current_calendar() -> WorkingCalendar:
    """The working-day calendar, reused across requests until any host changes it; within
    one request (or command) its revision is checked once."""
    if has_app_context() and "working_calendar" in g:
        return g.working_calendar
    calendar = _checked_calendar()
    if has_app_context():
        g.working_calendar = calendar
    return calendar


def _checked_calendar() -> WorkingCalendar:
    key = db.engine.url.render_as_string(hide_password=True)
    token = revision_token()  # read first: the days read after it are at least as new
    cached = _cache.get(key)
    if cached is not None and cached[0] == token:
        return cached[1]
    calendar = load_calendar()
    with _cache_lock:
        _cache[key] = (token, calendar)
    return calendar


def _touch_revision(now: datetime) -> None:
    if has_app_context():
        g.pop("working_calendar", None)  # this request's own change: read it anew
    row = db.session.get(CalendarRevision, REVISION_ROW)
    if row is None:
        db.session.add(CalendarRevision(id=REVISION_ROW, token=uuid.uuid4().hex, changed_at=now))
    else:
        row.token = uuid.uuid4().hex
        row.changed_at = now
    db.session.flush()


def _recompute(since: date, now: datetime, actor, reason: str) -> int:
    """Tell the domains above that working days changed from ``since`` on; returns how
    many deadlines they moved (the clock domain recounts its open clocks)."""
    answers = calendar_changed.send(
        None, calendar=current_calendar(), since=since, now=now, actor=actor, reason=reason
    )
    return sum(moved for _, moved in answers)


def _row(entry: OfficialDay, source: str, now: datetime) -> dict:
    return {
        "day": entry.day,
        "is_working_day": entry.is_working_day,
        "kind": entry.kind,
        "name": entry.name,
        "source": source,
        "updated_at": now,
    }


def package_source(year: int) -> str:
    return f"chinesecalendar {version('chinesecalendar')}：国务院办公厅关于{year}年部分节假日安排的通知"


def seed_official_years(now: datetime, years: list[int] | None = None) -> list[int]:
    """Store every year the ``chinesecalendar`` package covers that is not stored yet.

    Idempotent: a year already present (seeded, imported from a notice, or started by
    hand) is left alone, so an administrator's entries are never overwritten. Returns
    the years added. Run after upgrading the package (``flask --app wsgi calendar seed``).
    """
    known = set(db.session.scalars(select(CalendarYear.year)))
    todo = [y for y in official_years() if y not in known and (years is None or y in years)]
    if not todo:
        return []
    entries = [entry for year in todo for entry in official_days(year)]
    taken = set(
        db.session.scalars(
            select(CalendarDay.day).where(
                CalendarDay.day >= date(todo[0] - 1, 12, 1),
                CalendarDay.day <= date(todo[-1], 12, 31),
            )
        )
    )
    rows = [_row(entry, "official", now) for entry in entries if entry.day not in taken]
    if rows:
        db.session.execute(CalendarDay.__table__.insert(), rows)
    for year in todo:
        db.session.add(
            CalendarYear(year=year, confirmed=True, source=package_source(year), confirmed_at=now)
        )
    _touch_revision(now)
    recomputed = _recompute(date(todo[0], 1, 1), now, None, "导入官方节假日安排")
    for year in todo:
        of_year = [e for e in entries if e.day.year == year]
        db.session.add(
            CalendarChange(
                at=now,
                action="seed",
                year=year,
                before={},
                after={
                    "confirmed": True,
                    "holidays": sum(not e.is_working_day for e in of_year),
                    "makeup_workdays": sum(e.is_working_day for e in of_year),
                },
                reason=package_source(year),
                recomputed=recomputed if year == todo[0] else 0,
            )
        )
    db.session.flush()
    return todo


def _stored(day: date) -> OfficialDay | None:
    row = db.session.get(CalendarDay, day)
    if row is None:
        return None
    return OfficialDay(row.day, row.is_working_day, row.kind, row.name)


def set_day(
    day: date, is_working: bool, name: str | None, reason: str, actor, now: datetime
) -> CalendarEdit:
    """Make ``day`` a working day or a day off, for ``reason``; recompute affected clocks.

    Raises ``overrides.DayEditError`` (Chinese message) when the change is impossible.
    """
    if not (reason or "").strip():
        raise ValueError("a calendar change needs a reason")
    entry = plan_day(day, is_working, name)
    current = _stored(day)
    before, after = day_state(day, current), day_state(day, entry)
    if before == after:
        return CalendarEdit(None, 0)
    row = db.session.get(CalendarDay, day)
    if entry is None:
        db.session.delete(row)
    elif row is None:
        db.session.add(CalendarDay(**_row(entry, "manual", now)))
    else:
        for field, value in _row(entry, "manual", now).items():
            setattr(row, field, value)
    _touch_revision(now)
    recomputed = _recompute(day, now, actor, f"{day} 改为{'工作日' if is_working else '休息日'}")
    change = CalendarChange(
        at=now,
        actor_id=actor.id if actor else None,
        action="day",
        year=day.year,
        day=day,
        before=before,
        after=after,
        reason=reason.strip(),
        recomputed=recomputed,
    )
    db.session.add(change)
    db.session.flush()
    return CalendarEdit(change, recomputed)


def _days_json(entries) -> list[list[str]]:
    return [[e.day.isoformat(), e.kind, e.name] for e in sorted(entries, key=lambda e: e.day)]


def import_notice(notice: Notice, actor, now: datetime, confirm: bool = True) -> CalendarEdit:
    """Replace a year's days by its State Council notice and (by default) confirm the year.

    Every stored day of ``notice.year`` is replaced, and so are the days of the previous
    December the notice lists (the New Year's break). Clocks reaching into the year are
    recomputed and lose their provisional flag once the year is confirmed.
    """
    year = notice.year
    entries = notice.days()
    first, last = date(year, 1, 1), date(year, 12, 31)
    outside = [e.day for e in entries if e.day < first]
    in_notice = or_(
        and_(CalendarDay.day >= first, CalendarDay.day <= last), CalendarDay.day.in_(outside)
    )
    replaced = db.session.scalars(select(CalendarDay).where(in_notice)).all()
    status = db.session.get(CalendarYear, year)
    before = {
        "confirmed": bool(status and status.confirmed),
        "source": status.source if status else "",
        "days": _days_json(OfficialDay(r.day, r.is_working_day, r.kind, r.name) for r in replaced),
    }
    db.session.execute(delete(CalendarDay).where(in_notice))
    db.session.execute(CalendarDay.__table__.insert(), [_row(e, "notice", now) for e in entries])
    source = notice.source or f"国务院办公厅关于{year}年部分节假日安排的通知"
    if status is None:
        status = CalendarYear(year=year)
        db.session.add(status)
    status.confirmed = confirm
    status.source = source
    status.confirmed_by_id = actor.id if (actor and confirm) else None
    status.confirmed_at = now if confirm else None
    _touch_revision(now)
    since = min([first, *outside])
    recomputed = _recompute(since, now, actor, f"录入{year}年节假日安排")
    change = CalendarChange(
        at=now,
        actor_id=actor.id if actor else None,
        action="notice",
        year=year,
        before=before,
        after={"confirmed": confirm, "source": source, "days": _days_json(entries)},
        reason=source,
        recomputed=recomputed,
    )
    db.session.add(change)
    db.session.flush()
    return CalendarEdit(change, recomputed)


def year_status(year: int) -> CalendarYear | None:
    return db.session.get(CalendarYear, year)


def stored_days(year: int) -> dict[date, CalendarDay]:
    rows = db.session.scalars(
        select(CalendarDay).where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
        )
    )
    return {row.day: row for row in rows}


def year_changes(year: int, limit: int = 50) -> Sequence[CalendarChange]:
    return db.session.scalars(
        select(CalendarChange)
        .where(CalendarChange.year == year)
        .order_by(CalendarChange.at.desc(), CalendarChange.id.desc())
        .limit(limit)
    ).all()


def unconfirmed_years_ahead(today: date, reaching_to: date | None = None) -> list[int]:
    """Years an administrator must still enter: this year, next year from November on
    (the State Council publishes it in November or December), and every year up to
    ``reaching_to`` (the furthest open deadline, ``deadlines.queries``) — when their
    arrangement is not confirmed."""
    years = {today.year}
    if today.month >= 11:
        years.add(today.year + 1)
    if reaching_to is not None and reaching_to.year > today.year:
        years.update(range(today.year, reaching_to.year + 1))
    confirmed = current_calendar().confirmed_years
    return sorted(year for year in years if year not in confirmed)
