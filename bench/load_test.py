"""Load test: gunicorn (several workers) on PostgreSQL, a mixed workload of reads and
writes by many concurrent users of every role, driven by locust on loopback.

Run: ``.venv/bin/python bench/load_test.py`` (``make load``; needs initdb/pg_ctl like the
tests, and the ``bench`` extra: ``pip install -e '.[bench]'``). It

1. starts a throw-away PostgreSQL cluster (or uses ``--database-url``), migrates it and
   loads the data (by default ``flask demo generate --complaints 20000 --members 30
   --outlets 600``, complaints with full histories over five years, and the last half
   year's bulletin published; ``--data demo``: ``flask demo seed``, the demo province with
   ~300 complaints; ``--data province``: only the demo's units and users, for a quick run);
2. starts ``gunicorn -w N wsgi:app`` on 127.0.0.1 as in production (``PORTAL_ENV=production``,
   a random ``SECRET_KEY`` and data key, no debug) and waits until it answers;
3. runs locust headless (``bench/locustfile.py``) on loopback in stages of increasing user
   counts, each ``--stage-seconds`` long, stopping after ``--stop-after`` stages in a row
   whose p95 exceeds ``--p95-limit`` ms, after ``--max-requests`` requests, or after the
   last stage;
4. stops gunicorn and PostgreSQL (also on Ctrl-C or an error) and prints, per stage,
   throughput and p50/p95/p99 overall and per request type, the errors, the knee (the
   highest throughput with p95 under the limit), the time spent inside the workers, the
   CPU used by the server, PostgreSQL, locust and the rest of the machine, and the write
   checks: complaints created
   = successful intakes, one intake entry each, tracking numbers distinct and consecutive,
   each forward / accept / pass-down / progress report / verification recorded exactly
   once, one open accountability case per member and trigger.

Exit status: 0 when there were no errors and every write check passed, 1 otherwise.
The latency target is reported, not enforced: on a shared machine it moves with the load.
Requests and time are both bounded; nothing leaves 127.0.0.1.
"""

import argparse
import json
import math
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlalchemy import create_engine, text  # noqa: E402

SIGN_IN = "sign-in"
DEMO_PASSWORD = "demo12345"
BEIJING = timedelta(hours=8)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker (more than 1: gunicorn's gthread workers; default 1, sync)",
    )
    p.add_argument(
        "--stages",
        default="2,5,10,20,40,60,80,120",
        help="simulated users per stage, comma-separated (default 2,5,10,20,40,60,80,120)",
    )
    p.add_argument("--stage-seconds", type=float, default=20.0, help="length of a stage")
    p.add_argument(
        "--warmup-seconds",
        type=float,
        default=5.0,
        help="start of each stage left out of its figures (new users sign in then)",
    )
    p.add_argument("--p95-limit", type=float, default=200.0, help="p95 target in ms")
    p.add_argument(
        "--stop-after",
        type=int,
        default=2,
        help="end the run after this many stages in a row over the p95 target (default 2)",
    )
    p.add_argument("--max-requests", type=int, default=60000, help="hard bound on requests")
    p.add_argument("--wait", default="0.5,1.5", help="think time between steps, min,max s")
    p.add_argument(
        "--data",
        choices=("generate", "demo", "province"),
        default="generate",
        help="generate: flask demo generate (--complaints, --members, --outlets) and a "
        "published bulletin (default); demo: flask demo seed, ~300 complaints; "
        "province: the demo's units and users only (quick)",
    )
    p.add_argument(
        "--complaints",
        type=int,
        default=20_000,
        help="with --data generate: complaints in all (default 20,000)",
    )
    p.add_argument(
        "--members", type=int, default=30, help="with --data generate: member banks (30)"
    )
    p.add_argument(
        "--outlets", type=int, default=600, help="with --data generate: outlets in all (600)"
    )
    p.add_argument(
        "--database-url",
        help="use this (migrated, seeded) PostgreSQL database instead of a throw-away one; "
        "the write checks assume nobody else writes during the run",
    )
    p.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    p.add_argument("--report-json", help="also write the figures and checks here")
    return p.parse_args(argv)


# --------------------------------------------------------------------------- processes


