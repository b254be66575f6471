"""Writes on bulletins: drafts, narratives, publishing, corrections, downloads.

Operations flush; the caller (request or job) commits.
"""

import hashlib

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.auth.models import User
from portal.auth.roles import MEMBER_ROLES
from portal.bulletins.models import DRAFT, NARRATIVE_FIELDS, PUBLISHED, Bulletin, BulletinDownload
from portal.bulletins.rules import bulletin_title
from portal.db import db
from portal.documents import operations as documents
from portal.notify.message import Msg, Named
from portal.notify.operations import Note, notify_many
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind
from portal.statistics import published, queries
from portal.statistics.rules import Period, parse_period


def N_(text: str) -> str:  # marks a message for extraction; translated where shown
    return text


def bulletin_title_en(period_code: str) -> str:
    return f"Banking complaints bulletin of Liaoning, {parse_period(period_code).label_en}"


class BulletinError(ValueError):
    """A step refused for a reason the user can fix; the message is shown (translated by
    the template)."""


class DraftExists(BulletinError):
    """The period has its open draft already (one per period); ``draft`` is it."""

    def __init__(self, draft: Bulletin):
        super().__init__(
            gettext(
                "%(period)s 已有草稿（第%(version)s版），请打开该草稿继续编辑。",
                period=draft.period,
                version=draft.version,
            )
        )
        self.draft = draft


def draft_of(period: Period) -> Bulletin | None:
    return db.session.scalar(
        select(Bulletin).where(Bulletin.period == period.code, Bulletin.state == DRAFT)
    )


def latest_published(period_code: str) -> Bulletin | None:
    return db.session.scalar(
        select(Bulletin)
        .where(Bulletin.period == period_code, Bulletin.state == PUBLISHED)
        .order_by(Bulletin.version.desc())
        .limit(1)
    )


def create_draft(period: Period, *, actor: User, now) -> Bulletin:
    """Art. 8(4): the association drafts the period's bulletin. If a version is already
    published, the draft is its correction: it copies the narrative and supersedes it."""
    existing = draft_of(period)
    if existing is not None:
        raise DraftExists(existing)
    last_version = db.session.scalar(
        select(func.max(Bulletin.version)).where(Bulletin.period == period.code)
    )
    previous = latest_published(period.code)
    bulletin = Bulletin(
        period=period.code,
        version=(last_version or 0) + 1,
        state=DRAFT,
        title=bulletin_title(period.label),
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        typical_case_ids=list(previous.typical_case_ids) if previous else [],
        supersedes_id=previous.id if previous else None,
    )
    for name in NARRATIVE_FIELDS:
        setattr(bulletin, name, getattr(previous, name) if previous else "")
    try:
        # A savepoint: losing the race below must leave the request's transaction usable.
        # (On SQLite, pysqlite begins no transaction before a first write, so there this
        # savepoint is the transaction and its release commits the draft at once.)
        with db.session.begin_nested():
            db.session.add(bulletin)
    except IntegrityError:
        # Another request saved the period's draft between the check above and this
        # insert (uq_bulletin_open_draft, or the same version number): answer with it.
        existing = draft_of(period)
        if existing is None:
            raise
        raise DraftExists(existing) from None
    return bulletin


def update_draft(bulletin: Bulletin, *, now, typical_case_ids=None, **narrative) -> None:
    if bulletin.state != DRAFT:
        raise BulletinError(N_("已发布的通报不能修改，请新建更正版本。"))
    for name, value in narrative.items():
        if name not in NARRATIVE_FIELDS:
            raise TypeError(name)
        setattr(bulletin, name, value or "")
    if typical_case_ids is not None:
        bulletin.typical_case_ids = [int(i) for i in typical_case_ids]
    bulletin.updated_at = now
    db.session.flush()


def store_preview(bulletin: Bulletin, pdf: bytes, *, now) -> None:
    bulletin.preview_pdf = pdf
    bulletin.preview_at = now
    db.session.flush()


