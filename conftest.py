"""Fixtures and skips shared by the whole suite."""

import ast
import copy
import os
import re
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _pytest.nodeid import coerce_node_id
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from bookings.tests.factories import SlotFactory

# Every app's tests may ask for a gazetteer holding only the cities they make.
from places.tests.conftest import empty_gazetteer  # noqa: F401
from stageslot.catalogues import compile_catalogues
from stageslot.tests import source as code_source

# Every app's tests may ask for a real localstripe (`localstripe`, `localstripe_webhooks`) and a real
# S3-compatible server (`s3_server`, `media_in_bucket`, `booking_files_in_bucket`). Test processes copy one
# migrated test database per run (stageslot/test_databases.py).
pytest_plugins = ["payments.testing", "stageslot.s3_testing", "stageslot.test_databases", "stageslot.test_clock"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM must
# still be usable from it in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's headless shell (`apt-get install chromium-headless-shell`) where it is installed, else Debian's Chromium. The
# shell is Chromium's engine without the browser around it (what Playwright itself runs headless): the same pages,
# scripts and DevTools protocol at about two thirds of the CPU (docs/decisions/0079-suite-under-fifteen.md).
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
FULL_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or (HEADLESS_SHELL if HEADLESS_SHELL.exists() else FULL_CHROMIUM))
# axe-core, fetched from the npm registry by `make vendor` (which `make test` runs when npm is there).
AXE_JS = Path(os.environ.get("AXE_JS", Path(__file__).parent / ".cache" / "vendor" / "axe.min.js"))
AXE_MISSING = f"axe-core is not at {AXE_JS}: run `make vendor` (needs npm) to check accessibility"
# The main journeys run under each of these browser locales (`@pytest.mark.locales`), and also in the other
# languages their marker names (`@pytest.mark.locales("fr-FR", …)`): the sign-up journey walks every other
# language we speak (stageslot.tests.words.MORE_BROWSER_LOCALES), without four more runs of every journey;
# stageslot/tests/test_languages_walk.py checks that the journeys together walk them all.
BROWSER_LOCALES = ["en-US", "en-GB", "de"]
# CI runs each main journey in one of its locales a run, `--locale-turn=N` (the day of the year), so that every run
# walks every one of BROWSER_LOCALES on some journey and every journey walks each of its locales within a few days
# (locales_of_the_turn; docs/decisions/0138-each-journey-in-one-locale-a-run.md). Without it, every locale of every
# journey runs (`make test`, `CI_LOCALES=all .ci/run`).


