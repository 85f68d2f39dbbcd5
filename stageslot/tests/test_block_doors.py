"""Every write from one party to another passes the one contact check (decisions 0081, 0096), found from the code.

The test finds every model that joins two parties – two keys to a person, a band, a venue or an organisation
(keys that only say who did it, `…_by`, do not count) – and every function of the project that creates a row
of one (`Model.objects.create/get_or_create/update_or_create/bulk_create`, `Model(…)`). Each such writer must
reach one of the contact checks: by calling one, by calling a function that does, or by being called only from
functions that do (a helper after the check). A model that joins parties but is no contact between them says
why in KIND_OF_JOIN, beside the rule it follows instead; a new model or a new writer that reaches no check fails
the suite the day it is added."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from stageslot.tests import source as shared
from stageslot.tests.test_layers import LAYERS

ROOT = Path(settings.BASE_DIR)
# The one contact check and its forms for slots and bookings (bookings.services.checks).
CHECKS = {"contact_check", "booking_contact_check", "slot_contact_check", "slot_booking_check"}
PARTY_MODELS = {"accounts.User", "bands.Band", "venues.Venue", "teams.Organisation"}
CREATES = {"create", "get_or_create", "update_or_create", "bulk_create"}

# The demo world's builders (stageslot/demo/) write what a demonstration needs, through no door.
DEMO_DATA = "demo"
# Writers of a contact row that are no contact from one party to another, each with why.
NOT_CONTACT = {
    "bookings/services/shows.py:show_host": "a band books itself on the show it hosts",
    "bookings/services/reschedule.py:_moved": "an unsaved copy at new times for the radius check",
    "festivals/services/timetable.py:placement_offer": "a festival's organisation offers an act a set; organisations "
    "are not blocked (decision 0081)",
    "festivals/services/timetable.py:placement_move": "the organisation moves an act it placed (decision 0081)",
}
# Models that join two parties without being contact from one to the other, each with the rule it follows.
KIND_OF_JOIN = {
    "bands.Membership": "a person joins a band by an invite they accept, or the band's leaders add them",
    "venues.VenueStaff": "a person joins a venue's staff by an invite they accept",
    "teams.OrgMember": "a person joins an organisation by an invite; organisations are not blocked (0081)",
    "teams.Representation": "an organisation and a band; organisations are not blocked (decision 0081)",
    "teams.VenueLink": "an organisation and a venue; organisations are not blocked (decision 0081)",
    "festivals.Festival": "an organisation's festival at a venue; organisations are not blocked (0081)",
    "venues.Slot": "a venue's slot, or a band's show at a place: the acts ask through bookings' doors",
    "bookings.CalendarFeed": "one owner (a person, a band or a venue), never two",
    "bookings.Webhook": "one owner (a band or a venue), never two",
    "payments.LedgerEntry": "money of a gig already booked, between parties already dealing with each other",
    "payments.MemberPayout": "a band paying its own member",
    "documents.Invoice": "money of a gig already booked, between parties already dealing with each other",
    "gigs.StandIn": "a band's own pool of players for a gig it has: the band's choice, no ask to a stranger",
    "accounts.Notification": "the site telling its recipient what another did (the actor, a reference drawn as a "
    "name): written after the door of that write passed the contact check, never a write of the actor's own",
}


def two_party_models() -> list[str]:
    found = []
    for model in apps.get_models():
        keys = [
            field
            for field in model._meta.get_fields()
            if (field.many_to_one or field.many_to_many)
            and field.concrete
            and field.related_model._meta.label in PARTY_MODELS
            and not field.name.endswith("_by")
        ]
        if len(keys) >= 2:
            found.append(model._meta.label)
    return sorted(found)


def _project_files() -> list[Path]:
    files = []
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if not parts & {"tests", "migrations", "management", DEMO_DATA}:
                files.append(path)
    return files


def _called_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _creates(node: ast.Call, names: set[str]) -> str | None:
    """The model of `names` this call creates a row of (or builds one to be saved), or None. `Model(pk=…)`
    alone names a row that is there already."""
    func = node.func
    if isinstance(func, ast.Name) and func.id in names:
        return None if {k.arg for k in node.keywords} <= {"pk", "id"} and not node.args else func.id
    if isinstance(func, ast.Attribute) and func.attr in CREATES:
        manager = func.value
        if isinstance(manager, ast.Attribute) and manager.attr == "objects" and isinstance(manager.value, ast.Name):
            return manager.value.id if manager.value.id in names else None
    return None


def _models_imported(path: Path, app: str, models: dict[str, str]) -> set[str]:
    """The names of `models` ({name: app}) this module imports from their app's models (or defines)."""
    found = set()
    for node in shared.walk_file(path):
        if isinstance(node, ast.ImportFrom) and node.module:
            source = app if node.level else node.module.split(".")[0]
            if node.module.split(".")[-1] == "models" or (node.level and node.module == "models"):
                found |= {alias.name for alias in node.names if models.get(alias.name) == source}
        elif isinstance(node, ast.ClassDef) and models.get(node.name) == app:
            found.add(node.name)
    return found


