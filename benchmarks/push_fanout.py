"""Web Push fan-out: 1,000 devices get one notification each, through the worker, from a local push service
that checks every VAPID signature and decrypts every payload as a browser would.

Usage:
    REDIS_URL=redis://127.0.0.1:6379/0 [DATABASE_URL=postgres://postgres@127.0.0.1/x] \\
        .venv/bin/python benchmarks/push_fanout.py [--devices 1000] [--keep]
    .venv/bin/python benchmarks/push_fanout.py     # no Redis: the push task runs in this process

1,000 people with a device each are told of one event (one notifications_create, as a gig's "Can you
play?" to a big band or a venue's news would be). With REDIS_URL a real `celery worker` (two processes,
its own queue) takes the push task and the emails queued beside it; the time is from the commit until the
push service has accepted the last push, and how many it refused (a bad signature or a payload it could
not decrypt) is counted. Budget: every push delivered, none refused, under 30 s.
Exits with 1 when the budget is missed.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import search as search_bench  # noqa: E402

BUDGET_S = 30.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--database-name", default="stageslot_bench_push")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def people_with_devices(endpoint, count: int) -> list:
    from accounts.models import PushSubscription, User

    stamp = uuid.uuid4().hex[:6]
    users = User.objects.bulk_create(
        User(email=f"push-{stamp}-{n}@example.com", display_name=f"Player {n}", time_zone="Europe/Berlin")
        for n in range(count)
    )
    PushSubscription.objects.bulk_create(
        PushSubscription(user=user, label="Firefox", **endpoint.device().subscription) for user in users
    )
    return users


def start_worker(queue: str, push_host: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.test",
        "STAGESLOT_TEST_EAGER": "0",
        "STAGESLOT_TEST_QUEUE": queue,
        "STAGESLOT_TEST_WEBPUSH_ALLOW_HOSTS": push_host,
    }
    command = [sys.executable, "-m", "celery", "-A", "stageslot", "worker", "-Q", queue, "-c", "2", "-l", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-push.sqlite3")
    queue = f"stageslot-bench-push-{uuid.uuid4().hex[:8]}"
    os.environ["STAGESLOT_TEST_QUEUE"] = queue
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    real_worker = bool(os.environ.get("REDIS_URL"))
    os.environ["STAGESLOT_TEST_EAGER"] = "0" if real_worker else "1"
    import logging

    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from accounts.models import Notification
    from accounts.services import notifications_create
    from accounts.tests.push_endpoint import PushEndpoint

    worker = None
    problems: list[str] = []
    try:
        call_command("migrate", verbosity=0)
        print(
            f"database: {connection.vendor} ({where}); "
            f"{'a celery worker on Redis' if real_worker else 'the push task in this process (no REDIS_URL)'}; "
            f"load average {search_bench.load_average()}"
        )
        with PushEndpoint() as endpoint:
            settings.WEBPUSH_ALLOW_HOSTS = (endpoint.host_port,)
            users = people_with_devices(endpoint, args.devices)
            if real_worker:
                worker = start_worker(queue, endpoint.host_port)
                time.sleep(4)  # the worker connects to the broker
            started = time.perf_counter()
            with transaction.atomic():
                notes = notifications_create(
                    recipients=users,
                    kind="booking_created",
                    text="Can you play on Saturday 12 December?",
                    link="/bookings/",
                    key=f"push-bench-{uuid.uuid4().hex}",
                )
            received = endpoint.wait_for(args.devices, timeout=BUDGET_S * 3)
            elapsed = time.perf_counter() - started
            refused = len(endpoint.refused)
            sent = Notification.objects.filter(pk__in=[n.pk for n in notes], push_state="sent").count()
        print(
            f"{args.devices} devices: {len(received)} pushes delivered and decrypted, {refused} refused, "
            f"{sent} notifications marked sent, in {elapsed:.1f} s "
            f"({len(received) / elapsed:.0f}/s; budget {BUDGET_S:.0f} s)"
        )
        if len(received) < args.devices or refused or elapsed > BUDGET_S:
            problems.append(f"push fan-out: {len(received)}/{args.devices} in {elapsed:.1f} s, {refused} refused")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
    if problems:
        print("PROBLEMS: " + "; ".join(problems))
        sys.exit(1)
    print("every budget met")


if __name__ == "__main__":
    main()
