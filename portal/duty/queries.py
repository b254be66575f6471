"""Reads of the duty roster and members' contacts.

Screens go through the ``load_*_or_404`` helpers and scoped queries built on
``portal.orgs.scoping`` (another member's id answers 404). The routing building blocks
(``on_duty``, ``duty_handlers``, ``can_receive_complaints``) take a unit the caller has
already loaded through its own scoping, and work without a request (the sweep).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import PREPARE, db
from portal.duty.models import Absence, ContactReport, CustomerReport, DutyPair, MemberProfile
from portal.duty.rules import (
    DayPlan,
    DutyAnswer,
    Handler,
    Interval,
    day_window,
    plan_days,
    resolve_duty,
)
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import in_subtree, scope_filter, units_query, users_query
from portal.web import clock
from portal.workdays.rules import WorkingCalendar

# Units that may accept forwarded complaints with their own A/B pair (Art. 7, 9): the
# member, and an intermediate unit that handles complaints itself. Outlets never do.
PAIR_KINDS = (
    UnitKind.MEMBER,
    UnitKind.PROVINCE_BRANCH,
    UnitKind.CITY_BRANCH,
    UnitKind.SUB_BRANCH,
)
HORIZON_DAYS = 28  # the calendar and the directory look four weeks ahead
NO_PAIR = DutyAnswer(None, None, True, no_pair=True)


def current_calendar() -> WorkingCalendar:
    """The working-day calendar duty is planned on: the one in the database, as the
    association administrator edits it (and as every app server sees it after an edit:
    the store checks its revision token on each call)."""
    from portal.workdays.store import current_calendar as stored_calendar

    return stored_calendar()


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def local_today(now: datetime) -> date:
    return now.astimezone(local_tz()).date()


# -- loads (tenant-scoped: another member's id is a 404) ------------------------------


def load_member_or_404(user: User, member_id: int) -> Unit:
    member = db.session.scalar(
        units_query(user).where(Unit.id == member_id, Unit.kind == UnitKind.MEMBER)
    )
    if member is None:
        abort(404)
    return member


def load_pair_unit_or_404(user: User, unit_id: int) -> Unit:
    unit = db.session.scalar(units_query(user).where(Unit.id == unit_id, Unit.kind.in_(PAIR_KINDS)))
    if unit is None:
        abort(404)
    return unit


def load_handler_or_404(user: User, user_id: int) -> User:
    handler = db.session.scalar(
        users_query(user).where(User.id == user_id, User.role == Role.MEMBER_HANDLER)
    )
    if handler is None:
        abort(404)
    return handler


def absences_query(user: User) -> Select:
    return (
        select(Absence)
        .join(User, Absence.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id)
        .where(scope_filter(user, Unit.path))
    )


def load_absence_or_404(user: User, absence_id: int) -> Absence:
    absence = db.session.scalar(absences_query(user).where(Absence.id == absence_id))
    if absence is None:
        abort(404)
    return absence


# -- people of a member ---------------------------------------------------------------


def member_users(member: Unit, role: Role, *, active_only: bool = True) -> list[User]:
    query = (
        select(User)
        .join(User.unit)
        .where(in_subtree(Unit.path, member.path), User.role == role)
        .order_by(Unit.path, User.username)
    )
    if active_only:
        query = query.where(User.is_active.is_(True))
    return list(db.session.scalars(query))


def handlers_of(member: Unit) -> list[User]:
    """Active handlers (承办人) anywhere in the member's tree: who may be A or B."""
    return member_users(member, Role.MEMBER_HANDLER)


def profile_of(member: Unit) -> MemberProfile | None:
    return db.session.scalar(select(MemberProfile).where(MemberProfile.member_id == member.id))


# -- the duty roster -------------------------------------------------------------------


def pairs_of(member: Unit) -> list[DutyPair]:
    """The member's own pair first, then its intermediate units' pairs in tree order."""
    return list(
        db.session.scalars(
            select(DutyPair)
            .join(Unit, DutyPair.unit_id == Unit.id)
            .where(DutyPair.member_id == member.id)
            .order_by(Unit.path)
        )
    )