class Stack:
    """What the run started, stopped in reverse order whatever happens."""

    def __init__(self):
        self.cluster = None
        self.processes: list[subprocess.Popen] = []
        self.workdir = Path(tempfile.mkdtemp(prefix="portal-load-"))

    def stop_processes(self):
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def stop(self):
        # A second Ctrl-C (or SIGTERM) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            self.stop_processes()
        finally:
            if self.cluster is not None:
                cluster, self.cluster = self.cluster, None
                try:
                    cluster.stop()
                except subprocess.CalledProcessError as error:
                    # Ctrl-C reaches PostgreSQL too, which may have shut down already.
                    print(f"stopping PostgreSQL: {error.stderr or error}", file=sys.stderr)


def app_environment(stack: Stack, url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        PORTAL_ENV="production",
        PORTAL_BASE_URL="http://127.0.0.1",  # production requires it (links in e-mails)
        SECRET_KEY=secrets.token_hex(32),
        PORTAL_DATA_KEY=secrets.token_urlsafe(32),
        PORTAL_INSTANCE_DIR=str(stack.workdir / "instance"),
        # The simulated staff sign in with their password only (the load is the pages).
        PORTAL_TWO_FACTOR="optional",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("FLASK_DEBUG", None)
    return env


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed_province_only(env: dict) -> None:
    """Units, users, calendar and duty roster of the demo province, no complaints."""
    code = (
        "from portal import create_app\n"
        "from portal.db import db, utcnow\n"
        "from portal.demo.seed import seed_province\n"
        "from portal.complaints.taxonomy import seed_categories\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    seed_province(utcnow()); seed_categories(); db.session.commit()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding the province failed:\n{done.stderr}")


def publish_bulletin(env: dict) -> None:
    """Publish the last complete half year's bulletin, as the association would, so that
    member leaders have a PDF to download (``demo generate`` makes none)."""
    code = (
        "from sqlalchemy import select\n"
        "from portal import create_app\n"
        "from portal.auth.models import User\n"
        "from portal.bulletins import operations, pdf\n"
        "from portal.bulletins.models import Bulletin\n"
        "from portal.db import db, utcnow\n"
        "from portal.statistics.rules import last_complete_period\n"
        "from portal.web import clock\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    if db.session.scalar(select(Bulletin.id).limit(1)) is None:\n"
        "        now = utcnow()\n"
        "        staff = db.session.scalar(select(User).where(User.role == 'assoc_handler',"
        " User.is_active.is_(True)).order_by(User.id).limit(1))\n"
        "        draft = operations.create_draft(last_complete_period(clock.local_today()),"
        " actor=staff, now=now)\n"
        "        operations.update_draft(draft, now=now, overview='本期投诉总体平稳。')\n"
        "        data = pdf.render_pdf(pdf.build_context(draft, staff))\n"
        "        operations.publish(draft, data, actor=staff, now=now, change_note=None)\n"
        "        db.session.commit()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"publishing a bulletin failed:\n{done.stderr}")


def free_port() -> int:
    from pgcluster import free_port as pick

    return pick()


def start_gunicorn(
    stack: Stack, env: dict, workers: int, port: int, threads: int = 1
) -> subprocess.Popen:
    log = open(stack.workdir / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            # Time inside the worker per request (µs): latency minus this is queueing.
            "--access-logfile",
            str(stack.workdir / "access.log"),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(D)s",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stack.processes.append(proc)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server_log(stack)[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                if r.status == 200:
                    return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 90 s")


def server_log(stack: Stack) -> str:
    path = stack.workdir / "gunicorn.log"
    return path.read_text(errors="replace") if path.exists() else ""


class CpuMeter:
    """CPU seconds used during the load by gunicorn, PostgreSQL, locust and everything
    else on the machine (psutil comes with locust): a shared machine's noise, in numbers."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.before = None

    def _groups(self) -> dict:
        import psutil

        roots = {"gunicorn": [p.pid for p in self.stack.processes if p.poll() is None]}
        roots["PostgreSQL"] = []
        if self.stack.cluster is not None:
            pid_file = self.stack.cluster.data / "postmaster.pid"
            if pid_file.exists():
                roots["PostgreSQL"].append(int(pid_file.read_text().split()[0]))
        used = {}
        for name, pids in roots.items():
            total = 0.0
            for pid in pids:
                try:
                    root = psutil.Process(pid)
                    for proc in [root, *root.children(recursive=True)]:
                        times = proc.cpu_times()
                        total += times.user + times.system
                except psutil.Error:
                    pass
            used[name] = total
        # locust has exited by the second reading: its time is in our reaped children's.
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        used["locust"] = reaped.ru_utime + reaped.ru_stime
        machine = psutil.cpu_times()
        used["machine"] = sum(
            getattr(machine, field, 0.0)
            for field in ("user", "nice", "system", "irq", "softirq", "steal")
        )
        used["wall"] = time.monotonic()
        return used

    def start(self):
        try:
            self.before = self._groups()
        except ImportError:
            self.before = None

    def measure(self) -> dict | None:
        """Core-seconds per group since start(), with the wall time and the cores."""
        if self.before is None:
            return None
        after = self._groups()
        delta = {k: after[k] - self.before[k] for k in after}
        delta["cores"] = os.cpu_count() or 1
        delta["other"] = max(
            delta["machine"] - delta["gunicorn"] - delta["PostgreSQL"] - delta["locust"], 0.0
        )
        return delta


def argon2_seconds() -> float:
    """CPU seconds of one password check with the portal's default argon2 parameters
    (``auth.passwords.OWASP_MINIMUM``; the library's own defaults cost seven times as
    much, and taking those out understated the workers' CPU per request)."""
    from argon2 import PasswordHasher

    from portal.auth.passwords import OWASP_MINIMUM

    hasher = PasswordHasher(**OWASP_MINIMUM)
    hashed = hasher.hash("demo12345")
    started = time.process_time()
    for _ in range(3):
        hasher.verify(hashed, "demo12345")
    return (time.process_time() - started) / 3


def cpu_lines(cpu: dict | None, requests: int, sign_ins: int) -> list[str]:
    """What the machine spent, and the server's own cost per request: a contention-proof
    estimate of what the two cores could serve if the server had them to itself."""
    if not cpu:
        return ["CPU use: not measured (psutil missing)"]
    wall, cores = cpu["wall"], cpu["cores"]
    lines = [
        f"CPU during the load: {wall:.0f} s × {cores} cores = {wall * cores:.0f} core-s; "
        f"gunicorn {cpu['gunicorn']:.0f}, PostgreSQL {cpu['PostgreSQL']:.0f}, locust "
        f"{cpu['locust']:.0f}, other processes on the machine {cpu['other']:.0f}, idle "
        f"{max(wall * cores - cpu['machine'], 0):.0f}"
    ]
    served = requests - 2 * sign_ins
    if served > 0 and cpu["PostgreSQL"] > 0:
        argon2 = argon2_seconds()
        app_cpu = max(cpu["gunicorn"] - sign_ins * argon2, 0.0) / served
        db_cpu = cpu["PostgreSQL"] / served
        lines.append(
            f"server CPU per request (sign-ins' argon2, {argon2 * 1000:.0f} ms each, "
            f"taken out): gunicorn {app_cpu * 1000:.0f} ms + PostgreSQL {db_cpu * 1000:.0f} "
            f"ms; with {cores} cores to itself the server would saturate near "
            f"{cores / (app_cpu + db_cpu):.0f} req/s"
        )
    return lines


def server_times(stack: Stack) -> list[float]:
    """Milliseconds inside the gunicorn workers per request (access log), sign-in aside."""
    path = stack.workdir / "access.log"
    times = []
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[1] != "/login" and parts[3].isdigit():
                times.append(int(parts[3]) / 1000)
    return sorted(times)


def run_locust(stack: Stack, args, port: int, plan: dict) -> dict:
    plan_path = stack.workdir / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    results = stack.workdir / "results.json"
    stages = [int(n) for n in args.stages.split(",") if n.strip()]
    budget = len(stages) * args.stage_seconds
    env = dict(os.environ)
    env.update(
        LOADTEST_PLAN=str(plan_path),
        LOADTEST_RESULTS=str(results),
        LOADTEST_STAGES=",".join(map(str, stages)),
        LOADTEST_STAGE_SECONDS=str(args.stage_seconds),
        LOADTEST_WARMUP_SECONDS=str(args.warmup_seconds),
        LOADTEST_P95_LIMIT_MS=str(args.p95_limit),
        LOADTEST_STOP_AFTER=str(args.stop_after),
        LOADTEST_MAX_REQUESTS=str(args.max_requests),
        LOADTEST_WAIT=args.wait,
    )
    log = open(stack.workdir / "locust.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--run-time",
            f"{int(budget + 30)}s",  # the shape ends first; this is the outer bound
            "--stop-timeout",
            "10",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stack.processes.append(proc)
    try:
        proc.wait(timeout=budget + 120)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    if not results.exists():
        log_text = (stack.workdir / "locust.log").read_text(errors="replace")
        raise RuntimeError(f"locust wrote no results:\n{log_text[-3000:]}")
    return json.loads(results.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- database


def make_plan(engine, run_id: str) -> dict:
    with engine.connect() as conn:
        users = defaultdict(list)
        for username, role, is_member_level in conn.execute(
            text(
                "SELECT u.username, u.role, (u.unit_id = un.member_id) FROM user_account u "
                "JOIN unit un ON un.id = u.unit_id WHERE u.is_active AND un.is_active "
                "ORDER BY u.username"
            )
        ):
            if role == "member_handler" and not is_member_level:
                continue
            users["leader" if role in ("assoc_leader", "member_leader") else role].append(username)
        # The outlets the simulated officers work at: those holding cases now, and the
        # first two of each bank, where the simulated handlers pass new cases down.
        active = conn.execute(
            text(
                "SELECT u.username, u.unit_id FROM user_account u WHERE u.role = "
                "'branch_officer' AND u.is_active AND u.unit_id IN ("
                " SELECT handling_unit_id FROM complaint WHERE state = 'handling'"
                " UNION SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY member_id"
                "  ORDER BY id) AS n FROM unit WHERE kind = 'outlet' AND is_active) o"
                "  WHERE n <= 2) ORDER BY u.unit_id LIMIT 400"
            )
        ).all()
        users["branch_officer"] = [username for username, _ in active]
        staffed = sorted({unit_id for _, unit_id in active})
        outlets = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT id FROM unit WHERE kind = 'outlet' AND is_active ORDER BY id LIMIT 500"
                )
            )
        ]
        districts = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT DISTINCT district FROM unit WHERE kind = 'outlet' "
                    "AND district IS NOT NULL ORDER BY district LIMIT 10"
                )
            )
        ]
    missing = [
        r for r in ("assoc_handler", "member_handler", "branch_officer", "leader") if not users[r]
    ]
    if missing:
        raise RuntimeError(f"no users for roles {missing}: is the database seeded?")
    return {
        "run_id": run_id,
        "password": DEMO_PASSWORD,
        "users": users,
        "staffed_units": staffed,
        "outlet_ids": outlets,
        "picker_queries": [d.removesuffix("区") for d in districts] or ["银行"],
    }


