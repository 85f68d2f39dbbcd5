"""No body makes a 500: every door that reads JSON – each /api/v1 operation (found in the API's OpenAPI
schema), each of our views that reads a JSON body (found by its use of core.web.json_body), the passkey
forms' credential – is sent hostile bodies, anonymously and signed in, and answers 4xx.

A new reader of request.body outside core.web.json_body fails test_only_the_one_reader_reads_bodies, so
every new JSON door is read by the one reader and lands in these tests."""

import ast
import contextlib
import inspect
import json
import os
import re
import uuid
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from accounts.tests.factories import PASSWORD, UserFactory
from bookings.api.urls import api
from bookings.tests.api_helpers import token_for
from core.web.json_body import JSON_BODY_MAX_BYTES, BodyUnreadable, JsonFormField, json_parse
from stageslot.tests import source as shared

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
MB2 = 2 * 1024 * 1024

# Bodies no reader can read, whatever the door (test_the_reader_says_why has more, for the reader alone).
HOSTILE: dict[str, bytes] = {
    "deep array": b"[" * 5000,
    "deep object": b'{"a":' * 5000,
    "2 MB": b'{"name": "' + b"a" * MB2 + b'"}',
    "invalid UTF-8": b'{"name": "\xff\xfe\xc3("}',
    "truncated": b'{"name": [1, 2',
    "NaN": b'{"name": NaN}',
    "huge integer": b'{"name": ' + b"9" * 5000 + b"}",
    "null byte": b'{"name": "a\\u0000b"}',
    "lone surrogate": b'{"name": "\\ud800"}',
}
# JSON that reads, of the wrong shape: the operation's own fields are each given these.
WRONG = [[[]], {"x": {"y": 1}}, -(2**62), 1e308, "x" * 5000]


def _api_operations() -> tuple[list[tuple[str, str, list[str] | None]], int]:
    """(method, path, the fields of its JSON body or None) for every operation of /api/v1 that may take
    a body (POST, PUT, PATCH, DELETE), from the API's own schema: a new operation is in this list
    without anyone adding it."""
    get_resolver().url_patterns  # noqa: B018 – the routers are mounted when the URLconf loads
    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in ("post", "put", "patch", "delete"):
                found.append((method, _fill(path, operation), _fields(operation, schema)))
    return found, len(schema["paths"])


def _fill(path: str, operation: dict) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        kind = parameter["schema"].get("type")
        value = "1" if kind == "integer" else str(uuid.uuid4()) if parameter["schema"].get("format") == "uuid" else "x"
        path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _fields(operation: dict, schema: dict) -> list[str] | None:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is None:
        return None
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return list(body.get("properties", {})) or ["name"]


def _send(client: Client, method: str, path: str, body: bytes, headers: dict):
    return getattr(client, method)(path, body, content_type="application/json", headers=headers)


@pytest.fixture
def fast_limits(settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "api_ip": "100000/m", "api_token": "100000/m"}


def test_every_api_operation_answers_hostile_bodies_with_a_4xx_problem(fast_limits):
    """Each body is refused by the one reader (400, 413 when too large) before the token is looked at;
    JSON of the wrong shape in each field of the operation's body is a 4xx too (422, 404, …)."""
    operations, paths = _api_operations()
    assert len(operations) > 50 and paths > 50  # the schema was read: the API's writes are all here
    headers = {"Authorization": f"Bearer {token_for(UserFactory())}"}
    client = Client(raise_request_exception=False)
    failures = []
    for method, path, fields in operations:
        for name, body in HOSTILE.items():
            for who, sent in (("anonymous", {}), ("token", headers)):
                response = _send(client, method, path, body, sent)
                expected = 413 if name == "2 MB" else 400
                if response.status_code != expected or response["Content-Type"] != "application/problem+json":
                    failures.append((method, path, name, who, response.status_code, response.content[:200]))
        for wrong in WRONG if fields else ():
            response = _send(client, method, path, json.dumps(dict.fromkeys(fields, wrong)).encode(), headers)
            if response.status_code >= 500 or response.status_code < 400:
                failures.append((method, path, repr(wrong)[:20], "token", response.status_code, response.content[:200]))
    assert not failures, failures[:10]


