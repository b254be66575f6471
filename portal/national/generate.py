"""``flask demo generate``: a national-scale data set for benchmarks and load tests.

It builds its own world on an empty, migrated database (see ``world``), then
streams the complaints in chunks (``cases``), then the accountability cases
(``accountability``), with bulk inserts: COPY on PostgreSQL, executemany on SQLite.
Ids are chosen by the generator; on PostgreSQL the sequences are moved past them, the
secondary indexes are built after the load, and the database is vacuumed and analysed at
the end. Everything but that last step is one transaction.

Logins (password ``demo12345`` for all):

- ``n-assoc`` and ``n-assoc2`` (association handlers), ``n-assoc-admin``,
  ``n-assoc-leader``;
- per member bank ``m`` (``m0001`` is the biggest, sizes fall like 1/m):
  ``n-m0001-admin``, ``n-m0001-a`` and ``n-m0001-b`` (handlers A and B, Art. 7),
  ``n-m0001-leader``, and ``n-m0001-c01`` … at its city branches, if it has any;
- per outlet ``k`` (numbered from 1 across the province, unit code ``O000001``):
  ``n-o000001`` …

Every complaint whose id is a multiple of 1000 has a long history (about 30 entries
when it got far enough before now).
"""

import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, select, text

from portal.auth.models import User
from portal.complaints.next_due import resync_next_due
from portal.db import db
from portal.national import accountability, tables
from portal.national.bulk import BulkWriter, IndexesAfterLoad, TimeFormat
from portal.national.cases import CaseGenerator
from portal.national.schedule import day_start, local_ordinal, schedule
from portal.national.world import build_world
from portal.orgs.models import Unit
from portal.statistics.rules import last_complete_period
from portal.web import clock

TARGET_SHARE = 0.10  # of all complaints, in the last complete half year
# Tables whose ids the generator chooses: their sequences move past them afterwards.
GENERATED_IDS = (
    "unit",
    "user_account",
    "complaint",
    "complaint_event",
    "clock",
    "clock_event",
    "rectification",
    *accountability.TABLES,
)


class GenerateRefused(Exception):
    """The database is not one ``generate`` may fill."""


def check_database() -> None:
    """Refuse unless the database is migrated to the head and holds no units."""
    directory = current_app.extensions["migrate"].directory
    config = Config()
    config.set_main_option("script_location", directory)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        raise GenerateRefused(
            "the database is not migrated to the latest revision "
            f"(at {', '.join(sorted(current)) or 'nothing'}); run `flask db upgrade` first"
        )
    if db.session.scalar(select(func.count()).select_from(Unit)):
        raise GenerateRefused(
            "the database already holds units: generate builds its own association, members "
            "and outlets, so it only runs on an empty (freshly migrated) database"
        )


