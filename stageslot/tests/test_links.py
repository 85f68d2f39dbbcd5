"""Every door behind a link that names a person goes through accounts/links.py (decision 0055).

The walk finds each route of ours that takes a secret `token` or whose view reads a signed link (a function
of the project that calls `signing.loads`, a Signer's `unsign` or `check_token`), following the view's
calls inside its module. Each must be wrapped in `link_for_a_person`, or be a page that only reads (listed
below with why) and refuses every method but GET. So the next link cannot skip the rule."""

import ast
import inspect
from functools import cache
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.links import LinkPerson, link_check
from accounts.tests.factories import UserFactory
from stageslot.tests import source as shared

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "analytics",
    "availability",
    "bands",
    "bookings",
    "calendars",
    "core",
    "documents",
    "embeds",
    "gigs",
    "holds",
    "payments",
    "places",
    "reviews",
    "stageslot",
    "teams",
    "venues",
]

# Pages behind a secret address that change nothing: whoever holds the address may read them.
READ_ONLY = {
    "bookings:feed": "a calendar feed that calendar apps poll",
    "bookings:share": "a band's shared availability page",
    "bookings:share_ics": "the same availability as a calendar file",
    "documents:share_availability_pdf": "the same availability as a PDF",
    "gigs:stand_in_home": "a stand-in's list of the gigs they play",
    "gigs:stand_in_feed": "a stand-in's calendar feed",
    "gigs:tour_feed": "a traveller's calendar of a tour",
}
# The doors that act for a person today: the walk must find at least these (it cannot pass by finding none).
DOORS = {
    "gigs:answer_link": True,  # refuses someone else
    "gigs:stand_in_ask": True,
    "bookings:email_action": True,
    "join": False,  # asks: an invite adds whoever accepts it
    "bookings:offer_claim": False,
}
SIGNED_READS = {("signing", "loads"), ("signer", "unsign"), ("signer", "unsign_object")}


def _project_files() -> list[Path]:
    return [
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def _called(node: ast.AST) -> tuple[str, str]:
    """(object, name) of a call: ("signing", "loads") for signing.loads(…), ("", "f") for f(…)."""
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return owner.casefold(), func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "", ""


def reads_a_signature(function: ast.AST) -> bool:
    """Whether a function itself checks a signed value (signing.loads, a signer's unsign, check_token)."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            owner, name = _called(node)
            if (owner, name) in SIGNED_READS or name == "check_token" or (name.startswith("unsign") and owner):
                return True
    return False


@cache
def signed_link_readers() -> frozenset[str]:
    """The project's functions that read a signed link (answer_link_read, email_action_read, …)."""
    names = set()
    for path in _project_files():
        for node in shared.walk_file(path):
            if isinstance(node, ast.FunctionDef) and reads_a_signature(node):
                names.add(node.name)
    return frozenset(names)


def reaches_a_signed_read(source: str, view_name: str, readers: frozenset[str]) -> bool:
    """Whether `view_name` of a module's `source`, or a function of the module it calls (at any depth), reads
    a signed link: calls signing.loads and the like, or one of `readers`."""
    functions = {node.name: node for node in shared.walk(source) if isinstance(node, ast.FunctionDef)}
    seen, todo = set(), [view_name]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        function = functions[name]
        if reads_a_signature(function):
            return True
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                _owner, called = _called(node)
                if called in readers:
                    return True
                todo.append(called)
            elif isinstance(node, ast.Name):  # a helper passed on, e.g. as a person_of
                todo.append(node.id)
    return False


def our_routes() -> list[tuple[str, URLPattern]]:
    """Every named route whose view is ours (not allauth's, the admin's or the API's)."""
    found = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif pattern.name and inspect.unwrap(pattern.callback).__module__.split(".")[0] in APPS:
                found.append((f"{namespace}{pattern.name}", pattern))

    walk(get_resolver().url_patterns, "")
    return found


@cache
def link_routes() -> dict[str, URLPattern]:
    """The routes behind a secret or signed link: a `token` in the address, or a view that reads a signature. Walked
    once per test process (every parametrized test below reads it; the routes are fixed at import)."""
    readers = signed_link_readers()
    found = {}
    for name, pattern in our_routes():
        view = inspect.unwrap(pattern.callback)
        source = Path(inspect.getsourcefile(view)).read_text()
        if "token" in pattern.pattern.regex.groupindex or reaches_a_signed_read(source, view.__name__, readers):
            found[name] = pattern
    return found


def test_the_walk_knows_the_signed_link_readers():
    assert {"answer_link_read", "email_action_read", "invite_link_parse"} <= signed_link_readers()


def test_the_walk_flags_a_view_that_reads_a_signed_link_through_a_helper():
    source = (
        "def _read(token):\n    return signing.loads(token, salt='x')\n\n"
        "def view(request, token):\n    data = _read(token)\n    return data\n\n"
        "def other(request):\n    return None\n"
    )
    assert reaches_a_signed_read(source, "view", frozenset())
    assert not reaches_a_signed_read(source, "other", frozenset())
    reader = "def v(r, t):\n    return email_action_read(t)\n"
    assert reaches_a_signed_read(reader, "v", frozenset({"email_action_read"}))


def test_every_link_that_names_a_person_goes_through_the_one_rule():
    routes = link_routes()
    assert set(DOORS) <= set(routes), "the walk lost a known door"
    unguarded = []
    for name, pattern in routes.items():
        marked = getattr(pattern.callback, "link_for_a_person", None)
        if name in DOORS:
            assert marked == {"refuse": DOORS[name]}, name
        elif marked is None and name not in READ_ONLY:
            unguarded.append(name)
    assert not unguarded, (
        f"{unguarded} read a secret or signed link without accounts.links.link_for_a_person: wrap the view "
        "(docs/decisions/0055-links-that-act-for-a-person.md), or list it in READ_ONLY if it only reads"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_the_read_only_link_pages_change_nothing_by_any_method(client, name):
    pattern = link_routes()[name]
    kwargs = dict.fromkeys(pattern.pattern.regex.groupindex, "a" * 24)
    url = reverse(name, kwargs=kwargs)
    client.force_login(UserFactory())
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 405, (name, method)


# ---- The rule itself ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_who_is_the_named_person():
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import AnonymousUser

    max_ = UserFactory(email="max@example.com")
    other = UserFactory(email="other@example.com")
    by_account = LinkPerson(name="Max", user_id=max_.pk)
    by_address = LinkPerson(name="max@example.com", email="MAX@example.com")

    assert link_check(user=AnonymousUser(), person=by_account).opener == "anonymous"
    assert link_check(user=max_, person=by_account).opener == "named"
    assert link_check(user=other, person=by_account).someone_else
    assert link_check(user=max_, person=by_address).opener == "named"  # the address, whatever its case
    assert link_check(user=other, person=by_address).someone_else
    assert link_check(user=other, person=None).opener == "named"  # a link naming nobody is anyone's
    # A second address of the account counts once it is verified.
    second = LinkPerson(name="second@example.com", email="Second@example.com")
    EmailAddress.objects.create(user=other, email="second@example.com", verified=False)
    assert link_check(user=other, person=second).someone_else
    EmailAddress.objects.filter(user=other).update(verified=True)
    assert link_check(user=other, person=second).opener == "named"
