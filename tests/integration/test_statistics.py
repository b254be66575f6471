"""The statistics against the hand-built data set of ``statistics_support`` — the
expected numbers are worked out by hand from its table."""

from zoneinfo import ZoneInfo

from statistics_support import build_statistics_data

from portal.auth.models import User
from portal.db import db
from portal.statistics import queries
from portal.statistics.rules import parse_period

H1 = parse_period("2026H1")
TZ = ZoneInfo("Asia/Shanghai")


def _user(province, key):
    return db.session.get(User, province.user(key).id)


def test_headline_figures_for_the_association(app, province):
    with app.app_context():
        build_statistics_data(province)
        figures = queries.headline(_user(province, "assoc-staff"), H1)
        # Cases 1-5 fall in 2026H1 (6 is 1 July, 7 is 31 December 2025).
        assert figures["received"] == 5
        assert figures["valid"] == 3  # 1, 2, 4 (3 invalid, 5 undecided)
        assert figures["forwarded"] == 3  # accept clocks on 1, 2, 4
        assert figures["closed"] == 2
        assert figures["substantiated"] == 2  # substantiated + partly
        assert figures["visited"] == 2 and figures["satisfied"] == 1
        assert figures["satisfaction_rate"] == 0.5
        assert figures["repeats"] == 1 and figures["repeat_rate"] == 0.2
        assert figures["on_time"]["accept"] == 2 / 3  # 1, 2 on time; 4 late
        assert figures["on_time"]["verify"] == 0.0  # 1 late; 4 still open
        assert figures["on_time"]["report"] is None  # none met: shown as "—"


def test_previous_period_and_boundaries(app, province):
    with app.app_context():
        build_statistics_data(province)
        staff = _user(province, "assoc-staff")
        assert queries.headline(staff, H1.previous())["received"] == 1  # case 7
        h2 = queries.headline(staff, parse_period("2026H2"))
        assert h2["received"] == 1 and h2["on_time"]["accept"] == 0.0  # case 6


def test_member_table_category_channel_month_outlets(app, province):
    with app.app_context():
        build_statistics_data(province)
        staff = _user(province, "assoc-staff")
        rows = {r["member_name"]: r for r in queries.member_table(staff, H1)}
        bank1, bank2 = rows["第1银行辽宁省分行"], rows["第2银行辽宁省分行"]
        assert (bank1["received"], bank1["valid"], bank1["repeats"]) == (3, 2, 1)
        assert bank1["on_time"]["accept"] == 1.0 and bank1["on_time"]["verify"] == 0.0
        assert (bank2["received"], bank2["valid"]) == (2, 1)
        assert bank2["on_time"]["accept"] == 0.0 and bank2["satisfaction_rate"] is None
        cats = [(c["name"], c["count"], c["substantiated"]) for c in queries.by_category(staff, H1)]
        assert cats == [("服务态度", 3, 2), ("收费", 2, 0)]
        assert queries.by_channel(staff, H1) == [
            {"channel": "phone", "count": 3},
            {"channel": "email", "count": 1},
            {"channel": "letter", "count": 1},
        ]
        assert [m["count"] for m in queries.by_month(staff, H1)] == [1, 1, 1, 1, 0, 1]
        outlets = queries.top_outlets(staff, H1)
        assert [(o["name"], o["count"]) for o in outlets] == [("第1银行和平支行1号网点", 2)]
        assert queries.accountability_decisions(staff, H1) == []


def test_a_member_sees_only_its_own_subtree(app, province):
    with app.app_context():
        build_statistics_data(province)
        bank2 = _user(province, "bank2-a")
        # Case 5 (bank2, registered) is still held by the association: not the member's.
        assert queries.headline(bank2, H1)["received"] == 1
        assert [r["member_name"] for r in queries.member_table(bank2, H1)] == ["第2银行辽宁省分行"]


