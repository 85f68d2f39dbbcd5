"""The two CI stages (.ci/run, docs/decisions/0029-ci-stages.md): between them every test runs, what
needs PostgreSQL, Redis, the worker or Chromium runs in the PostgreSQL stage, and what behaves
differently on PostgreSQL runs in both."""

import ast
import contextlib
import itertools
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import (
    BROWSER_LOCALES,
    CI_STAGES,
    NEEDS_SERVICES,
    SECOND_RUN,
    ci_stage_of,
    locales_of_the_turn,
    scanned_twice,
)
from stageslot.tests import words

ROOT = Path(__file__).resolve().parents[2]
MARKERS = [*NEEDS_SERVICES, "db_specific", "slow", "locales", "localstripe"]


@pytest.mark.parametrize("count", range(len(MARKERS) + 1))
def test_every_test_runs_in_at_least_one_stage(count):
    for markers in itertools.combinations(MARKERS, count):
        stages = ci_stage_of(set(markers))
        assert stages and stages <= set(CI_STAGES), markers


@pytest.mark.parametrize("marker", NEEDS_SERVICES)
def test_what_needs_a_server_runs_only_where_the_servers_are(marker):
    assert ci_stage_of({marker}) == {"postgres"}
    assert ci_stage_of({marker, "db_specific"}) == {"postgres"}


def test_database_specific_tests_run_on_both_and_the_rest_once_on_sqlite():
    assert ci_stage_of({"db_specific"}) == {"sqlite", "postgres"}
    assert ci_stage_of(set()) == {"sqlite"}
    assert ci_stage_of({"slow"}) == {"sqlite"}


def test_payment_tests_run_on_sqlite_against_their_own_localstripe_and_in_a_browser_on_postgresql():
    """localstripe is a process the fixture starts (payments/testing.py), not a server CI provides."""
    assert ci_stage_of({"localstripe"}) == {"sqlite"}
    assert ci_stage_of({"localstripe", "browser"}) == {"postgres"}


def test_the_second_run_names_test_modules_that_exist():
    missing = [path for path in SECOND_RUN if not (ROOT / path).is_file()]
    assert missing == [], f"conftest.SECOND_RUN names modules that are gone: {missing}"


def test_every_app_with_tests_is_collected():
    """An app's tests left out of testpaths never run in either stage (places' did not, until 0029)."""
    import tomllib

    testpaths = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"])
    apps = {path.parent.parent.name for path in ROOT.glob("*/tests/test_*.py")}
    assert apps - testpaths == set()


# The suite in one process per core (docs/decisions/0050-suite-in-parallel.md).


def test_a_modules_browser_tests_run_one_after_another_in_one_process():
    from conftest import xdist_group_of

    assert xdist_group_of({"browser"}, "reviews/tests/test_browser.py") == "browser-reviews.tests.test_browser"
    assert xdist_group_of({"browser", "locales", "db_specific"}, "holds/tests/test_holds_browser.py") == (
        "browser-holds.tests.test_holds_browser"
    )
    assert xdist_group_of({"services"}, "a/tests/test_b.py") is None and xdist_group_of(set()) is None


def test_the_longest_modules_are_handed_out_first_and_a_modules_tests_stay_together():
    from conftest import run_order

    class Item:
        def __init__(self, nodeid, *markers):
            self.nodeid, self.markers = nodeid, set(markers)

    items = [
        Item("a/tests/test_a.py::one"),
        Item("b/tests/test_b.py::one"),
        Item("b/tests/test_b.py::two", "slow"),
        Item("c/tests/test_c.py::one", "browser"),
        Item("a/tests/test_a.py::two"),
        Item("c/tests/test_c.py::two"),
    ]
    order = [item.nodeid for item in run_order(items, lambda item: item.markers)]
    assert order == [
        "c/tests/test_c.py::one",
        "c/tests/test_c.py::two",
        "b/tests/test_b.py::one",
        "b/tests/test_b.py::two",
        "a/tests/test_a.py::one",
        "a/tests/test_a.py::two",
    ]


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_each_test_process_starts_localstripe_on_ports_of_its_own(count, monkeypatch):
    """Two processes probing the same free port at once would each take the other's localstripe for theirs."""
    from payments.testing import PORTS, ports_of_this_process

    shares = []
    for index in range(count):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{index}")
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(count))
        shares.append(set(ports_of_this_process()))
    assert all(shares) and set().union(*shares) <= set(PORTS)
    assert all(a.isdisjoint(b) for a, b in itertools.combinations(shares, 2))
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert ports_of_this_process() == PORTS  # one process alone tries them all


