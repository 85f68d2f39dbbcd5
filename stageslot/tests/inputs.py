"""What the input walks walk, found from the code: the project's apps, every form class they define, every query
name a page reads, every field of the API's schema (docs/decisions/0095-every-input-bounded.md).

Nothing here is a list: an app added to INSTALLED_APPS, a form added to any module of it, a query name read by a
new view, a field added to the API are walked on the day they are added."""

import ast
import functools
import importlib
import inspect
import pkgutil
from pathlib import Path

from django import forms
from django.apps import apps
from django.conf import settings

from stageslot.tests import source

ROOT = Path(settings.BASE_DIR).resolve()
# Parts of a module's name that hold no form a person fills in: tests, migrations, commands, settings.
SKIPPED_PARTS = {"tests", "migrations", "management", "settings"}


def project_apps() -> list[str]:
    """Every installed app whose code lives in this repository (ours, not a library's)."""
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(ROOT) and ".venv" not in path.parts and "site-packages" not in path.parts:
            found.append(config.name)
    return sorted(found)


def project_modules(*, admin: bool = True) -> list[str]:
    """The dotted names of every module of every project app (tests, migrations, commands and settings aside)."""
    names = []
    for app in project_apps():
        package = importlib.import_module(app)
        names.append(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            parts = set(info.name.split("."))
            if parts & SKIPPED_PARTS or (not admin and "admin" in parts):
                continue
            names.append(info.name)
    return names


@functools.cache
def project_forms(*, admin: bool = True) -> tuple[type[forms.BaseForm], ...]:
    """Every form class defined in a module of a project app."""
    found = {}
    for name in project_modules(admin=admin):
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: S112 – a module that needs a server or a setting; forms never do
            continue
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == name:
                found[f"{name}.{value.__name__}"] = value
    return tuple(found[key] for key in sorted(found))


def form_fields(*, admin: bool = True) -> list[tuple[str, forms.Field]]:
    """(form.field, field) of every declared or model-made field of every project form."""
    return [
        (f"{form.__module__}.{form.__name__}.{name}", field)
        for form in project_forms(admin=admin)
        for name, field in form.base_fields.items()
    ]


def _module_files() -> list[Path]:
    files = []
    for app in project_apps():
        base = Path(importlib.import_module(app).__path__[0])
        for path in sorted(base.rglob("*.py")):
            if not set(path.relative_to(base).parts) & SKIPPED_PARTS:
                files.append(path)
    return files


def _is_get(node: ast.AST) -> bool:
    """`request.GET` (or `self.request.GET`, `params`… read from it)."""
    return isinstance(node, ast.Attribute) and node.attr in {"GET", "query_params"}


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@functools.cache
def query_names() -> tuple[frozenset[str], int]:
    """Every name a page reads from its address's query: `request.GET.get("x")`, `request.GET["x"]`,
    `"x" in request.GET`, a helper handed `request.GET` and a name (`query_date(request.GET, "date", …)`), and every
    field of a form bound to `request.GET`. Also how many forms were found bound to a query."""
    names: set[str] = set()
    form_names: set[str] = set()
    for path in _module_files():
        for node in source.walk_file(path):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in {"get", "getlist"} and _is_get(func.value):
                    if node.args and _text(node.args[0]):
                        names.add(_text(node.args[0]))
                elif node.args and _is_get(node.args[0]):
                    if len(node.args) > 1 and _text(node.args[1]):
                        names.add(_text(node.args[1]))
                    callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                    if callee[:1].isupper():
                        form_names.add(callee)
                for keyword in node.keywords:
                    if keyword.arg == "data" and _is_get(keyword.value):
                        callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                        if callee[:1].isupper():
                            form_names.add(callee)
            elif isinstance(node, ast.Subscript) and _is_get(node.value) and _text(node.slice):
                names.add(_text(node.slice))
            elif isinstance(node, ast.Compare) and _is_get(node.comparators[0]) and _text(node.left):
                names.add(_text(node.left))
    found_forms = [form for form in project_forms(admin=False) if form.__name__ in form_names]
    for form in found_forms:
        names.update(form.base_fields)
    return frozenset(names), len(found_forms)
