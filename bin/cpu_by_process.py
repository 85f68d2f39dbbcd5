"""Where a run's CPU went, by kind of process: every process of the machine read from /proc while the run lasts.

    python bin/cpu_by_process.py --until FILE [--interval 1.0] [--top 14] [--out FILE]

Reads each process's user and system CPU (/proc/PID/stat) every --interval seconds until FILE exists, then prints the
CPU each kind of process spent meanwhile: the test processes, Chromium's parts, PostgreSQL's backends, the worker, a
server a test started. `.ci/run` starts it beside its test jobs: bash's `times` counts only the children a job waited
for (not Chromium's renderers, nor PostgreSQL's backends), and the machine's total alone does not say which to make
cheaper. A process that starts and ends between two reads is missed, as is what a process spent before the first
read; what is missed is the remainder up to the machine's total, which `.ci/run` prints beside it. Linux only: where
/proc has no processes it prints nothing.
"""

import argparse
import os
import re
import time
from collections import Counter
from pathlib import Path

# A process's kind: its command line, shortened to what tells the kinds apart.
KINDS = [
    (re.compile(r"chromium.*--type=renderer"), "Chromium: renderers (pages)"),
    (re.compile(r"chromium.*--type=gpu-process"), "Chromium: GPU process (software)"),
    (re.compile(r"chromium.*--type=utility"), "Chromium: network and other utilities"),
    (re.compile(r"chromium"), "Chromium: browser processes"),
    (re.compile(r"playwright/driver/node"), "Playwright's driver (Node.js)"),
    (re.compile(r"^postgres: .*_pool"), "PostgreSQL: the pooler job's backends"),
    (re.compile(r"^postgres"), "PostgreSQL: server and backends"),
    (re.compile(r"pgbouncer"), "PgBouncer"),
    (re.compile(r"redis-server"), "Redis"),
    (re.compile(r"-m celery|celery "), "Celery workers and beats started by tests"),
    (re.compile(r"gunicorn"), "gunicorn nodes started by tests"),
    (re.compile(r"nginx"), "nginx started by tests"),
    (re.compile(r"exec\(eval\(sys\.stdin"), "pytest-xdist test processes (both stages)"),
    (re.compile(r"suite_through_pooler|-m pytest -n 0 --reuse-db"), "the pooler job's pytest"),
    (re.compile(r"-m pytest.*--collect-only"), "pytest collecting (the warm-up, tests' own runs)"),
    (re.compile(r"-m pytest"), "pytest main processes (and runs tests start)"),
    (
        re.compile(r"manage\.py|django-admin|djlint|ruff|makemessages|msgmerge|msgfmt|xgettext"),
        "lint, checks, catalogues",
    ),
    (re.compile(r"localstripe|moto_server|calendars\.testing|radicale"), "stand-ins for outside services"),
    (re.compile(r"pip "), "pip"),
    (re.compile(r"python"), "other Python processes (benchmarks and scripts tests start)"),
]


def kind_of(command: str, name: str) -> str:
    for pattern, kind in KINDS:
        if pattern.search(command):
            return kind
    return name or "?"


def read_all(ticks: dict, names: dict) -> None:
    """Every process's CPU ticks so far, by (pid, start time); its kind the first time it is seen."""
    own = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == own:
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            key = (entry, fields[19])  # a pid with its start time: a pid used again is another process
            ticks[key] = int(fields[11]) + int(fields[12])
            if key not in names:
                raw = Path(f"/proc/{entry}/cmdline").read_bytes()
                names[key] = kind_of(raw.replace(b"\0", b" ").decode(errors="replace"), name)
        except (OSError, ValueError, IndexError):
            continue  # it ended meanwhile, or is not ours to read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--until", type=Path, required=True, help="stop once this file exists")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--top", type=int, default=14)
    parser.add_argument("--out", type=Path, help="write the figures here instead of standard output")
    parser.add_argument("--ready", type=Path, help="touch this file once the first reading is taken")
    args = parser.parse_args()
    if not Path("/proc/self/stat").exists():
        return 0
    hertz = os.sysconf("SC_CLK_TCK")
    ticks: dict = {}
    names: dict = {}
    read_all(ticks, names)
    before = dict(ticks)  # what the processes running at the start had spent already is not the run's
    if args.ready:
        args.ready.touch()
    while not args.until.exists():
        time.sleep(args.interval)
        read_all(ticks, names)
    spent: Counter = Counter()
    for key, total in ticks.items():
        spent[names[key]] += (total - before.get(key, 0)) / hertz
    lines = [f"CPU by kind of process, core-seconds ({sum(spent.values()):.0f} seen):"]
    lines += [f"  {seconds:8.1f}  {kind}" for kind, seconds in spent.most_common(args.top) if seconds >= 0.5]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
