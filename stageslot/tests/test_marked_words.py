"""Every sentence a person reads from Python is marked for translation.

The pseudo-locale walks (test_pseudo_locale.py in each app) find unmarked words on the pages they draw;
refusals, API problems and flash messages are only drawn when something goes wrong, so a walk misses
most of them. This test reads the source instead: a refusal raised, a problem answered or a message
flashed with a bare string literal (or an f-string) is a sentence nobody can translate.

    raise BookingError("This slot is taken.")            # found
    raise BookingError(_("This slot is taken."))         # marked
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "availability", "bands", "bookings", "places", "reviews", "stageslot", "venues"]
# Not read by the people using the product: tests, migrations, management commands (an operator's
# console), and the demo world's builders.
SKIPPED_PARTS = {"tests", "migrations", "management"}
SKIPPED_FILES = {"stageslot/demo_client.py", "stageslot/demo_shows.py", "stageslot/demo_bookings.py"}

# Exceptions whose message a person reads (the pages flash it, the API answers it as a problem's detail).
REFUSALS = {
    "ValidationError",
    "PermissionDenied",
    "AvailabilityError",
    "AvailabilityPermissionError",
    "BandError",
    "BandPermissionError",
    "MembershipError",
    "BandLimitError",
    "BookingError",
    "BookingConflict",
    "BookingPermissionError",
    "FeedPermissionError",
    "FeedError",
    "InviteError",
    "ReviewError",
    "ReviewPermissionError",
    "RuleError",
    "SlotPermissionError",
    "SlotClashError",
    "WebhookPermissionError",
    "PlaceNotFound",
    "LimitReached",
}
# Callables whose message argument a person reads: (name, position of the message).
MESSAGES = {"ApiProblem": 1, "problem_response": 1, "HttpError": 1, "add_error": 1}
FLASHES = {"success", "info", "warning", "error", "debug"}  # messages.success(request, "…")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _bare(node: ast.expr | None) -> bool:
    """A literal sentence: a string constant with a letter in it, or an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and any(ch.isalpha() for ch in v.value) for v in node.values)
    if isinstance(node, ast.BinOp):  # "…" + "…", "…" % value
        return _bare(node.left)
    if isinstance(node, ast.Call) and _name(node.func) == "format":  # "…".format(…)
        return isinstance(node.func, ast.Attribute) and _bare(node.func.value)
    if isinstance(node, ast.Dict):
        return any(_bare(v) for v in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_bare(v) for v in node.elts)
    return False


def _unmarked(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        message: ast.expr | None = None
        if name in REFUSALS:
            message = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "message"), None)
        elif name in MESSAGES:
            position = MESSAGES[name]
            message = node.args[position] if len(node.args) > position else None
            if message is None:
                message = next((k.value for k in node.keywords if k.arg in ("detail", "message", "error")), None)
        elif (
            name in FLASHES
            and isinstance(node.func, ast.Attribute)
            and _name(node.func.value) == "messages"
            and len(node.args) > 1
        ):
            message = node.args[1]
        if message is not None and _bare(message):
            yield node.lineno, name


def unmarked_in(app: str) -> list[str]:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_PARTS & set(relative.parts) or relative.as_posix() in SKIPPED_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
        found += [f"{relative}:{line}: {name}(…) with an unmarked sentence" for line, name in _unmarked(tree)]
    return found


# Apps whose sentences are still being marked: the test is expected to fail for them (and fails when one
# of them no longer does, so that it leaves this list).
PENDING: set[str] = set()


@pytest.mark.parametrize(
    "app", [pytest.param(app, marks=pytest.mark.xfail(strict=True)) if app in PENDING else app for app in APPS]
)
def test_every_refusal_problem_and_message_is_marked_for_translation(app):
    assert unmarked_in(app) == []


def test_the_check_finds_what_it_looks_for():
    source = (
        "raise BookingError('This slot is taken.')\n"
        "raise BookingError(_('This slot is taken.'))\n"
        "raise ValidationError({'starts_at': f'Starts after {x}.'})\n"
        "raise ApiProblem(409, 'Taken.')\n"
        "raise ApiProblem(409, str(exc))\n"
        "messages.success(request, 'Saved.')\n"
        "messages.success(request, gettext('Saved.'))\n"
        "form.add_error('name', 'Pick another name.')\n"
        "form.add_error(None, exc.messages[0])\n"
        "raise BookingError('%s is busy.' % who)\n"
    )
    assert [line for line, _name in _unmarked(ast.parse(source))] == [1, 3, 4, 6, 8, 10]
