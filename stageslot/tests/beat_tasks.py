"""A tiny periodic task for the tests of periodic runs: it records each run, with the period it was sent for,
in RUNS (this process) and, for a worker process a test starts, as a line of the file
STAGESLOT_TEST_BEAT_RECORD names."""

import os

from celery import shared_task

from stageslot.periodic import period_of_request

RUNS: list[str] = []


@shared_task(bind=True)
def beat_tick(self) -> str:
    period = period_of_request(self.request)
    said = period.isoformat() if period else "by hand"
    RUNS.append(said)
    if record := os.environ.get("STAGESLOT_TEST_BEAT_RECORD"):
        # One short line in append mode: written whole, even beside another process's.
        with open(record, "a", encoding="utf-8") as file:
            file.write(f"{said} {os.getpid()}\n")
    return said
