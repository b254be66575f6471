"""A half year with codes, groups, customers and an Art. 12 decision, for the regulator
return's tests: ``statistics_support``'s hand-built cases (valid in 2026H1: 1 and 2 at
bank 1, 4 at bank 2; 7 at bank 1 in 2025H2) with codes and groups added."""

from datetime import UTC, date, datetime

from statistics_support import build_statistics_data

from portal.accountability.models import AccountabilityCase, AccountabilityEvent
from portal.auth.models import User
from portal.codes.operations import seed_codes
from portal.complaints.models import Complaint
from portal.db import db
from portal.duty.models import CustomerReport
from portal.orgs.models import Unit


def build_return_data(province) -> list[int]:
    """The data above (inside an app context; commits). Returns the case ids."""
    ids = build_statistics_data(province)
    seed_codes()
    cases = [db.session.get(Complaint, i) for i in ids]
    cases[0].code_a, cases[0].code_b, cases[0].code_c = "A01031", "B03", "C02"
    cases[3].code_a = "A02"
    bank1 = db.session.get(Unit, province.unit("bank1").id)
    bank2 = db.session.get(Unit, province.unit("bank2").id)
    bank1.institution_group, bank2.institution_group = "state_owned", "joint_stock"
    db.session.add(
        CustomerReport(member_id=bank1.id, personal_customers=20_000_000, as_of=date(2026, 3, 31))
    )
    staff = db.session.get(User, province.user("assoc-staff").id)
    case = AccountabilityCase(
        member_id=bank2.id, trigger="media", opened_at=datetime(2026, 5, 4, 2, tzinfo=UTC)
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(
        AccountabilityEvent(
            case_id=case.id,
            at=datetime(2026, 5, 6, 2, tzinfo=UTC),
            actor_id=staff.id,
            action="interview",
        )
    )
    db.session.commit()
    return ids
