"""The shape of the code: apps import only downwards, view modules share no private helpers, and no
two modules import each other (docs/decisions/0001). Read from the source with `ast`, no imports run."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from stageslot.tests import source as shared

ROOT = Path(__file__).resolve().parents[2]
# ../shared/ARCHITECTURE.md, from the bottom up (core, the ground floor every app stands on, then places, the
# gazetteer, below accounts; docs/what-is-where.md): an app may
# import itself and the apps before it.
LAYERS = [
    "core",
    "places",
    "accounts",
    "availability",
    "bands",
    "venues",
    "teams",
    "bookings",
    "holds",
    "payments",
    "gigs",
    "festivals",
    "calendars",
    "documents",
    "reviews",
    "embeds",
    "fans",
    "analytics",
    "stageslot",
]
RANK = {app: rank for rank, app in enumerate(LAYERS)}


def _modules() -> dict[str, Path]:
    """Every project module by dotted name (tests and migrations included; they are code too)."""
    found = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in the file, also inside functions."""
    found = []
    for node in shared.statements_file(path):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(name, path).split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names = [alias.name for alias in node.names]
            # `from pkg import mod` imports the module pkg.mod.
            submodules = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
            found += [(sub, [], node.lineno) for sub in submodules]
            taken = [n for n in names if f"{module}.{n}" not in MODULES]
            if taken:
                found.append((module, taken, node.lineno))
    return found


def _is_view_module(name: str) -> bool:
    parts = name.split(".")
    return "views" in parts[1:-1] or parts[-1] == "views" or parts[-1].startswith("views_")


def _graph() -> dict[str, set[str]]:
    graph = defaultdict(set)
    for name, path in MODULES.items():
        for module, _names, _line in _imports(name, path):
            if module in MODULES and module != name:
                graph[name].add(module)
    return graph


def test_apps_import_only_the_layers_below_them():
    upward = []
    for name, path in MODULES.items():
        app = name.split(".")[0]
        if ".tests" in name or ".migrations" in name:
            continue  # a test may use a higher app's factories to build its world
        for module, _names, line in _imports(name, path):
            other = module.split(".")[0]
            if other in RANK and RANK[other] > RANK[app]:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert upward == [], "imports going up the layers:\n" + "\n".join(upward)


def test_no_view_module_takes_a_private_name_from_another_view_module():
    private = []
    for name, path in MODULES.items():
        if not _is_view_module(name):
            continue
        for module, names, line in _imports(name, path):
            if module != name and module in MODULES and _is_view_module(module):
                private += [f"{path.relative_to(ROOT)}:{line} {module}.{n}" for n in names if n.startswith("_")]
    assert private == [], "private view helpers shared between view modules:\n" + "\n".join(private)


def test_no_two_modules_import_each_other():
    """Counting imports inside functions too: tasks import services, never the reverse."""
    graph = _graph()
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(" ↔ ".join(sorted(component)))

    for node in sorted(MODULES):
        if node not in index:
            visit(node)
    assert cycles == [], "modules that import each other:\n" + "\n".join(cycles)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from bookings.views import detail\n", ["bookings.views.detail"]),
        ("from ..services import answering\n", ["bookings.services.answering"]),
        ("def f():\n    from bookings.services.answering import booking_accept\n", ["bookings.services.answering"]),
    ],
)
def test_the_import_reader_sees_submodules_relative_and_nested_imports(tmp_path, source, expected):
    path = tmp_path / "probe.py"
    path.write_text(source)
    found = [module for module, _names, _line in _imports("bookings.views.probe", path) if module in MODULES]
    assert found == expected


# ---- views build no querysets ------------------------------------------------------------------

