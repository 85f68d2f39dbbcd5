"""The suite's clocks (stageslot/test_clock.py): which moment each name stands for, and a run under one."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stageslot.test_clock import BERLIN, MOMENTS, moment_of

ROOT = Path(__file__).resolve().parents[2]
PROBE = ["--clock=2030-01-31T21:30:00+00:00", "stageslot/tests/clock_probe.py"]


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 11, 29, 1, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC),  # Berlin is in the new year already
        dt.datetime(2027, 3, 28, 0, 59, tzinfo=dt.UTC),  # a minute before Berlin's clocks go forward
        dt.datetime(2028, 2, 28, 12, 0, tzinfo=dt.UTC),  # a leap year
    ],
)
def test_each_moment_is_the_next_of_its_kind(now):
    berlin = moment_of("berlin-midnight", now).astimezone(BERLIN)
    assert (berlin.hour, berlin.minute) == (23, 59) and berlin > now
    utc = moment_of("utc-midnight", now)
    assert (utc.day, utc.hour, utc.minute) == (1, 0, 1) and now < utc <= now + dt.timedelta(days=32)
    change = moment_of("dst", now)
    assert (
        change > now
        and change.astimezone(BERLIN).utcoffset() != (change - dt.timedelta(hours=2)).astimezone(BERLIN).utcoffset()
    )
    end = moment_of("month-end", now)
    assert end > now and (end + dt.timedelta(days=1)).day == 1 and (end.hour, end.minute) == (21, 30)
    assert all(moment_of(name, now) <= now + dt.timedelta(days=400) for name in MOMENTS)


def test_a_moment_may_be_named_by_its_iso_form_with_its_offset():
    now = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    assert moment_of("2027-10-31T00:30:00+01:00", now) == dt.datetime(2027, 10, 30, 23, 30, tzinfo=dt.UTC)
    for wrong in ("2027-10-31T00:30:00", "tomorrow", ""):
        with pytest.raises(pytest.UsageError, match="ISO 8601 moment with its offset"):
            moment_of(wrong, now)


@pytest.mark.slow
def test_every_test_of_a_run_starts_at_the_moment_and_the_clock_ticks_on():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", *PROBE],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("STAGESLOT_TEST_CLOCK", "PYTEST_XDIST_WORKER")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    assert "clock: every test starts at 2030-01-31T21:30:00+00:00" in result.stdout