def snapshot(engine) -> dict:
    year = (datetime.now(UTC) + BEIJING).year
    with engine.connect() as conn:

        def one(sql, **params):
            return conn.execute(text(sql), params).scalar() or 0

        return {
            "year": year,
            "complaint_id": one("SELECT max(id) FROM complaint"),
            "event_id": one("SELECT max(id) FROM complaint_event"),
            "download_id": one("SELECT max(id) FROM bulletin_download"),
            "counter": one("SELECT last FROM tracking_counter WHERE year = :y", y=year),
            "complaints": one("SELECT count(*) FROM complaint"),
        }


def check_writes(engine, before: dict, ledger: dict, run_id: str) -> list[tuple[str, bool, str]]:
    """(check, passed, detail) for every write the load generator recorded."""
    checks = []
    intakes = ledger["intakes"]  # marker -> case id
    # Writes sent but unanswered when the load generator stopped: the server may or may
    # not have done them, so they may account for a difference, never for a duplicate.
    in_flight = Counter((kind, str(ident)) for kind, ident in ledger.get("in_flight", []))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, tracking_no, substring(facts from '^(LT[^ ]+)') FROM complaint "
                "WHERE id > :id ORDER BY id"
            ),
            {"id": before["complaint_id"]},
        ).all()
        markers = Counter(marker for _, _, marker in rows)
        created = {marker: case_id for case_id, _, marker in rows}
        ours = [r for r in rows if (r[2] or "").startswith(f"LT{run_id}-")]
        dupes = [m for m, n in markers.items() if n > 1]
        lost = sorted(set(intakes) - set(created))
        phantom = sorted(set(created) - set(intakes))
        wrong_id = [m for m in intakes if m in created and created[m] != intakes[m]]
        unexplained = [m for m in phantom if ("intake", m) not in in_flight]
        checks.append(
            (
                "complaints created = successful intake POSTs",
                len(rows) == len(ours) and not (dupes or lost or unexplained),
                f"{len(intakes)} intakes answered with a case, {len(rows)} complaints created "
                f"({len(ours)} with this run's marker); lost {len(lost)}, duplicated "
                f"{len(dupes)}, created but unanswered {len(phantom)} "
                f"(of which in flight at the stop: {len(phantom) - len(unexplained)})",
            )
        )
        checks.append(
            (
                "each intake answered with its own case id",
                not wrong_id,
                f"{len(wrong_id)} markers found under another id" if wrong_id else "ok",
            )
        )
        per_case = dict(
            conn.execute(
                text(
                    "SELECT c.id, count(e.id) FROM complaint c LEFT JOIN complaint_event e "
                    "ON e.complaint_id = c.id AND e.action = 'registered' "
                    "WHERE c.id > :id GROUP BY c.id"
                ),
                {"id": before["complaint_id"]},
            ).all()
        )
        bad = {k: v for k, v in per_case.items() if v != 1}
        checks.append(
            (
                "each created complaint has exactly one intake history entry",
                not bad,
                f"{len(per_case)} complaints, {len(bad)} with another count {dict(list(bad.items())[:5])}",
            )
        )
        numbers = [r[1] for r in rows]
        prefix = f"LN{before['year']}-"
        seqs = sorted(int(n.removeprefix(prefix)) for n in numbers if n.startswith(prefix))
        counter_after = (
            conn.execute(
                text("SELECT last FROM tracking_counter WHERE year = :y"), {"y": before["year"]}
            ).scalar()
            or 0
        )
        expected = list(range(before["counter"] + 1, counter_after + 1))
        checks.append(
            (
                "tracking numbers distinct and consecutive",
                len(set(numbers)) == len(numbers) == len(seqs) and seqs == expected,
                f"{len(numbers)} new numbers, {prefix}{before['counter'] + 1:06d} … "
                f"{prefix}{counter_after:06d} expected ({len(expected)})"
                + ("" if seqs == expected else f"; got {len(seqs)} in the year, gaps or extras"),
            )
        )
        events = defaultdict(Counter)  # action -> case id -> entries since the start
        for action, case_id, n in conn.execute(
            text(
                "SELECT action, complaint_id, count(*) FROM complaint_event WHERE id > :id "
                "GROUP BY action, complaint_id"
            ),
            {"id": before["event_id"]},
        ):
            events[action][str(case_id)] = n
        for action, key, what in (
            ("forwarded", "forwards", "forward"),
            ("accepted", "accepts", "accept"),
            ("forwarded_down", "forwards_down", "pass-down"),
            ("progress", "progress", "progress report"),
            ("verified", "verifies", "verification"),
        ):
            client = Counter(ledger[key])
            server = events[action]
            repeatable = action in ("progress", "verified")  # may be done again on a case
            twice = [c for c, n in client.items() if n > 1 and not repeatable]
            twice += [c for c, n in server.items() if n > 1 and not repeatable]
            form = {
                "forwarded": "forward",
                "accepted": "accept",
                "forwarded_down": "forward_down",
                "verified": "verify",
            }
            differ = {
                c
                for c in set(client) | set(server)
                if not 0 <= server[c] - client[c] <= in_flight[(form.get(action, action), c)]
            }
            late = sum(server.values()) - sum(client.values())
            checks.append(
                (
                    f"each {what} recorded once in the history",
                    not differ and not twice,
                    f"{sum(client.values())} acknowledged, {sum(server.values())} in the history "
                    f"({late} in flight at the stop; {len(differ)} cases differ otherwise, "
                    f"{len(set(twice))} twice)",
                )
            )
        downloads = (
            conn.execute(
                text("SELECT count(*) FROM bulletin_download WHERE id > :id"),
                {"id": before["download_id"]},
            ).scalar()
            or 0
        )
        checks.append(
            (
                "each bulletin download counted once",
                0 <= downloads - ledger["downloads"] <= in_flight[("download", "bulletin")],
                f"{ledger['downloads']} PDFs received, {downloads} downloads recorded",
            )
        )
        doubled = conn.execute(
            text(
                "SELECT member_id, trigger, count(*) FROM accountability_case "
                "WHERE state = 'detected' GROUP BY member_id, trigger HAVING count(*) > 1"
            )
        ).all()
        media = conn.execute(
            text(
                "SELECT count(*), count(e.id) FROM complaint c LEFT JOIN accountability_evidence e "
                "ON e.complaint_id = c.id AND e.trigger = 'media' "
                "WHERE c.id > :id AND c.is_media"
            ),
            {"id": before["complaint_id"]},
        ).one()
        checks.append(
            (
                "one open accountability case per member and trigger, media intakes in it",
                not doubled and media[0] == media[1],
                f"{media[0]} media intakes, {media[1]} of them evidence of the media trigger; "
                f"members with two open cases for one trigger: {len(doubled)} {doubled[:3]}",
            )
        )
        unknown = ledger.get("unknown_writes") or []
        checks.append(
            (
                "no write with an unknown outcome (5xx or no answer)",
                not unknown,
                f"{len(unknown)}: {unknown[:5]}" if unknown else "none",
            )
        )
    return checks


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(values)))
    return values[rank - 1]


