"""Who hears of each step of a case: every hand-off reaches its next owner.

The first-responsible principle (首问负责制): at the member bank the handler who
accepted the case owns it, at the association the handler who forwarded it. Each step
tells the people who must act next, or whose case it was, in the portal and by e-mail
through the outbox (``notify.operations.notify_many``: one statement for all of a step's
recipients, deduplicated by the step's history entry). Followers (关注) hear every step.
The one who took the step is never told of it.

Called by the operations (``complaints/operations.py``), so the web, the commands and
the demo notify alike.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from portal.auth.models import User
from portal.complaints.models import CaseFollower, Complaint, ComplaintEvent
from portal.complaints.rules import ACTION_LABELS, CLOCK_LABELS
from portal.db import db
from portal.deadlines import operations as clocks
from portal.deadlines.batch import ClockBatch
from portal.deadlines.models import Clock
from portal.duty.people import nearest_handlers, unit_handlers
from portal.duty.queries import duty_handlers
from portal.notify.message import N_, Msg, Words, lines
from portal.notify.operations import Note, notify_many
from portal.orgs.models import Unit


@dataclass(frozen=True)
class Notice:
    """One step told: to whom, and what it says above the common lines (messages, so
    each reader reads them in their language: ``notify.message``)."""

    recipients: list[User]
    title: str | Msg
    detail: Words = ""


# -- who -----------------------------------------------------------------------------


def accepting_handler(case: Complaint) -> list[User]:
    """The member's owner of the case (首问负责): who accepted it."""
    user = case.accepted_by
    return [user] if user is not None and user.is_active else []


def member_pair(case: Complaint) -> list[User]:
    """A and B of the member (Art. 7): both see its inbox."""
    return duty_handlers(case.member)


def member_pair_of(member: Unit) -> list[User]:
    return duty_handlers(member)


def association_owner(case: Complaint) -> list[User]:
    """At the association, who forwarded the case (its owner there); before a forward,
    or if that person has left, the association's handlers."""
    forwarder = db.session.scalar(
        select(User)
        .join(ComplaintEvent, ComplaintEvent.actor_id == User.id)
        .where(
            ComplaintEvent.complaint_id == case.id,
            ComplaintEvent.action == "forwarded",
            User.is_active.is_(True),
        )
        .order_by(ComplaintEvent.id.desc())
        .limit(1)
    )
    if forwarder is not None:
        return [forwarder]
    return association_handlers(case)


def association_handlers(case: Complaint) -> list[User]:
    association = db.session.get_one(Unit, int(case.member.path.split("/")[1]))
    return unit_handlers(association)


def holders_of(unit: Unit) -> list[User]:
    """The people of a unit a case has just reached or left: its own handlers and
    officers, else the nearest unit above it with some (Art. 10(1))."""
    return nearest_handlers(unit)


def holders(case: Complaint, unit: Unit) -> list[User]:
    """Who holds the case at ``unit``: at the member, the handler who accepted it and the
    pair; below it, the unit's own people."""
    if unit.id == case.member_id:
        return accepting_handler(case) + member_pair(case)
    return holders_of(unit)


def superior_of(unit: Unit, case: Complaint) -> list[User]:
    """The unit above the one holding the case (Art. 11(3) "上报上级单位"): the member's
    owner and pair when that is the member, else the parent unit's handlers."""
    parent = unit.parent
    if parent is None or parent.id == case.member_id or unit.id == case.member_id:
        return accepting_handler(case) + member_pair(case)
    return holders_of(parent)


def followers(case: Complaint) -> list[User]:
    if not case.follower_count:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(CaseFollower, CaseFollower.user_id == User.id)
            .where(CaseFollower.complaint_id == case.id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


# -- what ----------------------------------------------------------------------------


def _next_deadline(case: Complaint, batch: ClockBatch | None) -> Msg:
    """The case's next deadline as a notice states it, or that none runs."""
    running: list[Clock] = (
        list(batch.open_clocks(case.id)) if batch is not None else clocks.open_clocks(case.id)
    )
    if not running:
        return Msg(N_("当前没有进行中的期限。"))
    soonest = min(running, key=lambda clock: clock.due_at)
    step = Msg(CLOCK_LABELS[soonest.kind])
    if soonest.is_provisional:
        return Msg(N_("下一期限：%(step)s，%(day)s止（暂定）。"), step=step, day=soonest.due_on)
    return Msg(N_("下一期限：%(step)s，%(day)s止。"), step=step, day=soonest.due_on)


def tell(
    case: Complaint,
    entry: ComplaintEvent,
    notice: Notice,
    *,
    actor: User | None,
    now,
    batch: ClockBatch | None = None,
    told_already: Iterable[User] = (),
) -> int:
    """Tell the notice's recipients and the case's followers of the step ``entry``,
    each once and never the actor (nor those ``told_already`` of it by the duty roster);
    returns how many were told."""
    skip = {user.id for user in told_already} | ({actor.id} if actor is not None else set())
    people: dict[int, User] = {}
    for user in [*notice.recipients, *followers(case)]:
        if user.id not in skip:
            people.setdefault(user.id, user)
    if not people:
        return 0
    step = Msg(ACTION_LABELS.get(entry.action, entry.action))
    if actor is not None:
        who = Msg(
            N_("%(name)s（%(unit)s）：%(step)s。"),
            name=actor.full_name,
            unit=actor.unit.name,
            step=step,
        )
    else:
        who = Msg(N_("系统：%(step)s。"), step=step)
    body = lines(who, notice.detail, _next_deadline(case, batch))
    title = notice.title if isinstance(notice.title, Msg) else Msg(notice.title)
    notes = [
        Note(
            user_id=user.id,
            title=Msg(N_("%(title)s：%(no)s"), title=title, no=case.tracking_no),
            body=body,
            link=f"/cases/{case.id}",
            dedupe_key=f"case{case.id}:e{entry.id}",
        )
        for user in people.values()
    ]
    addresses = {u.id: u.email for u in people.values() if u.email}
    return notify_many(notes, now=now, addresses=addresses)


def everyone(*groups: Iterable[User]) -> list[User]:
    return [user for group in groups for user in group]