# Built once (every forward reads them): SQLAlchemy then neither rebuilds the statement
# nor recomputes its cache key per request. A and B come with the pair: whoever asks for
# a pair asks who is on it.
_PAIRS = (
    select(DutyPair)
    .options(joinedload(DutyPair.handler_a), joinedload(DutyPair.handler_b))
    .where(DutyPair.unit_id.in_(bindparam("unit_ids", expanding=True)))
    .execution_options(**PREPARE)
)
_ABSENCES = (
    select(Absence)
    .where(
        Absence.user_id.in_(bindparam("user_ids", expanding=True)),
        Absence.starts_at < bindparam("end"),
        Absence.ends_at > bindparam("start"),
    )
    .order_by(Absence.starts_at, Absence.id)
    .execution_options(**PREPARE)
)


def unit_and_ancestor_ids(unit: Unit) -> list[int]:
    """The ids on the unit's path, the root first and the unit itself last."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def pair_for(unit: Unit) -> DutyPair | None:
    """The pair answering for ``unit``: its own, else the nearest superior unit's up to the
    member (a complaint forwarded to a sub-branch without its own pair goes to the pair
    of the city branch or member above it)."""
    ancestor_ids = unit_and_ancestor_ids(unit)
    pairs = db.session.scalars(_PAIRS, {"unit_ids": ancestor_ids})
    return _nearest(pairs, ancestor_ids)


def _nearest(pairs: Iterable[DutyPair], ancestor_ids: list[int]) -> DutyPair | None:
    """Of the pairs on a unit's path, the one nearest the unit."""
    by_unit = {pair.unit_id: pair for pair in pairs}
    return next((by_unit[i] for i in reversed(ancestor_ids) if i in by_unit), None)


def receiving_pair(unit: Unit) -> DutyPair | None:
    """Art. 7: the pair that receives complaints forwarded to ``unit``; None while the
    unit cannot receive any (inactive, or A and B not both named)."""
    return pair_for(unit) if unit.is_active else None


@dataclass(frozen=True)
class Receiver:
    """The pair receiving a forwarded complaint, and who of it is on duty (Art. 7)."""

    pair: DutyPair
    answer: DutyAnswer


# A forward asks both at once: the pair (with A and B) and their absences at that moment,
# in one statement (each pair comes with every absence of its A or B overlapping the
# moment, or once with none). A and B come without their units, which a user otherwise
# brings along: telling the one on duty needs neither.
_PAIRS_WITH_ABSENCES = (
    select(DutyPair, Absence)
    .options(
        joinedload(DutyPair.handler_a).lazyload(User.unit),
        joinedload(DutyPair.handler_b).lazyload(User.unit),
    )
    .outerjoin(
        Absence,
        and_(
            Absence.user_id.in_([DutyPair.handler_a_id, DutyPair.handler_b_id]),
            Absence.starts_at < bindparam("end"),
            Absence.ends_at > bindparam("start"),
        ),
    )
    .where(DutyPair.unit_id.in_(bindparam("unit_ids", expanding=True)))
    .order_by(Absence.starts_at, Absence.id)
    .execution_options(**PREPARE)
)


def receiver_at(unit: Unit, at: datetime) -> Receiver | None:
    """``receiving_pair`` and ``pair_on_duty`` together, in one statement: what forwarding
    asks (Art. 7). None while the unit cannot receive complaints."""
    if not unit.is_active:
        return None
    ancestor_ids = unit_and_ancestor_ids(unit)
    rows = db.session.execute(
        _PAIRS_WITH_ABSENCES,
        {"unit_ids": ancestor_ids, "start": at, "end": at + timedelta(microseconds=1)},
    ).all()
    pair = _nearest((p for p, _absence in rows), ancestor_ids)
    if pair is None:
        return None
    absences = [absence for p, absence in rows if p is pair and absence is not None]
    return Receiver(pair, _resolve(pair, absences, at))


def can_receive_complaints(unit: Unit) -> bool:
    """Art. 7: a unit receives forwarded complaints only once A and B are both named."""
    return receiving_pair(unit) is not None


