"""Every reader of a band's green zone goes through the one reading that knows the line-up
(bands.calendar, over availability.engine and availability.lineup): no module elsewhere runs the engine's
day or window sweep itself, nor filters a band's members by `required=True` to say when it can play."""

import ast
import functools
import os
from pathlib import Path

from stageslot.tests import source

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "migrations", "tests", "benchmarks", "staticfiles", ".git", "static", "locale"}
# The engine and the one reading of the green zone (bands.calendar, with its line-up, bands.lineup).
SWEEP_OWNERS = {"availability/engine/days.py", "availability/engine/__init__.py", "bands/calendar.py"}
SWEEPS = {"day_statuses", "find_windows"}
FILTERS = {"filter", "exclude", "Q", "get", "values_list"}
# Who filters members by `required=True`, and why each still reads the line-up where it counts.
REQUIRED_READERS = {
    # The SQL that only shortens the finder's "only slots we can play" and a slot's bands: a band with a
    # line-up is read again through bands.calendar.bands_fielded_between.
    "bookings/selectors/finder.py",
    # The accept check (band_free_for_gig) and the booking's locks: the members named as required.
    "bookings/selectors/bookings.py",
}


@functools.cache
def modules() -> tuple:
    return tuple(_modules())


def _modules():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                path = Path(folder) / name
                yield path.relative_to(ROOT).as_posix(), source.parse(path.read_text(encoding="utf-8"), str(path))


def called(node: ast.Call) -> str | None:
    return getattr(node.func, "attr", None) or getattr(node.func, "id", None)


def test_only_the_one_reading_runs_the_engines_sweeps():
    callers = {
        rel
        for rel, tree in modules()
        if rel not in SWEEP_OWNERS
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and called(node) in SWEEPS
    }
    assert not callers, f"read the green zone through bands.calendar, not the engine: {sorted(callers)}"


def test_no_reader_takes_the_required_members_alone_for_the_bands_availability():
    readers = set()
    for rel, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) in FILTERS:
                for keyword in node.keywords:
                    value = keyword.value
                    if (keyword.arg or "").endswith("required") and isinstance(value, ast.Constant) and value.value:
                        readers.add(rel)
    assert readers <= REQUIRED_READERS, f"read the line-up through bands.calendar: {sorted(readers - REQUIRED_READERS)}"
