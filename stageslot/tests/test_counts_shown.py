"""A count that says "fewer than 5" stays fewer than 5 (docs/decisions/0098): every count of people that leaves
for a page, a file or the API goes through bands.demand.counts_shown or count_text. The subtraction a venue
tried (the total minus the cities shown) and a change over time recover no hidden city; and every place that
counts the audience – found by reading every app's read side and every template – calls the one function."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.tests.factories import UserFactory
from bands.demand import SMALL_COUNT, counts_shown
from bookings.tests.factories import venue_with_owner
from fans import services
from fans.models import FanProfile
from fans.tests.standing import settle_now
from fans.tests.world import city
from stageslot.tests import source

ROOT = Path(settings.BASE_DIR)
# The one function a count of people passes on its way out to a page, a file or the API.
GUARDS = {"counts_shown"}
# Where a count leaves for people: pages, their partials, files and the API (writes and rounds are inside).
READ_SIDE = re.compile(r"(^|/)(selectors|views|api|pages|cards|charts|exports|feeds)(/|\.py$)")
# A count of the audience is made by the ORM's Count/Sum or by the one count function, fans.counting.audience_count.
COUNTING = {"Count", "Sum", "audience_count"}
COUNTING_METHODS = {"count", "aggregate"}


# ---- The function ----------------------------------------------------------------------------------------

cells = st.lists(st.tuples(st.sampled_from("ABCDEFGH"), st.integers(min_value=0, max_value=40)), max_size=8).map(
    lambda rows: list(dict(rows).items())
)


@hypothesis_settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(cells, st.data())
def test_a_hidden_cell_changes_nothing_that_is_shown(rows, data):
    """Any hidden cell may be any of 1–4 (a city going from 1 to 3 followers, or three fake accounts more):
    the cells and the total read the same, so no subtraction or difference over time tells them apart."""
    shown = counts_shown(rows)
    changed = [
        (label, data.draw(st.integers(min_value=1, max_value=SMALL_COUNT - 1)) if 0 < n < SMALL_COUNT else n)
        for label, n in rows
    ]
    assert counts_shown(changed) == shown
    hidden = [label for label, n in rows if 0 < n < SMALL_COUNT]
    if not hidden:
        assert shown.total == (str(sum(n for _label, n in rows)) if any(n for _label, n in rows) else "")


def test_the_total_minus_the_cities_shown_names_no_city():
    shown = counts_shown([("Hamburg", 6), ("Berlin", 1), ("No home city given", 1)])
    assert [(c.label, c.text) for c in shown] == [
        ("Hamburg", "6"),
        ("Berlin", "fewer than 5"),
        ("No home city given", "fewer than 5"),
    ]
    assert shown.total == "at least 8"
    assert counts_shown([("Hamburg", 6), ("Berlin", 4), ("No home city given", 3)]).total == "at least 8"
    # Hidden cells keep no order of size.
    assert [c.label for c in counts_shown([("Zwickau", 4), ("Aachen", 1)])] == ["Aachen", "Zwickau"]


@pytest.mark.django_db
def test_three_fake_followers_tell_a_venue_nothing_of_berlin():
    """The attack from the issue, on the venue's audience page: six followers in Hamburg, one in Berlin and
    one with no city; the venue makes three accounts in Berlin and reads its page before and after."""
    berlin, hamburg = city("Berlin"), city("Hamburg")
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar", place=berlin)
    staff = Client()
    staff.force_login(owner)
    url = reverse("fans:venue_audience", args=[venue.slug])

    def follower(home):
        fan = UserFactory()
        if home is not None:
            FanProfile.objects.create(user=fan, city=home)
        services.follow_set(user=fan, venue=venue, on=True)
        settle_now(fan)  # all with standing, the fakes too (kept long enough): the total still names no city

    for _ in range(6):
        follower(hamburg)
    follower(berlin)
    follower(None)
    before = staff.get(url).content.decode()
    for _ in range(3):
        follower(berlin)  # the venue's fake accounts: Berlin holds 4
    with_fakes = staff.get(url).content.decode()
    table = re.compile(r"<table.*</table>|Followers in all: [^<]*", re.S)
    assert "Followers in all: at least 8" in before and "<td>fewer than 5</td>" in before
    # Total minus Hamburg's 6 is no count of Berlin, and three more in Berlin change nothing on the page.
    assert table.findall(with_fakes) == table.findall(before)


# ---- Every place that counts the audience calls the function -------------------------------------------------


def _audience_models() -> set[str]:
    """The models whose rows are the audience (the fans app's people: follows, asks, profiles, alerts) and
    those that keep counts of it (a model with an `asks` or `followers` count), found by walking the apps."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    names = set()
    for model in apps.get_models():
        keys = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is user_model]
        if model._meta.app_label == "fans" and keys:
            names.add(model.__name__)
        if {f.name for f in model._meta.concrete_fields} & {"asks", "followers"}:
            names.add(model.__name__)
    return names