def test_average_working_days_per_step(app, province):
    with app.app_context():
        build_statistics_data(province)
        staff = _user(province, "assoc-staff")
        # accept: case 1 Sat 10 Jan → Sun 11 Jan: 0; case 2 Thu 5 Feb → Fri 6 Feb: 1;
        # case 4 Tue 30 Jun → Sun 5 Jul: 3 (1-3 July). verify: case 1 → Thu 15 Jan: 4.
        days = queries.headline(staff, H1)["working_days"]
        assert days["accept"] == 4 / 3 and days["verify"] == 4.0
        assert days["report"] is None
        rows = {r["member_name"]: r["working_days"] for r in queries.member_table(staff, H1)}
        assert rows["第1银行辽宁省分行"]["accept"] == 0.5
        assert rows["第2银行辽宁省分行"]["accept"] == 3.0


def test_member_table_counts_the_periods_accountability_decisions(app, province):
    """Art. 12: each decision on the ladder counts for its member in the period in which
    it was taken (opening a case is not a decision)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from portal.accountability import operations
    from portal.accountability.models import AccountabilityCase
    from portal.complaints.models import Complaint

    with app.app_context():
        ids = build_statistics_data(province)
        staff = _user(province, "assoc-leader")
        bank1 = province.unit("bank1").id
        in_h1 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
        in_h2 = datetime(2026, 7, 2, 2, 0, tzinfo=UTC)
        first = db.session.get(Complaint, ids[0])
        second = db.session.get(Complaint, ids[1])
        operations.open_or_add_evidence(
            trigger="unaccepted", member_id=bank1, complaints=[first], now=in_h1
        )
        operations.open_or_add_evidence(
            trigger="repeat", member_id=bank1, complaints=[second], now=in_h1
        )
        cases = db.session.scalars(select(AccountabilityCase).order_by(AccountabilityCase.id)).all()
        operations.decide(cases[0], "interview", actor=staff, now=in_h1, reason="约谈")
        operations.decide(cases[1], "dismiss", actor=staff, now=in_h2, reason="已说明")
        db.session.commit()
        rows = {r["member_name"]: r for r in queries.member_table(staff, H1)}
        assert rows["第1银行辽宁省分行"]["decisions"] == 1  # the interview; dismissal is H2
        assert rows["第2银行辽宁省分行"]["decisions"] == 0
        decisions = queries.accountability_decisions(staff, H1)
        assert [(d["member_id"], d["decision"]) for d in decisions] == [(bank1, "约见谈话")]
        bank2_view = queries.member_table(_user(province, "bank2-a"), H1)
        assert [r["decisions"] for r in bank2_view] == [0]


def test_working_days_of_odd_steps_are_counted_exactly(app, province):
    """A step recorded as done before it started counts 0 days, and one finished long
    after the period (beyond the table of working-day numbers) is still counted with the
    calendar: both agree with a clock-by-clock count."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from portal.complaints.models import Complaint
    from portal.deadlines.models import Clock
    from portal.workdays.store import current_calendar

    with app.app_context():
        ids = build_statistics_data(province)
        first = db.session.get(Complaint, ids[0])
        owner = first.member_id
        late = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)
        for kind, started, met in (
            ("verify", late, late - timedelta(days=3)),  # "done" three days before it began
            ("report", late, late + timedelta(days=600)),  # beyond the table of numbers
        ):
            db.session.add(
                Clock(
                    case_id=first.id,
                    kind=kind,
                    owner_unit_id=owner,
                    owner_path=first.member.path,
                    started_at=started,
                    limit_days=5,
                    due_on=started.date(),
                    due_at=started,
                    met_at=met,
                )
            )
        db.session.flush()
        calendar = current_calendar()
        in_h1 = select(Complaint.id).where(
            Complaint.received_on >= H1.first_day, Complaint.received_on <= H1.last_day
        )
        clocks = db.session.scalars(
            select(Clock).where(
                Clock.case_id.in_(in_h1), Clock.met_at.is_not(None), Clock.cancelled_at.is_(None)
            )
        ).all()
        expected = {}
        for clock in clocks:
            days = calendar.working_days_between(
                clock.started_at.astimezone(TZ).date(), clock.met_at.astimezone(TZ).date()
            )
            total, n = expected.get(clock.kind, (0, 0))
            expected[clock.kind] = (total + days, n + 1)
        figures = queries.headline(_user(province, "assoc-staff"), H1)["working_days"]
        assert {k: v for k, v in figures.items() if v is not None} == {
            k: total / n for k, (total, n) in expected.items()
        }
        assert expected["report"][1] == 1 and expected["verify"][1] == 2