def summarise(times: list[float], seconds: float) -> dict:
    times = sorted(times)
    return {
        "requests": len(times),
        "rps": len(times) / seconds if seconds > 0 else math.nan,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": times[-1] if times else math.nan,
    }


def stage_figures(results: dict) -> list[dict]:
    samples = results["samples"]
    warmup = results["warmup_seconds"]
    figures = []
    for stage in results["stages"]:
        start = stage.get("measure_from", stage["start"] + warmup)
        end = stage.get("end", stage["start"])
        window = [s for s in samples if start <= s[0] < end and s[1] != SIGN_IN]
        seconds = max(end - start, 0.0)
        by_name = defaultdict(list)
        for s in window:
            by_name[s[1]].append(s[2])
        in_stage = [s for s in samples if stage["start"] <= s[0] < stage.get("end", 1e18)]
        figures.append(
            {
                "users": stage["users"],
                "seconds": seconds,
                "stopped_by": stage.get("stopped_by"),
                "overall": summarise([s[2] for s in window], seconds),
                "by_name": {n: summarise(t, seconds) for n, t in sorted(by_name.items())},
                "errors": sum(1 for s in in_stage if not s[4]),
                "sign_ins": sum(1 for s in in_stage if s[1] == SIGN_IN),
            }
        )
    return figures


