"""The dashboard's "open now" figures are counted in one statement (``count_inboxes``);
each must equal the count of the inbox list it links to, at any moment."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from support import NOW, make_case, with_duty_roster

from portal.auth.models import User
from portal.complaints.inbox import InboxFilters, count_inbox
from portal.db import db
from portal.statistics.queries import OPEN_NOW, open_now

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("username", ["assoc-staff", "bank1-a"])
def test_each_open_now_figure_is_its_lists_count(app, province, username):
    with_duty_roster(app, province)
    for state in ("registered", "registered", "forwarded", "handling", "at_outlet"):
        make_case(app, province, state=state)
    make_case(app, province, state="forwarded", outlet="bank2-outlet1")
    with app.app_context():
        user = db.session.get(User, province.user(username).id)
        seen_due_today = False
        # From now, when nothing is late, to well after every clock has run out.
        for later in (0, 1, 2, 3, 5, 8, 20):
            now = NOW + timedelta(days=later, hours=3)
            figures = open_now(user, now=now, tz=TZ)
            one_by_one = {
                key: count_inbox(user, InboxFilters(**args), now=now, tz=TZ)
                for key, args in OPEN_NOW
            }
            assert figures == one_by_one, (later, figures, one_by_one)
            seen_due_today = seen_due_today or figures["due_today"] > 0
        assert seen_due_today and figures["breached"] > 0
        assert figures["open"] == figures["breached"]