def issue_number(bulletin: Bulletin, *, actor: User, now):
    """The bulletin version's document number and date of issue (GB/T 9704-2012 §7.2.4,
    辽银协〔2026〕12号), given at publication, before its PDF is rendered, and never to a
    draft that is not being published. It commits with the publication: a publication
    that fails gives it back, so the year's sequence keeps no gap."""
    if bulletin.state != DRAFT:
        raise BulletinError(N_("该版本已发布。"))
    return documents.issue("bulletin", bulletin.id, now=now, actor=actor, title=bulletin.title)


def publish(
    bulletin: Bulletin,
    pdf: bytes,
    *,
    actor: User,
    now,
    change_note: str | None,
    figures: tuple[dict, list[dict]] | None = None,
) -> None:
    """Freeze the version: its PDF and SHA-256 are stored and never regenerated in place
    (Art. 8(4)), and so are the figures it was rendered from (``figures``, the headline
    and member table of ``statistics.queries.overview``; counted now when not given), for
    the annexes and dashboards to repeat. A correction must say what changed. Members
    are notified."""
    if bulletin.state != DRAFT:
        raise BulletinError(N_("该版本已发布。"))
    if bulletin.supersedes_id and not (change_note or "").strip():
        raise BulletinError(N_("更正版本须说明修改内容。"))
    issue_number(bulletin, actor=actor, now=now)  # given already when the PDF shows it
    bulletin.pdf = pdf
    bulletin.sha256 = hashlib.sha256(pdf).hexdigest()
    bulletin.change_note = (change_note or "").strip() or None
    bulletin.state = PUBLISHED
    bulletin.published_at = now
    bulletin.published_by_id = actor.id
    bulletin.preview_pdf = None
    db.session.flush()
    head, members = figures or queries.overview(actor, parse_period(bulletin.period))
    published.freeze(
        bulletin.period,
        bulletin_id=bulletin.id,
        version=bulletin.version,
        published_at=now,
        head=head,
        members=members,
    )
    notify_many(
        [
            Note(
                user_id=user.id,
                title=Msg(
                    N_("%(title)s已发布（第%(version)s版）"),
                    title=Named(bulletin.title, bulletin_title_en(bulletin.period)),
                    version=bulletin.version,
                ),
                body=bulletin.change_note or "",
                link=f"/bulletins/{bulletin.id}",
                dedupe_key=f"bulletin-published:{bulletin.id}",
            )
            for user in member_users()
        ],
        now=now,
    )


def member_users() -> list[User]:
    """The member banks' own people (administrators, handlers, leaders) at active members."""
    return list(
        db.session.scalars(
            select(User)
            .join(Unit, Unit.id == User.unit_id)
            .where(
                Unit.kind == UnitKind.MEMBER,
                Unit.is_active.is_(True),
                User.is_active.is_(True),
                User.role.in_([r.value for r in MEMBER_ROLES]),
            )
            .order_by(User.id)
        )
    )


def record_download(bulletin: Bulletin, *, user: User, now, kind: str = "bulletin") -> None:
    db.session.add(
        BulletinDownload(
            bulletin_id=bulletin.id,
            member_id=user.unit.member_id if user.unit.kind != UnitKind.ASSOCIATION else None,
            user_id=user.id,
            kind=kind,
            at=now,
        )
    )
    db.session.flush()


def downloads_by_member(bulletin: Bulletin) -> dict[str | None, int]:
    """Downloads of ``bulletin`` (and its annexes) per member name; None: the association."""
    rows = db.session.execute(
        select(Unit.name, func.count())
        .select_from(BulletinDownload)
        .outerjoin(Unit, Unit.id == BulletinDownload.member_id)
        .where(BulletinDownload.bulletin_id == bulletin.id)
        .group_by(Unit.name)
        .order_by(Unit.name)
    )
    return {name: count for name, count in rows}
