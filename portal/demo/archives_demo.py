"""Demo archive (Art. 8(6)): every closed demo case has its archive number (the closing
step gave it one; a database seeded before the archive existed is numbered here), and
the dossiers of the last complete half year, plus the newest few, are frozen, so the
half-year export and the case page's download links have something to show. The rest
stay due for the sweep or ``flask --app wsgi archives freeze``. Idempotent."""

from datetime import datetime

from sqlalchemy import select

from portal.archives.models import Dossier
from portal.archives.operations import freeze, number_unnumbered
from portal.archives.rules import BEIJING, DossierState
from portal.db import db
from portal.statistics.rules import last_complete_period

LAST_HALF_YEAR_AT_MOST = 40  # each dossier is a PDF: the seed stays quick
NEWEST = 8


def seed_archives(now: datetime) -> str:
    numbered = number_unnumbered(now)
    period = last_complete_period(now.astimezone(BEIJING).date())
    due = select(Dossier).where(Dossier.state == DossierState.DUE)
    chosen = list(
        db.session.scalars(
            due.where(Dossier.closed_on >= period.first_day, Dossier.closed_on <= period.last_day)
            .order_by(Dossier.closed_on)
            .limit(LAST_HALF_YEAR_AT_MOST)
        )
    ) + list(db.session.scalars(due.order_by(Dossier.closed_at.desc()).limit(NEWEST)))
    frozen = 0
    for item in {d.id: d for d in chosen}.values():
        if freeze(item, now).state == DossierState.FROZEN:
            frozen += 1
        db.session.commit()
    return f"archive: {numbered} closed cases numbered now, {frozen} dossiers frozen"
