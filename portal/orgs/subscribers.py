"""What the unit tree does when a lower domain tells it something (receivers of
``portal.auth.signals``)."""

from sqlalchemy import select

from portal.audit.operations import record
from portal.auth.signals import unknown_user_refused
from portal.db import db
from portal.orgs.models import Unit


@unknown_user_refused.connect
def record_unknown_user(_sender, *, changes: dict, now) -> None:
    """A refused sign-in under a name nobody has: recorded under the association, whose
    administrators watch for guessing."""
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    if root is not None:
        record(
            actor=None,
            unit_path=root.path,
            subject=root,
            action="sign_in_failed",
            changes=changes,
            now=now,
        )
