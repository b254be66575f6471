"""Detection of the four triggers of Art. 12(1) over the complaints in the database.

Idempotent: every complaint proves a trigger once (``CaseEvidence`` is unique per
trigger and complaint), so it may run as often as it likes.

It looks at some complaints (the seeds) together with every row their triggers are
judged on: the whole repeat chain of each (Art. 12(1)2) and every substantiated
complaint of the same outlet and category in the window (Art. 12(1)3). It keeps the
findings that include a seed. A trigger only becomes true through a change to one of
its complaints (``accountability.queue``), so looking at the changed ones finds what a
pass over the whole province would, at the cost of the changes instead of the province.

- A step that may make a trigger hold (a media or repeat intake, a verification, a
  correction) looks at its own case at once (``detect_changed``);
- the sweep works through the queue (``work_queue``), a member at a time, each slice in
  its own short transaction, so a member's lock is held briefly and a stopped run
  resumes where it stopped;
- ``detect`` looks at the whole province in the caller's transaction (the demo seed).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import Row, and_, delete, exists, or_, select, text
from sqlalchemy.orm import load_only

from portal.accountability import operations
from portal.accountability.models import DetectionQueue
from portal.accountability.rules import CaseRow, Finding, Thresholds, Trigger, months_before
from portal.accountability.rules import detect as detect_rows
from portal.complaints.models import Complaint, ComplaintEvent, Rectification
from portal.db import db
from portal.deadlines.rules import DEADLINE_TZ
from portal.orgs.scoping import across_banks

# What the rules read of a complaint: columns only, so a big province loads no texts.
ROW_COLUMNS = (
    Complaint.id,
    Complaint.member_id,
    Complaint.outlet_id,
    Complaint.category_id,
    Complaint.received_on,
    Complaint.repeat_of_id,
    Complaint.repeat_reason,
    Complaint.finding,
    Complaint.is_media,
)

# Seeds per transaction of the sweep: a member's lock is held for one slice only.
SLICE = 500
# Ids per IN list (SQLite allows some 32,000 parameters a statement).
BATCH = 1000


def _rows(condition) -> list[CaseRow]:
    """The complaints matching ``condition`` as the rules see them, with the two flags."""
    unaccepted = exists().where(
        ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.action == "unaccepted"
    )
    rectified = exists().where(
        Rectification.complaint_id == Complaint.id, Rectification.completed_at.is_not(None)
    )
    query = select(
        *ROW_COLUMNS,
        unaccepted.label("is_unaccepted"),
        rectified.label("has_completed_rectification"),
    ).where(condition)
    return [CaseRow(**row._asdict()) for row in db.session.execute(query)]


def _rows_in(column, values: Iterable) -> list[CaseRow]:
    values = sorted(set(values))
    rows: list[CaseRow] = []
    for start in range(0, len(values), BATCH):
        rows += _rows(column.in_(values[start : start + BATCH]))
    return rows


def _judged_with(seeds: list[CaseRow], today: date, since: date) -> list[CaseRow]:
    """``seeds`` and every row their triggers are judged on, by id."""
    rows = {row.id: row for row in seeds}
    # Art. 12(1)2: up each chain to its root, then down through every repeat of it.
    up = {row.repeat_of_id for row in seeds if row.repeat_of_id is not None}
    while up := up - rows.keys():
        parents = _rows_in(Complaint.id, up)
        rows.update((row.id, row) for row in parents)
        up = {row.repeat_of_id for row in parents if row.repeat_of_id is not None}
    down = set(rows)
    while down:
        repeats = [row for row in _rows_in(Complaint.repeat_of_id, down) if row.id not in rows]
        rows.update((row.id, row) for row in repeats)
        down = {row.id for row in repeats}
    # Art. 12(1)3: the same outlet and category, substantiated, inside the window.
    groups = sorted(
        {
            (row.outlet_id, row.category_id)
            for row in seeds
            if row.finding == "substantiated" and since < row.received_on <= today
        }
    )
    for start in range(0, len(groups), BATCH // 2):
        pairs = groups[start : start + BATCH // 2]
        same_kind = or_(
            *(and_(Complaint.outlet_id == o, Complaint.category_id == c) for o, c in pairs)
        )
        for row in _rows(
            and_(same_kind, Complaint.finding == "substantiated", Complaint.received_on > since)
        ):
            rows.setdefault(row.id, row)
    return sorted(rows.values(), key=lambda row: row.id)


def findings_for(seed_ids: Iterable[int], today: date, limits: Thresholds) -> list[Finding]:
    """Every trigger that holds with one of ``seed_ids`` among its complaints."""
    seeds = _rows_in(Complaint.id, seed_ids)
    wanted = {row.id for row in seeds}
    since = months_before(today, limits.recurring_months)
    return [
        finding
        for finding in detect_rows(_judged_with(seeds, today, since), today, limits)
        if wanted.intersection(finding.complaint_ids)
    ]


# pg_advisory_xact_lock(key, member id): one member's accountability cases being written.
MEMBER_LOCK_KEY = 1_212  # Art. 12


def _lock_member(member_id: int) -> None:
    if db.session.get_bind().dialect.name == "postgresql":  # SQLite has one writer anyway
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:key, :member)"),
            {"key": MEMBER_LOCK_KEY, "member": member_id},
        )


def save(findings: Sequence[Finding], now: datetime) -> int:
    """Open or extend the members' cases with ``findings``: one call per member and
    trigger, whatever the number of findings. Returns how many cases changed."""
    evidence: dict[tuple[int, str], set[int]] = defaultdict(set)
    for finding in findings:
        evidence[(finding.member_id, finding.trigger.value)].update(finding.complaint_ids)
    # Two detections at once (two findings saved, or one and the sweep) would both see the
    # same complaints unproven: the second waits here for the first to commit, then finds
    # its case and evidence. Members in ascending order, so two runs cannot deadlock.
    for member in sorted({member for member, _trigger in evidence}):
        _lock_member(member)
    changed = 0
    for (member, trigger), ids in sorted(evidence.items()):
        complaints = db.session.scalars(
            select(Complaint)
            .options(load_only(Complaint.id, Complaint.outlet_id, Complaint.tracking_no))
            .where(Complaint.id.in_(sorted(ids)))
            .order_by(Complaint.id)
        ).all()
        changed += operations.open_or_add_evidence(
            trigger=Trigger(trigger), member_id=member, complaints=complaints, now=now
        )
    return changed


def _today(now: datetime) -> date:
    return now.astimezone(DEADLINE_TZ).date()


def detect_changed(complaint_ids: Iterable[int], now: datetime) -> int:
    """At once, for a step's own cases, in the caller's transaction. Returns how many
    accountability cases changed."""
    # A repeat chain may run beyond the member's wall in the database (orgs/scoping.py):
    # the rules need all of it. Read to decide, never shown.
    with across_banks():
        return save(findings_for(complaint_ids, _today(now), operations.thresholds()), now)


def _candidate_ids() -> list[int]:
    unaccepted = exists().where(
        ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.action == "unaccepted"
    )
    return list(
        db.session.scalars(
            select(Complaint.id).where(
                or_(
                    Complaint.is_media.is_(True),
                    Complaint.repeat_of_id.is_not(None),
                    Complaint.finding == "substantiated",
                    unaccepted,
                )
            )
        )
    )


def detect(now: datetime) -> dict:
    """Over the whole province, in the caller's transaction; returns counts."""
    findings = findings_for(_candidate_ids(), _today(now), operations.thresholds())
    return {"findings": len(findings), "changed": save(findings, now)}