def test_a_hostile_body_is_refused_before_the_token_is_looked_at():
    response = Client().post("/api/v1/bookings/requests", b"[" * 5000, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "The body nests deeper than 32 levels."
    large = Client().post("/api/v1/me/rules", b" " * (JSON_BODY_MAX_BYTES + 1), content_type="application/json")
    assert large.status_code == 413 and large.json()["status"] == 413


def test_a_text_plain_body_is_read_by_the_same_reader(fast_limits):
    user = UserFactory()
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    response = Client().post("/api/v1/me/alerts", b'{"name": NaN}', content_type="text/plain", headers=headers)
    assert response.status_code == 400
    assert "NaN" in response.json()["detail"]


# ---- Our own views that read JSON --------------------------------------------------------------


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _json_views() -> list[str]:
    """The paths of every view of ours (not the API's, which the schema lists) that reads a JSON body:
    found by its call of json_body, so a new one is tested without anyone adding it."""
    found = []
    for route, callback in _routes(get_resolver().url_patterns):
        view = inspect.unwrap(callback)
        module = getattr(view, "__module__", "") or ""
        if route.startswith("api/") or module.split(".")[0] not in _OUR_APPS:
            continue
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            continue
        if "json_body(" in source:
            path = re.sub(r"<int:\w+>", "1", route)
            path = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), path)
            found.append("/" + re.sub(r"<(?:\w+:)?\w+>", "x", path))
    return found


_OUR_APPS = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"stageslot"}


def test_every_view_of_ours_that_reads_json_answers_hostile_bodies_with_a_4xx():
    paths = _json_views()
    assert "/notifications/push/subscribe/" in paths
    user = UserFactory()
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(user)
    failures = []
    for path in paths:
        for name, body in HOSTILE.items():
            for who, client in (("anonymous", Client(raise_request_exception=False)), ("session", signed_in)):
                response = client.post(path, body, content_type="application/json")
                if response.status_code >= 500 or (who == "session" and response.status_code not in (400, 413)):
                    failures.append((path, name, who, response.status_code))
    assert not failures, failures


# ---- The passkey forms (allauth's views, our forms) --------------------------------------------


def test_every_passkey_form_reads_its_json_with_the_one_reader():
    from django.utils.module_loading import import_string

    for path in settings.MFA_FORMS.values():
        form = import_string(path)
        json_fields = [n for n, f in form.base_fields.items() if isinstance(f, forms.JSONField)]
        assert json_fields, path
        assert all(isinstance(form.base_fields[n], JsonFormField) for n in json_fields), path


def _reauthenticated(client: Client, user) -> None:
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


@pytest.mark.parametrize("name", ["mfa_login_webauthn", "mfa_reauthenticate_webauthn", "mfa_add_webauthn"])
def test_the_passkey_doors_answer_hostile_credentials_without_a_500(name):
    client = Client(raise_request_exception=False)
    if name != "mfa_login_webauthn":
        _reauthenticated(client, UserFactory())
    for label, body in HOSTILE.items():
        credential = body.decode("utf-8", "replace") if label != "2 MB" else "[" * 60000
        response = client.post(reverse(name), {"credential": credential, "name": "Laptop"})
        # The form again with its message, or back to where it came from with it; a NUL is the 400 page;
        # so many failed passkey sign-ins from one address are a 429.
        assert response.status_code in (200, 302, 400, 429), (label, response.status_code)


def test_a_deep_credential_is_the_fields_error():
    from accounts.forms.passkeys import LoginPasskeyForm

    form = LoginPasskeyForm(data={"credential": "[" * 5000})
    assert not form.is_valid()
    assert "credential" in form.errors


# ---- The one reader ----------------------------------------------------------------------------

# Readers of a request's raw body other than core.web.json_body, and why each may.
OTHER_READERS = {
    # Stripe's webhook: the signature is checked over the raw bytes before the Stripe library parses it,
    # so only Stripe can send the JSON it reads; a bad body is a 400, any failure a 503.
    "payments/views/webhook.py",
    # localstripe, the embedded stand-in for Stripe in development and tests: its own aiohttp server.
    "payments/localstripe.py",
    # The mail service's webhooks: anymail parses the body once its basic auth passed; this module only reads a
    # signed inbound post past Django's size limit, bounded by MAIL_INBOUND_MAX_BYTES (docs/decisions/0080).
    "accounts/views/mail.py",
}