def people_pool(complaints: int) -> int:
    return max(50, min(40_000, complaints // 25))


def generate(
    *,
    complaints: int,
    members: int,
    outlets: int,
    seed: int,
    years: float = 5,
    chunk: int = 20_000,
    echo: Callable[[str], None] = print,
) -> dict:
    """Fill the database; returns the counts written and the time taken."""
    if members < 1 or outlets < members:
        raise GenerateRefused("need at least one member and at least one outlet per member")
    if complaints < 0:
        raise GenerateRefused("the number of complaints cannot be negative")
    check_database()
    started = time.perf_counter()
    now_dt = clock.now()
    now = int(now_dt.timestamp())
    today = local_ordinal(now)
    first = today - round(365.25 * years) + 1
    start_dt = datetime.fromtimestamp(day_start(first), UTC)

    world = build_world(
        members=members,
        outlets=outlets,
        people=people_pool(complaints),
        seed=seed,
        start=start_dt,
    )
    echo(
        f"world: {len(world.members)} members, {len(world.outlets)} outlets, "
        f"{sum(len(m.branches) for m in world.members)} city branches, "
        f"{len(world.people)} complainants ({time.perf_counter() - started:.1f} s)"
    )
    from portal.accountability.operations import thresholds
    from portal.workdays.store import current_calendar

    calendar = current_calendar()
    today_date = date.fromordinal(today)
    period = last_complete_period(today_date)
    limits = thresholds()
    fmt = TimeFormat(db.engine.dialect.name, first - 30, today + 400)
    since = _months_before(today_date, limits.recurring_months).toordinal()
    writer = BulkWriter(tables.TABLES)
    cases = CaseGenerator(
        world,
        writer=writer,
        fmt=fmt,
        calendar=calendar,
        now=now,
        first=first,
        accept_limit=current_app.config.get("ACCEPT_LIMIT_DAYS", 1),
        seed=seed,
        since=since,
    )
    counts = schedule(
        complaints,
        first,
        today,
        now,
        (period.first_day.toordinal(), period.last_day.toordinal()),
        TARGET_SHARE,
        calendar,
        cases.rng,
    )
    loading = time.perf_counter()
    _fast_load()
    indexes = IndexesAfterLoad([*tables.TABLES, *accountability.TABLES])
    indexes.drop()
    cases.run(counts, _progress(complaints, writer, loading, echo), chunk)
    _tracking_counters(cases.tracking)

    acc_writer = BulkWriter(accountability.TABLES | {"complaint_event": tables.EVENT_COLUMNS})
    generator = accountability.AccountabilityGenerator(
        world, writer=acc_writer, fmt=fmt, now=now, ids=cases.ids, seed=seed
    )
    opened = generator.run(cases.candidates, today_date, limits)
    acc_writer.flush()
    acc_writer.finish()
    echo(f"loaded in {time.perf_counter() - loading:.0f} s; building the indexes")
    building = time.perf_counter()
    indexes.rebuild()
    echo(f"indexes: {time.perf_counter() - building:.1f} s")
    # The clocks went in directly, not through the clock operations that keep each
    # case's next_due_at (the inboxes' order): set it once from the open clocks.
    resync_next_due()
    _reset_sequences()
    criticised = _criticise(generator.interviews_overdue[-2:], now_dt, today_date, first)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Statistics for the planner, and the visibility map set so that aggregates can
        # be answered from indexes alone, as on a database that has been running a while.
        analysing = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
        echo(f"VACUUM (ANALYZE): {time.perf_counter() - analysing:.1f} s")
    elapsed = time.perf_counter() - started
    summary = {
        "complaints": cases.ids["complaint"],
        "events": cases.ids["event"],
        "clocks": cases.ids["clock"],
        "clock_events": cases.ids["clock_event"],
        "rectifications": cases.ids["rect"],
        "repeats": cases.counts["repeats"],
        "long_histories": cases.counts["long"],
        "accountability_cases": opened,
        "criticised": criticised,
        "rows": writer.written + acc_writer.written,
        "period": period.code,
        "in_period": sum(
            c
            for i, c in enumerate(counts)
            if period.first_day.toordinal() <= first + i <= period.last_day.toordinal()
        ),
        "seconds": round(elapsed, 1),
    }
    echo(
        f"done in {elapsed:.0f} s: {summary['complaints']:,} complaints "
        f"({summary['in_period']:,} received in {period.code}), {summary['events']:,} history "
        f"entries, {summary['clocks']:,} clocks, {summary['clock_events']:,} clock events, "
        f"{summary['repeats']:,} repeats, {opened:,} accountability cases; "
        f"{summary['rows']:,} rows written"
    )
    return summary


def _months_before(day: date, months: int) -> date:
    from portal.accountability.rules import months_before

    return months_before(day, months)


def _fast_load() -> None:
    """On PostgreSQL, skip the per-row foreign-key triggers while loading when allowed
    (superuser): every id written is one the generator chose from rows it wrote before,
    and the SQLite tests run with foreign keys enforced. Reset at commit (SET LOCAL)."""
    if db.engine.dialect.name != "postgresql":
        return
    superuser = db.session.scalar(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    )
    if superuser:
        db.session.execute(text("SET LOCAL session_replication_role = replica"))


def _progress(total: int, writer: BulkWriter, started: float, echo):
    def report(done: int) -> None:
        elapsed = max(time.perf_counter() - started, 1e-6)
        rate = writer.written / elapsed
        left = elapsed / done * (total - done) if done else 0
        echo(
            f"  {done:,}/{total:,} complaints ({done / max(total, 1):.0%}) · "
            f"{writer.written:,} rows · {rate:,.0f} rows/s · {elapsed:.0f} s, "
            f"ETA {left:.0f} s"
        )

    return report


def _tracking_counters(tracking: dict[int, int]) -> None:
    from portal.complaints.models import TrackingCounter

    if tracking:
        db.session.execute(
            TrackingCounter.__table__.insert(),
            [{"year": year, "last": last} for year, last in sorted(tracking.items())],
        )


def _reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return  # SQLite takes max(id) + 1 by itself
    db.session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
    for table in GENERATED_IDS:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)'
            )
        )


def _criticise(case_ids: list[int], now: datetime, today: date, first: int) -> int:
    """Art. 12(2): a couple of overdue interviews end in public criticism, through the
    real operation (it renders the notice and the regulator letter as PDFs)."""
    from portal.accountability import operations
    from portal.accountability.models import AccountabilityCase, Season

    seasons = {}
    for year in range(date.fromordinal(first).year, today.year + 1):
        season = Season(
            name=f"{year}年度优服创建活动赛季",
            starts_on=date(year, 1, 1),
            ends_on=date(year, 12, 31),
        )
        db.session.add(season)
        seasons[year] = season
    db.session.flush()
    leader = db.session.scalar(select(User).where(User.username == "n-assoc-leader"))
    done = 0
    for case_id in case_ids:
        case = db.session.get(AccountabilityCase, case_id)
        operations.criticise(
            case,
            actor=leader,
            now=now,
            today=today,
            reason="约见谈话后整改逾期未完成。",
            recurred=False,
            season=seasons[today.year],
            regulator=current_app.config["REGULATOR_NAME"],
        )
        done += 1
    return done
