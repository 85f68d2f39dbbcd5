"""The suite under a chosen clock: `pytest --clock=berlin-midnight` (decision 0133, the suite under four clocks).

A test decides correctness whatever the date and hour it runs at. Most tests take "now" from the clock and build
their world a few days or weeks ahead of it, so a test that silently assumes the days it makes stay in one month,
one week or one local day passes on most days and fails on a few: the hold calendar's test failed on the 28th,
an earlier one between midnight in Berlin and midnight UTC. Each `--clock` moment puts every test at the start of
a moment where such an assumption breaks, so such a test fails on the day it is written, not on the day the
calendar turns:

- `berlin-midnight`: 23:59 in Berlin (the demo's and most venues' zone) – the local day ends a minute in, and
  the UTC date is still the day before;
- `utc-midnight`: 00:01 UTC on the first of a month – a new UTC date and a new month, while Berlin is an hour or
  two into it (last month's calendar ends with today: a test of "past days" failed on the 1st to the 6th);
- `dst`: 01:30 UTC on the day Europe changes its clocks next (a day of 23 or 25 hours in Berlin);
- `month-end`: 21:30 UTC on the last day of the month (23:30 or 22:30 in Berlin) – "in three days" is next
  month, and the year's end when it is December.

Each moment is the next one after the run starts, so dates a test writes by hand ("2027-…" as the future) keep
their sense. The controller fixes the moment once and hands it to its test processes (STAGESLOT_TEST_CLOCK), so
all of them agree. Every test starts at the moment itself (time-machine, ticking on from there: a timeout still
runs out, time.monotonic and sleeps are untouched); a module's or the session's fixtures are made a minute before
it, so what they made is in the past for every test that reads it. Processes a test starts (a worker, localstripe,
manage.py) and OpenSSL keep the machine's clock: a test that meets them is marked `real_clock` and runs at the
machine's time.

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
        first = tomorrow if tomorrow.day == 1 else (tomorrow.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return dt.datetime.combine(first, dt.time(0, 1), tzinfo=dt.UTC)
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
    config.addinivalue_line(
        "markers",
        "real_clock(reason): under --clock, runs at the machine's time: it meets a clock time-machine does not move "
        "(another process's, OpenSSL's check of a certificate's dates)",
    )
    name = config.getoption("--clock", default=None)
    if not name:
        return
    fixed = os.environ.get(ENV) if os.environ.get("PYTEST_XDIST_WORKER") else None
    if fixed:  # a test process of the run: the controller chose the moment
        moment = dt.datetime.fromisoformat(fixed)
    else:
        moment = moment_of(name, dt.datetime.fromtimestamp(time.time(), dt.UTC))
        os.environ[ENV] = moment.isoformat()  # read by the test processes pytest-xdist starts next
    config.stash[_moment] = moment
    # Collection too: parameters and ids a module works out from today's date when it is imported.
    import time_machine

    collecting = time_machine.travel(moment, tick=True)
    collecting.start()
    config.stash[_collecting] = collecting
    config.pluginmanager.register(_EachTestAtTheMoment(moment), "stageslot-test-clock")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collected: from here each test travels on its own (and a real_clock one does not)."""
    pytest_unconfigure(session.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    collecting = config.stash.get(_collecting, None)
    if collecting is not None:
        collecting.stop()
        config.stash[_collecting] = None


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = config.stash.get(_moment, None)
    if moment is None:
        return None
    return f"clock: every test starts at {moment.isoformat()} ({moment.astimezone(BERLIN).isoformat()} in Berlin)"


_moment = pytest.StashKey[dt.datetime]()
_collecting = pytest.StashKey[object]()


# A module's or the session's fixtures (the demo world, a module's world) are made this long before the moment, in
# the first test that asks for them, and that test's own clock goes on as if they had taken no time. A minute keeps
# them on the moment's date in UTC and in Berlin (00:00 UTC for 00:01 UTC). One that takes longer than that moves
# the start of the tests that read it on past its end: what it made is never in their future.
SHARED_BEFORE = dt.timedelta(minutes=1)
# Fixtures that make no rows a test reads by date (the test database, servers) are made before the moment too,
# but tests do not wait for their end.
WORLDLESS = ("pytest_django", "_pytest", "pytest_playwright", "playwright", "stageslot.test_databases")


def _makes_a_world(fixturedef) -> bool:
    module = getattr(fixturedef.func, "__module__", "") or ""
    return not module.startswith(WORLDLESS)


class _EachTestAtTheMoment:
    """Each test's set-up, run and teardown from the moment on (ticking), but for a test marked real_clock."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment
        self.traveller = None
        self.began = 0.0
        self.elsewhere = 0.0  # seconds of this test spent making shared fixtures, before the moment
        self.sharing = False  # making a shared fixture (and the shared ones it asks for)
        self.made: dict = {}  # shared fixture → when (on the moved clock) it was made

    def _travel(self, destination: dt.datetime) -> None:
        import time_machine

        if self.traveller is not None:
            self.traveller.stop()
        self.traveller = time_machine.travel(destination, tick=True)
        self.traveller.start()

    def _start(self) -> dt.datetime:
        """The moment, or later when a shared fixture still in use ended after it."""
        alive = [at for fixturedef, at in self.made.items() if fixturedef.cached_result is not None]
        return max([self.moment, *alive])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        if item.get_closest_marker("real_clock"):
            return (yield)
        self.began, self.elsewhere = time.monotonic(), 0.0
        self._travel(self._start())
        try:
            return (yield)
        finally:
            self.traveller.stop()
            self.traveller = None

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        if fixturedef.scope == "function" or self.traveller is None or self.sharing:
            return (yield)  # a test's own fixture, a test at the machine's time, or inside a shared one already
        started = time.monotonic()
        self.sharing = True
        self._travel(self.moment - SHARED_BEFORE)
        try:
            return (yield)
        finally:
            self.sharing = False
            if _makes_a_world(fixturedef):
                self.made[fixturedef] = dt.datetime.now(dt.UTC)
            self.elsewhere += time.monotonic() - started
            spent = dt.timedelta(seconds=time.monotonic() - self.began - self.elsewhere)
            self._travel(self._start() + spent)


def of_the_clock(config: pytest.Config, values: dict) -> list:
    """The values whose clock (one of MOMENTS, given each value in `values`) the run is under: under `--clock=dst`
    those of "dst"; without a named clock (none, or an ISO moment) all of them. For a test that repeats a costly
    check at several dates each standing on one clock's edge: CI, one clock a day, runs that clock's dates, and
    `make test-clocks` every date."""
    name = config.getoption("--clock", default=None)
    if name not in MOMENTS:
        return list(values)
    return [value for value, clock in values.items() if clock == name]
