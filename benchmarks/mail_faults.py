"""Notification mail through faults: Redis killed mid-run, and a worker killed mid-send.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/mail_faults.py
        [--mails 100] [--per-second 5] [--outage 5] [--concurrency 4] [--mail-delay 0.5] [--claim 20]
        [--database-name stageslot_bench_mail] [--keep]
    .venv/bin/python benchmarks/mail_faults.py   # SQLite, a throwaway file

PostgreSQL when DATABASE_URL is set (the server is used, the database is its own: --database-name,
dropped at the end unless --keep); otherwise a SQLite file. Needs /usr/bin/redis-server: the run
starts its own, empty and on disk nowhere, on a free port from 6391 to 6399.

As in production (the Procfile): a Celery worker (prefork, --concurrency) and beat, each under
bin/keep_running.py. The mail server is slow (test settings, stageslot/tests/mail.py): it stores each
message at once and answers --mail-delay seconds later. The re-queue runs every second for emails
older than 5 s, and a claim on a row being sent runs out after --claim seconds (production: 30 s,
60 s and 300 s; shorter here so that a run takes a minute).

1. --mails notification emails are written, --per-second of them a second, each to its own person.
2. Two seconds in, Redis is killed (SIGKILL: its queue and the tasks in flight are gone) and started
   again --outage seconds later; emails written meanwhile wait in the database.
3. Once it is back, the worker (its main process and its pool processes) is killed with SIGKILL at the
   moment the mail server has stored a message and not answered yet; keep_running starts it again.
4. The run waits until every row says sent, then a re-queue window longer, and counts the messages the
   mail server got: written, delivered (one Message-ID each), duplicated (the same Message-ID again),
   and how long after Redis came back, and after the kill, the last one left.
"""

import argparse
import collections
import contextlib
import email
import email.message
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (benchmarks/search.py: database helpers)

QUEUE = "stageslot-bench-mail-faults"
REQUEUE_AFTER, REQUEUE_EVERY = 5, 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=100)
    parser.add_argument("--per-second", type=float, default=5.0, help="emails written per second")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds Redis stays away")
    parser.add_argument("--concurrency", type=int, default=4, help="the worker's pool processes")
    parser.add_argument("--mail-delay", type=float, default=0.5, help="seconds the mail server takes to answer")
    parser.add_argument("--claim", type=int, default=20, help="seconds before a send that stopped is retried")
    parser.add_argument("--timeout", type=float, default=180.0, help="give up waiting after this many seconds")
    parser.add_argument("--database-name", default="stageslot_bench_mail")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--logs", type=Path, help="keep the logs and the mail in this folder (default: thrown away)")
    return parser.parse_args()


def setup_database(args: argparse.Namespace) -> tuple[str | None, str]:
    """Point DATABASE_URL at a fresh database; returns (PostgreSQL maintenance URL or None, what it is)."""
    return search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-mail-faults.sqlite3")


class Processes:
    """The worker and beat, each under bin/keep_running.py, logging to files in `folder`."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.loops: dict[str, subprocess.Popen] = {}

    def start(self, name: str, celery_args: list[str]) -> None:
        command = [
            sys.executable, str(ROOT / "bin" / "keep_running.py"), "--", sys.executable, "-m", "celery",
            "-A", "stageslot", *celery_args,
        ]  # fmt: skip
        with (self.folder / f"{name}.log").open("w") as log:
            self.loops[name] = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def worker_pid(self) -> int:
        """The running `celery worker` main process: keep_running's child."""
        loop = self.loops["worker"].pid
        children = Path(f"/proc/{loop}/task/{loop}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        for loop in self.loops.values():
            if loop.poll() is None:
                loop.send_signal(signal.SIGTERM)
        for loop in self.loops.values():
            try:
                loop.wait(timeout=30)
            except subprocess.TimeoutExpired:
                loop.kill()
                loop.wait(timeout=10)


def unsent(ids: set[int]) -> bool:
    from accounts.models import Notification

    return Notification.objects.filter(pk__in=ids).exclude(email_state=Notification.Email.SENT).exists()


def back_again(redis_server) -> tuple[set[int], object]:
    """Start Redis again; the ids of the emails not sent at that moment, and the moment."""
    from django.utils import timezone

    from accounts.models import Notification

    redis_server.start()
    waiting = set(Notification.objects.exclude(email_state=Notification.Email.SENT).values_list("pk", flat=True))
    return waiting, timezone.now()


def messages_sent(mail_dir: Path, end: bytes) -> list[email.message.Message]:
    """Every message the mail server stored (a file may hold several)."""
    found = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(end):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk))
    return found