def work_queue(now: datetime, *, progress: Callable[[int, dict], None] | None = None) -> dict:
    """The sweep's detection: the queued complaints, grouped by member, ``SLICE`` at a
    time, each slice detected, saved, taken off the queue and committed on its own.
    ``progress(member id, counts so far)`` after each slice. Returns the counts."""
    today, limits = _today(now), operations.thresholds()
    queued: list[Row] = list(
        db.session.execute(
            select(DetectionQueue.id, DetectionQueue.complaint_id, Complaint.member_id)
            .join(Complaint, Complaint.id == DetectionQueue.complaint_id)
            .order_by(Complaint.member_id, DetectionQueue.id)
        )
    )
    db.session.commit()
    by_member: dict[int, list[Row]] = defaultdict(list)
    for entry in queued:
        by_member[entry.member_id].append(entry)
    counts = {"looked_at": 0, "findings": 0, "changed": 0}
    for member, entries in by_member.items():
        for start in range(0, len(entries), SLICE):
            part = entries[start : start + SLICE]
            findings = findings_for((e.complaint_id for e in part), today, limits)
            counts["changed"] += save(findings, now)
            for first in range(0, len(part), BATCH):
                done = [e.id for e in part[first : first + BATCH]]
                db.session.execute(delete(DetectionQueue).where(DetectionQueue.id.in_(done)))
            db.session.commit()
            counts["looked_at"] += len(part)
            counts["findings"] += len(findings)
            if progress is not None:
                progress(member, counts)
    return counts