def writers_and_calls():
    """({model name: [function]}, {function: the functions it calls}), a function named "path:name". A call
    is followed by its name where the project defines that name once; a name defined twice or more (`save`,
    `create`, a view's `_refused`) is no edge, so a check is never reached through a namesake."""
    models = {label.split(".")[1]: label.split(".")[0] for label in two_party_models()}
    writers: dict[str, list[str]] = defaultdict(list)
    called_names: dict[str, set[str]] = {}
    where: dict[str, list[str]] = defaultdict(list)
    for path in _project_files():
        app = path.relative_to(ROOT).parts[0]
        names = _models_imported(path, app, models)
        for node in shared.walk_file(path):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            function = f"{path.relative_to(ROOT)}:{node.name}"
            where[node.name].append(function)
            called = called_names.setdefault(function, set())
            inner_calls = [inner for inner in ast.walk(node) if isinstance(inner, ast.Call)]
            called |= {_called_name(inner) for inner in inner_calls}
            for inner in inner_calls:
                if model := _creates(inner, names):
                    writers[model].append(function)
    resolve = {name: found[0] for name, found in where.items() if len(found) == 1 and name not in CHECKS}
    resolve |= {name: name for name in CHECKS}
    calls = {function: {resolve[n] for n in called if n in resolve} for function, called in called_names.items()}
    return writers, calls


def reaching(callers: dict[str, set[str]]) -> set[str]:
    """The functions that reach a contact check: they call one, or a function that does (up the callers)."""
    reach, todo = set(CHECKS), list(CHECKS)
    while todo:
        for caller in callers.get(todo.pop(), ()):
            if caller not in reach:
                reach.add(caller)
                todo.append(caller)
    return reach


def passes(function: str, callers: dict[str, set[str]], reach: set[str], seen: frozenset = frozenset()) -> bool:
    """Whether a writer reaches a check, or is called only by functions that pass (a helper after the check)."""
    if function in reach:
        return True
    found = callers.get(function, set()) - seen
    return bool(found) and all(passes(c, callers, reach, seen | {function}) for c in found)


def callers_of(calls: dict[str, set[str]]) -> dict[str, set[str]]:
    callers: dict[str, set[str]] = defaultdict(set)
    for caller, called in calls.items():
        for function in called:
            callers[function].add(caller)
    return callers


def test_the_walk_finds_the_models_that_join_two_parties():
    found = two_party_models()
    for label in ("bookings.Booking", "fans.Follow", "fans.Ask", "reviews.Review", "holds.Hold"):
        assert label in found
    assert "bands.BandBlock" not in found  # a band and who wrote it down: one party
    assert set(KIND_OF_JOIN) <= set(found), set(KIND_OF_JOIN) - set(found)


@pytest.mark.slow  # reads the whole project's code (parsed once for every code scan of the process)
def test_every_writer_of_a_row_that_joins_two_parties_passes_the_contact_check():
    writers, calls = writers_and_calls()
    callers = callers_of(calls)
    reach = reaching(callers)
    contact = {label.split(".")[1] for label in two_party_models() if label not in KIND_OF_JOIN}
    assert {"Booking", "Follow", "Ask"} <= set(writers)
    unchecked = sorted(
        f"{model}: {function}"
        for model, found in writers.items()
        if model in contact
        for function in found
        if function not in NOT_CONTACT and not passes(function, callers, reach)
    )
    assert not unchecked, "Writers of a contact that reach no contact check:\n" + "\n".join(unchecked)