def run(args: argparse.Namespace, folder: Path, redis_server) -> None:
    from django.core.management import call_command
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import Notification, User
    from accounts.services import notifications_create
    from stageslot.tests.worker import MAIL_END, wait_until

    call_command("migrate", verbosity=0)
    mail_dir = folder / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "STAGESLOT_TEST_MAIL_DIR": str(mail_dir),
        "STAGESLOT_TEST_MAIL_DELAY": str(args.mail_delay),
        "STAGESLOT_NOTIFICATION_EMAIL_CLAIM": str(args.claim),
    }
    processes = Processes(folder, env)
    try:
        processes.start(
            "worker", ["worker", "--loglevel=INFO", "-Q", QUEUE, f"--concurrency={args.concurrency}", "-n", "bench@%h"]
        )
        processes.start("beat", ["beat", "--loglevel=INFO", "-s", str(folder / "beat-schedule")])
        if not wait_until(lambda: " ready." in processes.log("worker"), timeout=60):
            sys.exit(f"the worker did not start:\n{processes.log('worker')}")

        people = User.objects.bulk_create(User(email=f"fan{i}@bench.stageslot.test") for i in range(args.mails))
        started = time.monotonic()
        redis_down_at = redis_up_at = killed_at = killed_wall = back_at = None
        written_while_down = stored = 0
        backlog: set[int] = set()
        caught: set[int] = set()

        def kill_worker_mid_send() -> None:
            # The worker dies while the mail server holds a message it has not confirmed.
            nonlocal killed_at, killed_wall, caught
            os.killpg(processes.worker_pid(), signal.SIGKILL)
            killed_at, killed_wall = time.monotonic(), timezone.now()
            sending = Notification.objects.filter(email_state=Notification.Email.SENDING)
            caught = set(sending.values_list("pk", flat=True))

        for i, person in enumerate(people):
            # On schedule: the outage slows the hand-off of the emails written meanwhile.
            time.sleep(max(0.0, started + i / args.per_second - time.monotonic()))
            now = time.monotonic()
            if redis_down_at is None and now - started >= 2:
                redis_server.kill()
                redis_down_at = now
            if redis_down_at is not None and redis_up_at is None and now - redis_down_at >= args.outage:
                backlog, back_at = back_again(redis_server)
                redis_up_at = time.monotonic()
            written_while_down += redis_down_at is not None and redis_up_at is None
            if redis_up_at is not None and killed_at is None and not unsent(backlog):
                # The outage's backlog is out: the next message the server stores is where the kill goes.
                now_stored = processes.log("worker").count("Mail server stored")
                if stored and now_stored > stored:
                    kill_worker_mid_send()
                stored = now_stored
            notifications_create(recipients=[person], kind="booking_booked", text=f"Booked {i}.", key=f"bench-{i}")
        if redis_down_at is None:
            sys.exit("the run ended before Redis was killed: write more mails or more slowly")
        if redis_up_at is None:
            time.sleep(max(0.0, redis_down_at + args.outage - time.monotonic()))
            backlog, back_at = back_again(redis_server)
            redis_up_at = time.monotonic()
        if killed_at is None:
            stored = processes.log("worker").count("Mail server stored")
            wait_until(lambda: processes.log("worker").count("Mail server stored") > stored, timeout=60)
            kill_worker_mid_send()

        def all_sent() -> bool:
            return not Notification.objects.exclude(email_state=Notification.Email.SENT).exists()

        delivered = wait_until(all_sent, timeout=args.timeout)
        done_at = time.monotonic()
        time.sleep(REQUEUE_AFTER + 2 * REQUEUE_EVERY)  # later re-queue runs: anything sent a second time
    finally:
        processes.stop()

    def last_sent_after(ids: set[int], start) -> str:
        last = Notification.objects.filter(pk__in=ids).aggregate(last=Max("email_sent_at"))["last"]
        return f"{(last - start).total_seconds():.1f} s" if last else "-"

    messages = messages_sent(mail_dir, MAIL_END)
    per_id = collections.Counter(m["Message-ID"] for m in messages)
    states = collections.Counter(Notification.objects.values_list("email_state", flat=True))
    worker_log = processes.log("worker")
    print(f"mails written:           {args.mails} ({written_while_down} while Redis was down)")
    print(f"rows marked sent:        {states.get(Notification.Email.SENT, 0)} of {args.mails}")
    print(f"delivered:               {len(per_id)} distinct Message-IDs in {len(messages)} messages")
    print(
        f"duplicated:              {sum(n - 1 for n in per_id.values())} "
        f"(emails that arrived twice, under one Message-ID: {sum(1 for n in per_id.values() if n > 1)})"
    )
    print(f"Redis away:              {redis_up_at - redis_down_at:.1f} s (SIGKILL, back empty)")
    print(
        f"waiting when it was back: {len(backlog - caught)} emails (written meanwhile, or queued and lost with it); "
        f"the last sent {last_sent_after(backlog - caught, back_at)} after Redis was back"
    )
    print(
        f"worker killed mid-send:  {len(caught)} emails being sent (SIGKILL of the worker and its pool); "
        f"sent again by {last_sent_after(caught, killed_wall)} after the kill (claim {args.claim} s, then re-queue)"
    )
    print(
        f"all delivered:           {'yes' if delivered else 'NO'}, {done_at - redis_up_at:.1f} s after Redis was back, "
        f"{done_at - killed_at:.1f} s after the kill"
    )
    print(f"worker restarts:         {worker_log.count('starting it again')} (keep_running)")
    print(f"'Unrecoverable error':   {worker_log.count('Unrecoverable error')}")


