"""Time the green zone engine over a year of days for bands of 4, 8, 16, 40 and 60 members, with only
required members (the rule before line-ups), with a line-up of four sections and doublers (as the month
and every reader but the week read it, and with each day's windows, as the week does), and with
occasional players (amber), each given the busy time as its reader gets it from the database: microseconds
where only the days are worked out, datetimes for the week (decision 0120); the line-up once more from
datetimes, for comparison; then the 40 vs 8 ratio, and a brute-force check of the line-up on small
bands with the number of cases it compared. With --property, also the line-up property tests
(availability/tests/test_lineup.py, hypothesis, derandomised) run here, and the brute-force cases they
compared (their CASES counter) are printed: about half a minute more. With --crossover, also both ways of
the engine (the pieces one by one, and arrays) for weeks to years of 4 to 40 members, each with the busy time
of its own days as the calendar reads it, from datetimes and from microseconds: where the arrays start to pay
(availability.engine.days._ARRAYS_FROM and _MICROS_ARRAYS_FROM).

    .venv/bin/python benchmarks/lineup_green_zone.py [--property] [--crossover]
"""

import argparse
import itertools
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from availability import engine
from availability.engine import busy_micros, day_statuses
from availability.lineup import Lineup, fills, mask_check

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
    soft = frozenset(m for m in range(size) if m % 6 == 5)
    lineup = Lineup(needs=needs, plays=plays, required=frozenset({0}), total=size // 2, soft=soft)
    return busy, lineup


def timed(call, runs: int = 15) -> float:
    """The best of `runs` calls: the least disturbed by the rest of the machine."""
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t)
    return best


def brute_force(free: frozenset, lineup: Lineup) -> bool:
    """Every assignment of the free members to one of their sections or none."""
    if not lineup.required <= free or len(free) < lineup.total:
        return False
    players = sorted(free)
    for pick in itertools.product(*([None, *sorted(lineup.plays.get(m, ()))] for m in players)):
        counts: dict = {}
        for section in pick:
            if section is not None:
                counts[section] = counts.get(section, 0) + 1
        if all(counts.get(s, 0) >= n for s, n in lineup.needs.items()):
            return True
    return False


def brute_force_check(bands: int = 300, seed: int = 2) -> int:
    """Random small line-ups, every set of free members: the engine's two checks against brute force."""
    rnd = random.Random(seed)
    compared = 0
    for _ in range(bands):
        size = rnd.randint(1, 8)
        sections = list(range(rnd.randint(1, 3)))
        plays = {m: frozenset(rnd.sample(sections, rnd.randint(0, len(sections)))) for m in range(size)}
        lineup = Lineup(
            needs={s: rnd.randint(0, 3) for s in sections},
            plays=plays,
            required=frozenset(m for m in range(size) if rnd.random() < 0.15),
            total=rnd.randint(0, size) if rnd.random() < 0.3 else 0,
        )
        keys = list(range(size))
        check = mask_check(lineup, keys)
        for mask in range(1 << size):
            free = frozenset(k for k in keys if mask >> k & 1)
            expected = brute_force(free, lineup)
            assert check(mask) == expected == fills(free, lineup), (lineup, free)
            compared += 1
    return compared


def property_cases() -> int:
    """Run the line-up property tests (every @given test of availability/tests/test_lineup.py) and return how
    many cases they compared with brute force."""
    from availability.tests import test_lineup as prop

    for name, test in vars(prop).items():
        if name.startswith("test_") and hasattr(test, "hypothesis"):
            test()
    return prop.CASES["compared"]


