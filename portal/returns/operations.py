"""Writes on returns: generating a version (frozen at once), recording a download.

Operations flush; the caller (request or command) commits.
"""

import hashlib
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit.operations import record
from portal.auth.models import User
from portal.db import db
from portal.returns import content, rules, writers
from portal.returns.models import RegulatorReturn, ReturnDownload
from portal.statistics.rules import AnyPeriod


class ReturnError(ValueError):
    """A generation refused for a reason the user can fix; the message is a marked
    string (translated where shown)."""

    status = 422


class Unconfirmed(ReturnError):
    """The period has not ended and the user did not confirm generating anyway."""


class VersionTaken(ReturnError):
    """Another generation of the period took this version number first."""

    status = 409


def latest(period_code: str) -> RegulatorReturn | None:
    return db.session.scalar(
        select(RegulatorReturn)
        .where(RegulatorReturn.period == period_code)
        .order_by(RegulatorReturn.version.desc())
        .limit(1)
    )


def latest_overall() -> RegulatorReturn | None:
    """The most recently generated return of any period (the leader's home links it)."""
    return db.session.scalar(
        select(RegulatorReturn)
        .order_by(RegulatorReturn.created_at.desc(), RegulatorReturn.id.desc())
        .limit(1)
    )


def return_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RegulatorReturn)) or 0


def all_returns() -> list[RegulatorReturn]:
    return list(
        db.session.scalars(
            select(RegulatorReturn).order_by(
                RegulatorReturn.period.desc(), RegulatorReturn.version.desc()
            )
        )
    )


def generate(
    period: AnyPeriod,
    *,
    actor: User,
    now,
    today: date,
    change_note: str | None = None,
    confirm_unfinished: bool = False,
) -> RegulatorReturn:
    """A new frozen version of ``period``'s return, as ``actor`` (the association) counts.

    Refused: a period not yet begun; a period not yet ended unless confirmed (its counts
    still grow, so the version says so); a version after the first without a note of
    what it corrects."""
    refusal, unfinished = rules.check_period(period, today)
    if refusal:
        raise ReturnError(refusal)
    if unfinished and not confirm_unfinished:
        raise Unconfirmed(rules.UNFINISHED)
    previous = latest(period.code)
    note = (change_note or "").strip() or None
    refusal = rules.check_note(note, previous is not None)
    if refusal:
        raise ReturnError(refusal)
    version = (previous.version if previous else 0) + 1
    figures = content.build(
        actor, period, version=version, now=now, unfinished=unfinished, change_note=note
    )
    csv_data, xlsx_data = writers.csv_bytes(figures), writers.xlsx_bytes(figures)
    item = RegulatorReturn(
        period=period.code,
        version=version,
        unfinished=unfinished,
        code_version=figures["meta"]["code_version"],
        figures=figures,
        csv=csv_data,
        csv_sha256=hashlib.sha256(csv_data).hexdigest(),
        xlsx=xlsx_data,
        xlsx_sha256=hashlib.sha256(xlsx_data).hexdigest(),
        created_by_id=actor.id,
        created_at=now,
        supersedes_id=previous.id if previous else None,
        change_note=note,
    )
    try:
        # A savepoint: losing the race for the version number leaves the request usable.
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        raise VersionTaken(rules.N_("同一期间的另一版本刚刚生成，请刷新后再试。")) from None
    record(
        actor=actor,
        unit_path=actor.unit.path,
        subject=item,
        action="return.generate",
        changes={
            "period": [None, item.period],
            "version": [None, item.version],
            "csv_sha256": [None, item.csv_sha256],
            "xlsx_sha256": [None, item.xlsx_sha256],
            "change_note": [None, note],
        },
        now=now,
    )
    db.session.flush()
    return item


def record_download(item: RegulatorReturn, *, user: User, kind: str, now) -> None:
    db.session.add(ReturnDownload(return_id=item.id, user_id=user.id, kind=kind, at=now))
    db.session.flush()


def download_counts(ids: list[int]) -> dict[int, int]:
    """{return id: downloads of either file}."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(ReturnDownload.return_id, func.count())
        .where(ReturnDownload.return_id.in_(ids))
        .group_by(ReturnDownload.return_id)
    )
    return {return_id: int(n) for return_id, n in rows}
