"""The statistics and the bulletin of one half year at a million complaints (issue 7).

Run: ``.venv/bin/python bench/bench_statistics.py`` (needs initdb/pg_ctl, like the tests).
By default it starts a throw-away PostgreSQL cluster, migrates it and fills it with
``flask demo generate`` (1,000,000 complaints over five years, 100,000 of them in the last
complete half year; 200 banks, 20,000 outlets; about 12 minutes on two cores). With
``--database-url URL`` it reuses a database generated that way (e.g. /work/bigpg).

It prints:
- the data size;
- the time of each function of ``portal.statistics.queries`` for the half year as the
  association's handler (``n-assoc``), fresh session each time: the first run and the
  median of ``--repeat`` runs; then the regulator's breakdowns of
  ``portal.statistics.regulator`` (issue 25: per bank, per group, per JR/T 0169-2018 code
  of each axis, by code and group, the business lines); their total called one by one,
  and as the dashboard, the export and the bulletin call them (``overview`` gives the
  headline and the member table from the same passes; the dashboard's regulator section
  adds the banks and the three axes, one pass each) — target: under 1 s;
- the plans (EXPLAIN ANALYZE, BUFFERS) of the slowest statements;
- the bulletin PDF of the half year rendered in a child process: time to gather the
  figures, time to render, pages, size and the child's peak memory (targets: under
  15 s and 500 MB).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pgcluster import ALL_BANKS_ROLE, APP_ROLE  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.db import db  # noqa: E402

FUNCTIONS = (
    "headline",
    "member_table",
    "by_category",
    "by_channel",
    "by_month",
    "top_outlets",
    "accountability_decisions",
    "overview",  # headline and member table from the same two passes
)
SEPARATE = FUNCTIONS[:7]
# The regulator's breakdowns (issue 25, ``portal.statistics.regulator``): each one pass
# over the period's and the previous period's valid complaints.
REGULATOR = (
    "bank_rows",
    "group_rows",
    "code_rows A",
    "code_rows B",
    "code_rows C",
    "code_rows A level 3",
    "code_group_counts B",
    "business_lines",
    "axes_rows",  # A, B and C in one pass
)
# What the dashboard, the Excel export and the bulletin call for a half year; the
# dashboard's regulator section adds the banks (groups are made from them) and the three
# axes at level 1 in one pass (the business lines are the B axis).
PAGE = ("overview", "by_category", "by_channel", "by_month", "top_outlets")
PAGE += ("accountability_decisions",)
REGULATOR_PAGE = ("bank_rows", "axes_rows")
TARGET_TOTAL, TARGET_RENDER, TARGET_MEMORY = 1.0, 15.0, 500


def make_app(url: str):
    # Through the web servers' walled role (a cluster kept by bench_latency), the
    # association's requests take the all-banks role, as in production (docs/deployment.md).
    walled = f"//{APP_ROLE}@" in url
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": False,
            "DATABASE_ALL_BANKS_ROLE": ALL_BANKS_ROLE if walled else None,
        }
    )


def data_size() -> str:
    counts = {
        table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
        for table in ("complaint", "complaint_event", "clock", "clock_event", "unit")
    }
    size = db.session.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    return (
        f"{counts['complaint']:,} complaints, {counts['complaint_event']:,} history entries, "
        f"{counts['clock']:,} clocks, {counts['clock_event']:,} clock events, "
        f"{counts['unit']:,} units; database {size}"
    )


class Statements:
    """Every SQL statement run, with its parameters and time."""

    def __init__(self, engine):
        self.log: list[tuple[float, str, object, str]] = []
        self.label = ""
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany):
        took = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
        self.log.append((took, statement, params, self.label))


def _backend_cpu(pid: int) -> float:
    """CPU seconds the server process ``pid`` has used (the database runs on this host)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _call(name: str):
    """The function a name of FUNCTIONS or REGULATOR stands for, as f(user, period)."""
    from portal.statistics import queries, regulator

    if name in FUNCTIONS:
        return getattr(queries, name)
    function, *rest = name.split()
    if function == "code_rows":
        level = int(rest[2]) if len(rest) > 1 else 1
        return lambda user, period: regulator.code_rows(user, period, rest[0], level)
    if function == "code_group_counts":
        return lambda user, period: regulator.code_group_counts(user, period, rest[0])
    return getattr(regulator, function)