def _project_modules() -> list[Path]:
    paths = []
    for config in apps.get_app_configs():
        root = Path(config.path)
        if not root.is_relative_to(ROOT) or ".venv" in root.parts:
            continue
        for path in root.rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or relative.startswith("stageslot/tests"):
                continue
            if READ_SIDE.search(relative):
                paths.append(path)
    return sorted(set(paths))


def _names(node) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def _counts(node) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name) and func.id in COUNTING:
                return True
            if isinstance(func, ast.Attribute) and func.attr in COUNTING_METHODS:
                return True
    return False


def test_every_read_that_counts_the_audience_goes_through_the_one_function():
    audience = _audience_models() | {"audience_count"}
    assert {"Follow", "Ask", "CityDemand"} <= audience
    modules = _project_modules()
    assert len(modules) > 40
    bypass, checked = [], 0
    for path in modules:
        functions = [
            node
            for node in source.walk(path.read_text(), str(path))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        # A function of the module that calls the guard passes the count on through it.
        guards = GUARDS | {node.name for node in functions if _names(node) & GUARDS}
        for node in functions:
            names = _names(node)
            if not (names & audience) or not _counts(node):
                continue
            checked += 1
            if not names & guards:
                bypass.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert checked >= 2  # the followers and the asks by city
    assert not bypass, f"counts of the audience shown without bands.demand.counts_shown: {bypass}"


# A template prints a count of the audience only as words the function made (`text`, `total`, `*_text`).
RAW_COUNT = re.compile(r"\{\{[^}]*\.(asks|followers)(\|[^}]*)?\s*\}\}|with[^%]*=\s*[\w.]*\.(asks|followers)[\s%]")


def test_no_template_prints_a_raw_count_of_the_audience():
    found = []
    templates = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for folder in templates:
        for path in folder.rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if RAW_COUNT.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert not found, found


def test_the_audience_is_counted_in_one_place():
    """Follows and asks are counted by fans.counting.audience_count alone (decision 0130: only people with
    standing count): no other module of the project aggregates them with Count or Sum, read side or not."""
    counting = ROOT / "fans" / "counting.py"
    elsewhere = []
    for config in apps.get_app_configs():
        root = Path(config.path)
        if not root.is_relative_to(ROOT) or ".venv" in root.parts:
            continue
        for path in root.rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if path == counting or "/tests/" in relative or "/migrations/" in relative:
                continue
            for node in source.walk(path.read_text(), str(path)):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                names = _names(node)
                aggregates = any(
                    isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in {"Count", "Sum"}
                    for sub in ast.walk(node)
                )
                if names & {"Follow", "Ask", "follows", "fan_asks", "followers"} and aggregates:
                    elsewhere.append(f"{relative}:{node.lineno} {node.name}")
    assert not elsewhere, f"count follows and asks through fans.counting.audience_count: {elsewhere}"