def test_each_test_process_keeps_its_files_in_folders_of_its_own():
    def folders(worker: str) -> str:
        script = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'stageslot.settings.test'; django.setup();"
            "from django.conf import settings; print(settings.BOOKING_FILES_ROOT, settings.MEDIA_ROOT)"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_TEST_")}
        env["PYTEST_XDIST_WORKER"] = worker
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout

    assert folders("gw0") != folders("gw1")


@pytest.mark.slow(reason="starts pytest with two test processes")
def test_a_groups_tests_run_in_one_process_under_pytest_xdist():
    """The browser tests of two modules, run with -n 2 --dist loadgroup (without Chromium, so they skip at
    once): every one carries its module's group in its id, and each module's run in one process."""
    env = {**os.environ, "CHROMIUM_PATH": "/nonexistent/chromium"}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_WORKER_COUNT", None)
    modules = ["reviews/tests/test_browser.py", "holds/tests/test_holds_browser.py"]
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup", "-v", *modules],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("[gw")]
    assert len(lines) >= 2, run.stdout + run.stderr
    for module in modules:
        group = "@browser-" + module.removesuffix(".py").replace("/", ".")
        mine = [line for line in lines if line.rstrip().endswith(group)]
        assert mine, "\n".join(lines)
        assert len({line.split()[0] for line in mine}) == 1, "\n".join(lines)
    assert all("@browser-" in line for line in lines), "\n".join(lines)


def test_a_test_process_copies_the_runs_migrated_database_whole(tmp_path):
    """stageslot/test_databases.py: the run's template is copied whole (a write still in SQLite's WAL file
    included), a copy replaces what a crashed run left behind, and the copy is named for the run."""
    import sqlite3
    from types import SimpleNamespace

    from stageslot import test_databases

    connection = SimpleNamespace(vendor="sqlite")  # the SQLite stage's test databases

    template, target = str(tmp_path / "template.sqlite3"), str(tmp_path / "gw1.sqlite3")
    with contextlib.closing(sqlite3.connect(template)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE city (name TEXT)")
        db.executemany("INSERT INTO city VALUES (?)", [("Hamburg",), ("München",)])
        db.commit()
        Path(target).write_bytes(b"left over by a crashed run")
        test_databases._copy(connection, template, target)  # while the writer still holds its WAL
    with contextlib.closing(sqlite3.connect(target)) as db:
        assert db.execute("SELECT name FROM city ORDER BY name").fetchall() == [("Hamburg",), ("München",)]
    assert test_databases._exists(connection, template) and not list(tmp_path.glob("*.partial"))
    assert "abcdef12" in test_databases._template(connection, "abcdef1234")


@pytest.mark.db_specific
@pytest.mark.django_db(transaction=True)
def test_after_a_transactional_test_every_table_is_empty_as_djangos_flush_leaves_it(django_db_blocker):
    """stageslot/test_databases.py empties only the tables that hold rows (Django's flush truncates all and
    writes content types and permissions again): afterwards no table of the project holds a row, the rows
    a trigger writes while its table is emptied included, and the content types and permissions are whole."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test import TransactionTestCase

    from bookings.tests.factories import BookingFactory
    from stageslot import test_databases

    assert TransactionTestCase._fixture_teardown is test_databases.empty_after_transactional_test
    kinds, permissions = ContentType.objects.count(), Permission.objects.count()
    BookingFactory()  # a band, its leader, a venue, its stage and slot, a booking: rows in a dozen tables
    full = test_databases.tables_with_rows(connection)
    assert {"bands_band", "venues_slot", "bookings_booking"} <= set(full)

    test_databases.empty_after_transactional_test(TransactionTestCase("__init__"))

    assert test_databases.tables_with_rows(connection) == []
    assert (ContentType.objects.count(), Permission.objects.count()) == (kinds, permissions)
    assert not set(full) & test_databases.KEPT_TABLES


def test_a_scan_of_the_code_runs_in_one_stage_only():
    """A db_specific test that reads the source fails in the PostgreSQL stage until marked code_only, which leaves it
    to the SQLite stage alone; a test only the PostgreSQL stage runs may read the code there."""
    assert scanned_twice({"db_specific"})
    assert not scanned_twice({"db_specific", "code_only"})
    assert ci_stage_of({"db_specific", "code_only"}) == {"sqlite"}
    for marker in NEEDS_SERVICES:
        assert not scanned_twice({"db_specific", marker})
    assert not scanned_twice(set())


# ---- Each main journey in one locale a run (--locale-turn, decision 0138) ------------------------------------------


def main_journeys() -> dict[str, list[str]]:
    """Every test the suite marks `locales`, found in the test modules' text, with the locales it runs in: those of
    BROWSER_LOCALES, then the ones its marker names (string literals, or a list of stageslot.tests.words)."""
    journeys: dict[str, list[str]] = {}
    for path in sorted(ROOT.glob("*/tests/test_*.py")):
        text = path.read_text(encoding="utf-8")
        if "mark.locales" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                target = call.func if call else decorator
                if not (isinstance(target, ast.Attribute) and target.attr == "locales"):
                    continue
                others: list[str] = []
                for arg in call.args if call else []:
                    if isinstance(arg, ast.Constant):
                        others.append(arg.value)
                    else:  # *MORE_BROWSER_LOCALES
                        others.extend(getattr(words, ast.unparse(arg).lstrip("*")))
                journeys[f"{path.relative_to(ROOT)}::{node.name}"] = [*BROWSER_LOCALES, *others]
    return journeys


def test_the_main_journeys_are_found():
    journeys = main_journeys()
    assert "stageslot/tests/test_browser.py::test_sign_up_verify_log_in_and_see_the_dashboard" in journeys
    assert len(journeys) >= len(BROWSER_LOCALES)
    assert all(locales[: len(BROWSER_LOCALES)] == BROWSER_LOCALES for locales in journeys.values())


def test_every_run_walks_each_browser_locale_on_some_journey_and_each_journey_each_of_its_locales_in_turn():
    """Whatever the day, CI's run walks en-US, en-GB and German on some main journey; and each journey walks every
    one of its locales on consecutive days (as many days as it has locales)."""
    journeys = main_journeys()
    cycle = math.lcm(*(len(locales) for locales in journeys.values()))
    for turn in range(cycle + 366):
        chosen = locales_of_the_turn(journeys, turn)
        assert set(chosen) == set(journeys)
        assert set(BROWSER_LOCALES) <= set(chosen.values()), (turn, chosen)
    for name, locales in journeys.items():
        for start in (0, 17, 365):
            walked = {locales_of_the_turn(journeys, turn)[name] for turn in range(start, start + len(locales))}
            assert walked == set(locales), name


@pytest.mark.slow(reason="collects two browser modules with pytest, twice")
def test_a_turn_keeps_one_locale_of_each_journey_and_without_one_every_locale_runs():
    modules = ["reviews/tests/test_browser.py", "stageslot/tests/test_browser.py"]
    journeys = {name: locales for name, locales in main_journeys().items() if name.split("::")[0] in modules}
    assert len(journeys) == 2

    def collected(*options: str) -> list[str]:
        run = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *options, *modules],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        return [line for line in run.stdout.splitlines() if "::" in line]

    every = collected()
    turned = collected("--locale-turn=5")
    chosen = locales_of_the_turn(journeys, 5)
    for name, locales in journeys.items():
        mine = [line for line in every if line.startswith(name + "[")]
        assert len(mine) == len(locales), mine
        kept = [line for line in turned if line.startswith(name + "[")]
        assert kept == [line for line in mine if f"[{chosen[name]}-" in line], kept
    # Every other test of the two modules is kept.
    assert [line for line in every if line.split("[")[0] not in journeys] == [
        line for line in turned if line.split("[")[0] not in journeys
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_test_database_is_dropped_whatever_session_a_thread_left_connected_to_it(capsys):
    """stageslot/test_databases.py: at the end of a run a test process ends every other session still connected to
    its test database (a server thread's, a racer's) and names it, so that dropping the database cannot fail a run
    whose tests all passed. Shown on a scratch database of this test's own, a session left open on it."""
    from types import SimpleNamespace

    import psycopg
    from django.db import connection

    from stageslot import test_databases

    scratch = f"stageslot_left_open_{uuid.uuid4().hex[:8]}"
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    settings = {**connection.settings_dict, "NAME": scratch}
    left_open = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=scratch,
        application_name="a racer left open",
        autocommit=True,
    )
    try:
        left_open.execute("SELECT 1")
        closed = []
        test_databases._end_other_sessions(
            SimpleNamespace(
                vendor="postgresql",
                settings_dict=settings,
                close=lambda: closed.append(True),
                creation=connection.creation,
            )
        )
        assert closed == [True]
        with pytest.raises(psycopg.OperationalError):
            left_open.execute("SELECT 1")
        assert "a racer left open" in capsys.readouterr().out
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{scratch}"')  # no other session: the drop goes through
    finally:
        left_open.close()
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
