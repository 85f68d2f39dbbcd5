"""Run by test_clock.py with `--clock`: not collected by the suite (its name does not start with test_)."""

import datetime as dt
import os
import time

import pytest
from django.utils import timezone


@pytest.fixture(scope="module")
def made_before():
    time.sleep(0.05)
    return timezone.now()


def test_starts_at_the_moment():
    now = timezone.now()
    assert now.isoformat().startswith("2030-01-31T21:30:00"), now
    time.sleep(0.05)
    assert timezone.now() > now  # the clock ticks on from the moment


def test_a_shared_fixture_is_made_before_the_moment_and_the_test_starts_at_it(made_before):
    now = timezone.now()
    assert made_before.isoformat().startswith("2030-01-31T21:29:00"), made_before
    assert now.isoformat().startswith("2030-01-31T21:30:00"), now


def test_the_next_test_starts_at_the_moment_again(made_before):
    assert timezone.now().isoformat().startswith("2030-01-31T21:30:00"), timezone.now()
    assert made_before < timezone.now() - dt.timedelta(seconds=50)


@pytest.mark.real_clock
def test_a_test_marked_real_clock_runs_at_the_machines_time():
    started = dt.datetime.fromtimestamp(os.stat("/proc/self").st_ctime, dt.UTC)  # the kernel's word, not Python's clock
    assert abs(timezone.now() - started) < dt.timedelta(hours=1)
