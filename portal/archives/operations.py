"""Writes of the archive: numbering at closure, freezing dossiers, the retention setting
and the erasure it orders (Art. 8(6), 9(5), 10(3)). They flush, never commit; the
commands commit."""

import logging
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Integer, bindparam, func, select, text, update
from sqlalchemy import case as when

from portal.archives import dossier as documents
from portal.archives.models import DUE_SQL, ArchiveSettings, CaseArchive, Dossier
from portal.archives.rules import (
    BEIJING,
    DEFAULT_RETENTION_YEARS,
    ERASED,
    DossierState,
    archive_number,
    closure_year,
    erased_detail,
    next_version,
    retention_cutoff,
)
from portal.audit import operations as audit
from portal.complaints.models import Attachment, Complaint, ComplaintEvent, Rectification
from portal.complaints.rules import OPEN_STATES
from portal.db import PREPARE, db
from portal.orgs.models import Unit

log = logging.getLogger(__name__)

# One atomic upsert, as the tracking numbers' (complaints.operations): two app servers
# closing cases at the same instant never share an archive number.
_NEXT_ARCHIVE_SEQ = (
    text(
        "INSERT INTO archive_counter (year, last) VALUES (:year, 1)"
        " ON CONFLICT (year) DO UPDATE SET last = archive_counter.last + 1"
        " RETURNING last"
    )
    .columns(last=Integer)
    .execution_options(**PREPARE)
)


def number_closed_case(case: Complaint, now: datetime) -> Dossier:
    """Art. 8(6): the case was closed. Its archive number is given at the first closure
    and kept after; each closure marks a new dossier version due. Rendering waits for
    the freeze (``freeze_due``): the closing step stays a few statements."""
    archive = db.session.scalar(select(CaseArchive).where(CaseArchive.complaint_id == case.id))
    if archive is None:
        year = closure_year(now)
        seq = db.session.execute(_NEXT_ARCHIVE_SEQ, {"year": year}).scalar_one()
        db.session.add(
            CaseArchive(complaint_id=case.id, archive_no=archive_number(year, seq), closed_at=now)
        )
        version = 1
    else:
        versions = db.session.scalars(
            select(Dossier.version).where(Dossier.complaint_id == case.id)
        ).all()
        version = next_version(list(versions))
    issued = Dossier(
        complaint_id=case.id,
        version=version,
        state=DossierState.DUE,
        closed_at=now,
        closed_on=now.astimezone(BEIJING).date(),
    )
    db.session.add(issued)
    db.session.flush()
    return issued


def number_unnumbered(now: datetime) -> int:
    """Number the closed cases that have no archive number (closed before the archive
    existed, or by a bulk load that sent no signal), in order of closure."""
    numbered = select(CaseArchive.complaint_id)
    cases = db.session.scalars(
        select(Complaint)
        .where(Complaint.state == "closed", Complaint.closed_at.is_not(None))
        .where(Complaint.id.not_in(numbered))
        .order_by(Complaint.closed_at, Complaint.id)
    ).all()
    for case in cases:
        assert case.closed_at is not None
        number_closed_case(case, case.closed_at)
    return len(cases)


def freeze(item: Dossier, now: datetime) -> Dossier:
    """Render, hash and store one due dossier; a frozen one is left as issued."""
    if item.state != DossierState.DUE:
        return item
    archive = db.session.scalar(
        select(CaseArchive).where(CaseArchive.complaint_id == item.complaint_id)
    )
    case = db.session.get_one(Complaint, item.complaint_id)
    if archive is None or case.state in OPEN_STATES:
        # Reopened before its dossier was rendered: the next closure issues the record.
        return item
    issued = documents.issue(case, item, archive)
    item.pdf, item.pdf_sha256, item.pdf_size = issued.pdf, issued.pdf_sha256, len(issued.pdf)
    item.zip, item.zip_sha256, item.zip_size = issued.zip, issued.zip_sha256, len(issued.zip)
    item.attachment_count = issued.attachment_count
    item.state, item.frozen_at = DossierState.FROZEN, now
    db.session.flush()
    return item


