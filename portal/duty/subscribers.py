"""Art. 6: a member's handlers are reported to the association. A change of a handler
made through user administration joins the contact reports like any other."""

from datetime import datetime

from portal.auth.models import User
from portal.auth.signals import user_changed
from portal.duty.operations import report_user_change


@user_changed.connect
def report_handler_change(user: User, *, changes: dict, actor, now: datetime) -> None:
    report_user_change(user, changes, actor=actor, now=now)
