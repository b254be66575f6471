"""Writes to members' contacts and the duty roster; the duty notices (re-exported).

Every change of a contact or of an A/B pair appends a ``ContactReport`` dated ``now``,
which callers take from the server clock, never from a form (Art. 6: reported "at the
first moment"; a member cannot back-date). Operations flush; the request commits once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.audit.operations import diff, record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.duty import queries
from portal.duty.models import Absence, ContactReport, CustomerReport, DutyPair, MemberProfile
from portal.duty.notices import (  # noqa: F401  (re-exported: other domains call them here)
    alert_gap,
    alert_gaps,
    notify_on_duty,
)
from portal.duty.rules import (
    DayPlan,
    Interval,
    absence_problems,
    changed_fields,
    customer_report_problems,
    describe_gap_days,
    is_email,
    is_mobile,
    is_work_phone,
    pair_problems,
)
from portal.notify.message import N_, Msg
from portal.orgs.models import Unit

PROFILE_FIELDS = (
    "leader_name",
    "leader_title",
    "leader_work_phone",
    "leader_mobile",
    "leader_email",
    "department_name",
    "department_phone",
)


class DutyError(ValueError):
    """Input a rule refuses; ``problems`` maps form fields to Chinese messages."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("；".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class UnitGaps:
    unit: Unit
    days: tuple[DayPlan, ...]


class GapWarning(Exception):
    """The absence would leave nobody on duty: it waits for the user's confirmation."""

    def __init__(self, gaps: list[UnitGaps]):
        super().__init__("absence would leave a duty gap")
        self.gaps = gaps


def _report(*, member_id, section, subject, before, after, actor, now, **extra) -> ContactReport:
    report = ContactReport(
        member_id=member_id,
        section=section,
        subject=subject,
        before=before,
        after=after,
        reported_at=now,  # the server's clock: never a date from the form
        reported_by_id=actor.id if actor else None,
        **extra,
    )
    db.session.add(report)
    return report


def _person(user: User | None) -> str | None:
    return f"{user.full_name}（{user.username}）" if user is not None else None


# -- Art. 6: the member's profile and its handlers' contacts ---------------------------


CONTACT_CHECKS = {
    "phone": (is_work_phone, "电话格式不正确，须带区号，例如 024-22532961。"),
    "mobile": (is_mobile, "手机号应为 11 位中国大陆手机号。"),
    "email": (is_email, "电子邮箱格式不正确。"),
}


def _check_contacts(values: dict[str, str | None], required: set[str]) -> None:
    """The same checks as the forms, for callers without a form (demo data, scripts)."""
    problems = {}
    for field, value in values.items():
        check, message = CONTACT_CHECKS[field.rsplit("_", 1)[-1]]
        if not value:
            if field in required:
                problems[field] = "请填写此项。"
        elif not check(value):
            problems[field] = message
    if problems:
        raise DutyError(problems)


def _profile_snapshot(profile: MemberProfile | None) -> dict:
    if profile is None:
        return {}
    return {f: getattr(profile, f) for f in PROFILE_FIELDS} | {
        "leader_user": _person(profile.leader_user)
    }


def save_profile(
    member: Unit, *, actor, now: datetime, leader_user_id: int | None = None, **fields
) -> MemberProfile:
    """Create or update the member's complaint profile, reporting what changed."""
    _check_contacts(
        {
            "leader_work_phone": fields.get("leader_work_phone"),
            "leader_mobile": fields.get("leader_mobile"),
            "leader_email": fields.get("leader_email"),
            "department_phone": fields.get("department_phone"),
        },
        required={"leader_mobile", "department_phone"},
    )
    leader = None
    if leader_user_id:
        leader = db.session.get(User, leader_user_id)
        if leader is None or leader not in queries.member_users(member, Role.MEMBER_LEADER):
            raise DutyError({"leader_user_id": "请选择本单位启用的分管领导账号。"})
    profile = queries.profile_of(member)
    before = _profile_snapshot(profile)
    if profile is None:
        profile = MemberProfile(member_id=member.id, updated_at=now)
        db.session.add(profile)
    for name in PROFILE_FIELDS:
        setattr(profile, name, fields.get(name))
    profile.leader_user = leader
    old, new = changed_fields(before, _profile_snapshot(profile))
    if new:
        profile.updated_at = now
        _report(
            member_id=member.id,
            section="profile",
            subject=member.name,
            before=old,
            after=new,
            actor=actor,
            now=now,
        )
    db.session.flush()
    return profile


