"""Every request body of the API is bounded (docs/decisions/0104-api-bodies-bounded.md): the walk finds every
field of every operation's body in the API's own schema, so a new operation or field is checked the day it is
added. A whole number has both ends, a text a maximum length (core.fields.api_fields: ApiInt, ApiId, ApiLine,
ApiText); and every write operation, sent each field at its extremes by a caller with every scope, answers a
problem that names the field (or the body), never a 500, and changes nothing."""

import functools
import json
import uuid

import pytest

from bookings.tests.api_helpers import token_for
from bookings.tests.factories import band_with_leader
from core.fields.api_fields import MULTI_LINE_MARK, ONE_LINE_MARK
from core.fields.form_fields import INTEGER_MAX
from stageslot.tests.test_abuse import row_counts

# Drawing the API's schema takes seconds; it is drawn once for both tests.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

WRITES = {"post", "put", "patch", "delete"}
INTEGERS = [2**31, -1, 10**30]
ONE_LINE_TEXTS = ["two\nlines", "a\ttab", "\u202eevil", "\u2066isolate"]
DAYS = {"date": ["0001-01-01", "9999-12-31"], "date-time": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]}


@functools.cache
def body_fields() -> tuple[tuple[str, str, str, str, dict], ...]:
    """(method, path, content type, where in the body, the field's schema, required) of every leaf field of every
    operation's request body: `a.b` a property of an object, `a[]` an item of a list."""
    from bookings.api.core import api

    schema = api.get_openapi_schema()
    parts = schema["components"]["schemas"]
    found = []

    def walk(node, name, method, path, kind, seen=(), parent_number=False):
        if "$ref" in node:
            ref = node["$ref"].split("/")[-1]
            if ref not in seen:
                walk(parts[ref], name, method, path, kind, (*seen, ref), parent_number)
            return
        alternatives = node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", [])
        number = any(sub.get("type") == "number" for sub in alternatives)
        for sub in alternatives:
            walk(sub, name, method, path, kind, seen, number)
        kind_of = node.get("type")
        if kind_of in {"integer", "number", "string"} and name:
            found.append((method, path, kind, name, {**node, "x-decimal": parent_number and kind_of == "string"}))
        for prop, sub in node.get("properties", {}).items():
            walk(sub, f"{name}.{prop}".strip("."), method, path, kind, seen)
        if "items" in node:
            walk(node["items"], f"{name}[]", method, path, kind, seen)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for kind, content in operation.get("requestBody", {}).get("content", {}).items():
                walk(content.get("schema", {}), "", method, path, kind)
    return tuple(found)


def _unbounded(node: dict, kind: str) -> str:
    if node.get("enum") or "const" in node or node.get("format") in {"date", "date-time", "time", "uuid", "binary"}:
        return ""
    if node["type"] in {"integer", "number"}:
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        if low is None or high is None:
            return "a number without both ends"
        if node["type"] == "integer" and not (low >= -(2**63) and high <= 2**63 - 1):
            return "an integer past a column's range"
        return ""
    if node["type"] == "string" and not node.get("x-decimal"):
        if "maxLength" not in node:
            return "a text without a maximum length"
        if kind == "application/json" and not (node.get(ONE_LINE_MARK) or node.get(MULTI_LINE_MARK)):
            return "a text that does not say whether it is one line (ApiLine) or several (ApiText)"
    return ""


def test_every_number_and_text_of_every_body_is_bounded():
    found = body_fields()
    operations = {(method, path) for method, path, *_ in found}
    assert len(operations) >= 50, len(operations)
    assert len(found) >= 250, len(found)
    unbounded = [
        f"{method.upper()} {path} {name}: {why}"
        for method, path, kind, name, node in found
        if (why := _unbounded(node, kind))
    ]
    assert unbounded == [], "Use core.fields.api_fields (ApiInt, ApiId, ApiLine, ApiText):\n" + "\n".join(unbounded)


def _path(path: str) -> str:
    out = []
    for part in path.split("/"):
        if part.startswith("{"):
            name = part.strip("{}")
            part = (
                str(uuid.uuid4())
                if "uid" in name
                else ("1" if name.endswith("id") or name in {"pk", "item"} else "alpha")
            )
        out.append(part)
    return "/".join(out)


def _body(name: str, value) -> dict:
    """A body holding `value` at `name` (`a.b`, `a[]`, `a[].b`) and nothing else."""
    keys = name.split(".")

    def build(index: int):
        key = keys[index]
        inner = value if index == len(keys) - 1 else build(index + 1)
        return {key[:-2]: [inner]} if key.endswith("[]") else {key: inner}

    return build(0)


def _error_key(name: str) -> str:
    return name.replace("[]", ".0")


def _extremes(node: dict) -> list[tuple[object, bool]]:
    """(value, refused for its bound) the field is sent: past its bound it must be named."""
    if node.get("format") in DAYS:
        return [(value, False) for value in DAYS[node["format"]]]
    if node["type"] == "integer" and not node.get("enum"):
        high = node.get("maximum", INTEGER_MAX)
        low = node.get("minimum", node.get("exclusiveMinimum", 0))
        return [(value, not low <= value <= high) for value in INTEGERS]
    if node["type"] == "string" and not node.get("enum") and "maxLength" in node:
        texts = [("x" * (node["maxLength"] + 1), True)]
        if node.get(ONE_LINE_MARK):
            texts += [(text, True) for text in ONE_LINE_TEXTS]
        return texts
    return []


def test_every_write_operation_refuses_every_field_at_its_extremes(client, settings):
    # Hundreds of calls from one token: the limits of a real caller (per call, and the writes' own per hour)
    # would answer 429 before the body is read.
    settings.STAGESLOT_RATE_LIMITS = dict.fromkeys(settings.STAGESLOT_RATE_LIMITS, "100000/m")
    _band, leader = band_with_leader(name="Alpha", slug="alpha")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(leader)}"}
    before = row_counts()
    sent, operations, failures = 0, set(), []
    for method, path, kind, name, node in body_fields():
        if method not in WRITES or kind != "application/json":
            continue
        for value, bounded in _extremes(node):
            operations.add((method, path))
            sent += 1
            response = getattr(client, method)(
                _path(path), json.dumps(_body(name, value)), content_type="application/json", **auth
            )
            answer = f"{method.upper()} {path} {name}={str(value)[:12]!r}: {response.status_code}"
            if response.status_code >= 500 or response.status_code < 400:
                failures.append(answer)
                continue
            problem = response.json() if response["Content-Type"] == "application/problem+json" else {}
            if not problem.get("detail"):
                failures.append(f"{answer} without a problem's detail")
            elif bounded and response.status_code != 400:
                errors = problem.get("errors") or {}
                if not any(key.endswith(_error_key(name)) and all(words) for key, words in errors.items()):
                    failures.append(f"{answer} does not name the field: {errors}")
    assert len(operations) >= 50, len(operations)
    assert sent >= 450, sent
    assert failures == [], "\n".join(failures)
    assert row_counts() == before


def test_every_schema_of_the_api_has_a_name_of_its_own():
    """The schema names a body by its class's name: two classes of one name are one entry, and the schema then
    describes one operation's body by another's (a decline's `note` published as a cancel's `reason`)."""
    from ninja import Schema

    from bookings.api.core import api

    api.get_openapi_schema()  # every operation's module imported
    seen, classes = {}, [Schema]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"ninja", "pydantic"} or "tests" in cls.__module__:
            continue
        seen.setdefault(cls.__name__, set()).add(cls.__module__)
    assert len(seen) >= 100, len(seen)
    assert {name: modules for name, modules in seen.items() if len(modules) > 1} == {}