# Calls that read or lock through a model's manager: a view asks a selector for what it reads and a
# service for what it writes (../shared/ARCHITECTURE.md, "Inside every app").
MANAGER_ATTRIBUTES = {"objects", "_default_manager", "_base_manager"}
QUERYSET_LOCKS = {"select_for_update"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}
# The few left on purpose, by (file, model): a lookup by key through Django's shortcut, whose access
# check follows in the view or the service it calls. Nothing else may join this list.
ALLOWED_SHORTCUTS = {
    ("bookings/views/alerts.py", "SavedSearch"),  # alerts.saved_search_delete checks the band's leaders
    ("bookings/views/feeds.py", "Band"),  # feed_create checks the person's membership
    ("bookings/views/feeds.py", "Venue"),  # feed_create checks the person's staff role
    ("bookings/views/public.py", "Venue"),  # venue_visible_to decides what follows
    ("bookings/views/share.py", "ShareLink"),  # the band is the manager's own (band_for)
    ("bookings/views/shows.py", "Band"),  # approved bands only, in the lookup itself
    ("bookings/views/shows.py", "Venue"),  # venue_visible_to decides what follows
}


def _model_names(tree: ast.Module) -> set[str]:
    """Names the module imports from a models module (`from ..models import Band`, `from x.models import Y`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "models":
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _orm_calls(source: str, filename: str) -> list[tuple[int, str]]:
    """(line, what) for each manager use, row lock and model shortcut in the source."""
    tree = shared.parse(source, filename=filename)
    models = _model_names(tree)
    found = []
    for node in shared.walk(source, filename=filename):
        if isinstance(node, ast.Attribute) and node.attr in MANAGER_ATTRIBUTES:
            found.append((node.lineno, f"{ast.unparse(node)}"))
        elif isinstance(node, ast.Attribute) and node.attr in QUERYSET_LOCKS:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0]
            if func in SHORTCUTS and isinstance(first, ast.Name) and first.id in models:
                found.append((node.lineno, f"{func}({first.id}, …)"))
    return found


def _is_api_module(name: str) -> bool:
    """An API operation module: bookings.api.* (but its shared core, keyset paging on a selector's
    queryset) and any app's `api` module."""
    parts = name.split(".")
    return (parts[1:2] == ["api"] and name != "bookings.api.core" and ".tests" not in name) or parts[-1] == "api"


def test_views_make_no_orm_calls_of_their_own():
    """No `Model.objects`, `_default_manager`, `select_for_update` or `get_object_or_404(Model, …)` in
    a view or API module: reads go through selectors, writes and locks through services."""
    calls, allowed_seen = [], set()
    for name, path in MODULES.items():
        if not (_is_view_module(name) or _is_api_module(name)):
            continue
        relative = path.relative_to(ROOT).as_posix()
        for line, what in _orm_calls(path.read_text(), str(path)):
            model = what.partition("(")[2].partition(",")[0]
            if (relative, model) in ALLOWED_SHORTCUTS and what.startswith(tuple(SHORTCUTS)):
                allowed_seen.add((relative, model))
                continue
            calls.append(f"{relative}:{line} {what}")
    assert calls == [], "ORM calls in views (move reads to a selector, writes to a service):\n" + "\n".join(calls)
    assert allowed_seen == ALLOWED_SHORTCUTS, f"allowed but gone, take off the list: {ALLOWED_SHORTCUTS - allowed_seen}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..models import Band\nBand.objects.get(pk=1)\n", ["Band.objects"]),
        ("def f(band):\n    return band._default_manager.all()\n", ["band._default_manager"]),
        ("def f(qs):\n    return qs.select_for_update().get()\n", ["select_for_update"]),
        ("from x.models import Band\nget_object_or_404(Band, pk=1)\n", ["get_object_or_404(Band, …)"]),
        ("from ..selectors import bands_public\nget_object_or_404(bands_public(), pk=1)\n", []),
        ("from ..selectors import band_of\nband_of(pk=1)\n", []),
    ],
)
def test_the_orm_call_reader_sees_managers_locks_and_model_shortcuts(source, expected):
    assert [what for _line, what in _orm_calls(source, "probe.py")] == expected