def update_handler_contacts(
    handler: User, *, work_phone, mobile, email, actor, now: datetime
) -> ContactReport | None:
    """A handler's work phone, mobile and e-mail (Art. 6), reported when they change."""
    values = {"work_phone": work_phone, "mobile": mobile, "email": email}
    _check_contacts(values, required=set(values))
    before = {k: getattr(handler, k) for k in values}
    old, new = changed_fields(before, values)
    if not new:
        return None
    for name, value in values.items():
        setattr(handler, name, value)
    handler.version += 1  # an administrative edit: an open user form is now stale
    record(
        actor=actor,
        unit_path=handler.unit.path,
        subject=handler,
        action="user_updated",
        changes=diff(before, values),
        now=now,
    )
    report = _report(
        member_id=handler.unit.member_id,
        section="handler",
        subject=handler.full_name,
        subject_user_id=handler.id,
        before=old,
        after=new,
        actor=actor,
        now=now,
    )
    db.session.flush()
    return report


def report_user_change(user: User, changes: dict, *, actor, now: datetime) -> ContactReport | None:
    """Art. 6: a handler's name, phones, e-mail or account state changed through user
    administration is reported to the association like any other contact change.
    ``changes`` is the audit diff, ``{field: [before, after]}``."""
    roles = {user.role, *(changes.get("role") or ())}
    if Role.MEMBER_HANDLER not in roles or user.unit.member_id is None:
        return None
    state = {True: "启用", False: "停用", None: None}
    before, after = {}, {}
    for key in ("full_name", "work_phone", "mobile", "email", "is_active"):
        if key in changes:
            old, new = changes[key]
            before[key], after[key] = (state[old], state[new]) if key == "is_active" else (old, new)
    if not after:
        return None
    report = _report(
        member_id=user.unit.member_id,
        section="handler",
        subject=user.full_name,
        subject_user_id=user.id,
        before=before,
        after=after,
        actor=actor,
        now=now,
    )
    db.session.flush()
    return report


# -- Art. 7: the A/B pair ------------------------------------------------------------


def set_pair(unit: Unit, *, handler_a_id, handler_b_id, actor, now: datetime) -> DutyPair:
    """Name (or rename) handler A and handler B of ``unit``."""
    if unit.kind not in queries.PAIR_KINDS or not unit.is_active:
        raise DutyError({"handler_a_id": "该单位不能设置A/B角。"})
    member = unit if unit.is_member else unit.member
    eligible = {u.id for u in queries.handlers_of(member)}
    problems = pair_problems(handler_a_id, handler_b_id, eligible)
    if problems:
        raise DutyError(problems)
    handler_a, handler_b = db.session.get(User, handler_a_id), db.session.get(User, handler_b_id)
    pair = db.session.scalar(select(DutyPair).where(DutyPair.unit_id == unit.id))
    before = {}
    if pair is None:
        pair = DutyPair(unit_id=unit.id, member_id=member.id, updated_at=now)
        db.session.add(pair)
    else:
        before = {"handler_a": _person(pair.handler_a), "handler_b": _person(pair.handler_b)}
    pair.handler_a, pair.handler_b = handler_a, handler_b
    old, new = changed_fields(
        before, {"handler_a": _person(pair.handler_a), "handler_b": _person(pair.handler_b)}
    )
    if new:
        pair.updated_at = now
        _report(
            member_id=member.id,
            unit_id=unit.id,
            section="pair",
            subject=unit.name,
            before=old,
            after=new,
            actor=actor,
            now=now,
        )
    db.session.flush()
    return pair


