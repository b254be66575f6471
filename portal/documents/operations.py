"""Giving document numbers. Flushes; the caller commits (with the document it numbers,
so a failed publication gives back its number and the sequence keeps no gap)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.db import db
from portal.documents.models import DocumentNumber
from portal.documents.rules import KINDS, format_number

ATTEMPTS = 20
# The year of 〔2026〕 and the date of issue are Beijing's, whatever the display setting.
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_date(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


def prefix() -> str:
    return current_app.config["DOCUMENT_PREFIX"]


def number_of(kind: str, ref_id: int) -> DocumentNumber | None:
    return db.session.scalar(
        select(DocumentNumber).where(DocumentNumber.kind == kind, DocumentNumber.ref_id == ref_id)
    )


def numbers_of(kind: str, ref_ids) -> dict[int, DocumentNumber]:
    ids = list(ref_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(DocumentNumber).where(DocumentNumber.kind == kind, DocumentNumber.ref_id.in_(ids))
    )
    return {row.ref_id: row for row in rows}


def issue(kind: str, ref_id: int, *, now: datetime, actor=None, title: str = "") -> DocumentNumber:
    """The document's number, given now if it has none (GB/T 9704-2012 §7.2.4): the next
    of the Beijing year of ``now`` under the configured prefix.

    Two issues at once read the same highest sequence; the unique constraint lets one
    insert and the other retry (in a savepoint, so the caller's transaction stays usable)
    with the sequence read again. On PostgreSQL the loser's insert waits for the winner's
    transaction: if it commits, the loser takes the next number; if it rolls back, the
    loser takes the freed one, so no gap is left."""
    if kind not in KINDS:
        raise ValueError(kind)
    existing = number_of(kind, ref_id)
    if existing is not None:
        return existing
    issued_on = beijing_date(now)
    mark = prefix()
    if db.session.get_bind().dialect.name == "sqlite":
        # pysqlite begins no transaction before a first write, so a savepoint opened
        # first would be the transaction and its release would commit the number at
        # once (kept even if the publication then fails: a gap). A write that changes
        # nothing begins the transaction and takes SQLite's write lock, which also
        # serialises concurrent issues there.
        db.session.execute(text("UPDATE document_number SET seq = seq WHERE 0 = 1"))
    for _ in range(ATTEMPTS):
        last = db.session.scalar(
            select(func.max(DocumentNumber.seq)).where(
                DocumentNumber.prefix == mark, DocumentNumber.year == issued_on.year
            )
        )
        seq = (last or 0) + 1
        row = DocumentNumber(
            prefix=mark,
            year=issued_on.year,
            seq=seq,
            number=format_number(mark, issued_on.year, seq),
            kind=kind,
            ref_id=ref_id,
            title=title[:200],
            issued_on=issued_on,
            issued_at=now,
            issued_by_id=actor.id if actor is not None else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            existing = number_of(kind, ref_id)  # numbered meanwhile by another request
            if existing is not None:
                return existing
            continue
        return row
    raise RuntimeError("no document number could be given: too many concurrent issues")
