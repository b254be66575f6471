"""How long the deadline sweep takes over 1,000,000 open clocks on PostgreSQL.

Run: ``.venv/bin/python bench/bench_sweep.py [clocks]`` (needs initdb/pg_ctl, like the
tests). Starts a throw-away PostgreSQL cluster, migrates it, builds a small province
(the association, 5 member banks with a handler and a leader each, 10 outlets without
users, so reminders fall back to the bank's handler), and COPYs in the open clocks:

- due dates spread evenly over the 90 days from the sweep's day (2026-11-23, a Monday,
  10:00 Beijing time), each with a start 1-10 days earlier; ~1% already overdue (due in
  the 10 days before), so roughly 1% are due today as well;
- kinds and owners drawn with a fixed seed; no clock met, cancelled or breached yet.

Then it prints the plan (EXPLAIN ANALYZE) of the overdue query and of the breach-marking
UPDATE, and times ``run_sweep``: first the catch-up run that marks every overdue clock
and sends the morning reminders (with their notifications), then the runs every five
minutes that make up most of a day (nothing new to mark), then a run after the
association changed the Art. 12(1) thresholds (every candidate queued again). Targets
(issue 22): the catch-up under 30 s, the later runs under 0.3 s, with an index scan.
"""

import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from flask_migrate import upgrade  # noqa: E402
from pgcluster import PostgresCluster  # noqa: E402
from sqlalchemy import text  # noqa: E402
from support import add_unit, add_user, app_config  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accountability.operations import update_thresholds  # noqa: E402
from portal.accountability.rules import Thresholds  # noqa: E402
from portal.auth.roles import Role  # noqa: E402
from portal.db import db  # noqa: E402
from portal.deadlines.models import UNBREACHED  # noqa: E402
from portal.deadlines.rules import DEADLINE_TZ, ClockKind  # noqa: E402
from portal.jobs.sweep import run_sweep  # noqa: E402
from portal.orgs.rules import UnitKind  # noqa: E402
from portal.workdays.rules import end_of_day  # noqa: E402

SEED = 20261123
DEFAULT_CLOCKS = 1_000_000
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing
OVERDUE_SHARE = 0.01
OVERDUE_QUERY = f"SELECT id FROM clock WHERE due_at < :now AND {UNBREACHED}"
BREACH_UPDATE = (
    f"UPDATE clock SET breached_at = :now WHERE due_at < :now AND {UNBREACHED} RETURNING id"
)
COLUMNS = (
    "case_id, kind, owner_unit_id, owner_path, started_at, limit_days, due_on, due_at, "
    "is_provisional, version"
)


def build_province() -> list:
    """The association, 5 banks with handler and leader, 2 outlets each (no users)."""
    assoc = add_unit(None, UnitKind.ASSOCIATION, "LNBA", "辽宁省银行业协会")
    add_user("assoc-staff", assoc, Role.ASSOC_HANDLER)
    add_user("assoc-leader", assoc, Role.ASSOC_LEADER)
    owners = [assoc]
    for n in range(1, 6):
        bank = add_unit(assoc, UnitKind.MEMBER, f"BANK{n}", f"第{n}银行")
        add_user(f"bank{n}-a", bank, Role.MEMBER_HANDLER)
        add_user(f"bank{n}-leader", bank, Role.MEMBER_LEADER)
        owners.append(bank)
        for m in (1, 2):
            owners.append(add_unit(bank, UnitKind.OUTLET, f"BANK{n}-{m}", f"第{n}银行{m}号网点"))
    db.session.commit()
    return [(unit.id, unit.path, unit.kind) for unit in owners]


def clock_rows(count: int, owners: list):
    """(case_id, kind, owner …) rows; due dates as described in the module docstring."""
    rng = random.Random(SEED)
    today = NOW.astimezone(DEADLINE_TZ).date()
    kinds = {
        UnitKind.ASSOCIATION: [ClockKind.FORWARD],
        UnitKind.MEMBER: [ClockKind.ACCEPT, ClockKind.VERIFY, ClockKind.REPORT],
        UnitKind.OUTLET: [ClockKind.BRANCH_REPLY, ClockKind.PROMISE],
    }
    limits = {"forward": 2, "accept": 1, "verify": 2, "report": 5, "branch_reply": 3}
    for case_id in range(1, count + 1):
        unit_id, path, unit_kind = rng.choice(owners)
        kind = rng.choice(kinds[UnitKind(unit_kind)])
        if rng.random() < OVERDUE_SHARE:
            due_on = today - timedelta(days=rng.randint(1, 10))
        else:
            due_on = today + timedelta(days=rng.randint(0, 89))
        started = datetime.combine(
            due_on - timedelta(days=rng.randint(1, 10)),
            datetime.min.time().replace(hour=rng.randint(8, 17)),
            tzinfo=DEADLINE_TZ,
        ).astimezone(UTC)
        due_at = end_of_day(due_on, DEADLINE_TZ).astimezone(UTC)
        yield (
            case_id,
            kind.value,
            unit_id,
            path,
            started,
            limits.get(kind.value),
            due_on,
            due_at,
            False,
            1,
        )


