"""Scoped reads of the members' summaries: the association sees every member's, a
member's people their own member's (another member's id answers 404), branch officers
none. The figures come from the statistics (``statistics.queries``), so a summary and
the dashboard count alike."""

from datetime import UTC, date, datetime

from flask import abort
from sqlalchemy import Select, select

from portal.auth.models import User
from portal.db import db
from portal.deadlines.rules import LIFECYCLE_KINDS
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.orgs.scoping import member_filter
from portal.statistics import queries as statistics
from portal.statistics.rules import Period
from portal.summaries.models import Countermeasure, PeriodSummary, SummaryEvent
from portal.summaries.rules import FIGURES, SummaryStatus, is_overdue, standing, to_remind


def summaries_query(user: User) -> Select:
    return select(PeriodSummary).where(member_filter(user, PeriodSummary.member_id))


def load_summary_or_404(user: User, summary_id: int) -> PeriodSummary:
    summary = db.session.scalar(summaries_query(user).where(PeriodSummary.id == summary_id))
    if summary is None:
        abort(404)
    return summary


def load_countermeasure_or_404(user: User, countermeasure_id: int) -> Countermeasure:
    measure = db.session.scalar(
        select(Countermeasure)
        .join(PeriodSummary, PeriodSummary.id == Countermeasure.summary_id)
        .where(
            Countermeasure.id == countermeasure_id,
            member_filter(user, PeriodSummary.member_id),
        )
    )
    if measure is None:
        abort(404)
    return measure


def versions(summary: PeriodSummary) -> list[PeriodSummary]:
    return list(
        db.session.scalars(
            select(PeriodSummary)
            .where(
                PeriodSummary.member_id == summary.member_id,
                PeriodSummary.period == summary.period,
            )
            .order_by(PeriodSummary.number)
        )
    )


def history(summary: PeriodSummary) -> list[SummaryEvent]:
    """The history of every version of this member's summary for the period."""
    ids = [v.id for v in versions(summary)]
    return list(
        db.session.scalars(
            select(SummaryEvent).where(SummaryEvent.summary_id.in_(ids)).order_by(SummaryEvent.id)
        )
    )


def own_summaries(user: User) -> list[PeriodSummary]:
    return list(
        db.session.scalars(
            summaries_query(user).order_by(PeriodSummary.period.desc(), PeriodSummary.number.desc())
        )
    )


def members() -> list[Unit]:
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.kind == UnitKind.MEMBER, Unit.is_active.is_(True))
            .order_by(Unit.path)
        )
    )


def standings(period: Period) -> list[dict]:
    """The association's table for ``period``: each member, its standing, its latest
    version (submitted or draft) and when it was last reminded."""
    rows = db.session.execute(
        select(PeriodSummary.member_id, PeriodSummary.status, PeriodSummary.id)
        .where(PeriodSummary.period == period.code)
        .order_by(PeriodSummary.number)
    ).all()
    statuses: dict[int, list[str]] = {}
    shown: dict[int, int] = {}
    submitted: dict[int, int] = {}
    for member_id, status, summary_id in rows:
        statuses.setdefault(member_id, []).append(status)
        shown[member_id] = summary_id
        if status == SummaryStatus.SUBMITTED:
            submitted[member_id] = summary_id
    summaries = {
        s.id: s
        for s in db.session.scalars(
            select(PeriodSummary).where(PeriodSummary.id.in_(list(shown.values())))
        )
    }
    reminded = _last_reminders(period)
    table = []
    for member in members():
        summary_id = submitted.get(member.id) or shown.get(member.id)
        table.append(
            {
                "member": member,
                "standing": standing(statuses.get(member.id, [])),
                "summary": summaries.get(shown.get(member.id, 0)),
                "link_id": summary_id,
                "reminded_at": reminded.get(member.id),
            }
        )
    return table


def _last_reminders(period: Period) -> dict[int, datetime]:
    from portal.audit.models import AuditEntry

    found: dict[int, datetime] = {}
    for subject_id, at, changes in db.session.execute(
        select(AuditEntry.subject_id, AuditEntry.at, AuditEntry.changes).where(
            AuditEntry.action == "summary_reminded", AuditEntry.subject_type == "Unit"
        )
    ):
        if (changes or {}).get("period", [None, None])[1] == period.code:
            found[subject_id] = max(at, found.get(subject_id, at))
    return found


def not_submitted(period: Period) -> list[Unit]:
    """The members a reminder for ``period`` goes to (``rules.to_remind``)."""
    rows = {row["member"].id: row for row in standings(period)}
    chosen = to_remind({member_id: row["standing"] for member_id, row in rows.items()})
    return [rows[member_id]["member"] for member_id in chosen]


def live_figures(user: User, member_id: int, period: Period, now: datetime) -> dict:
    """The member's statistics for the period, as a summary keeps them: the counts, the
    rates, each step's on-time rate and the five most frequent categories (the same
    aggregations as the dashboard, ``statistics.queries``)."""
    head = statistics.headline(user, period, member_id=member_id)
    categories = statistics.by_category(user, period, member_id=member_id)[:5]
    return {
        "period": period.code,
        "taken_at": now.astimezone(UTC).isoformat(),
        "counts": {name: int(head.get(name) or 0) for name in FIGURES},
        "satisfaction_rate": head.get("satisfaction_rate"),
        "repeat_rate": head.get("repeat_rate"),
        "on_time": {k.value: head["on_time"].get(k.value) for k in LIFECYCLE_KINDS},
        "categories": [
            {
                "name": c["name"],
                "name_en": c.get("name_en"),
                "count": c["count"],
                "substantiated": c["substantiated"],
            }
            for c in categories
        ],
    }


def measures_to_follow(user: User, *, only: str | None, today: date) -> list[Countermeasure]:
    """The countermeasures of each member's latest submitted summary (a correction's
    copies replace the earlier version's), in scope; ``only``: "overdue" or a status."""
    latest_ids: dict[tuple[int, str], tuple[int, int]] = {}
    for summary_id, member_id, period, number in db.session.execute(
        select(
            PeriodSummary.id, PeriodSummary.member_id, PeriodSummary.period, PeriodSummary.number
        ).where(
            PeriodSummary.status == SummaryStatus.SUBMITTED,
            member_filter(user, PeriodSummary.member_id),
        )
    ):
        key = (member_id, period)
        if key not in latest_ids or latest_ids[key][1] < number:
            latest_ids[key] = (summary_id, number)
    ids = [summary_id for summary_id, _ in latest_ids.values()]
    if not ids:
        return []
    measures = list(
        db.session.scalars(
            select(Countermeasure)
            .where(Countermeasure.summary_id.in_(ids))
            .order_by(Countermeasure.due_on, Countermeasure.id)
        )
    )
    if only == "overdue":
        return [m for m in measures if is_overdue(m.status, m.due_on, today)]
    if only:
        return [m for m in measures if m.status == only]
    return measures
