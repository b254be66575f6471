"""The background job table: previews and publishing render in a worker, not a request.

A worker claims one job at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
workers never take the same job; SQLite serialises writers anyway). A claim older than
``STALE_CLAIM`` belongs to a worker that died: the job is taken again, so nothing is
lost. A job that fails ``MAX_ATTEMPTS`` times stays failed with its error shown.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select

from portal.auth.models import User
from portal.bulletins import operations, pdf
from portal.bulletins.models import DONE, FAILED, QUEUED, RUNNING, Bulletin, Job
from portal.db import db

STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 3
log = logging.getLogger(__name__)
PREVIEW, PUBLISH = "bulletin_preview", "bulletin_publish"


def enqueue(kind: str, payload: dict, *, actor: User | None, now) -> Job:
    job = Job(
        kind=kind,
        payload=payload,
        state=QUEUED,
        created_by_id=actor.id if actor else None,
        created_at=now,
    )
    db.session.add(job)
    db.session.flush()
    return job


def claim_next(now) -> Job | None:
    """Take the oldest queued job, or one whose worker stopped answering; commits."""
    query = (
        select(Job)
        .where(
            or_(
                Job.state == QUEUED,
                (Job.state == RUNNING) & (Job.claimed_at <= now - STALE_CLAIM),
            )
        )
        .order_by(Job.created_at, Job.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = db.session.scalar(query)
    if job is None:
        db.session.rollback()
        return None
    job.state, job.claimed_at, job.progress = RUNNING, now, 10
    job.attempts += 1
    db.session.commit()
    return job


def _bulletin(job: Job) -> Bulletin:
    bulletin = db.session.get(Bulletin, int(job.payload["bulletin_id"]))
    if bulletin is None:
        raise LookupError("通报不存在")
    return bulletin


def _render(bulletin: Bulletin) -> bytes:
    return pdf.render_pdf(pdf.build_context(bulletin, bulletin.created_by))


def run_preview(job: Job, now) -> None:
    bulletin = _bulletin(job)
    operations.store_preview(bulletin, _render(bulletin), now=now)
    job.result_id = bulletin.id


def run_publish(job: Job, now) -> None:
    bulletin = _bulletin(job)
    actor = db.session.get(User, int(job.payload["actor_id"]))
    if actor is None:  # users are deactivated, never deleted
        raise LookupError("用户不存在")
    # The number and date of issue first, so the published PDF prints them.
    operations.issue_number(bulletin, actor=actor, now=now)
    context = pdf.build_context(bulletin, bulletin.created_by)
    operations.publish(
        bulletin,
        pdf.render_pdf(context),
        actor=actor,
        now=now,
        change_note=job.payload.get("change_note"),
        figures=context["figures"],  # exactly what the PDF shows
    )
    job.result_id = bulletin.id


HANDLERS: dict[str, Callable[[Job, object], None]] = {PREVIEW: run_preview, PUBLISH: run_publish}


def run(job: Job, now) -> None:
    """Run one claimed job and commit its outcome; a failure rolls back its work."""
    job_id = job.id
    try:
        HANDLERS[job.kind](job, now)
        job.state, job.progress, job.finished_at, job.error = DONE, 100, now, None
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 — any failure is recorded on the job
        db.session.rollback()
        job = db.session.get_one(Job, job_id)  # committed when claimed, never deleted
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        job.progress = 0
        if isinstance(exc, operations.BulletinError) or job.attempts >= MAX_ATTEMPTS:
            job.state, job.finished_at = FAILED, now
        else:
            job.state = QUEUED  # retried by the next claim
        db.session.commit()
        if not isinstance(exc, operations.BulletinError):
            log.exception("job %s failed", job_id)


def work(now_fn, *, once: bool = False, limit: int = 100) -> int:
    """Drain the queue; returns how many jobs ran."""
    count = 0
    while count < limit:
        job = claim_next(now_fn())
        if job is None:
            break
        run(job, now_fn())
        count += 1
        if once:
            break
    return count
