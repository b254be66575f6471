"""The latency benchmark (bench/bench_latency.py) at tiny scale: a few hundred generated
complaints in a throw-away PostgreSQL cluster, three timed rounds. Proves the script keeps
working as the app changes: every case answers, each is timed as often as asked (the
cases take turns, intake before the forward of the case it made), the bare route replays
each, and the report and query plans are printed. Latency is not asserted: the machine
running the suite is shared (the budgets are for the million-complaint set). On SQLite
too, given a generated database and nothing else."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ROW = re.compile(r"^(?P<name>.+?)\s+(?P<kind>page|piece)\s+(?P<n>\d+)\s+[\d.]+\s+[\d.]+\s+<\d+ ")


def test_latency_script_runs_every_case_at_tiny_scale():
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: latency smoke test skipped")
    command = [
        sys.executable,
        str(ROOT / "bench" / "bench_latency.py"),
        "--complaints=400",
        "--warmup=1",
        "--repeat=3",
        "--explain=1",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    output = done.stdout[-8000:] + done.stderr[-3000:]
    assert done.returncode == 0, output
    rows = timed_rows(done.stdout)
    expected = {
        ("assoc inbox, open (default), p1", "page"),
        ("member inbox", "piece"),
        ("outlet inbox", "page"),
        ("association dashboard", "page"),
        ("search 2 characters", "piece"),
        ("search common keyword", "piece"),
        ("intake submit", "page"),
        ("forward", "piece"),
    }
    assert expected <= rows.keys(), output
    # The case with the longest history stands in for the 30-entry one at this size.
    assert any(name.startswith("case detail (") and kind == "piece" for name, kind in rows), output
    assert set(rows.values()) == {3}, output  # every case timed three times, forward too
    assert "Planning Time" in done.stdout, output  # the slowest case's plan
    assert "machine during the rounds: load average" in done.stdout, output


def timed_rows(report: str) -> dict:
    """{(case, kind): rounds} of the report's table."""
    return {
        (m["name"], m["kind"]): int(m["n"])
        for m in map(ROW.match, report.splitlines())
        if m is not None
    }


def test_latency_script_runs_on_sqlite_without_options(tmp_path):
    """It picks its own search terms on either database (it once asked PostgreSQL's
    char_length and needed --short-text on SQLite)."""
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    environment = os.environ | {"DATABASE_URL": url}
    generate = ["demo", "generate", "--complaints=400", "--members=5", "--outlets=40"]
    for step in (["db", "upgrade"], generate):
        made = subprocess.run(
            [*flask, *step],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env=environment,
        )
        assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    command = [
        sys.executable,
        str(ROOT / "bench" / "bench_latency.py"),
        f"--database-url={url}",
        "--warmup=1",
        "--repeat=2",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    output = done.stdout[-8000:] + done.stderr[-3000:]
    assert done.returncode == 0, output
    rows = timed_rows(done.stdout)
    assert {("search 2 characters", "piece"), ("search common keyword", "piece")} <= rows.keys()
    assert set(rows.values()) == {2}, output