def duty_handlers(unit: Unit) -> list[User]:
    """A and B of the pair answering for ``unit`` (active ones): both see the complaints
    forwarded to it in their inbox, whoever is on duty."""
    pair = pair_for(unit)
    if pair is None:
        return []
    return [u for u in (pair.handler_a, pair.handler_b) if u.is_active]


def duty_units_of(user: User) -> list[Unit]:
    """The units whose A/B pair names ``user`` (an inbox: complaints forwarded there)."""
    return list(
        db.session.scalars(
            select(Unit)
            .join(DutyPair, DutyPair.unit_id == Unit.id)
            .where((DutyPair.handler_a_id == user.id) | (DutyPair.handler_b_id == user.id))
            .order_by(Unit.path)
        )
    )


def as_handler(user: User | None) -> Handler | None:
    if user is None:
        return None
    # A user of a deactivated unit cannot sign in, so cannot accept either.
    return Handler(user.id, user.is_active and user.unit.is_active)


def absences_of(user_ids: Iterable[int], start: datetime, end: datetime) -> list[Absence]:
    """Absences of these users overlapping ``[start, end)``, cancelled ones included:
    what was known at an earlier moment needs them (the rules decide)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return list(db.session.scalars(_ABSENCES, {"user_ids": ids, "start": start, "end": end}))


def intervals(absences: Iterable[Absence]) -> list[Interval]:
    return [
        Interval(x.user_id, x.starts_at, x.ends_at, x.entered_at, x.cancelled_at, x.reason)
        for x in absences
    ]


def on_duty(unit: Unit, at: datetime) -> DutyAnswer:
    """Who accepts a complaint forwarded to ``unit`` at ``at`` (Art. 7): A unless A is away
    or inactive, then B; else a gap. Absences count as they were known at ``at``."""
    return pair_on_duty(pair_for(unit), at)


def pair_on_duty(pair: DutyPair | None, at: datetime) -> DutyAnswer:
    """``on_duty`` for a pair already looked up (None: no pair, a gap)."""
    if pair is None:
        return NO_PAIR
    ids = [pair.handler_a_id, pair.handler_b_id]
    return _resolve(pair, absences_of(ids, at, at + timedelta(microseconds=1)), at)


def _resolve(pair: DutyPair, absences: Iterable[Absence], at: datetime) -> DutyAnswer:
    a, b = as_handler(pair.handler_a), as_handler(pair.handler_b)
    return resolve_duty(a, b, intervals(absences), at)


def plan_for_pair(
    pair: DutyPair | None,
    first: date,
    last: date,
    *,
    known_at: datetime,
    absences: Sequence[Interval] | None = None,
) -> list[DayPlan]:
    """Who is on duty through each local day from ``first`` to ``last``."""
    a = as_handler(pair.handler_a) if pair else None
    b = as_handler(pair.handler_b) if pair else None
    tz = local_tz()
    if absences is None:
        ids = [h.user_id for h in (a, b) if h is not None]
        start, end = day_window(first, tz)[0], day_window(last, tz)[1]
        absences = intervals(absences_of(ids, start, end))
    return plan_days(
        a,
        b,
        absences,
        calendar=current_calendar(),
        first=first,
        last=last,
        tz=tz,
        known_at=known_at,
    )


def gaps_between(
    unit: Unit, start: date, end: date, *, known_at: datetime | None = None
) -> list[DayPlan]:
    """Working days from ``start`` to ``end`` (local dates, inclusive) on which nobody
    would accept for ``unit`` at some moment, as known now (or at ``known_at``)."""
    known = known_at or clock.now()
    plans = plan_for_pair(pair_for(unit), start, end, known_at=known)
    return [p for p in plans if p.has_gap]


# -- the association's views ----------------------------------------------------------


@dataclass(frozen=True)
class DirectoryRow:
    """One accepting unit in the directory: a member, or an intermediate unit with a pair."""

    member: Unit
    unit: Unit
    profile: MemberProfile | None
    pair: DutyPair | None
    answer: DutyAnswer  # now
    gap_plans: tuple[DayPlan, ...]  # working days ahead with a gap

    @property
    def is_member_row(self) -> bool:
        return self.unit.id == self.member.id


def directory_rows(user: User, now: datetime, *, days: int = HORIZON_DAYS) -> list[DirectoryRow]:
    """Every active member in ``user``'s scope with its contacts, its pairs, who is on duty
    now and the gap days of the coming ``days`` days."""
    members = list(
        db.session.scalars(
            units_query(user)
            .where(Unit.kind == UnitKind.MEMBER, Unit.is_active.is_(True))
            .order_by(Unit.is_associate, Unit.id)  # members in the order they joined
        )
    )
    ids = [m.id for m in members]
    profiles = {
        p.member_id: p
        for p in db.session.scalars(select(MemberProfile).where(MemberProfile.member_id.in_(ids)))
    }
    pairs = list(
        db.session.scalars(
            select(DutyPair)
            .join(Unit, DutyPair.unit_id == Unit.id)
            .where(DutyPair.member_id.in_(ids), Unit.is_active.is_(True))
            .order_by(Unit.path)
        )
    )
    first = local_today(now)
    last = first + timedelta(days=days - 1)
    handler_ids = [uid for p in pairs for uid in (p.handler_a_id, p.handler_b_id)]
    start, end = day_window(first, local_tz())[0], day_window(last, local_tz())[1]
    known = intervals(absences_of(handler_ids, min(start, now), end))
    rows = []
    for member in members:
        own = [p for p in pairs if p.member_id == member.id]
        units = [(member, next((p for p in own if p.unit_id == member.id), None))]
        units += [(p.unit, p) for p in own if p.unit_id != member.id]
        for unit, pair in units:
            rows.append(_row(member, unit, profiles.get(member.id), pair, known, now, first, last))
    return rows


def _row(member, unit, profile, pair, known, now, first, last) -> DirectoryRow:
    if pair is None:
        return DirectoryRow(member, unit, profile, None, NO_PAIR, ())
    a, b = as_handler(pair.handler_a), as_handler(pair.handler_b)
    plans = plan_for_pair(pair, first, last, known_at=now, absences=known)
    gaps = tuple(p for p in plans if p.has_gap)
    return DirectoryRow(member, unit, profile, pair, resolve_duty(a, b, known, now), gaps)


def changes_query(user: User, member_id: int | None = None) -> Select:
    """Contact reports in ``user``'s scope, newest first (the association sees all)."""
    query = (
        select(ContactReport)
        .join(Unit, ContactReport.member_id == Unit.id)
        .where(scope_filter(user, Unit.path))
    )
    if member_id:
        query = query.where(ContactReport.member_id == member_id)
    return query.order_by(ContactReport.reported_at.desc(), ContactReport.id.desc())


