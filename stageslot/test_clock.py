"""The suite under a chosen clock: `pytest --clock=berlin-midnight` (decision 0133, the suite under four clocks).

A test decides correctness whatever the date and hour it runs at. Most tests take "now" from the clock and build
their world a few days or weeks ahead of it, so a test that silently assumes the days it makes stay in one month,
one week or one local day passes on most days and fails on a few: the hold calendar's test failed on the 28th,
an earlier one between midnight in Berlin and midnight UTC. Each `--clock` moment puts every test at the start of
a moment where such an assumption breaks, so such a test fails on the day it is written, not on the day the
calendar turns:

- `berlin-midnight`: 23:59 in Berlin (the demo's and most venues' zone) – the local day ends a minute in, and
  the UTC date is still the day before;
- `utc-midnight`: 00:01 UTC – a new UTC date, while Berlin is an hour or two into it;
- `dst`: 01:30 UTC on the day Europe changes its clocks next (a day of 23 or 25 hours in Berlin);
- `month-end`: 21:30 UTC on the last day of the month (23:30 or 22:30 in Berlin) – "in three days" is next
  month, and the year's end when it is December.

Each moment is the next one after the run starts, so dates a test writes by hand ("2027-…" as the future) keep
their sense. The controller fixes the moment once and hands it to its test processes (STAGESLOT_TEST_CLOCK), so
all of them agree. The clock travels there when the run starts (session fixtures, the demo world), and every test
starts at the moment itself (time-machine, ticking on from there: a timeout still runs out, time.monotonic and
sleeps are untouched). Processes a test starts (a worker, localstripe, manage.py) keep the machine's clock.

CI runs its SQLite stage under one of the four each day, by the day of the year; `make test-clocks` runs the
stage under all four, one after another.
"""

import datetime as dt
import os
import time
import zoneinfo

import pytest

MOMENTS = ("berlin-midnight", "utc-midnight", "dst", "month-end")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
ENV = "STAGESLOT_TEST_CLOCK"


def next_dst_change(after: dt.datetime) -> dt.date:
    """The UTC date on which Berlin next changes its offset after `after` (the last Sunday of March or October)."""
    day = after.date() + dt.timedelta(days=1)
    for _ in range(400):
        start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
        if start.astimezone(BERLIN).utcoffset() != (start + dt.timedelta(days=1)).astimezone(BERLIN).utcoffset():
            return day
        day += dt.timedelta(days=1)
    raise ValueError("Europe/Berlin changed no clock in 400 days")  # pragma: no cover - tzdata says otherwise


def moment_of(name: str, now: dt.datetime) -> dt.datetime:
    """The UTC moment `name` stands for, the next one after `now` (an aware datetime); or `name` itself when it
    is an ISO 8601 moment with its offset ("2027-03-28T01:30:00+00:00")."""
    tomorrow = now.astimezone(dt.UTC).date() + dt.timedelta(days=1)
    if name == "berlin-midnight":
        local = dt.datetime.combine(tomorrow, dt.time(23, 59), tzinfo=BERLIN)
        return local.astimezone(dt.UTC)
    if name == "utc-midnight":
        return dt.datetime.combine(tomorrow, dt.time(0, 1), tzinfo=dt.UTC)
    if name == "dst":
        return dt.datetime.combine(next_dst_change(now), dt.time(1, 30), tzinfo=dt.UTC)
    if name == "month-end":
        first_of_next = (tomorrow.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return dt.datetime.combine(first_of_next - dt.timedelta(days=1), dt.time(21, 30), tzinfo=dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(name)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(
            f"--clock={name}: name one of {', '.join(MOMENTS)}, or an ISO 8601 moment with its offset"
        )
    return moment.astimezone(dt.UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=None,
        help="run every test from one moment: " + ", ".join(MOMENTS) + " (the next one after the run starts) "
        "or an ISO 8601 moment with its offset; see stageslot/test_clock.py",
    )


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("--clock", default=None)
    if not name:
        return
    fixed = os.environ.get(ENV) if os.environ.get("PYTEST_XDIST_WORKER") else None
    if fixed:  # a test process of the run: the controller chose the moment
        moment = dt.datetime.fromisoformat(fixed)
    else:
        moment = moment_of(name, dt.datetime.fromtimestamp(time.time(), dt.UTC))
        os.environ[ENV] = moment.isoformat()  # read by the test processes pytest-xdist starts next
    import time_machine

    config.stash[_moment] = moment
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.stash[_traveller] = traveller
    config.pluginmanager.register(_EachTestAtTheMoment(moment), "stageslot-test-clock")


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = config.stash.get(_moment, None)
    if moment is None:
        return None
    return f"clock: every test starts at {moment.isoformat()} ({moment.astimezone(BERLIN).isoformat()} in Berlin)"


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_traveller, None)
    if traveller is not None:
        traveller.stop()


_moment = pytest.StashKey[dt.datetime]()
_traveller = pytest.StashKey[object]()


class _EachTestAtTheMoment:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        """The test's set-up, its run and its teardown, from the moment on."""
        import time_machine

        with time_machine.travel(self.moment, tick=True):
            return (yield)
