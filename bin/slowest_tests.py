"""Print the slowest tests of one or more JUnit XML reports (pytest --junitxml), slowest first.

    python bin/slowest_tests.py [--top 30] .cache/ci/sqlite.xml .cache/ci/postgres.xml

`.ci/run` calls it after both test stages: each line is a test's own time (set-up, call and tear-down
together, less the session and module fixtures it happened to set up first), the stage it ran in (the
report's name), and its id; the last lines sum each stage's tests. Then the tests that cost the most CPU in their
own process (conftest.py records it, shared fixtures included): on a busy machine a test's time counts its waits
for a core too, its CPU does not, so this list is the one to read for what the suite costs.
"""

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path
from xml.etree import ElementTree

SHARED = "shared_fixture_seconds"  # conftest.py's names for them
CPU = "cpu_seconds"
SHARED_CPU = "shared_fixture_cpu_seconds"


def cases(report: Path) -> list[tuple[float, str, str, float, float]]:
    """(seconds, stage, test id, its own CPU seconds, CPU seconds of the shared fixtures it set up first) of every test
    case in the report; the stage is the file's stem."""
    found = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):  # noqa: S314 (our own report)
        # Less the fixtures it set up for others too (the test database, a module's world): conftest.py records them.
        shared = sum(float(p.get("value") or 0) for p in case.iter("property") if p.get("name") == SHARED)
        seconds = float(case.get("time") or 0) - shared
        # A test of an xdist group is named `test[params]@group]` in the report: shown as pytest shows it.
        name = re.sub(r"\]@([\w-]+)\]$", r"]@\1", case.get("name") or "")
        cpu = [
            sum(float(p.get("value") or 0) for p in case.iter("property") if p.get("name") == key)
            for key in (CPU, SHARED_CPU)
        ]
        found.append((seconds, report.stem, f"{case.get('classname')}::{name}", *cpu))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    every = [case for report in args.reports if report.exists() for case in cases(report)]
    if not every:
        print("No test reports to read.")
        return 0
    every.sort(reverse=True)
    print(f"The {min(args.top, len(every))} slowest tests (seconds, stage, test):")
    for seconds, stage, test, *_cpu in every[: args.top]:
        print(f"{seconds:8.2f}  {stage:<9} {test}")
    totals: dict[str, list[float]] = defaultdict(list)
    cpu_totals: dict[str, float] = defaultdict(float)
    for seconds, stage, _test, cpu, shared_cpu in every:
        totals[stage].append(seconds)
        cpu_totals[stage] += cpu + shared_cpu
    for stage, times in totals.items():
        print(f"{stage}: {len(times)} tests, {sum(times):.0f} s of test time in all processes")
    by_cpu = sorted(every, key=lambda case: case[3], reverse=True)
    if by_cpu[0][3]:
        top = min(args.top, len(every))
        print(f"\nThe {top} tests that cost the most CPU in their own process (CPU seconds, stage, test):")
        for _seconds, stage, test, cpu, _shared in by_cpu[: args.top]:
            print(f"{cpu:8.2f}  {stage:<9} {test}")
        for stage, cpu in cpu_totals.items():
            print(
                f"{stage}: {cpu:.0f} CPU seconds in its test processes, shared fixtures included (not what they start)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