# CI runs the suite in two stages (.ci/run, docs/decisions/0029-ci-stages.md):
#   --ci-stage=sqlite    everything but the tests that need PostgreSQL, Redis and the worker, or Chromium;
#   --ci-stage=postgres  those, plus the tests whose subject behaves differently on PostgreSQL (SECOND_RUN).
# Between them every test runs at least once. Without --ci-stage all tests are collected, and those whose
# server is missing are skipped with the reason.
CI_STAGES = ("sqlite", "postgres")
# Markers of tests that only the PostgreSQL stage runs (it has PostgreSQL, Redis, a worker and Chromium).
NEEDS_SERVICES = ("postgres", "services", "browser")
# Test modules whose subject is written per database or depends on its locks: row locks and races,
# constraints, triggers, SQL compiled differently (as_postgresql), indexes and operators that only
# PostgreSQL has, and what PostgreSQL refuses to store. They run in both stages (marker db_specific).
# A single test elsewhere joins them with @pytest.mark.db_specific.
SECOND_RUN = {
    "analytics/tests/test_views.py": "month buckets in the viewer's zone, grouped aggregates and the median's OFFSET",
    "bands/tests/test_band_busy.py": "BandBusyInterval is kept by database triggers",
    "bands/tests/test_free_search.py": "BandBusyLength and range overlap compile per database",
    "bands/tests/test_search.py": "trigram indexes, case and accent folding in LIKE and ILIKE",
    "bookings/tests/test_api_concurrency.py": "racing accepts over the API",
    "bookings/tests/test_concurrency.py": "racing accepts: row locks on PostgreSQL, IMMEDIATE transactions on SQLite",
    "bookings/tests/test_constraints.py": "the exclusion constraint and the slot counters' check constraints",
    "bookings/tests/test_detail_views.py": "a viewer's standing in a booking is one raw SQL query",
    "bookings/tests/test_finder.py": "the green zone filter (FreeOfBusy) compiles per database",
    "bookings/tests/test_instant_concurrency.py": "racing instant bookings",
    "bookings/tests/test_members_busy.py": "members' busy time overlapping a gig (BusyOverlaps) compiles per database",
    "bookings/tests/test_shows_concurrency.py": "racing support applications",
    "embeds/tests/test_views.py": "the cache key reads feed marks (database triggers) with a bare COUNT and SUM",
    "payments/tests/test_money_machine.py": "stored Stripe requests read back from JSONB, row locks on the money rows",
    "payments/tests/test_stripe_bytes.py": "a retry's bytes whatever key order JSONB gives the stored parameters",
    "places/tests/test_views.py": "the city autocomplete's prefix and trigram indexes",
    "reviews/tests/test_concurrency.py": "both sides reviewing at once",
    "stageslot/tests/test_abuse.py": "text PostgreSQL refuses to store (NUL, lone surrogates)",
    "venues/tests/test_one_show_per_stage.py": "one show per stage: an exclusion constraint on PostgreSQL",
    "venues/tests/test_search.py": "trigram indexes, case and accent folding in LIKE and ILIKE",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--ci-stage",
        choices=CI_STAGES,
        default=None,
        help="run one CI stage: sqlite (all but the tests needing PostgreSQL, Redis, the worker or Chromium) "
        "or postgres (those, and the tests marked db_specific); see docs/decisions/0029-ci-stages.md",
    )
    parser.addoption(
        "--locale-turn",
        type=int,
        default=None,
        help="run each main journey (marker locales) in one of its browser locales, the one of this turn (CI: the "
        "day of the year); every run still walks each of BROWSER_LOCALES on some journey (decision 0138)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The German catalogue as Django reads it, for a plain `pytest` too (`make test` compiles it first).
    compile_catalogues()
    if getattr(config.option, "loadgroup", False):  # a pytest-xdist test process under --dist loadgroup
        config.pluginmanager.register(XdistGroupIds(), "stageslot-xdist-group-ids")
    stage = config.getoption("--ci-stage", default=None)
    if stage is None:
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    missing = []
    if stage == "sqlite" and engine != "django.db.backends.sqlite3":
        missing.append("SQLite (unset DATABASE_URL)")
    if stage == "postgres":
        # A stage skips nothing for want of a server: what it runs, it runs nowhere else.
        if engine != "django.db.backends.postgresql":
            missing.append("DATABASE_URL=postgres://…")
        if not settings.REDIS_URL:
            missing.append("REDIS_URL=redis://…")
        if not CHROMIUM.exists():
            missing.append(f"Chromium at {CHROMIUM}")
    if missing:
        raise pytest.UsageError(f"--ci-stage={stage} needs " + ", ".join(missing))


def ci_stage_of(markers: set[str]) -> set[str]:
    """The CI stages that run a test with these markers."""
    if markers & set(NEEDS_SERVICES):
        return {"postgres"}
    if "db_specific" in markers and "code_only" not in markers:
        return {"sqlite", "postgres"}
    return {"sqlite"}


# Each stage collects only the modules that may hold a test it runs (docs/decisions/0079-suite-under-fifteen.md):
# importing a test module costs its share of about 20 s of CPU per test process, and the PostgreSQL stage ran a
# tenth of the suite. Read from each module's text, without importing it, and erring on the side of collecting:
# a module is left out of the PostgreSQL stage when it names none of the stage's markers (`mark.postgres`, …),
# is not in SECOND_RUN and takes no test from another module; out of the SQLite stage when its `pytestmark`
# gives every test one of NEEDS_SERVICES. pytest_collection_modifyitems still selects the tests of the modules
# collected; a marker the reading cannot see makes the SQLite stage refuse to start (never a test left out of both).
_STAGE_MARK = re.compile(r"\bmark\.(?:" + "|".join([*NEEDS_SERVICES, "db_specific"]) + r")\b")
_TAKES_A_TEST = re.compile(r"^\s*from\s+\S+\s+import\s+(?:\([^)]*|[^#\n]*)\btest_\w", re.MULTILINE)


def _module_marks(tree: ast.Module) -> set[str]:
    """The marker names a module's `pytestmark` gives all its tests (`pytest.mark.browser`, `mark.browser(…)`)."""
    names: set[str] = set()
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        if not any(isinstance(target, ast.Name) and target.id == "pytestmark" for target in targets):
            continue
        value = statement.value
        for node in value.elts if isinstance(value, ast.List | ast.Tuple) else [value]:
            node = node.func if isinstance(node, ast.Call) else node
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute | ast.Name):
                inner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
                if inner == "mark":
                    names.add(node.attr)
    return names


def stages_of_module(relative: str, source: str) -> set[str]:
    """The CI stages that may run a test of this module (its path from the root, its text): a cheap, static
    reading that may name a stage too many, never one too few."""
    if relative in SECOND_RUN or _TAKES_A_TEST.search(source):
        return set(CI_STAGES)
    if not _STAGE_MARK.search(source):
        return {"sqlite"}
    try:
        every_test = _module_marks(ast.parse(source))
    except SyntaxError:
        return set(CI_STAGES)  # collected, and its error reported
    if every_test & set(NEEDS_SERVICES):
        return {"postgres"}
    return set(CI_STAGES)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    stage = config.getoption("--ci-stage", default=None)
    if stage is None or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    try:
        relative = collection_path.relative_to(config.rootpath).as_posix()
        source = collection_path.read_text(encoding="utf-8")
    except (ValueError, OSError):
        return None
    if stage in stages_of_module(relative, source):
        return None
    config.stash.setdefault(_modules_left, []).append(relative)
    return True


def _left_to_a_stage_that_collects_them(config: pytest.Config, left: list[pytest.Item]) -> None:
    """The SQLite stage collects every module the static reading could get wrong (one whose marker it did not see):
    each test it leaves to the PostgreSQL stage must be in a module that stage collects, or no stage would run it."""
    unseen = set()
    for module in {item.nodeid.split("::")[0] for item in left}:
        path = config.rootpath / module
        if path.is_file() and "postgres" not in stages_of_module(module, path.read_text(encoding="utf-8")):
            unseen.add(module)
    if unseen:
        raise pytest.UsageError(
            "tests for the PostgreSQL stage in modules it does not collect (conftest.stages_of_module reads "
            "`mark.postgres`, `mark.services`, `mark.browser`, `mark.db_specific` in the module's text): "
            + ", ".join(sorted(unseen))
        )