def _project_files():
    """The Python modules of the apps (tests and migrations left out)."""
    for app in sorted(_OUR_APPS):
        for folder, subfolders, files in os.walk(ROOT / app):
            subfolders[:] = [name for name in subfolders if name not in ("tests", "migrations", "__pycache__")]
            for name in files:
                if name.endswith(".py"):
                    path = Path(folder) / name
                    yield path.relative_to(ROOT).as_posix(), path


def test_only_the_one_reader_reads_bodies():
    """request.body (or request.read()) and forms.JSONField appear only in core/web/json_body.py (and the
    readers listed above): every other door goes through it, and is found by the tests above."""
    offenders = []
    for relative, path in _project_files():
        if relative == "core/web/json_body.py" or relative in OTHER_READERS:
            continue
        tree = shared.parse(shared.read(path), filename=relative)
        for node in ast.walk(tree):
            reads_body = (
                isinstance(node, ast.Attribute)
                and node.attr in ("body", "read", "readlines", "stream")
                and isinstance(node.value, ast.Name)
                and node.value.id == "request"
            )
            json_field = (
                isinstance(node, ast.Attribute)
                and node.attr == "JSONField"
                and (isinstance(node.value, ast.Name) and node.value.id == "forms")
            )
            if reads_body or json_field:
                offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, offenders


# ---- The reader itself -------------------------------------------------------------------------


@examples(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_the_reader_raises_only_its_own_error_on_any_bytes(raw):
    with contextlib.suppress(BodyUnreadable):
        json_parse(raw)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@examples(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(JSON)
def test_the_reader_reads_what_it_may_and_refuses_the_rest_with_its_own_error(value):
    try:
        text = json.dumps(value)
    except ValueError:
        return
    with contextlib.suppress(BodyUnreadable):
        assert json_parse(text.encode()) == value


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"[" * 40 + b"]" * 40, "nests deeper"),
        (b"[" * 5000, "nests deeper"),
        (b"NaN", "NaN"),
        (b"[-Infinity]", "Infinity"),
        (b"1e400", "too large"),
        (b"9223372036854775808", "too large"),
        (b'"\\ud800"', "U+D800"),
        (b'{"\\u0000": 1}', "U+0000"),
        (b"\xff", "not UTF-8"),
        (b"{", "not JSON"),
    ],
)
def test_the_reader_says_why(raw, words):
    with pytest.raises(BodyUnreadable) as refused:
        json_parse(raw)
    assert words in refused.value.detail


def test_the_reader_reads_json_with_duplicate_keys_the_last_counting():
    assert json_parse(b'{"a": 1, "a": 2, "b": [9223372036854775807, -1.5, "\\t"]}') == {
        "a": 2,
        "b": [2**63 - 1, -1.5, "\t"],
    }


# ---- The safety net ------------------------------------------------------------------------------


def _unguarded(request):
    return json.loads(request.body)  # a reader that forgot the one reader: RecursionError on a deep body


def test_a_view_that_reads_a_body_unguarded_still_answers_400(monkeypatch):
    monkeypatch.setattr("accounts.views.push.json_body", _unguarded)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.post("/notifications/push/subscribe/", b"[" * 5000, content_type="application/json")
    assert response.status_code == 400
    broken = client.post("/notifications/push/subscribe/", b'"\xff"', content_type="application/json")
    assert broken.status_code == 400


def test_an_operation_that_reads_a_body_unguarded_still_answers_a_400_problem(monkeypatch):
    monkeypatch.setattr("bookings.api.core.json_body", _unguarded)
    response = Client(raise_request_exception=False).post(
        "/api/v1/me/rules", b"[" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_recursion_error_without_a_body_is_still_a_500(monkeypatch):
    """The net catches what a body caused, not every fault: a GET has no body to blame."""

    def broken(**filters):
        raise RecursionError("a bug of ours")

    monkeypatch.setattr("bookings.api.search.band_search", broken)
    response = Client(raise_request_exception=False).get("/api/v1/bands")
    assert response.status_code == 500
