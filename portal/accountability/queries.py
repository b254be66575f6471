"""Scoped reads: the association sees every accountability case and register entry; a
member bank sees the rows carrying its own ``member_id``; nobody else sees any."""

from datetime import date

from flask import abort
from sqlalchemy import Select, select

from portal.accountability.models import (
    AccountabilityCase,
    AccountabilityDocument,
    AccountabilityEvent,
    Disqualification,
    Interview,
    RateEvidence,
    RectificationPlan,
    Season,
)
from portal.auth.models import User
from portal.db import db
from portal.orgs.scoping import member_filter


def cases_query(user: User) -> Select:
    return select(AccountabilityCase).where(member_filter(user, AccountabilityCase.member_id))


def load_accountability_or_404(user: User, accountability_id: int) -> AccountabilityCase:
    case = db.session.scalar(cases_query(user).where(AccountabilityCase.id == accountability_id))
    if case is None:
        abort(404)
    return case


def disqualifications(user: User, season: Season) -> list[Disqualification]:
    return list(
        db.session.scalars(
            select(Disqualification)
            .where(
                Disqualification.season_id == season.id,
                member_filter(user, Disqualification.member_id),
            )
            .order_by(
                Disqualification.member_id, Disqualification.award.desc(), Disqualification.id
            )
        )
    )


def seasons() -> list[Season]:
    return list(db.session.scalars(select(Season).order_by(Season.starts_on.desc())))


def current_season(today: date) -> Season | None:
    return db.session.scalar(
        select(Season)
        .where(Season.starts_on <= today, Season.ends_on >= today)
        .order_by(Season.starts_on.desc())
    )


def history(case: AccountabilityCase) -> list[AccountabilityEvent]:
    return list(
        db.session.scalars(
            select(AccountabilityEvent)
            .where(AccountabilityEvent.case_id == case.id)
            .order_by(AccountabilityEvent.at, AccountabilityEvent.id)
        )
    )


def interview(case: AccountabilityCase) -> Interview | None:
    return db.session.scalar(select(Interview).where(Interview.case_id == case.id))


def plan(case: AccountabilityCase) -> RectificationPlan | None:
    return db.session.scalar(select(RectificationPlan).where(RectificationPlan.case_id == case.id))


def rate_evidence(case: AccountabilityCase) -> RateEvidence | None:
    return db.session.scalar(select(RateEvidence).where(RateEvidence.case_id == case.id))


def rate_orders(user: User, period: str) -> dict[tuple[int, str], int]:
    """{(member_id, step): case id} of the rectifications ordered from the rates of
    ``period`` that ``user`` may see: one query for the whole statistics table."""
    rows = db.session.execute(
        select(RateEvidence.member_id, RateEvidence.stage, RateEvidence.case_id).where(
            RateEvidence.period == period, member_filter(user, RateEvidence.member_id)
        )
    )
    return {(member_id, stage): case_id for member_id, stage, case_id in rows}


def document(case: AccountabilityCase, kind: str) -> AccountabilityDocument | None:
    return db.session.scalar(
        select(AccountabilityDocument).where(
            AccountabilityDocument.case_id == case.id, AccountabilityDocument.kind == kind
        )
    )


def decisions_for_period(user: User, period) -> list[dict]:
    """The association's decisions on the ladder within ``period`` (a half year), for the
    bulletin (Art. 8(4)): member, the trigger as the reason, the decision taken.

    Plain columns, not objects: a province's half year holds hundreds of decisions."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from portal.accountability.models import AccountabilityEvent
    from portal.accountability.rules import LADDER, STATE_LABELS, TRIGGER_LABELS
    from portal.orgs.models import Unit

    tz = ZoneInfo("Asia/Shanghai")
    start = datetime.combine(period.first_day, time.min, tz)
    end = datetime.combine(period.last_day, time.max, tz)
    outcome = {decision: state for (_, decision), state in LADDER.items()}
    rows = db.session.execute(
        select(
            AccountabilityEvent.action,
            AccountabilityEvent.at,
            AccountabilityCase.trigger,
            Unit.id,
            Unit.name,
        )
        .join(AccountabilityCase, AccountabilityCase.id == AccountabilityEvent.case_id)
        .join(Unit, Unit.id == AccountabilityCase.member_id)
        .where(
            member_filter(user, AccountabilityCase.member_id),
            AccountabilityEvent.action.in_(list(outcome)),
            AccountabilityEvent.at >= start,
            AccountabilityEvent.at <= end,
        )
        .order_by(AccountabilityEvent.at, AccountabilityEvent.id)
    ).all()
    return [
        {
            "member_id": member_id,
            "member": member,
            "reason": TRIGGER_LABELS[trigger],
            "decision": STATE_LABELS[outcome[action]],
            "at": at,
        }
        for action, at, trigger, member_id, member in rows
    ]