def crossover() -> None:
    """Both ways for each size: the pieces one by one, and arrays, with the thresholds the engine uses, for busy
    time given as datetimes and as the database's microseconds."""
    days = engine.days
    print(
        f"\nboth ways (ms; from datetimes the engine takes arrays from {days._ARRAYS_FROM} busy stretches,"
        f" with windows from {days._ARRAYS_WITH_WINDOWS_FROM}; from microseconds from {days._MICROS_ARRAYS_FROM},"
        f" with windows from {days._MICROS_ARRAYS_WITH_WINDOWS_FROM})"
    )
    print(
        f"{'':>25} {'datetimes':^31} {'microseconds':^31}\n"
        f"{'members':>8} {'days':>5} {'stretches':>10} {'line-up':>7} {'arrays':>7} {'windows':>7} {'arrays':>7}"
        f" {'line-up':>7} {'arrays':>7} {'windows':>7} {'arrays':>7}"
    )
    names = ("_ARRAYS_FROM", "_ARRAYS_WITH_WINDOWS_FROM", "_MICROS_ARRAYS_FROM", "_MICROS_ARRAYS_WITH_WINDOWS_FROM")
    thresholds = [getattr(engine, name) for name in names]
    try:
        for days in (7, 42, 91, 182, 365):
            for size in (4, 8, 16, 40):
                busy, lineup = band(size)
                last = FIRST + timedelta(days=days - 1)
                low = datetime.combine(FIRST, datetime.min.time(), tzinfo=UTC) - timedelta(days=2)
                high = datetime.combine(last, datetime.min.time(), tzinfo=UTC) + timedelta(days=3)
                read = {m: [(s, e) for s, e in stretches if e > low and s < high] for m, stretches in busy.items()}
                figures = []
                for given in (read, {m: busy_micros(stretches) for m, stretches in read.items()}):
                    for windows in (False, True):
                        for way in (10**9, 0):
                            for name in names:
                                setattr(engine, name, way)
                            call = partial(
                                day_statuses,
                                given,
                                [0],
                                FIRST,
                                last,
                                "Europe/Berlin",
                                min_length=timedelta(hours=3),
                                lineup=lineup,
                                members=list(busy),
                                keep_windows=windows,
                            )
                            figures.append(timed(call) * 1000)
                count = sum(map(len, read.values()))
                print(f"{size:>8} {days:>5} {count:>10} " + " ".join(f"{figure:>7.2f}" for figure in figures))
    finally:
        for name, value in zip(names, thresholds, strict=True):
            setattr(engine, name, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--property", action="store_true", help="also run the property tests and count their cases")
    parser.add_argument("--crossover", action="store_true", help="also time both ways of the engine, weeks to years")
    args = parser.parse_args()
    print(
        "busy time as the calendar reads it: microseconds from the database where only the days are worked out"
        " (the month and every reader but the week), datetimes for the week's windows"
    )
    print(
        f"{'members':>8} {'required only':>14} {'line-up':>10} {'with windows':>13} {'green':>6} {'amber':>6}"
        f" {'line-up from datetimes':>23}"
    )
    sizes = (4, 8, 16, 40, 60)
    calls, counts = {}, {}
    for size in sizes:
        busy, lineup = band(size)
        micros = {m: busy_micros(stretches) for m, stretches in busy.items()}
        members = list(busy)
        kwargs = {"min_length": timedelta(hours=3), "day_start": None, "day_end": None}
        run = partial(
            day_statuses,
            required=[0],
            first_day=FIRST,
            last_day=LAST,
            time_zone="Europe/Berlin",
            lineup=lineup,
            members=members,
            **kwargs,
        )
        calls[size] = {
            "required only": partial(
                day_statuses, micros, members, FIRST, LAST, "Europe/Berlin", keep_windows=False, **kwargs
            ),
            "line-up": partial(run, micros, keep_windows=False),
            "with windows": partial(run, busy),
            "from datetimes": partial(run, busy, keep_windows=False),
        }
        statuses = run(micros, keep_windows=False)
        assert statuses == run(busy, keep_windows=False)
        assert [s.status for s in statuses] == [s.status for s in run(busy)]
        counts[size] = (sum(s.status == "green" for s in statuses), sum(s.status == "amber" for s in statuses))
    # The best of 15 runs of each, taken in three rounds over every size: a burst of other work on the machine
    # then falls on one round, not on one size.
    best = {(size, column): float("inf") for size in sizes for column in calls[size]}
    for _round in range(3):
        for size in sizes:
            for column, call in calls[size].items():
                best[size, column] = min(best[size, column], timed(call, runs=5))
    for size in sizes:
        green, amber = counts[size]
        plain, by_lineup, with_windows, by_datetimes = (best[size, column] for column in calls[size])
        print(
            f"{size:>8} {plain * 1000:>11.1f} ms {by_lineup * 1000:>7.1f} ms {with_windows * 1000:>10.1f} ms"
            f" {green:>6} {amber:>6} {by_datetimes * 1000:>20.1f} ms"
        )
    times = {size: best[size, "line-up"] for size in sizes}
    plains = {size: best[size, "required only"] for size in sizes}
    from_datetimes = {size: best[size, "from datetimes"] for size in sizes}
    print(f"line-up, 40 vs 8 members: {times[40] / times[8]:.2f}x (goal: within 2x)")
    print(f"required only, 40 vs 8 members: {plains[40] / plains[8]:.2f}x")
    print(f"line-up from datetimes, 40 vs 8 members: {from_datetimes[40] / from_datetimes[8]:.2f}x")
    print(f"brute-force cases compared (line-up fills, every set of free members): {brute_force_check()}")
    if args.crossover:
        crossover()
    if args.property:
        cases = property_cases()
        print(f"brute-force cases compared by the property tests (availability/tests/test_lineup.py): {cases}")


if __name__ == "__main__":
    main()
