"""Duty notices: the handler on duty hears of a forwarded complaint; the member's leader
and the association hear of a gap at once and on every sweep until it is fixed (Art. 7:
"a complaint that nobody accepts is strictly forbidden").

Re-exported by ``portal.duty.operations``, where other domains find them.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal.auth.models import User
from portal.auth.roles import Role
from portal.db import db
from portal.duty import queries
from portal.duty.models import DutyPair
from portal.duty.wording import answer_msg
from portal.notify.message import N_, Msg, Words, lines, text_of
from portal.notify.operations import mail_link, notify_user, queue_mail
from portal.orgs.models import Unit

RULE = Msg(N_("第七条：严禁出现客户投诉无人受理的现象。"))


def _link(endpoint: str, **values) -> str:
    # Built from the URL map, so it works in the sweep without a request. A path: the
    # in-app notification keeps it, the e-mail puts BASE_URL in front (``mail_link``).
    return current_app.url_map.bind("localhost").build(endpoint, values)


def gap_recipients(member: Unit) -> tuple[list[User], list[str]]:
    """Who hears of a gap: the member's leader (the profile's portal account, else the
    member's leader accounts) and the association's handlers; plus the profile's leader
    e-mail when the leader has no account with that address."""
    profile = queries.profile_of(member)
    if profile is not None and profile.leader_user is not None and profile.leader_user.is_active:
        leaders = [profile.leader_user]
    else:
        leaders = queries.member_users(member, Role.MEMBER_LEADER)
    association = db.session.scalars(
        select(User)
        .where(User.role == Role.ASSOC_HANDLER, User.is_active.is_(True))
        .order_by(User.username)
    ).all()
    emails = []
    if profile is not None and profile.leader_email:
        if profile.leader_email not in {u.email for u in leaders}:
            emails.append(profile.leader_email)
    return [*leaders, *association], emails


def alert_gap(
    unit: Unit,
    *,
    title: Words,
    body: Words | list,
    link: str | None = None,
    dedupe_key: str,
    now: datetime,
) -> list[User]:
    """Tell the member's leader and the association's handlers about a gap at ``unit``
    (in-app and by e-mail; idempotent by ``dedupe_key``)."""
    member = unit if unit.is_member else unit.member
    users, emails = gap_recipients(member)
    link = link or _link("duty.calendar", member_id=member.id)
    body = lines(*(body if isinstance(body, list) else [body]), RULE)
    for user in users:
        notify_user(user, title=title, body=body, link=link, dedupe_key=dedupe_key, now=now)
    for email in emails:
        queue_mail(
            recipient=email,
            subject=text_of(title),
            body=f"{text_of(body)}\n\n{mail_link(link)}",
            dedupe_key=f"{dedupe_key}:leader-email",
            now=now,
        )
    return users


def notify_on_duty(
    unit: Unit,
    *,
    title: Words,
    body: Words,
    link: str | None,
    dedupe_key: str,
    now: datetime,
    receiver: queries.Receiver | None = None,
) -> list[User]:
    """Tell whoever is on duty for ``unit`` now (in-app and by e-mail through the outbox).
    On a gap, tell the member's leader and the association's handlers instead, saying
    so. Idempotent by ``dedupe_key``. Returns the users notified. ``receiver``: the
    unit's pair and who of it is on duty at ``now``, when the caller has asked already
    (``queries.receiver_at``)."""
    pair: DutyPair | None
    if receiver is not None:
        pair, answer = receiver.pair, receiver.answer
    else:
        pair = queries.pair_for(unit)
        answer = queries.pair_on_duty(pair, now)
    if pair is not None and not answer.is_gap:  # without a pair it is a gap
        handler = pair.handler_a if answer.user_id == pair.handler_a_id else pair.handler_b
        text = (
            lines(body)
            if answer.role == "A"
            else lines(body, Msg(N_("（%(why)s）"), why=answer_msg(answer)))
        )
        notify_user(handler, title=title, body=text, link=link, dedupe_key=dedupe_key, now=now)
        return [handler]
    return alert_gap(
        unit,
        title=Msg(N_("【无人受理】%(title)s"), title=title),
        body=lines(
            Msg(
                N_("%(unit)s当前%(why)s，请立即安排受理。"), unit=unit.name, why=answer_msg(answer)
            ),
            body,
        ),
        link=link,
        dedupe_key=f"{dedupe_key}:gap",
        now=now,
    )


def alert_gaps(now: datetime) -> int:
    """The sweep: for every accepting unit with nobody on duty now, alert the member's
    leader and the association — again on each sweep, deduplicated per unit per hour,
    until fixed. Days off are skipped (nothing is forwarded then, Art. 11). Returns the
    number of units in a gap."""
    if not queries.current_calendar().is_working_day(queries.local_today(now)):
        return 0
    pairs = db.session.scalars(
        select(DutyPair).join(Unit, DutyPair.unit_id == Unit.id).where(Unit.is_active.is_(True))
    ).all()
    hour = now.astimezone(queries.local_tz()).strftime("%Y%m%d%H")
    count = 0
    for pair in pairs:
        answer = queries.on_duty(pair.unit, now)
        if not answer.is_gap:
            continue
        count += 1
        alert_gap(
            pair.unit,
            title=Msg(N_("值班缺口：%(unit)s当前无人受理投诉"), unit=pair.unit.name),
            body=Msg(N_("%(why)s。请立即调整A/B角或不在岗安排。"), why=answer_msg(answer)),
            dedupe_key=f"duty-gap:unit{pair.unit_id}:{hour}",
            now=now,
        )
    return count
