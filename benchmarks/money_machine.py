"""The money state machine (payments/tests/money_machine.py) run long: many random sequences of quotes,
payments, balance charges, refunds, cancellations, Stripe events (late, twice, out of order, forged),
answers lost on the way and callers killed, against a real localstripe behind a proxy that loses
answers. Prints how many sequences it tried, what they did, and how long it took; exits with 1 when an
invariant broke (Hypothesis prints the shortest sequence that breaks it).

Usage:
    .venv/bin/python benchmarks/money_machine.py [--sequences 200] [--steps 30] [--fixed]

--fixed replays the sequences CI runs (derandomized) instead of exploring new ones. SQLite unless
DATABASE_URL is set (then PostgreSQL, with its row locks).
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "payments/tests/test_money_machine.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=200)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--fixed", action="store_true", help="the sequences CI runs, not new ones")
    args = parser.parse_args()
    env = {
        **os.environ,
        "STAGESLOT_MONEY_SEQUENCES": str(args.sequences),
        "STAGESLOT_MONEY_STEPS": str(args.steps),
        "STAGESLOT_MONEY_RANDOM": "0" if args.fixed else "1",
    }
    command = [sys.executable, "-m", "pytest", TEST, "-p", "no:cacheprovider", "-n", "0", "-q", "-s", "--no-header"]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.monotonic() - started
    seen = re.search(r"^money machine: (.*)$", done.stdout, re.MULTILINE)
    print(f"money machine: up to {args.sequences} sequences of up to {args.steps} steps, "
          f"{'the fixed ones' if args.fixed else 'explored anew'}; {seconds:.0f} s")  # fmt: skip
    if seen:
        for item in seen.group(1).split(", "):
            print(f"  {item}")
    if done.returncode != 0:
        print(done.stdout[-20000:])
        print(done.stderr[-5000:], file=sys.stderr)
        print("FAILED: an invariant broke (the sequence is above)")
        return 1
    print("every invariant held after every step and after every recovery round")
    return 0


if __name__ == "__main__":
    sys.exit(main())
