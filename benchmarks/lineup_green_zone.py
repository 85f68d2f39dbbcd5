"""Time the green zone engine over a year of days for bands of 4, 8, 16, 40 and 60 members, with only
required members (the rule before line-ups) and with a line-up of four sections and doublers.

    .venv/bin/python benchmarks/lineup_green_zone.py
"""

import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from availability.engine import day_statuses
from availability.lineup import Lineup

FIRST = date(2027, 1, 1)
LAST = date(2027, 12, 31)


def band(size: int, seed: int = 1):
    rnd = random.Random(seed)
    start = datetime.combine(FIRST, datetime.min.time(), tzinfo=UTC)
    busy = {}
    for m in range(size):
        intervals = []
        for day in range(370):
            if rnd.random() < 0.3:
                at = start + timedelta(days=day, hours=rnd.randint(0, 20))
                intervals.append((at, at + timedelta(hours=rnd.choice([2, 4, 8, 24]))))
        busy[m] = intervals
    sections = 4
    plays = {m: {m % sections} | ({(m + 1) % sections} if m % 5 == 0 else set()) for m in range(size)}
    needs = {s: max(1, size // (sections * 2)) for s in range(sections)}
    lineup = Lineup(needs=needs, plays=plays, required=frozenset({0}), total=size // 2)
    return busy, lineup


def timed(call) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    print(f"{'members':>8} {'required only':>14} {'line-up':>10} {'green days':>11}")
    for size in (4, 8, 16, 40, 60):
        busy, lineup = band(size)
        members = list(busy)
        kwargs = {"min_length": timedelta(hours=3), "day_start": None, "day_end": None}
        plain = timed(partial(day_statuses, busy, members, FIRST, LAST, "Europe/Berlin", **kwargs))
        by_lineup = timed(
            partial(day_statuses, busy, [0], FIRST, LAST, "Europe/Berlin", lineup=lineup, members=members, **kwargs)
        )
        green = sum(
            s.status == "green"
            for s in day_statuses(busy, [0], FIRST, LAST, "Europe/Berlin", lineup=lineup, members=members, **kwargs)
        )
        print(f"{size:>8} {plain * 1000:>11.1f} ms {by_lineup * 1000:>7.1f} ms {green:>11}")


if __name__ == "__main__":
    main()
