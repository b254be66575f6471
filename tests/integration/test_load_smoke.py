"""The load test (bench/load_test.py) at tiny scale: a few users for ~12 s against gunicorn
on a throw-away PostgreSQL cluster. Proves the script keeps working as the app changes:
every user signs in, reads and writes succeed, and the write checks (nothing lost or
duplicated) pass. Latency is not asserted: the machine running the suite is shared."""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def test_load_script_runs_clean_at_tiny_scale(tmp_path):
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: load smoke test skipped")
    if importlib.util.find_spec("locust") is None:  # not imported: it patches the stdlib
        pytest.skip("locust not installed (pip install -e '.[bench]'): load smoke test skipped")
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        str(ROOT / "bench" / "load_test.py"),
        "--data=province",
        "--workers=2",
        "--stages=8",
        "--stage-seconds=12",
        "--warmup-seconds=3",
        "--wait=0.1,0.5",
        "--p95-limit=60000",
        "--max-requests=3000",
        f"--report-json={report}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    output = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, output
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["errors"] == 0 and result["server_tracebacks"] == 0, output
    assert result["checks"] and all(passed for _, passed, _ in result["checks"]), output
    # Users signed in and wrote something, so the checks had something to check.
    assert result["ledger"]["sign_ins"] > 0 and result["ledger"]["intakes"] > 0, output
