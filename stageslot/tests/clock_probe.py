"""Run by test_clock.py with `--clock`: not collected by the suite (its name does not start with test_)."""

import datetime as dt
import time

from django.utils import timezone

SEEN: list[dt.datetime] = []


def test_starts_at_the_moment():
    now = timezone.now()
    assert now.isoformat().startswith("2030-01-31T21:30"), now
    time.sleep(0.05)
    assert timezone.now() > now  # the clock ticks on from the moment


def test_the_next_test_starts_at_the_moment_again():
    assert timezone.now().isoformat().startswith("2030-01-31T21:30:0"), timezone.now()
