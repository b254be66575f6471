"""Issue 3 meets the case page: a calendar change that moves a deadline shows in the
case history (Art. 11), and so does a breach."""

from datetime import UTC, date, datetime

from support import make_case, sign_in

from portal.auth.models import User
from portal.db import db
from portal.workdays.store import current_calendar, set_day

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 Beijing: forward due Wed 11/25


def test_calendar_change_and_breach_appear_in_the_case_history(make_app, province):
    app = make_app(FROZEN_NOW=MONDAY)
    case_id = make_case(app, province, state="registered")
    with app.app_context():
        admin = db.session.get(User, province.user("assoc-admin").id)
        # A snowstorm day off on Tuesday 11/24 pushes the 2-day forward limit to Thursday.
        set_day(date(2026, 11, 24), False, "暴雪停工", "省政府通知", admin, MONDAY)
        db.session.commit()
        assert not current_calendar().is_working_day(date(2026, 11, 24))
    client = app.test_client()
    sign_in(client, "assoc-staff")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "工作日历调整，期限已重新计算" in html
    assert "2026年11月26日 23:59" in html


def test_the_repeat_chain_names_only_cases_the_reader_may_see(app, province):
    """A repeat handled at another bank is not named on this bank's case page; the
    association, which sees both, gets both links (tenancy: every case read is scoped)."""
    from portal.complaints.models import Complaint

    original = make_case(app, province, state="handling")
    here = make_case(app, province, state="handling")
    elsewhere = make_case(app, province, state="handling", outlet="bank2-outlet1")
    with app.app_context():
        for case_id in (here, elsewhere):
            db.session.get(Complaint, case_id).repeat_of_id = original
        db.session.commit()
        numbers = {i: db.session.get(Complaint, i).tracking_no for i in (original, here, elsewhere)}
    bank, other_bank, staff = app.test_client(), app.test_client(), app.test_client()
    sign_in(bank, "bank1-a")
    sign_in(other_bank, "bank2-a")
    sign_in(staff, "assoc-staff")
    seen_by_bank = bank.get(f"/cases/{original}").get_data(as_text=True)
    seen_by_staff = staff.get(f"/cases/{original}").get_data(as_text=True)
    assert numbers[here] in seen_by_bank and numbers[elsewhere] not in seen_by_bank
    assert numbers[here] in seen_by_staff and numbers[elsewhere] in seen_by_staff
    # The other way round: a repeat names the case it repeats only to those who may see it.
    assert f'原投诉：<a href="/cases/{original}">{numbers[original]}' in bank.get(
        f"/cases/{here}"
    ).get_data(as_text=True)
    repeat_at_bank2 = other_bank.get(f"/cases/{elsewhere}").get_data(as_text=True)
    assert numbers[elsewhere] in repeat_at_bank2 and numbers[original] not in repeat_at_bank2
    assert "原投诉：" not in repeat_at_bank2