def due_ids(limit: int | None = None) -> list[int]:
    query = select(Dossier.id).where(text(DUE_SQL)).order_by(Dossier.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def freeze_due(
    now: datetime,
    *,
    limit: int | None = None,
    commit_each: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Freeze the due dossiers (up to ``limit``), oldest first; returns how many were
    frozen. ``commit_each``: a command commits each one, so a long catch-up keeps what
    it did and a failure loses one dossier's work."""
    ids = due_ids(limit)
    done = 0
    for position, dossier_id in enumerate(ids, start=1):
        item = db.session.get(Dossier, dossier_id)
        try:
            if item is not None and freeze(item, now).state == DossierState.FROZEN:
                done += 1
            if commit_each:
                db.session.commit()
        except Exception:
            if not commit_each:
                raise
            # One dossier that cannot be rendered stays due and is told in the log; the
            # others are not held up behind it.
            db.session.rollback()
            log.exception("dossier %s could not be frozen", dossier_id)
        if progress:
            progress(position, len(ids))
    return done


# -- Retention ------------------------------------------------------------------------


def retention_years() -> int:
    row = db.session.get(ArchiveSettings, 1)
    return row.retention_years if row is not None else DEFAULT_RETENTION_YEARS


def _settings_row() -> ArchiveSettings:
    row = db.session.get(ArchiveSettings, 1)
    if row is None:
        row = ArchiveSettings(id=1, retention_years=DEFAULT_RETENTION_YEARS)
        db.session.add(row)
        db.session.flush()
    return row


def _association_path() -> str:
    return db.session.scalar(select(Unit.path).where(Unit.parent_id.is_(None))) or "/"


def update_retention(years: int, *, actor, now: datetime) -> bool:
    """The association administrator sets the retention period; audited."""
    row = _settings_row()
    if row.retention_years == years and row.updated_at is not None:
        return False
    before = row.retention_years
    row.retention_years, row.updated_by_id, row.updated_at = years, actor.id, now
    audit.record(
        actor=actor,
        unit_path=_association_path(),
        subject=row,
        action="archive_retention_changed",
        changes={"retention_years": [before, years]},
        now=now,
    )
    db.session.flush()
    return True


# Closed in one of these states: the case holds personal data and no work is left.
FINAL_STATES = ("closed", "invalid", "referred", "duplicate")
BATCH = 500


def expired_case_ids(today: date, years: int) -> list[int]:
    """The cases closed longer ago than the retention period whose personal data is
    still there (erased ones read ``ERASED`` as their complainant's name)."""
    cutoff = retention_cutoff(today, years)
    return list(
        db.session.scalars(
            select(Complaint.id)
            .where(
                Complaint.closed_at < cutoff,
                Complaint.state.in_(FINAL_STATES),
                Complaint.complainant_name != ERASED,
            )
            .order_by(Complaint.id)
        )
    )


def erase_expired(
    *, today: date, now: datetime, years: int | None = None, dry_run: bool = False, actor=None
) -> dict:
    """Erase the personal data of the cases closed longer ago than the retention period
    (Art. 8(6), 9(5), 10(3) keep the archive; PIPL Art. 19 limits how long personal data
    is kept). The figures stay: states, categories, units, dates, findings, clocks and
    the shape of the history are untouched, so every statistic counts as before. One
    audit entry per run; a dry run writes nothing."""
    years = years if years is not None else retention_years()
    ids = expired_case_ids(today, years)
    cutoff = retention_cutoff(today, years)
    counts: dict = {"years": years, "cutoff": cutoff, "cases": len(ids)}
    counts["dossiers"] = (
        db.session.scalar(
            select(func.count())
            .select_from(Dossier)
            .where(Dossier.complaint_id.in_(ids), Dossier.state != DossierState.ERASED)
        )
        if ids
        else 0
    )
    if dry_run or not ids:
        return counts
    for start in range(0, len(ids), BATCH):
        _erase_cases(ids[start : start + BATCH], now)
    audit.record(
        actor=actor,
        unit_path=_association_path(),
        subject=_settings_row(),
        action="archive_personal_data_erased",
        changes={
            "retention_years": years,
            "closed_before": cutoff.isoformat(),
            "cases": len(ids),
            "dossiers": counts["dossiers"],
            "first_case_id": ids[0],
            "last_case_id": ids[-1],
        },
        now=now,
    )
    db.session.flush()
    return counts


_EVENT_UPDATE = (
    update(ComplaintEvent.__table__)
    .where(ComplaintEvent.__table__.c.id == bindparam("event_id"))
    .values(note=bindparam("new_note"), detail=bindparam("new_detail"))
)


def _erase_cases(ids: list[int], now: datetime) -> None:
    # Set-based statements: the history's append-only guard (complaints.models) is for
    # the application's steps; erasure under the retention rule is the one exception,
    # and it keeps every entry, its time, actor and action.
    table = Complaint.__table__
    db.session.execute(
        update(table)
        .where(table.c.id.in_(ids))
        .values(
            complainant_name=ERASED,
            mobile_enc=None,
            mobile_hash=None,
            mobile_masked=None,
            id_number_enc=None,
            id_number_hash=None,
            id_number_masked=None,
            address=None,
            staff=None,
            facts=ERASED,
            demand=ERASED,
            invalid_reason=when((table.c.invalid_reason.is_(None), None), else_=ERASED),
            intake_token=None,
            version=table.c.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(
        select(ComplaintEvent.id, ComplaintEvent.note, ComplaintEvent.detail).where(
            ComplaintEvent.complaint_id.in_(ids)
        )
    ).all()
    changed = []
    for event_id, note, detail in rows:
        new_note = ERASED if note else None
        new_detail = erased_detail(detail or {})
        if new_note != note or new_detail != (detail or {}):
            changed.append({"event_id": event_id, "new_note": new_note, "new_detail": new_detail})
    if changed:
        db.session.execute(_EVENT_UPDATE, changed)
    rect = Rectification.__table__
    db.session.execute(
        update(rect)
        .where(rect.c.complaint_id.in_(ids))
        .values(
            opinion=ERASED,
            owner=None,
            completion_note=when((rect.c.completion_note.is_(None), None), else_=ERASED),
        )
        .execution_options(synchronize_session=False)
    )
    files = Attachment.__table__
    db.session.execute(
        update(files)
        .where(files.c.complaint_id.in_(ids))
        .values(filename=ERASED, data=b"")  # size and SHA-256 name what was erased
        .execution_options(synchronize_session=False)
    )
    for item in db.session.scalars(
        select(Dossier).where(Dossier.complaint_id.in_(ids), Dossier.state != DossierState.ERASED)
    ):
        item.state, item.pdf, item.zip, item.erased_at = DossierState.ERASED, None, None, now
    archives = CaseArchive.__table__
    db.session.execute(
        update(archives)
        .where(archives.c.complaint_id.in_(ids), archives.c.erased_at.is_(None))
        .values(erased_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    # Objects of these cases already in the session must not write back what they held.
    for obj in list(db.session.identity_map.values()):
        if (
            isinstance(obj, Complaint | ComplaintEvent | Rectification | Attachment)
            and getattr(obj, "complaint_id", getattr(obj, "id", None)) in ids
        ):
            db.session.expire(obj)