def remove_pair(unit: Unit, *, actor, now: datetime) -> None:
    """An intermediate unit stops accepting on its own: complaints to it go to the pair
    above. The member's own pair stays (Art. 7: it must always have one)."""
    if unit.is_member:
        raise DutyError({"handler_a_id": "会员单位必须设置A/B角，只能更换，不能取消。"})
    pair = db.session.scalar(select(DutyPair).where(DutyPair.unit_id == unit.id))
    if pair is None:
        return
    _report(
        member_id=unit.member_id,
        unit_id=unit.id,
        section="pair",
        subject=unit.name,
        before={"handler_a": _person(pair.handler_a), "handler_b": _person(pair.handler_b)},
        after={"handler_a": None, "handler_b": None},
        actor=actor,
        now=now,
    )
    db.session.delete(pair)
    db.session.flush()


# -- absences -------------------------------------------------------------------------


def gaps_with(
    handler: User, starts_at: datetime, ends_at: datetime, reason: str, now: datetime
) -> list[UnitGaps]:
    """The gap days every pair naming ``handler`` would have with this absence added."""
    tz = queries.local_tz()
    first = starts_at.astimezone(tz).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(tz).date()
    proposed = Interval(handler.id, starts_at, ends_at, now, None, reason)
    found = []
    for unit in queries.duty_units_of(handler):
        pair = queries.pair_for(unit)
        assert pair is not None  # the unit has a pair of its own: it names ``handler``
        ids = [pair.handler_a_id, pair.handler_b_id]
        known = queries.intervals(queries.absences_of(ids, starts_at, ends_at)) + [proposed]
        plans = queries.plan_for_pair(pair, first, last, known_at=now, absences=known)
        days = tuple(p for p in plans if p.has_gap)
        if days:
            found.append(UnitGaps(unit, days))
    return found


def create_absence(
    handler: User,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor,
    now: datetime,
    confirmed: bool = False,
) -> Absence:
    """Record that ``handler`` will be away. Raises ``GapWarning`` when that leaves a unit
    with nobody on duty, unless ``confirmed``; then the leader and the association are
    told at once which days (Art. 7)."""
    problems = absence_problems(starts_at, ends_at, reason, now=now, tz=queries.local_tz())
    if problems:
        raise DutyError(problems)
    reason = reason.strip()
    gaps = gaps_with(handler, starts_at, ends_at, reason, now)
    if gaps and not confirmed:
        raise GapWarning(gaps)
    absence = Absence(
        user_id=handler.id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        entered_by_id=actor.id if actor else None,
        entered_at=now,
    )
    db.session.add(absence)
    db.session.flush()
    for gap in gaps:
        days = "\n".join(describe_gap_days(gap.days, queries.local_tz()))
        alert_gap(
            gap.unit,
            title=Msg(N_("值班缺口预警：%(unit)s"), unit=gap.unit.name),
            body=[
                Msg(
                    N_("%(name)s登记不在岗（%(why)s）后，以下时间A角、B角均不在岗："),
                    name=handler.full_name,
                    why=reason,
                ),
                days,
            ],
            dedupe_key=f"duty-gap-ahead:absence{absence.id}:unit{gap.unit.id}",
            now=now,
        )
    return absence


def cancel_absence(absence: Absence, *, actor, now: datetime) -> None:
    """The handler is (or will be) at the post after all. Kept, marked cancelled."""
    if absence.cancelled_at is not None:
        return
    if absence.ends_at <= now:
        raise DutyError({"absence": "已结束的不在岗记录不能取消。"})
    absence.cancelled_at = now
    absence.cancelled_by_id = actor.id if actor else None
    db.session.flush()


# -- Personal customers ------------------------------------------------------------------


def report_customers(
    member: Unit, *, personal_customers: int, as_of, actor, now: datetime
) -> CustomerReport:
    """Append the member's count of personal customers as of ``as_of`` (the statistics
    normalise by the latest report on or before a period's end). Reports are never
    changed: a correction is a new report for the same date."""
    problems = customer_report_problems(personal_customers, as_of, queries.local_today(now))
    if problems:
        raise DutyError(problems)
    report = CustomerReport(
        member_id=member.id,
        personal_customers=personal_customers,
        as_of=as_of,
        reported_at=now,  # the server's clock: never a date from the form
        reported_by_id=actor.id if actor else None,
    )
    db.session.add(report)
    db.session.flush()
    return report
