"""The two CI stages (.ci/run, docs/decisions/0029-ci-stages.md): between them every test runs, what
needs PostgreSQL, Redis, the worker or Chromium runs in the PostgreSQL stage, and what behaves
differently on PostgreSQL runs in both."""

import itertools
from pathlib import Path

import pytest

from conftest import CI_STAGES, NEEDS_SERVICES, SECOND_RUN, ci_stage_of

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