def _markers(item: pytest.Item) -> set[str]:
    names = {mark.name for mark in item.iter_markers()}
    if item.nodeid.split("::")[0] in SECOND_RUN:
        names.add("db_specific")
    return names


# Under pytest-xdist (`-n 2 --dist loadgroup`, docs/decisions/0050-suite-in-parallel.md) the tests of one group
# run one after another in one process, beside the other process's tests. Each module's browser tests form one:
# a module's tests share its Chromium and live server, and no process drives two Chromiums at once; two modules
# may run in the two processes side by side (decision 0065: one group for all of them made the PostgreSQL stage
# as long as its browser tests one after another).
BROWSER_GROUP = "browser"


def xdist_group_of(markers: set[str], module: str = "") -> str | None:
    """The pytest-xdist group a test with these markers, in this module (its path), runs in (None: any process,
    in any order)."""
    if "browser" not in markers:
        return None
    return f"{BROWSER_GROUP}-{module.removesuffix('.py').replace('/', '.')}" if module else BROWSER_GROUP


def _scans_the_code(module) -> bool:
    """Whether a test module reads the project's code through stageslot/tests/source.py: such modules run in one
    group, so that one process parses the project once for all of them (docs/decisions/0079-suite-under-fifteen.md)."""
    if module is None:
        return False
    if module not in _scanning_modules:
        _scanning_modules[module] = any(
            value is code_source or getattr(value, "__module__", None) == code_source.__name__
            for value in vars(module).values()
        )
    return _scanning_modules[module]


_scanning_modules: dict = {}


def run_order(items: list[pytest.Item], markers_of) -> list[pytest.Item]:
    """The longest work first, so that neither process is left with a long module at the end while the other
    idles: modules with browser tests, then modules with slow tests, then the rest. A module's tests stay
    together and in their order (its module-scoped fixtures are made once)."""
    rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        markers = markers_of(item)
        here = 0 if "browser" in markers else 1 if markers & {"slow", "services"} else 2
        rank[module] = min(rank.get(module, 2), here)
    return sorted(items, key=lambda item: rank[item.nodeid.split("::")[0]])


