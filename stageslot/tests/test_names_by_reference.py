"""No service writes a person's name, email or phone into text that is kept (issue 82, docs/decisions/0131).

Discovered, not listed: every services module of the project is read as Python source (ast), and every
argument that becomes kept text – `text=` of notifications_create and NotificationItem, `note=` of a
BookingEvent, the parameters of lazy_text – is checked. A person's name given as it is (`by.name`, a
PersonName) is fine: lazy_text keeps it as a reference. What fails is a person's name or email made into a
plain string first – an f-string, `%`, `+`, `.format()` or `str()` around `<person>.name`, `.display_name`,
`.email` or `.phone`, directly or through a local variable – and a `.display_name`, `.email` or `.phone` given
as it is (a plain string, never a reference)."""

import ast
from pathlib import Path

from django.conf import settings

from stageslot.tests import source

ROOT = Path(settings.BASE_DIR)
# What a person is called in the services: the name of a variable, or the last attribute before `.name`.
PEOPLE = {
    "by",
    "user",
    "actor",
    "person",
    "member",
    "leader",
    "owner",
    "client",
    "sender",
    "author",
    "recipient",
    "traveller",
    "signer",
    "requested_by",
    "held_by",
    "added_by",
    "invited_by",
    "fan",
    "staff",
}
ALWAYS = {"display_name", "email", "phone"}
# The keyword of a call that becomes kept text: a notification's text; a history note (of any call: what
# people type is given as it is, so only a name made plain is found).
KEPT_CALLS = {"notifications_create": "text", "NotificationItem": "text"}

# (module path, function name): why it may. Empty: nothing needs it.
ALLOWED: dict[tuple[str, str], str] = {}


def _services() -> list[Path]:
    found = []
    for path in ROOT.glob("*/services.py"):
        found.append(path)
    for path in ROOT.glob("*/services/*.py"):
        found.append(path)
    return sorted(p for p in found if ".venv" not in p.parts)


def _base(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _person_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and (
        node.attr in ALWAYS or (node.attr == "name" and _base(node.value) in PEOPLE)
    )


def _made_plain(node: ast.AST) -> bool:
    """An expression that turns a person's name or email into a plain string."""
    for sub in ast.walk(node):
        plain = (
            isinstance(sub, ast.JoinedStr)
            or (isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mod | ast.Add))
            or (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "str")
            or (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "format")
        )
        if plain and any(_person_attr(inner) for inner in ast.walk(sub)):
            return True
    return False


def _bad(node: ast.expr, assigned: dict[str, list[ast.expr]], *, param: bool) -> bool:
    if param and isinstance(node, ast.Attribute) and node.attr in ALWAYS:
        return True
    if _made_plain(node):
        return True
    # A local variable given as it is (`who = f"{by.name} …"`, then `who=who`): what it was made of.
    return isinstance(node, ast.Name) and any(_made_plain(value) for value in assigned.get(node.id, []))


def _findings(path: Path) -> list[str]:
    tree = source.parse(path.read_text(), str(path))
    found = []
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            called = _base(call.func)
            checked: list[tuple[ast.expr, bool]] = []
            if called == "lazy_text":
                checked = [(k.value, True) for k in call.keywords]
            else:
                kept = {KEPT_CALLS.get(called), "note"}
                checked = [(k.value, False) for k in call.keywords if k.arg in kept]
            for value, param in checked:
                if _bad(value, assigned, param=param):
                    where = (str(path.relative_to(ROOT)), function.name)
                    if where not in ALLOWED:
                        found.append(f"{where[0]}:{call.lineno} in {function.name}: {ast.unparse(value)[:120]}")
    # One finding a line (a notification's text and the lazy_text inside it are one).
    return list({line.split(" in ", 1)[0]: line for line in found}.values())


def test_the_scan_finds_a_name_made_into_plain_text():
    source = """
def tell(by, booking):
    who = f"{by.name} ({booking.band.name})"
    notifications_create(recipients=[], kind="x", key="k", text=lazy_text("%(who)s wrote", who=who))
    BookingEvent.objects.create(booking=booking, note="Moved by " + by.display_name)
    lazy_text("%(mail)s", mail=by.email)
    lazy_text("%(name)s wrote about %(band)s", name=by.name, band=booking.band.name)
"""
    path = ROOT / "stageslot" / "tests" / "_scan_sample.py"
    try:
        path.write_text(source)
        found = _findings(path)
    finally:
        path.unlink()
    assert sorted(line.split(" in ")[0].rsplit(":", 1)[1] for line in found) == ["4", "5", "6"]


def test_no_service_writes_a_persons_name_or_email_into_kept_text():
    paths = _services()
    assert len(paths) > 20
    found = [line for path in paths for line in _findings(path)]
    assert found == [], "\n".join(found)
