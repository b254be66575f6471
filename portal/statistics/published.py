"""One truth for a period's figures (Art. 8(4)): what the bulletin published, kept.

The dashboard and the Excel export count live, so a case corrected, closed, marked as a
duplicate or reassigned after publication moves today's figures away from the PDF's. The
bulletin's figures are frozen when it is published (``freeze``); the annex repeats them
and the dashboard shows them beside the live ones, saying which counts differ and why.
"""

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.db import db
from portal.statistics.models import PublishedFigures

# The counts a reader compares with the bulletin, in the order shown.
COMPARED = (
    ("received", _l("受理投诉")),
    ("valid", _l("有效投诉")),
    ("closed", _l("办结")),
    ("major", _l("重大投诉")),
)
COMPARED_COUNTS = tuple(key for key, _label in COMPARED)


def freeze(period_code: str, *, bulletin_id: int, version: int, published_at, head, members):
    """Keep the figures a bulletin version was rendered from (plain JSON data)."""
    row = PublishedFigures(
        period=period_code,
        bulletin_id=bulletin_id,
        version=version,
        published_at=published_at,
        # Through JSON once, so what is stored is exactly what is read back.
        head=json.loads(json.dumps(head, default=str)),
        members=json.loads(json.dumps(members, default=str)),
    )
    db.session.add(row)
    db.session.flush()
    return row


def latest(period_code: str) -> PublishedFigures | None:
    """The figures of the period's newest published bulletin version, if any."""
    return db.session.scalar(
        select(PublishedFigures)
        .where(PublishedFigures.period == period_code)
        .order_by(PublishedFigures.version.desc(), PublishedFigures.id.desc())
        .limit(1)
    )


def of_bulletin(bulletin_id: int) -> PublishedFigures | None:
    return db.session.scalar(
        select(PublishedFigures).where(PublishedFigures.bulletin_id == bulletin_id)
    )


def figures_for(published: PublishedFigures, member_id: int | None) -> dict | None:
    """The published figures of one member (its row of the member table), or of the
    whole province (``member_id`` None); None when the bulletin had no row for it."""
    if member_id is None:
        return published.head
    return next((m for m in published.members if m.get("member_id") == member_id), None)


@dataclass(frozen=True)
class Difference:
    label: str
    published: object
    live: object


def differences(published: dict | None, live: dict) -> list[Difference]:
    """The compared counts that moved since publication (a member with no row in the
    bulletin had no case then: its published counts are zero)."""
    published = published or {}
    return [
        Difference(str(label), published.get(key) or 0, live.get(key) or 0)
        for key, label in COMPARED
        if (published.get(key) or 0) != (live.get(key) or 0)
    ]