def print_table(title: str, rows: dict) -> None:
    print(f"\n  {title}")
    print(f"  {'request':<42}{'count':>7}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}")
    for name, f in rows.items():
        print(
            f"  {name:<42}{f['requests']:>7}{f['rps']:>8.1f}{f['p50']:>8.0f}"
            f"{f['p95']:>8.0f}{f['p99']:>8.0f}{f['max']:>8.0f}"
        )


def report(args, data: dict, results: dict, checks, stack: Stack) -> int:
    figures = stage_figures(results)
    samples = results["samples"]
    limit = args.p95_limit
    print(
        "\n== stages (latency in ms; measured once the stage's new users have signed in "
        f"and at least {args.warmup_seconds:.0f} s after it began) =="
    )
    print(
        f"  {'users':>6}{'meas.s':>7}{'requests':>10}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}"
        f"{'errors':>8}  p95 < {limit:.0f} ms"
    )
    for f in figures:
        o = f["overall"]
        ok = "yes" if o["p95"] < limit else "NO"
        print(
            f"  {f['users']:>6}{f['seconds']:>7.0f}{o['requests']:>10}{o['rps']:>8.1f}"
            f"{o['p50']:>7.0f}{o['p95']:>7.0f}{o['p99']:>7.0f}{f['errors']:>8}  {ok}"
            + (f"  (stopped: {f['stopped_by']})" if f["stopped_by"] else "")
        )
    passing = [f for f in figures if f["overall"]["p95"] < limit and f["overall"]["requests"]]
    knee = max(passing, key=lambda f: f["overall"]["rps"]) if passing else None
    if knee:
        print(
            f"\nknee: {knee['overall']['rps']:.1f} req/s with p95 {knee['overall']['p95']:.0f} ms "
            f"(< {limit:.0f} ms) at {knee['users']} simulated users"
        )
        print_table(f"per request type at the knee ({knee['users']} users)", knee["by_name"])
    else:
        print(f"\nknee: no stage had p95 under {limit:.0f} ms")

    steady = [s for s in samples if s[1] != SIGN_IN]
    total_seconds = (max(s[0] for s in samples) - min(s[0] for s in samples)) if samples else 0
    by_name = defaultdict(list)
    for s in steady:
        by_name[s[1]].append(s[2])
    print_table(
        f"whole run, every stage and warm-up ({total_seconds:.0f} s)",
        {"ALL (without sign-in)": summarise([s[2] for s in steady], total_seconds)}
        | {n: summarise(t, total_seconds) for n, t in sorted(by_name.items())},
    )
    sign_ins = sorted(s[2] for s in samples if s[1] == SIGN_IN)
    if sign_ins:
        print(
            f"\n  sign-in requests (GET+POST /login, argon2; not in the figures above): "
            f"{len(sign_ins)}, p50 {percentile(sign_ins, 50):.0f} ms, "
            f"p95 {percentile(sign_ins, 95):.0f} ms"
        )
    inside = server_times(stack)
    if inside:
        print(
            f"\n  time inside the gunicorn workers (access log, whole run, sign-in aside): "
            f"p50 {percentile(inside, 50):.0f} ms, p95 {percentile(inside, 95):.0f} ms, "
            f"p99 {percentile(inside, 99):.0f} ms; the rest of the latency above is waiting "
            f"for a free worker"
        )
    for line in cpu_lines(results.get("cpu"), len(samples), results["ledger"]["sign_ins"]):
        print(f"  {line}")
    threads = f" × {args.threads} threads" if args.threads > 1 else ""
    print(
        f"  PostgreSQL connections open at the end: {results.get('connections')} "
        f"({args.workers} workers{threads}; each worker's pool holds at most 5 + 10 overflow)"
    )
    refusals = results["ledger"].get("refusals") or {}
    print(
        "\n  business refusals (409 conflict / 422 already done: two users raced for one "
        "case; answered correctly, not errors): "
        + (", ".join(f"{n} {k}" for k, n in sorted(refusals.items())) or "none")
    )

    errors = Counter((s[1], s[3], s[5]) for s in samples if not s[4])
    print(f"\n== errors: {sum(errors.values())} of {len(samples)} requests ==")
    for (name, status, error), n in errors.most_common(20):
        print(f"  {n:>6} × {name} → {status} {error}")
    log = server_log(stack)
    tracebacks = log.count("Traceback")
    timeouts = log.count("WORKER TIMEOUT")
    print(f"  server log: {tracebacks} tracebacks, {timeouts} worker timeouts")
    if tracebacks or timeouts:
        first = log.find("Traceback")
        print("  " + log[max(first - 200, 0) : first + 2500].replace("\n", "\n  "))

    print("\n== write checks (database after the run vs. what the load generator saw) ==")
    for name, passed, detail in checks:
        print(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}")

    failed = bool(errors) or not all(p for _, p, _ in checks)
    print(
        f"\nresult: {'FAIL' if failed else 'PASS'} — "
        f"{sum(errors.values())} errors, "
        f"{sum(1 for _, p, _ in checks if not p)} failed write checks; "
        + (
            f"highest sustained throughput with p95 < {limit:.0f} ms: "
            f"{knee['overall']['rps']:.1f} req/s"
            if knee
            else f"no stage met p95 < {limit:.0f} ms"
        )
    )
    if args.report_json:
        Path(args.report_json).write_text(
            json.dumps(
                {
                    "data": data,
                    "stages": figures,
                    "knee": knee,
                    "errors": sum(errors.values()),
                    "error_kinds": [list(k) + [n] for k, n in errors.items()],
                    "requests": len(samples),
                    "server_tracebacks": tracebacks,
                    "cpu": results.get("cpu"),
                    "checks": [list(c) for c in checks],
                    "ledger": {
                        k: (len(v) if isinstance(v, dict | list) else v)
                        for k, v in results["ledger"].items()
                    },
                },
                default=str,
                indent=1,
            ),
            encoding="utf-8",
        )
    return 1 if failed else 0


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    stack = Stack()
    # SIGTERM (a CI timeout, kill) ends the run like Ctrl-C: through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        started = time.monotonic()
        if args.database_url:
            from portal.config import normalise_database_url

            url = normalise_database_url(args.database_url)
        else:
            from pgcluster import PostgresCluster

            stack.cluster = PostgresCluster()
            stack.cluster.start()
            url = stack.cluster.create_database("portal_load")
        env = app_environment(stack, url)
        if not args.database_url:
            flask(env, "db", "upgrade")
            if args.data == "demo":
                flask(env, "demo", "seed")
            elif args.data == "generate":
                flask(
                    env,
                    "demo",
                    "generate",
                    f"--complaints={args.complaints}",
                    f"--members={args.members}",
                    f"--outlets={args.outlets}",
                    "--seed=42",
                )
                publish_bulletin(env)
            else:
                seed_province_only(env)
        engine = create_engine(url)
        with engine.connect() as conn:
            data = {
                key: conn.execute(text(sql)).scalar()
                for key, sql in {
                    "complaints": "SELECT count(*) FROM complaint",
                    "history_entries": "SELECT count(*) FROM complaint_event",
                    "units": "SELECT count(*) FROM unit",
                    "users": "SELECT count(*) FROM user_account",
                    "published_bulletins": "SELECT count(*) FROM bulletin WHERE state = 'published'",
                }.items()
            }
        run_id = secrets.token_hex(4)
        plan = make_plan(engine, run_id)
        before = snapshot(engine)
        port = args.port or free_port()
        start_gunicorn(stack, env, args.workers, port, args.threads)
        setup_seconds = time.monotonic() - started
        print(
            f"load test {run_id}: gunicorn -w {args.workers} "
            + (
                f"--threads {args.threads} (gthread workers)"
                if args.threads > 1
                else "(sync workers)"
            )
            + f" on 127.0.0.1:{port}, "
            f"PORTAL_ENV=production, PostgreSQL "
            + (
                "(given by --database-url)"
                if args.database_url
                else "15 throw-away cluster (fsync off, as in the tests)"
            )
            + f"\ndata ({args.data if not args.database_url else 'given'}): "
            f"{data['complaints']:,} complaints, "
            f"{data['history_entries']:,} history entries, {data['units']} units, "
            f"{data['users']} users, {data['published_bulletins']} published bulletins "
            f"(set up in {setup_seconds:.0f} s)"
            f"\nworkload: stages of {args.stages} simulated users × {args.stage_seconds:.0f} s, "
            f"think time {args.wait} s, at most {args.max_requests:,} requests; stops after "
            f"{args.stop_after} stages in a row with p95 > {args.p95_limit:.0f} ms"
            f"\nmachine: {os.cpu_count()} cores shared by the server, PostgreSQL and locust "
            f"itself (and whatever else runs): figures are noisy, compare runs on a quiet "
            f"machine",
            flush=True,
        )
        meter = CpuMeter(stack)
        meter.start()
        results = run_locust(stack, args, port, plan)
        results["cpu"] = meter.measure()
        with engine.connect() as conn:  # a leak or an exhausted pool would show here
            results["connections"] = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalar()
        stack.stop_processes()  # nothing writes any more while the database is checked
        checks = check_writes(engine, before, results["ledger"], run_id)
        engine.dispose()
        status = report(args, data, results, checks, stack)
        if status == 0:
            shutil.rmtree(stack.workdir, ignore_errors=True)
        else:
            print(f"logs kept in {stack.workdir} (gunicorn.log, locust.log, results.json)")
        return status
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: stopping gunicorn, locust and PostgreSQL; logs in {stack.workdir}",
            file=sys.stderr,
        )
        return 130
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
