"""Art. 7 and 12(1)1: a forwarded complaint nobody accepts by the accept clock's due time
escalates to the member's leader and the association, and the case history records it."""

from datetime import UTC, datetime

from sqlalchemy import select
from support import make_case, with_duty_roster

from portal.complaints.models import ComplaintEvent
from portal.db import db
from portal.jobs.sweep import run_sweep
from portal.notify.models import Notification

FORWARDED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Beijing
# Accept by the end of the next working day: Tuesday 11/24 23:59:59 Beijing.
BEFORE = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 23:00 Beijing
AFTER = datetime(2026, 11, 24, 16, 1, tzinfo=UTC)  # Wednesday 00:01 Beijing


def test_unaccepted_complaint_escalates_once(make_app, province):
    app = make_app(FROZEN_NOW=FORWARDED)
    with_duty_roster(app, province)
    case_id = make_case(app, province, state="forwarded")
    with app.app_context():
        run_sweep(BEFORE)
        db.session.commit()
        assert not db.session.scalars(
            select(ComplaintEvent).where(
                ComplaintEvent.complaint_id == case_id, ComplaintEvent.action == "unaccepted"
            )
        ).all()
        for _ in range(2):  # a second sweep adds nothing
            run_sweep(AFTER)
            db.session.commit()
        events = db.session.scalars(
            select(ComplaintEvent).where(
                ComplaintEvent.complaint_id == case_id, ComplaintEvent.action == "unaccepted"
            )
        ).all()
        assert len(events) == 1
        told = {
            n.user.username for n in db.session.scalars(select(Notification)) if "超期" in n.title
        }
    # The handlers A and B, the member's leader in charge, and the association's handlers.
    assert {"bank1-a", "bank1-b", "bank1-leader", "assoc-staff"} <= told
    assert "bank2-a" not in told