def member_absences_query(member: Unit, now: datetime, *, show: str = "upcoming") -> Select:
    """Absences of the member's people: upcoming and current ones, or all."""
    query = (
        select(Absence)
        .join(User, Absence.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id)
        .where(in_subtree(Unit.path, member.path))
    )
    if show != "all":
        query = query.where(Absence.cancelled_at.is_(None), Absence.ends_at > now)
        return query.order_by(Absence.starts_at, Absence.id)
    return query.order_by(Absence.starts_at.desc(), Absence.id.desc())


# -- Personal customers ------------------------------------------------------------------


def customer_reports_of(member: Unit, limit: int | None = None) -> list[CustomerReport]:
    """The member's reports of personal customers, the newest date (then report) first."""
    query = (
        select(CustomerReport)
        .where(CustomerReport.member_id == member.id)
        .order_by(CustomerReport.as_of.desc(), CustomerReport.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def latest_customers(member_ids: list[int]) -> dict[int, CustomerReport]:
    """{member_id: its report with the latest date (of one date, the latest report)}."""
    latest: dict[int, CustomerReport] = {}
    if not member_ids:
        return latest
    rows = db.session.scalars(
        select(CustomerReport)
        .where(CustomerReport.member_id.in_(member_ids))
        .order_by(CustomerReport.as_of, CustomerReport.id)
    )
    for report in rows:
        latest[report.member_id] = report
    return latest
