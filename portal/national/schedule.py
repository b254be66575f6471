"""When the generated complaints are received: Beijing days as ordinals, epoch seconds,
and the schedule of how many complaints arrive on each day of the span."""

import random
from datetime import date

from portal.national.bulk import DAY, EPOCH_ORDINAL

TZ8 = 8 * 3600  # Beijing is UTC+8 all year: local dates by arithmetic

SEASON = (1.0, 0.75, 1.1, 1.0, 0.95, 1.05, 1.1, 1.05, 1.0, 0.8, 1.05, 1.15)  # by month
GROWTH = 1.06  # per year


def local_ordinal(t: int) -> int:
    return (t + TZ8) // DAY + EPOCH_ORDINAL


def day_start(ordinal: int) -> int:
    """Epoch seconds of 00:00 Beijing time on the day ``ordinal``."""
    return (ordinal - EPOCH_ORDINAL) * DAY - TZ8


def schedule(
    total: int,
    first: int,
    today: int,
    now: int,
    target: tuple[int, int],
    share: float,
    calendar,
    rng: random.Random,
) -> list[int]:
    """How many complaints are received on each day from ``first`` to ``today``
    (ordinals), summing to ``total``; the days from ``target[0]`` to ``target[1]`` hold
    ``share`` of them. Months vary (``SEASON``), volume grows a little each year,
    weekends and holidays are quieter."""
    weights = []
    for ordinal in range(first, today + 1):
        day = date.fromordinal(ordinal)
        w = SEASON[day.month - 1] * GROWTH ** ((ordinal - first) / 365.25)
        if not calendar.is_working_day(day):
            w *= 0.45
        w *= rng.uniform(0.85, 1.15)
        if ordinal == today:
            w *= max(0.0, min(1.0, (now - day_start(today)) / DAY))
        weights.append(w)
    inside = [i for i in range(len(weights)) if target[0] <= first + i <= target[1]]
    outside = [i for i in range(len(weights)) if not target[0] <= first + i <= target[1]]
    wanted = round(total * share) if inside and outside else (total if inside else 0)
    counts = [0] * len(weights)
    for indexes, n in ((inside, wanted), (outside, total - wanted)):
        _allocate(counts, indexes, [weights[i] for i in indexes], n)
    return counts


def _allocate(counts: list[int], indexes: list[int], weights: list[float], n: int) -> None:
    """Largest remainders: ``n`` spread over ``indexes`` in proportion to ``weights``."""
    if not indexes or n <= 0:
        return
    total = sum(weights) or 1.0
    exact = [n * w / total for w in weights]
    floors = [int(x) for x in exact]
    rest = n - sum(floors)
    order = sorted(range(len(indexes)), key=lambda k: exact[k] - floors[k], reverse=True)
    for k in order[:rest]:
        floors[k] += 1
    for i, c in zip(indexes, floors, strict=True):
        counts[i] = c