def time_functions(app, period, repeat: int, statements: Statements, names=FUNCTIONS):
    """Wall time of each function, fresh session each time; then its CPU time (server
    process + this one) with parallel query off: what it costs an idle core."""
    from portal.auth.models import User

    runs: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for n in range(repeat):
        for name in names:
            with app.app_context():
                user = db.session.scalar(select(User).where(User.username == "n-assoc"))
                statements.label = name if n == repeat - 1 else ""
                started = time.perf_counter()
                _call(name)(user, period)
                runs[name].append(time.perf_counter() - started)
                statements.label = ""
                db.session.rollback()
            with app.app_context():
                user = db.session.scalar(select(User).where(User.username == "n-assoc"))
                pid = db.session.scalar(text("SELECT pg_backend_pid()"))
                db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
                server, client = _backend_cpu(pid), time.process_time()
                _call(name)(user, period)
                cpu[name].append(_backend_cpu(pid) - server + time.process_time() - client)
                db.session.rollback()
    return runs, cpu


def explain(app, statements: Statements, count: int) -> None:
    last = [entry for entry in statements.log if entry[3]]
    slowest = sorted(last, key=lambda entry: entry[0], reverse=True)[:count]
    with app.app_context():
        connection = db.session.connection()
        for took, statement, params, label in slowest:
            print(f"\n-- {label}: {took * 1000:.0f} ms\n{statement.strip()[:400]} …")
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
            ).scalars()
            print("\n".join(plan))
        db.session.rollback()


def render_child(url: str, period_code: str, out: str) -> None:
    """In a fresh process: gather the bulletin's figures and render it; print JSON."""
    from weasyprint import HTML

    from portal.auth.models import User
    from portal.bulletins import pdf
    from portal.bulletins.models import Bulletin
    from portal.bulletins.rules import bulletin_title
    from portal.statistics.rules import parse_any_period

    app = make_app(url)
    period = parse_any_period(period_code)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "n-assoc"))
        # A draft that is never stored: the benchmark leaves the database as it was.
        bulletin = Bulletin(
            period=period.code,
            version=1,
            state="draft",
            title=bulletin_title(period.label),
            typical_case_ids=[],
            overview="",
            typical_cases_note="",
            advice="",
            next_steps="",
        )
        started = time.perf_counter()
        context = pdf.build_context(bulletin, user)
        gathered = time.perf_counter() - started
        html = pdf.render_html(context)
        document = HTML(string=html, base_url=None, url_fetcher=pdf.refuse_fetch).render()
        data = document.write_pdf()
        rendered = time.perf_counter() - started - gathered
        Path(out).write_bytes(data)
        from portal.statistics import export

        annex_started = time.perf_counter()
        with app.test_request_context():  # its sheet titles are translated
            annex = export.workbook(user, period).getvalue()
        annex_seconds = time.perf_counter() - annex_started
        db.session.rollback()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(
        json.dumps(
            {
                "gather": gathered,
                "render": rendered,
                "pages": len(document.pages),
                "bytes": len(data),
                "peak_mb": peak,
                "members": len(context["members"]) + len(context.get("members_slowest", [])),
                "members_total": context["members_total"],
                "decisions": len(context["accountability"]),
                "decisions_total": context["accountability_total"],
                "annex_seconds": annex_seconds,
                "annex": len(annex),
            }
        )
    )