class XdistGroupIds:
    """pytest-xdist's loadgroup schedules by a suffix of the test's id, `…@group`, that its worker adds from
    the `xdist_group` markers. pytest-xdist 3.8 writes it where pytest 9 no longer reads an id from, so every
    test would go to any process: this adds the suffix where it is missing (registered on the test processes
    of `--dist loadgroup` only, after every other plugin's collection hook)."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            names = {
                mark.args[0] if mark.args else mark.kwargs.get("name", "default")
                for mark in item.iter_markers("xdist_group")
            }
            suffix = "@" + "_".join(sorted(map(str, names)))
            if names and not item.nodeid.endswith(suffix):
                item._id = coerce_node_id(item.nodeid + suffix)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    stage = config.getoption("--ci-stage")
    if stage is not None:
        kept, left = [], []
        for item in items:
            (kept if stage in ci_stage_of(_markers(item)) else left).append(item)
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = kept
        config.stash[_stage_counts] = (len(kept), len(left))
        if stage == "sqlite":
            _left_to_a_stage_that_collects_them(config, left)
    turn = config.getoption("--locale-turn")
    if turn is not None:
        _journeys_in_the_locale_of_the_turn(config, items, turn)
    engine = settings.DATABASES["default"]["ENGINE"]
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    skip_services = pytest.mark.skip(reason="needs Redis and a Celery worker: set REDIS_URL=redis://…")
    skip_browser = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium-headless-shell)")
    for item in items:
        # By marker, not keyword: a parameter named "browser" is no browser test.
        markers = _markers(item)
        if "postgres" in markers and engine != "django.db.backends.postgresql":
            item.add_marker(skip_pg)
        if "services" in markers and not settings.REDIS_URL:
            item.add_marker(skip_services)
        if "browser" in markers and not CHROMIUM.exists():
            item.add_marker(skip_browser)
        group = xdist_group_of(markers, item.nodeid.split("::")[0])
        if group is None and "xdist_group" not in markers and _scans_the_code(getattr(item, "module", None)):
            group = code_source.GROUP
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items[:] = run_order(items, _markers)


def locales_of_the_turn(journeys: dict[str, list[str]], turn: int) -> dict[str, str]:
    """The one locale each main journey runs in on this turn (`--locale-turn`): the journeys in the order of their
    names, the i-th takes the locale at (turn + i) modulo the number of its locales. Neighbouring journeys take
    neighbouring locales, so a run walks every one of BROWSER_LOCALES on some journey while there are at least as
    many journeys as those; each journey walks every one of its locales in as many turns as it has locales."""
    return {name: locales[(turn + i) % len(locales)] for i, (name, locales) in enumerate(sorted(journeys.items()))}


_locale_turn = pytest.StashKey[dict[str, str]]()


def _journeys_in_the_locale_of_the_turn(config: pytest.Config, items: list[pytest.Item], turn: int) -> None:
    """Keeps each main journey's run in the locale of this turn, leaves its other locales out of this run."""
    journeys: dict[str, list[str]] = {}
    for item in items:
        locale = getattr(getattr(item, "callspec", None), "params", {}).get("browser_locale")
        if locale is not None and item.get_closest_marker("locales"):
            journeys.setdefault(item.nodeid.split("[")[0], []).append(locale)
    if not journeys:
        return
    chosen = locales_of_the_turn(journeys, turn)
    kept, left = [], []
    for item in items:
        locale = getattr(getattr(item, "callspec", None), "params", {}).get("browser_locale")
        name = item.nodeid.split("[")[0]
        (left if name in chosen and locale is not None and locale != chosen[name] else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
    config.stash[_locale_turn] = chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("locales")
    if marker and "browser_locale" in metafunc.fixturenames:
        metafunc.parametrize("browser_locale", [*BROWSER_LOCALES, *marker.args])


# A test that takes longer than this carries a marker that says why (docs/decisions/0050-suite-in-parallel.md).
LONG_TEST_SECONDS = 10.0
LONG_TEST_MARKERS = {"slow", "browser", "services"}


_SHARED = "shared_fixture_seconds"
_SHARED_CPU = "shared_fixture_cpu_seconds"
_shared_fixtures = {"depth": 0, "seconds": 0.0, "cpu": 0.0}


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Time the fixtures a test sets up for others too (the test database, a module's world): they are no
    part of the test's own time."""
    if fixturedef.scope == "function" or _shared_fixtures["depth"]:
        return (yield)
    _shared_fixtures["depth"] += 1
    began, began_cpu = time.perf_counter(), time.process_time()
    try:
        return (yield)
    finally:
        _shared_fixtures["depth"] -= 1
        _shared_fixtures["seconds"] += time.perf_counter() - began
        _shared_fixtures["cpu"] += time.process_time() - began_cpu


# The CPU its process spent on a test, set-up to tear-down, less the shared fixtures it set up first (their CPU is
# recorded apart): beside its time in the report, which on a busy machine counts the waits for a core too
# (bin/slowest_tests.py lists both).
_CPU = "cpu_seconds"
_cpu_at_setup = {"seconds": 0.0, "shared": 0.0}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.when == "setup":  # carried to pytest-xdist's main process with the reports, and to JUnit's
        shared = (_SHARED, round(_shared_fixtures["seconds"], 3))
        shared_cpu = (_SHARED_CPU, round(_shared_fixtures["cpu"], 3))
        item.user_properties += [shared, shared_cpu]
        report.user_properties += [shared, shared_cpu]
        _cpu_at_setup["shared"] = _shared_fixtures["cpu"]
        _shared_fixtures["seconds"] = _shared_fixtures["cpu"] = 0.0
    elif call.when == "teardown":
        own = time.process_time() - _cpu_at_setup["seconds"] - _cpu_at_setup["shared"]
        report.user_properties.append((_CPU, round(own, 3)))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _cpu_at_setup["seconds"] = time.process_time()


def scanned_twice(markers: set[str]) -> bool:
    """Whether a test with these markers that read the code runs it in both stages for nothing: db_specific (the
    PostgreSQL stage runs it again), not marked code_only, and not a test only the PostgreSQL stage runs."""
    return "db_specific" in markers and "code_only" not in markers and not markers & set(NEEDS_SERVICES)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A test runs in the PostgreSQL stage as well when its subject behaves differently there (db_specific); a scan
    of the source (stageslot/tests/source.py) reads the same code on either database. One in a module of races
    read all of it a second time in that stage (a minute of a busy machine): such a test fails here, the day it is
    added, until marked code_only (the SQLite stage alone runs it)."""
    result = yield
    stage = item.config.getoption("--ci-stage")
    if stage == "postgres" and code_source.scanned_this_test() and scanned_twice(_markers(item)):
        pytest.fail(
            "a scan of the source in the PostgreSQL stage: the code reads the same on either database. "
            "Mark it @pytest.mark.code_only, or move it to a module that is not db_specific",
            pytrace=False,
        )
    return result


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """The next test that parses the project's code collects first what this one left (stageslot/tests/source.py)."""
    code_source.after_test()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up each test's own set-up, call and tear-down (in the main process too under pytest-xdist)."""
    shared = sum(value for name, value in report.user_properties if name == _SHARED) if report.when == "setup" else 0
    times = _test_times.setdefault(report.nodeid, [0.0, set()])
    times[0] += report.duration - shared
    times[1].update(name for name, value in report.keywords.items() if value and name in LONG_TEST_MARKERS)


_test_times: dict[str, list] = {}


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    unexcused = sorted(
        (seconds, nodeid)
        for nodeid, (seconds, marks) in _test_times.items()
        if seconds > LONG_TEST_SECONDS and not marks
    )
    if unexcused:
        terminalreporter.write_line(
            f"{len(unexcused)} tests took over {LONG_TEST_SECONDS:.0f} s without a marker that says why "
            f"({', '.join(sorted(LONG_TEST_MARKERS))}):"
        )
        for seconds, nodeid in reversed(unexcused):
            terminalreporter.write_line(f"  {seconds:6.1f} s  {nodeid}")
    if _stage_counts in config.stash:
        kept, left = config.stash[_stage_counts]
        stage = config.getoption("--ci-stage")
        modules = len(config.stash.get(_modules_left, []))
        terminalreporter.write_line(
            f"CI stage {stage}: {kept} tests selected, {left} left to the other stage, "
            f"and {modules} modules left to it uncollected"
        )
    if _locale_turn in config.stash:
        chosen = config.stash[_locale_turn]
        terminalreporter.write_line(
            f"Main journeys in the locale of turn {config.getoption('--locale-turn')} "
            f"(--locale-turn; every locale of each: leave it out): "
            + ", ".join(f"{name.rsplit('::', 1)[-1]} {locale}" for name, locale in sorted(chosen.items()))
        )
    skipped = config.stash.get(_axe_skipped, 0)
    if skipped:
        terminalreporter.write_line(f"{skipped} browser tests ran without their accessibility checks: {AXE_MISSING}")


_axe_skipped = pytest.StashKey[int]()
_stage_counts = pytest.StashKey[tuple[int, int]]()
_modules_left = pytest.StashKey[list[str]]()


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path: Path) -> None:
    """Each test gets an empty cache (rate limits!) and its own media folder."""
    cache_settings = copy.deepcopy(settings.CACHES)
    if "KEY_PREFIX" in cache_settings["default"]:
        # A shared Redis is never flushed: a fresh key prefix is an empty cache.
        test = uuid.uuid4().hex[:12]
        cache_settings["default"]["KEY_PREFIX"] = f"test-{test}"
        cache_settings["pages"]["KEY_PREFIX"] = f"test-{test}-pages"
        cache_settings["calls"]["KEY_PREFIX"] = f"test-{test}"
        cache_settings["stamps"]["KEY_PREFIX"] = f"test-{test}-stamps"
        settings.CACHES = cache_settings
    else:
        # The limits' cache is a table of the test database without Redis: a test's rollback (or flush)
        # empties it, and a test without the database cannot reach it.
        caches["pages"].clear()
        caches["calls"].clear()
        caches["stamps"].clear()
    settings.MEDIA_ROOT = tmp_path / "media"


# What a test module must name to read what the test client records of the templates a response drew.
_READS_RENDERED_TEMPLATES = re.compile(r"\.context\b|\.templates\b|assertTemplate|template_rendered|context_data")
_reads_rendered_templates: dict[Path, bool] = {}


@pytest.fixture(autouse=True)
def _templates_recorded_only_where_read(request: pytest.FixtureRequest, django_test_environment):
    """Django's test set-up makes every template drawn send a signal, and the test client copies the context of each
    one it hears (`response.context`, `response.templates`): on the site's pages, built from many partials, about a
    fifth of a request's CPU. Only the modules that read them (their text names `.context`, `.templates`, …) keep
    it; a module that reads them without naming them finds `response.context` None and fails, never passes for
    nothing (docs/decisions/0079-suite-under-fifteen.md)."""
    from django.template.base import Template
    from django.test import utils

    path = Path(str(request.node.path))
    if path not in _reads_rendered_templates:
        text = path.read_text(encoding="utf-8") if path.suffix == ".py" else ""
        _reads_rendered_templates[path] = bool(_READS_RENDERED_TEMPLATES.search(text))
    saved = getattr(getattr(utils._TestState, "saved_data", None), "template_render", None)
    if _reads_rendered_templates[path] or saved is None or Template._render is not utils.instrumented_test_render:
        yield
        return
    Template._render = saved
    try:
        yield
    finally:
        Template._render = utils.instrumented_test_render


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_sites_language() -> None:
    """A request as a German reader leaves German active in the test's thread: LocaleMiddleware and the
    account's language activate it, and nothing undoes that after the response (in a server, the next
    request activates its own). A later test that calls a service directly would read its messages in
    German. Each test starts in the site's language."""
    translation.deactivate()


@pytest.fixture(autouse=True)
def _eager_results_may_be_read() -> None:
    """Celery marks "a task is running here, reading a result would block" in one process-wide flag,
    set and restored around every eager task. The live server's thread runs eager tasks beside the
    test's own, and two of them interleaved restore each other's value: the flag can stay set, and the
    next test's `task.delay().get()` fails. Each test starts with it clear."""
    _set_task_join_will_block(False)


class StillClock:
    """A clock standing at one moment: `time()` as the `time` module's."""

    def __init__(self, moment: float) -> None:
        self.moment = moment

    def time(self) -> float:
        return self.moment


@pytest.fixture(autouse=True)
def _totp_codes_checked_at_the_tests_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """allauth checks an authenticator app's code against the 30-second period it is checked in, not one
    before (MFA_TOTP_TOLERANCE 0: a wider window would outlive its cache of used codes). A test that reads
    a code and posts it a second later on a busy machine can cross a period's end and see a right code
    refused. Its clock stands at the test's start, and the tests read their codes from that same clock
    (accounts/tests/test_mfa.py `totp_code`)."""
    monkeypatch.setattr("allauth.mfa.totp.internal.auth.time", StillClock(time.time()))


@pytest.fixture(autouse=True)
def _slots_start_from_the_first_day() -> None:
    """Each test's slots start 10, 11, 12… days ahead in the order it makes them. The factory's days
    wrap after 300 slots, and a test that met the wrap between two of its slots would see them in
    another order."""
    SlotFactory.reset_sequence(0)


@pytest.fixture(scope="session", autouse=True)
def _patient_page_assertions() -> None:
    """Playwright's assertions wait 5 s for the page by default: beside the other CI stage and another
    module's Chromium, a page that is right takes longer to get there. A failing assertion waits longer, a
    passing one no longer than it takes."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _close_browser_contexts(request: pytest.FixtureRequest):
    """Close the pages a browser test opened: the live server outlives the test, and a page left
    open keeps polling it (the bell, threads, live calendars) into the tests that follow.

    The live server (and with it the test database) is set up before this fixture, so the pages close
    and the requests they still had running on the server finish before the database is emptied: a
    request writing while PostgreSQL empties the tables is a deadlock, and the next test would start
    with the rows of this one."""
    if "live_server" in request.fixturenames:
        request.getfixturevalue("live_server")
    yield
    # Only a browser test has one: a test whose parameter is called `page` (a pager's) names the fixture too,
    # and asking for it here would start a Chromium for nothing.
    if "browser" in request.fixturenames and request.node.get_closest_marker("browser"):
        browsers = [request.getfixturevalue("browser")]
        if "full_chromium" in request.fixturenames:
            browsers.append(request.getfixturevalue("full_chromium"))
        for context in [context for browser in browsers for context in browser.contexts]:
            context.close()
        _wait_for_live_server_requests()


# The answers a page draws in place (a form with its errors, a refusal, a rate limit): Chromium logs each as a
# failed load, but the page asked for it and shows it. A 404 or a 500 still fails the test.
REFUSAL_IN_PLACE = re.compile(
    r"(Failed to load resource: the server responded with a status of|Response Status Error Code)"
    r" (400|403|409|422|429)\b"
)


def _console_error(message) -> str | None:
    """The text of a console message that is an error of the page (a script error, a refused inline style or
    script, a failed load the page made), or None."""
    if message.type != "error" or REFUSAL_IN_PLACE.match(message.text):
        return None
    url = message.location.get("url", "")
    if "net::ERR_" in message.text and urlsplit(url).hostname not in {"127.0.0.1", "localhost"}:
        return None  # an outside host the tests cannot reach (the map's tiles at *.invalid)
    if "net::ERR_FAILED" in message.text:
        return None  # a load the test's own route aborted (the phone sweep's images)
    return f"{message.text} ({message.location.get('url', '')})"


@pytest.fixture(autouse=True)
def _no_console_errors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A browser test fails on any error in a page's console or any uncaught script error (a CSP refusal of an
    inline style is one): every context a browser test opens, through the `page` fixture or its own
    new_context, is listened to. A test that provokes errors on purpose is marked `console_errors`."""
    if not request.node.get_closest_marker("browser") or request.node.get_closest_marker("console_errors"):
        yield
        return
    from playwright.sync_api import Browser

    errors: list[str] = []
    opened = Browser.new_context

    def new_context(self, *args, **kwargs):
        context = opened(self, *args, **kwargs)
        context.on("console", lambda message: (text := _console_error(message)) and errors.append(text))
        context.on("weberror", lambda error: errors.append(f"uncaught: {error.error}"))
        return context

    monkeypatch.setattr(Browser, "new_context", new_context)
    yield
    if errors:
        pytest.fail("The page logged errors:\n" + "\n".join(dict.fromkeys(errors)), pytrace=False)


CITY_PICKER_FILLED = (
    "fill() on a city picker races its list of cities: on a busy machine the list opens first and takes the next "
    "click. Type as a person does: places.tests.browser.pick_city (pick from the list) or type_city (close it)."
)


@pytest.fixture(autouse=True)
def _city_pickers_typed_as_a_person_does(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A browser test that fills a city picker fails at once, on every machine, naming the helpers that type into
    it as a person does (places/tests/browser.py): filling it and clicking on passes only where the click comes
    before the list, that is on a quick machine."""
    if not request.node.get_closest_marker("browser"):
        yield
        return
    from playwright.sync_api import Locator, Page

    filled, page_filled = Locator.fill, Page.fill

    def refuse_a_city_picker(locator: Locator) -> None:
        if locator.evaluate("(field) => Boolean(field.closest('[data-city-picker]'))"):
            raise AssertionError(CITY_PICKER_FILLED)

    def fill(self, value, **kwargs):
        refuse_a_city_picker(self)
        return filled(self, value, **kwargs)

    def fill_on_page(self, selector, value, **kwargs):
        refuse_a_city_picker(self.locator(selector))
        return page_filled(self, selector, value, **kwargs)

    monkeypatch.setattr(Locator, "fill", fill)
    monkeypatch.setattr(Page, "fill", fill_on_page)
    yield


@pytest.fixture(scope="session")
def full_chromium(playwright, browser_type_launch_args: dict, browser):
    """Debian's whole Chromium, for the one thing the headless shell does differently: a route on a page does not
    catch where a redirect from the site leads on another origin (Google's consent page). The session's browser
    where that already is the whole Chromium, or where it is not installed."""
    if CHROMIUM == FULL_CHROMIUM or not FULL_CHROMIUM.exists():
        yield browser
        return
    launched = playwright.chromium.launch(**{**browser_type_launch_args, "executable_path": str(FULL_CHROMIUM)})
    yield launched
    launched.close()


def _wait_for_live_server_requests(timeout: float = 10.0) -> None:
    """Wait until the live server's threads have answered the requests they took (one thread each)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if "process_request_thread" in t.name and t.is_alive()]
        if not busy:
            return
        busy[0].join(timeout=max(0.0, deadline - time.monotonic()))


@pytest.fixture
def browser_locale() -> str:
    """The browser's locale (navigator.language and Accept-Language); tests marked `locales` get each
    of BROWSER_LOCALES. Pass it on: `browser.new_context(locale=browser_locale)`."""
    return "en-GB"


@pytest.fixture
def browser_context_args(browser_context_args: dict, request: pytest.FixtureRequest) -> dict:
    """The `page` fixture of a test marked `locales` opens in that run's browser locale."""
    if request.node.get_closest_marker("locales"):
        return {**browser_context_args, "locale": request.getfixturevalue("browser_locale")}
    return browser_context_args


# Runs axe on the page (or the part `within` selects) and returns its serious and critical violations,
# once htmx has settled and transitions have ended (a polling calendar fades while it reloads).
# axe is injected through the DevTools protocol, so a Content-Security-Policy does not stop it.
_AXE_RUN = """async ({within}) => {
    const busy = () => document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling");
    for (let i = 0; i < 50 && busy(); i++) await new Promise((done) => setTimeout(done, 100));
    const ending = document.getAnimations().filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime));
    await Promise.all(ending.map((a) => a.finished.catch(() => null)));
    const experimental = ["label-content-name-mismatch"];
    const result = await axe.run(within ? document.querySelector(within) : document, {
        iframes: false,
        resultTypes: ["violations"],
        rules: Object.fromEntries(experimental.map((id) => [id, {enabled: true}])),
    });
    return result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(" ")}: ${v.help}. `
            + n.failureSummary.replace(/\\s+/g, " ")));
}"""

_OVERFLOW = """() => {
    const problems = [];
    const width = document.documentElement.scrollWidth;
    if (width > window.innerWidth) problems.push(`the page is ${width}px wide in a ${window.innerWidth}px window`);
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].map((c) => "." + c).join("");
    const scrolls = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
    for (const card of document.querySelectorAll(".card")) {
        const box = card.getBoundingClientRect();
        // A card that scrolls sideways itself holds what is wider than it.
        if (!box.width || ["auto", "scroll"].includes(getComputedStyle(card).overflowX)) continue;
        for (const el of card.querySelectorAll("*")) {
            const r = el.getBoundingClientRect();
            if (!r.width || !r.height) continue;
            let inScroller = false;
            for (let a = el.parentElement; a && a !== card; a = a.parentElement) if (scrolls(a)) inScroller = true;
            if (!inScroller && (r.right > box.right + 1 || r.left < box.left - 1))
                problems.push(`${name(el)} (${Math.round(r.left)}-${Math.round(r.right)}px) is wider than its card`
                    + ` ${name(card)} (${Math.round(box.left)}-${Math.round(box.right)}px)`);
        }
    }
    return problems;
}"""


# Words cut off where a box clips them: a button, label, badge, table head or nav link whose text is wider
# than its own box (clipped, ellipsed, or running past the border it draws), or that sticks out of an
# ancestor that clips without scrolling. German words are long; this is where they break first.
_CUT_OFF = """() => {
    const problems = [];
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 2).map((c) => "." + c).join("");
    const words = (el) => (el.innerText || el.value || "").replace(/\\s+/g, " ").trim().slice(0, 50);
    const clips = (style) => ["hidden", "clip"].includes(style.overflowX);
    const drawsBox = "button, .btn, [class*=badge], th, label, nav a";
    const candidates = document.querySelectorAll([
        "button, .btn, label, legend, th, nav a, summary, [role=tab], dt, dd, h1, h2, h3, input[type=submit]",
        "[class*=badge], [class*=chip], [class*=pill], [class*=tag], [class*=status]",
    ].join(", "));
    for (const el of candidates) {
        if (el.closest(".visually-hidden, [aria-hidden=true]") || !el.checkVisibility()) continue;
        const box = el.getBoundingClientRect();
        if (box.width < 2 || box.height < 2 || !words(el)) continue;
        // Hidden for the eye on purpose (a table head a phone reads as labels): inside a 1px clipped box.
        let tiny = false;
        for (let a = el.parentElement; a && !tiny; a = a.parentElement) {
            const r = a.getBoundingClientRect();
            tiny = r.width <= 1 || r.height <= 1;
        }
        if (tiny) continue;
        const style = getComputedStyle(el);
        const what = `${name(el)} "${words(el)}"`;
        // Its own box cuts the text: clipped, ellipsed, or running past the border it draws.
        const own = clips(style) || style.textOverflow === "ellipsis" || el.matches(drawsBox);
        if (own && el.scrollWidth > el.clientWidth + 1)
            problems.push(`${what} is ${el.scrollWidth}px wide in a ${el.clientWidth}px box`);
        // The nearest ancestor that clips without scrolling cuts it off.
        for (let a = el.parentElement, depth = 0; a && depth < 6; a = a.parentElement, depth++) {
            const s = getComputedStyle(a);
            if (["auto", "scroll"].includes(s.overflowX)) break;
            if (!clips(s)) continue;
            const r = a.getBoundingClientRect();
            if (box.right > r.right + 1 || box.left < r.left - 1)
                problems.push(`${what} (${Math.round(box.left)}-${Math.round(box.right)}px) is cut off by`
                    + ` ${name(a)} (${Math.round(r.left)}-${Math.round(r.right)}px)`);
            break;
        }
    }
    return problems;
}"""


# Controls a person cannot reach on the page as it is: each link, button, field and summary in the main
# part (not folded away) takes focus and, once focused, is on screen and not cut off by a box that clips
# it; a box that scrolls sideways and holds more than it shows takes focus itself, or the keyboard cannot
# move it. One line per problem.
_UNREACHABLE = """() => {
    const problems = [];
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 2).map((c) => "." + c).join("")
        + (el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : "");
    const words = (el) => (el.innerText || el.value || el.getAttribute("aria-label") || "")
        .replace(/\\s+/g, " ").trim().slice(0, 40);
    const root = document.querySelector("main") || document.body;
    // A box that scrolls sideways and holds more than it shows takes focus, or the keyboard cannot move it.
    for (const el of root.querySelectorAll("*")) {
        const s = getComputedStyle(el);
        if (!["auto", "scroll"].includes(s.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
        if (!el.checkVisibility()) continue;
        if (el.tabIndex < 0)
            problems.push(`${name(el)} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`
                + " but takes no focus");
    }
    const controls = root.querySelectorAll(
        "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])");
    const saved = [window.scrollX, window.scrollY];
    for (const el of controls) {
        if (!el.checkVisibility({visibilityProperty: true}) || el.disabled) continue;
        if (el.closest("[inert], [aria-hidden=true]")) continue;
        const r0 = el.getBoundingClientRect();
        if (r0.width < 1 || r0.height < 1) continue;
        const what = `${name(el)} "${words(el)}"`;
        el.focus({preventScroll: false});
        if (document.activeElement !== el) { problems.push(`${what} takes no focus`); continue; }
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1 || r.left < -1)
            problems.push(`${what} is off screen when focused`
                + ` (${Math.round(r.left)}-${Math.round(r.right)}px of ${window.innerWidth}px)`);
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const s = getComputedStyle(a);
            if (["auto", "scroll"].includes(s.overflowX)) break;
            if (!["hidden", "clip"].includes(s.overflowX)) continue;
            const b = a.getBoundingClientRect();
            if (r.right > b.right + 1 || r.left < b.left - 1)
                problems.push(`${what} is cut off by ${name(a)} when focused`);
            break;
        }
    }
    if (document.activeElement) document.activeElement.blur();
    window.scrollTo(...saved);
    return problems;
}"""


class AxeCheck:
    """`axe_check(page)` fails the test on any serious or critical axe-core violation on the page as it
    is now (call it again after each navigation or htmx swap); `axe_check.fits(page)` fails when the
    page scrolls sideways or an element sticks out of its card (a scrolling wrapper may hold it). In the
    main journeys (`locales`), each call also fails on words cut off (`cut_off`), in every locale."""

    def __init__(self, config: pytest.Config, *, cut_off: bool = False) -> None:
        self.config = config
        self.check_cut_off = cut_off
        self.source = AXE_JS.read_text(encoding="utf-8") if AXE_JS.exists() else None
        self.skipped = False

    def require(self) -> None:
        if self.source is None:
            pytest.skip(AXE_MISSING)

    def violations(self, page, within: str | None = None) -> list[str]:
        """Serious and critical violations on the page as it is now, one line each."""
        if self.source is None:
            if not self.skipped:
                self.skipped = True
                self.config.stash[_axe_skipped] = self.config.stash.get(_axe_skipped, 0) + 1
            return []
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)
        return page.evaluate(_AXE_RUN, {"within": within})

    def overflow(self, page) -> list[str]:
        """What makes the page scroll sideways or sticks out of its card, one line each."""
        return page.evaluate(_OVERFLOW)

    def unreachable(self, page) -> list[str]:
        """The controls of the page's main part a keyboard or a phone cannot reach (see _UNREACHABLE)."""
        return page.evaluate(_UNREACHABLE)

    def cut_off(self, page) -> list[str]:
        """The words the page cuts off (see _CUT_OFF), one line each."""
        return page.evaluate(_CUT_OFF)

    def __call__(self, page, within: str | None = None, what: str = "") -> None:
        found = self.violations(page, within)
        if found:
            where = what or page.url
            pytest.fail(f"axe-core: {len(found)} serious/critical on {where}:\n  " + "\n  ".join(found), pytrace=False)
        if self.check_cut_off:
            self.fits_words(page, what)

    def fits_words(self, page, what: str = "") -> None:
        cut = self.cut_off(page)
        if cut:
            where = what or page.url
            language = page.evaluate("document.documentElement.lang")
            pytest.fail(f"words cut off on {where} ({language}):\n  " + "\n  ".join(cut), pytrace=False)

    def fits(self, page, what: str = "") -> None:
        problems = self.overflow(page)
        if problems:
            where = what or page.url
            pytest.fail(f"overflow on {where}:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def axe_check(request: pytest.FixtureRequest) -> AxeCheck:
    return AxeCheck(request.config, cut_off=request.node.get_closest_marker("locales") is not None)


@pytest.fixture
def cut_off_check(request: pytest.FixtureRequest):
    """`cut_off_check(page)` fails the test when the page cuts words off (a label, button, badge, table
    head or nav link too narrow for its text); the main journeys run it with every `axe_check`."""
    return AxeCheck(request.config).fits_words