def main() -> None:
    args = parse_args()
    maintenance_url, where = setup_database(args)
    os.environ["DJANGO_SETTINGS_MODULE"] = "stageslot.settings.test"
    from stageslot.tests.worker import OWN_REDIS_PORTS, RedisServer

    with contextlib.ExitStack() as stack:
        if args.logs:
            args.logs.mkdir(parents=True)
            folder = str(args.logs)
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="stageslot-mail-faults-"))
        for port in OWN_REDIS_PORTS:
            redis_server = RedisServer(port=port, log_path=Path(folder) / "redis.log")
            if redis_server.start():
                break
        else:
            sys.exit(f"no free port for a redis-server among {OWN_REDIS_PORTS}")
        # Settings for this process (it writes the notifications) and the worker and beat alike.
        os.environ.update(
            REDIS_URL=redis_server.url,
            STAGESLOT_TEST_EAGER="false",
            STAGESLOT_TEST_QUEUE=QUEUE,
            STAGESLOT_NOTIFICATION_REQUEUE_AFTER=str(REQUEUE_AFTER),
            STAGESLOT_NOTIFICATION_REQUEUE_EVERY=str(REQUEUE_EVERY),
        )
        import django

        django.setup()
        logging.getLogger("accounts.services").setLevel(logging.ERROR)  # "Broker unreachable", per email
        logging.getLogger("celery").setLevel(logging.WARNING)
        from django.db import connection, connections

        print(f"database: {connection.vendor} ({where}), redis-server on port {redis_server.port}")
        try:
            run(args, Path(folder), redis_server)
        finally:
            redis_server.kill()
            connections.close_all()
            if maintenance_url and not args.keep:
                search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
                print(f"dropped database {args.database_name}")


if __name__ == "__main__":
    main()