def bare_complaints(count: int, owners: list) -> None:
    """Complaints 1..count for the clocks to belong to (clock.case_id references
    complaint.id): one INSERT … SELECT over generate_series, nothing but the required
    columns."""
    from portal.complaints.taxonomy import seed_categories

    seed_categories()
    outlet_id, outlet_path, _kind = next(o for o in owners if o[2] == UnitKind.OUTLET)
    db.session.execute(
        text(
            "INSERT INTO complaint (id, tracking_no, state, received_at, received_on, channel, "
            "received_by_id, complainant_name, outlet_id, member_id, category_id, facts, "
            "demand, reply_channel, is_major, is_media, handling_unit_id, handling_path, "
            "created_at, updated_at, "
            "version) "
            "SELECT g, 'BENCH-' || g, 'handling', :at, :day, 'phone', "
            "(SELECT id FROM user_account WHERE username = 'assoc-staff'), '张敏', :outlet, "
            "(SELECT member_id FROM unit WHERE id = :outlet), "
            "(SELECT min(id) FROM complaint_category), '柜员态度差。', '道歉。', 'phone', false, false, "
            ":outlet, :path, :at, :at, 1 FROM generate_series(1, :count) AS g"
        ),
        {"at": NOW, "day": NOW.date(), "outlet": outlet_id, "path": outlet_path, "count": count},
    )
    db.session.execute(text("SELECT setval('complaint_id_seq', :count)"), {"count": count})
    db.session.commit()


def copy_clocks(count: int, owners: list) -> float:
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY clock ({COLUMNS}) FROM STDIN") as copy:
                for row in clock_rows(count, owners):
                    copy.write_row(row)
        raw.driver_connection.commit()
    finally:
        raw.close()
    db.session.execute(text("ANALYZE clock"))
    db.session.commit()
    return time.perf_counter() - started


def explain(sql: str, analyze: bool = True) -> list[str]:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    return list(db.session.execute(text(prefix + sql), {"now": NOW}).scalars())


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CLOCKS
    cluster = PostgresCluster()
    cluster.start()
    try:
        url = cluster.create_database("portal_bench")
        app = create_app(app_config(url, TESTING=False))
        with app.app_context():
            upgrade()
            owners = build_province()
            bare_complaints(count, owners)
            loaded = copy_clocks(count, owners)
            size = db.session.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('clock'))"))
            overdue = db.session.scalar(
                text(f"SELECT count(*) FROM ({OVERDUE_QUERY}) AS o"), {"now": NOW}
            )
            due_today = db.session.scalar(
                text("SELECT count(*) FROM clock WHERE due_on = :d"),
                {"d": date(2026, 11, 23)},
            )
            print(
                f"data: {count:,} open clocks over {len(owners)} owner units, {overdue:,} overdue "
                f"({overdue / count:.1%}), {due_today:,} due today; clock table with indexes "
                f"{size}; loaded by COPY in {loaded:.1f} s (seed {SEED})"
            )

            print("\n-- the overdue query (what the sweep marks)")
            plan = explain(OVERDUE_QUERY)
            print("\n".join(plan))
            print("\n-- the breach-marking UPDATE (rolled back)")
            print("\n".join(explain(BREACH_UPDATE)))
            db.session.rollback()
            uses_index = any("ix_clock_overdue" in line for line in plan)

            catch_up, counts = timed(run_sweep, NOW)
            print(
                f"\ncatch-up sweep (marks every overdue clock, sends the morning reminders, "
                f"looks for Art. 12(1) triggers): {catch_up:.2f} s — {counts['breaches']:,} "
                f"breaches, {counts['reminders']:,} reminders, "
                f"{counts['notifications']:,} notifications; {counts['looked_at']:,} "
                f"complaints looked at, {counts['accountability']} accountability cases opened"
            )
            idle = []
            for minutes in range(5, 35, 5):
                seconds, counts = timed(run_sweep, NOW + timedelta(minutes=minutes))
                db.session.commit()
                assert counts["breaches"] == counts["reminders"] == 0, counts
                idle.append(seconds)
            median = statistics.median(idle)
            print(
                f"sweep every 5 minutes afterwards (nothing new): median {median * 1000:.1f} ms "
                f"over {len(idle)} runs, max {max(idle) * 1000:.1f} ms"
            )
            # New thresholds queue every candidate again (accountability.queue).
            queued, _ = timed(lambda: update_thresholds(Thresholds(3, 2, 6), actor=None, now=NOW))
            db.session.commit()
            again, counts = timed(run_sweep, NOW + timedelta(minutes=40))
            print(
                f"after new thresholds: queued in {queued:.2f} s, the next sweep looked at "
                f"{counts['looked_at']:,} complaints in {again:.2f} s"
            )
            met = catch_up < 30 and median < 0.3 and uses_index
            print(
                f"targets (catch-up < 30 s, then < 0.3 s a run, with an index scan): "
                f"{'met' if met else 'NOT met'}; index used: {uses_index}"
            )
            db.engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
