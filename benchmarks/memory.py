"""Memory of one web worker over many mixed requests: does it stay within 20 % of its size after the first 100?

Usage (a world made by growth.py --keep, or by `manage.py seed_world --scale N` on its own database):
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot_bench_growth_100 .venv/bin/python benchmarks/memory.py
        [--requests 10000] [--seed 14]

Drives the visits of stageslot.demo.world.visits (the pages and API reads growth.py measures, each as the person
who uses it) in a shuffled round-robin through one process and Django's test client, as one worker would
serve them, and prints this process's resident size (VmRSS) after the first 100 requests, every
1,000 after, and the ratio of the last to the one after 100. Writes nothing but what `visits` makes once
(the feeds and the API token it reads with). The ratio is the figure of issue 60: at most 1.20.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIMIT = 1.20


def rss_mb() -> float:
    """This process's resident set size in MB, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=14, help="the world's seed (seed_world --seed)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "3600")

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from stageslot.demo.world import visits

    settings.DEBUG = False  # as in production: no query log kept per request
    plan = visits(seed=args.seed, reader="Memory test")
    clients: dict[str | None, Client] = {}
    for visit in plan:
        if visit.email not in clients:
            clients[visit.email] = Client()
            if visit.email:
                clients[visit.email].force_login(User.objects.get(email=visit.email))
    rng = random.Random(args.seed)
    order: list = []
    started, marks = time.perf_counter(), {}
    print(f"{len(plan)} visits, {args.requests:,} requests; start {rss_mb():.1f} MB")
    for n in range(1, args.requests + 1):
        if not order:
            order = rng.sample(plan, len(plan))
        visit = order.pop()
        response = clients[visit.email].get(visit.url, **visit.headers)
        if response.status_code != 200:
            sys.exit(f"{visit.name}: {response.status_code}")
        if n == 100 or n % 1000 == 0:
            marks[n] = rss_mb()
            print(f"after {n:>6,} requests: {marks[n]:.1f} MB ({time.perf_counter() - started:.0f} s)", flush=True)
    first, last = marks[100], marks[max(marks)]
    ratio = last / first
    verdict = "within" if ratio <= LIMIT else "OVER"
    print(
        f"RSS after 100: {first:.1f} MB; after {max(marks):,}: {last:.1f} MB; ratio {ratio:.3f} ({verdict} {LIMIT:.2f})"
    )


if __name__ == "__main__":
    main()
