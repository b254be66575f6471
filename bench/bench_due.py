"""How many Art. 11 due dates per second the working-day calendar computes.

Run: ``.venv/bin/python bench/bench_due.py [pairs]``. Builds the official calendar,
draws (received day D, limit N) pairs with a fixed seed — D uniform over 2020-01-01 ..
2026-12-31, N in {2, 3, 5} (Art. 11's limits) — and times ``add_working_days`` one call
at a time and ``add_working_days_many`` on the whole batch. Both must agree.
"""

import random
import sys
import time
from datetime import date

from portal.workdays.official import official_calendar

SEED = 20251001
DEFAULT_PAIRS = 1_000_000


def make_pairs(count: int, seed: int = SEED) -> tuple[list[date], list[int]]:
    """``count`` (D, N) pairs, reproducible for a given seed."""
    rng = random.Random(seed)
    first = date(2020, 1, 1).toordinal()
    last = date(2026, 12, 31).toordinal()
    starts = [date.fromordinal(rng.randint(first, last)) for _ in range(count)]
    ns = [rng.choice((2, 3, 5)) for _ in range(count)]
    return starts, ns


def main() -> None:
    """Print the data size and the throughput of the single and the batch function."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PAIRS
    started = time.perf_counter()
    calendar = official_calendar()
    built = time.perf_counter() - started
    starts, ns = make_pairs(count)
    years = sorted(calendar.confirmed_years)
    print(
        f"calendar: confirmed years {years[0]}-{years[-1]}, {len(calendar.holidays)} holidays, "
        f"{len(calendar.makeup_workdays)} make-up days; built in {built * 1000:.1f} ms"
    )
    print(f"data: {count:,} (D, N) pairs, D uniform over 2020-2026, N in {{2, 3, 5}}, seed {SEED}")

    add = calendar.add_working_days
    started = time.perf_counter()
    single = [add(start, n) for start, n in zip(starts, ns, strict=True)]
    elapsed = time.perf_counter() - started
    print(f"add_working_days:      {elapsed:6.3f} s  {count / elapsed:12,.0f} due dates/s")

    started = time.perf_counter()
    batch = calendar.add_working_days_many(starts, ns)
    elapsed = time.perf_counter() - started
    print(f"add_working_days_many: {elapsed:6.3f} s  {count / elapsed:12,.0f} due dates/s")

    if batch != single:
        raise SystemExit("the batch and the single results differ")
    print("results agree")


if __name__ == "__main__":
    main()
