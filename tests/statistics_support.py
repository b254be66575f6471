"""A small hand-built data set for the statistics and the bulletin, inserted as rows
so that every expected figure can be worked out by hand (see the table below)."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.complaints.models import Category, Complaint
from portal.complaints.next_due import resync_next_due
from portal.complaints.taxonomy import seed_categories
from portal.db import db
from portal.deadlines.models import Clock
from portal.orgs.models import Unit

# id  member outlet   category channel received    state      finding        satisf.     repeat
# 1   bank1  outlet1  ATT-01   phone   2026-01-10  closed     substantiated  satisfied   -
# 2   bank1  outlet1  ATT-02   letter  2026-02-05  closed     partly         dissatisf.  of 1
# 3   bank1  outlet2  FEE-01   phone   2026-03-01  invalid    -              -           -
# 4   bank2  outlet1  FEE-02   phone   2026-06-30  handling   -              -           -
# 5   bank2  outlet1  ATT-01   email   2026-04-15  registered -              -           -
# 6   bank1  outlet1  ATT-01   phone   2026-07-01  closed     substantiated  satisfied   (2026H2)
# 7   bank1  outlet2  ATT-01   phone   2025-12-31  closed     unsubst.       basically   (2025H2)
# Clocks (kind: on time / late / open): 1 accept on time, verify late; 2 accept on time;
# 4 accept late, verify open; 6 accept late; 7 accept on time.
CASES = [
    (
        "bank1",
        "outlet1",
        "ATT-01",
        "phone",
        date(2026, 1, 10),
        "closed",
        "substantiated",
        "satisfied",
        None,
    ),
    (
        "bank1",
        "outlet1",
        "ATT-02",
        "letter",
        date(2026, 2, 5),
        "closed",
        "partly",
        "dissatisfied",
        0,
    ),
    ("bank1", "outlet2", "FEE-01", "phone", date(2026, 3, 1), "invalid", None, None, None),
    ("bank2", "outlet1", "FEE-02", "phone", date(2026, 6, 30), "handling", None, None, None),
    ("bank2", "outlet1", "ATT-01", "email", date(2026, 4, 15), "registered", None, None, None),
    (
        "bank1",
        "outlet1",
        "ATT-01",
        "phone",
        date(2026, 7, 1),
        "closed",
        "substantiated",
        "satisfied",
        None,
    ),
    (
        "bank1",
        "outlet2",
        "ATT-01",
        "phone",
        date(2025, 12, 31),
        "closed",
        "unsubstantiated",
        "basically",
        None,
    ),
]
CLOCKS = [  # (case index, kind, "on_time" | "late" | "open")
    (0, "accept", "on_time"),
    (0, "verify", "late"),
    (1, "accept", "on_time"),
    (3, "accept", "late"),
    (3, "verify", "open"),
    (5, "accept", "late"),
    (6, "accept", "on_time"),
]


def build_statistics_data(province) -> list[int]:
    """Insert the cases and clocks above; returns the case ids in table order."""
    seed_categories()
    staff = db.session.get(User, province.user("assoc-staff").id)
    assoc = db.session.get(Unit, province.unit("assoc").id)
    ids = []
    for n, (bank, outlet, cat, channel, day, state, finding, satisf, repeat) in enumerate(CASES):
        member = db.session.get(Unit, province.unit(bank).id)
        out = db.session.get(Unit, province.unit(f"{bank}-{outlet}").id)
        holder = assoc if state in ("registered", "invalid") else member
        at = datetime.combine(day, time(2, 0), tzinfo=UTC)
        case = Complaint(
            tracking_no=f"LN{day.year}-9{n:05d}",
            state=state,
            received_at=at,
            received_on=day,
            channel=channel,
            received_by_id=staff.id,
            complainant_name="王芳",
            outlet_id=out.id,
            member_id=member.id,
            category_id=db.session.scalar(select(Category.id).where(Category.code == cat)),
            facts=f"第{n + 1}件投诉的事实。",
            demand="道歉。",
            handling_unit_id=holder.id,
            handling_path=holder.path,
            finding=finding,
            satisfaction=satisf,
            repeat_of_id=ids[repeat] if repeat is not None else None,
            closed_at=at + timedelta(days=10) if state == "closed" else None,
        )
        db.session.add(case)
        db.session.flush()
        ids.append(case.id)
    for index, kind, outcome in CLOCKS:
        case = db.session.get(Complaint, ids[index])
        started = case.received_at
        due = started + timedelta(days=2)
        met = {
            "on_time": started + timedelta(days=1),
            "late": due + timedelta(days=3),
            "open": None,
        }[outcome]
        db.session.add(
            Clock(
                case_id=case.id,
                kind=kind,
                owner_unit_id=case.member_id,
                owner_path=case.member.path,
                started_at=started,
                limit_days=2,
                due_on=due.date(),
                due_at=due,
                met_at=met,
            )
        )
    db.session.flush()
    resync_next_due()  # the clocks went in as rows, not through the clock operations
    db.session.commit()
    return ids


def build_regulator_data(province) -> list[int]:
    """``build_statistics_data`` with what the regulator's figures add (issue 25): the
    code list, codes on cases 1 (A01031, B03, C02) and 4 (A02), bank1 state-owned and
    bank2 joint-stock, and bank1's personal customers (20 million as of 2026-03-31; 30
    million as of 2026-07-31, after 2026H1). Valid cases: 2026H1 — 1, 2 (bank1), 4
    (bank2); 2025H2 — 7 (bank1); 2026H2 — 6 (bank1)."""
    from datetime import date

    from portal.codes.operations import seed_codes
    from portal.duty.models import CustomerReport

    ids = build_statistics_data(province)
    seed_codes()
    cases = [db.session.get(Complaint, i) for i in ids]
    cases[0].code_a, cases[0].code_b, cases[0].code_c = "A01031", "B03", "C02"
    cases[3].code_a = "A02"
    bank1 = db.session.get(Unit, province.unit("bank1").id)
    bank2 = db.session.get(Unit, province.unit("bank2").id)
    bank1.institution_group, bank2.institution_group = "state_owned", "joint_stock"
    for customers, day in ((20_000_000, date(2026, 3, 31)), (30_000_000, date(2026, 7, 31))):
        db.session.add(CustomerReport(member_id=bank1.id, personal_customers=customers, as_of=day))
    db.session.commit()
    return ids