def bulletin(url: str, period_code: str) -> None:
    out = f"/tmp/bench-bulletin-{period_code}.pdf"
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--render-child", url, period_code, out],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if child.returncode != 0:
        print(child.stdout, child.stderr)
        raise SystemExit("the bulletin child failed")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    total = result["gather"] + result["render"]
    print(
        f"\nbulletin {period_code}: figures {result['gather']:.1f} s + rendering "
        f"{result['render']:.1f} s = {total:.1f} s ({wall:.1f} s with the process start); "
        f"{result['pages']} pages, {result['bytes'] / 1024:.0f} KB, peak memory "
        f"{result['peak_mb']:.0f} MB; {result['members']} members listed of "
        f"{result['members_total']}, {result['decisions']} decisions listed of "
        f"{result['decisions_total']}; written to {out}"
    )
    print(
        f"the association's annex (Excel: every member, every decision): "
        f"{result['annex_seconds']:.1f} s, {result['annex'] / 1024:.0f} KB"
    )
    verdict = "met" if total < TARGET_RENDER and result["peak_mb"] < TARGET_MEMORY else "NOT met"
    print(f"target (< {TARGET_RENDER:.0f} s, < {TARGET_MEMORY} MB): {verdict}")


def generate(url: str, complaints: int) -> None:
    from flask_migrate import upgrade

    from portal.national.generate import generate as fill

    app = make_app(url)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        fill(complaints=complaints, members=200, outlets=20_000, seed=42, echo=print)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a database filled by flask demo generate")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument(
        "--period", help="a half year or a quarter, e.g. 2026H1, 2026Q3 (default: the last half)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plans", type=int, default=3, help="plans of the N slowest statements")
    parser.add_argument("--render-child", nargs=3, metavar=("URL", "PERIOD", "OUT"))
    args = parser.parse_args()
    if args.render_child:
        render_child(*args.render_child)
        return

    from portal.statistics.rules import last_complete_period, parse_any_period

    cluster = None
    url = args.database_url
    if url is None:
        from pgcluster import PostgresCluster

        cluster = PostgresCluster()
        cluster.start()
        url = cluster.create_database("portal_bench")
        generate(url, args.complaints)
    try:
        app = make_app(url)
        with app.app_context():
            print(f"data: {data_size()}")
            db.session.rollback()
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        period = parse_any_period(args.period) if args.period else last_complete_period(today)
        statements = Statements(_engine(app))
        load = os.getloadavg()[0]
        runs, cpu = time_functions(app, period, args.repeat, statements, FUNCTIONS + REGULATOR)
        print(
            f"\nstatistics of {period.code} as n-assoc, {args.repeat} runs (load average "
            f"{load:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):\n"
            "  wall time of the first run, median wall time, median CPU time (server + "
            "client, no parallel query: the time on an idle core)"
        )
        for name in FUNCTIONS + REGULATOR:
            times = runs[name]
            print(
                f"  {name:26s} {times[0] * 1000:7.0f} ms  {statistics.median(times) * 1000:7.0f}"
                f" ms  {statistics.median(cpu[name]) * 1000:7.0f} ms"
            )
        for label, names in (
            ("the seven called one by one", SEPARATE),
            ("the regulator's breakdowns of the dashboard", REGULATOR_PAGE),
            ("as the dashboard, export and bulletin call them", PAGE + REGULATOR_PAGE),
        ):
            first = sum(runs[name][0] for name in names)
            median = sum(statistics.median(runs[name]) for name in names)
            used = sum(statistics.median(cpu[name]) for name in names)
            print(
                f"  total, {label}: {first * 1000:.0f} ms first, {median * 1000:.0f} ms "
                f"median wall, {used * 1000:.0f} ms CPU"
            )
        verdict = "met" if median < TARGET_TOTAL else "NOT met"
        print(f"target (the dashboard's statistics < {TARGET_TOTAL:.0f} s wall): {verdict}")
        if args.plans:
            print(f"\nplans of the {args.plans} slowest statements (last run):")
            explain(app, statements, args.plans)
        with app.app_context():
            db.engine.dispose()
        bulletin(url, period.code)
    finally:
        if cluster is not None:
            cluster.stop()


def _engine(app):
    with app.app_context():
        return db.engine


if __name__ == "__main__":
    main()
