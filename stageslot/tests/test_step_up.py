"""One step-up rule for money and signatures (accounts/mfa.py), the same at every door: a page, htmx, a
fetch, the JSON API and the admin. The first tests find the doors from the code, so a new door that moves
money without the rule fails here; the rest walk each door with an account that has two-factor on."""

import ast
import datetime as dt
import re
import time
import unicodedata
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.api_tokens import api_token_create
from accounts.mfa import STEP_UP_SCOPES, has_step_up
from accounts.models import ApiToken
from accounts.tests.factories import UserFactory
from accounts.tests.test_mfa import sign_in_with_totp, totp_code, with_totp
from bookings.api.urls import api
from bookings.tests.api_helpers import ApiClient
from stageslot.tests import source as shared

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
APPS = [p for p in settings.INSTALLED_APPS if (ROOT / p).is_dir()]

# What moves money or signs, called from a door. A door that calls one of these is a page or admin view
# behind second_factor_required, or an API call that asks `caller` for a money scope.
STEP_UP_SERVICES = {
    "booking_cancel_refund",  # cancel with a refund
    "booking_dispute_resolve",  # staff call off a paid gig
    "card_setup",  # a card saved to pay with
    "checkout_pay",
    "contract_sign",
    "member_split_set",  # splitting a fee between members
    "member_split_stand_in",
    "member_payout_record",  # a band's payout to one of its members
    "member_payout_reverse",
    "payment_pay",
    "payment_record_outside",  # recording a payment made outside StageSlot
    "payment_start",
    "payout_record",
    "refund_create",
    "settlement_approve",
    "settlement_bonus_add",  # a settlement's figures: what the band is paid
    "settlement_bonus_remove",
    "settlement_cost_add",
    "settlement_cost_remove",
    "settlement_enter",
}
# Money and contract services a door calls that move nothing and sign nothing, and why.
NOT_STEP_UP = {
    "checkout_payment": "reads the payment of a checkout",
    "checkout_start": "holds a time for a few minutes; its payment is the stepped-up checkout pay",
    "contract_check_current": "a read",
    "contract_draw": "drawing is not signing: the draft is read, then signed behind the rule",
    "contract_template_save": "a venue's wording for future contracts; nothing is agreed by it",
    "payment_payload": "a read",
    "payment_sync": "reads Stripe after the payer's bank confirmed; what it completes was stepped up",
    "refund_payload": "a read",
    "refund_plan": "the preview of a refund; a read",
    "settlement_question": "a question on a settlement moves no money",
    "settlement_refusal": "a read",
    "settlement_side": "a read",
    "stripe_event_receive": "Stripe's webhook, signed by Stripe: no person acts",
}
# Modules that call money services but are no door: demo data written by a command, and the periodic tasks.
NOT_DOORS = {"stageslot/demo/payments.py", "stageslot/demo/contracts.py", "payments/tasks.py", "documents/tasks.py"}
SERVICE_MODULES = [*sorted((ROOT / "payments" / "services").glob("*.py")), ROOT / "documents/services/contracts.py"]


def _door_modules(calling: set[str]):
    """(path, tree) of each module that may be a door and may call one of the functions named `calling`. A call's
    name is written out in the text of its module: the modules that name none of them are not parsed (a name the
    text writes with other characters that Python reads as the same, NFKC, is looked for as Python reads it)."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if {"tests", "services", "migrations", "management", "selectors"} & set(path.parts) or rel in NOT_DOORS:
                continue
            text = shared.read(path)
            read_as = text if text.isascii() else unicodedata.normalize("NFKC", text)
            if any(name in read_as for name in calling):
                yield rel, shared.parse(text, str(path))


def _called(node: ast.AST) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            fn = sub.func
            names.add(fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else "")
    return names


def _decorators(fn: ast.FunctionDef) -> set[str]:
    return {d.id if isinstance(d, ast.Name) else getattr(d, "attr", "") for d in fn.decorator_list}


def _asks_for_money_scope(fn: ast.FunctionDef) -> bool:
    """Whether the API call asks `caller` for a scope in STEP_UP_SCOPES (ApiToken.Scope.PAYMENTS)."""
    scopes = {ApiToken.Scope(s).name for s in STEP_UP_SCOPES}
    return any(
        isinstance(sub, ast.Call)
        and getattr(sub.func, "id", "") == "caller"
        and any(isinstance(a, ast.Attribute) and a.attr in scopes for a in sub.args)
        for sub in ast.walk(fn)
    )


def test_every_money_service_a_door_calls_is_named_here():
    services = set()
    for path in SERVICE_MODULES:
        services |= {
            n.name for n in shared.parse_file(path).body if isinstance(n, ast.FunctionDef) and n.name[0] != "_"
        }
    services.add("booking_dispute_resolve")
    called = set()
    for _rel, tree in _door_modules(services):
        called |= _called(tree) & services
    assert called - STEP_UP_SERVICES - set(NOT_STEP_UP) == set(), "decide: behind the step-up rule or not, and why"
    assert STEP_UP_SERVICES.isdisjoint(NOT_STEP_UP)


def test_every_door_that_moves_money_or_signs_is_behind_the_rule():
    doors, bare = [], []
    for rel, tree in _door_modules(STEP_UP_SERVICES):
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef) or not (_called(fn) & STEP_UP_SERVICES):
                continue
            doors.append(f"{rel}:{fn.name}")
            if "second_factor_required" not in _decorators(fn) and not _asks_for_money_scope(fn):
                bare.append(f"{rel}:{fn.name}")
    assert bare == []
    # Pages, htmx and fetches, the admin and the API are all among them.
    assert {d.split(":")[0] for d in doors} >= {
        "payments/views/pay.py",
        "payments/views/settlement.py",
        "payments/views/money.py",
        "documents/views/contracts.py",
        "payments/admin.py",
        "bookings/admin.py",
        "payments/api.py",
    }


# --- Pages, htmx, fetches and the admin ----------------------------------------------------------------


def _patterns(resolvers=None, prefix=""):
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


FILL = {"uuid": str(uuid.UUID(int=1)), "int": "1", "slug": "no-such", "str": "x", "path": "x"}


def _url(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: FILL[m.group(1) or "str"], route)
    return "/" + route.lstrip("^").rstrip("$").replace("\\Z", "")


def _stepped_up_urls() -> list[str]:
    return sorted(_url(route) for route, entry in _patterns() if has_step_up(entry.callback))


def test_the_pages_behind_the_rule_include_every_money_and_signing_page():
    urls = _stepped_up_urls()
    expected = [
        reverse("payments:setup", args=[uuid.UUID(int=1)]),
        reverse("payments:pay", args=[uuid.UUID(int=1)]),
        reverse("payments:outside", args=[uuid.UUID(int=1)]),
        reverse("payments:cancel", args=[uuid.UUID(int=1)]),
        reverse("payments:checkout_setup", args=[uuid.UUID(int=1)]),
        reverse("payments:checkout_pay", args=[uuid.UUID(int=1)]),
        reverse("payments:settlement_enter", args=[uuid.UUID(int=1)]),
        reverse("payments:settlement_approve", args=[uuid.UUID(int=1)]),
        reverse("payments:settlement_cost_add", args=[uuid.UUID(int=1)]),
        reverse("payments:settlement_cost_remove", args=[uuid.UUID(int=1), 1]),
        reverse("payments:settlement_bonus_add", args=[uuid.UUID(int=1)]),
        reverse("payments:settlement_bonus_remove", args=[uuid.UUID(int=1), 1]),
        reverse("payments:band_gig", args=["no-such", uuid.UUID(int=1)]),
        reverse("payments:member_payout_new", args=["no-such"]),
        reverse("payments:member_payout_reverse", args=["no-such", 1]),
        reverse("documents:contract_sign", args=[uuid.UUID(int=1)]),
        reverse("admin:payments_payment_refund", args=[1]),
        reverse("admin:payments_payout_add"),
        reverse("admin:bookings_booking_resolve", args=[1]),
    ]
    assert [u for u in expected if u not in urls] == []


@pytest.fixture
def staff_with_totp(settings):
    settings.STAGESLOT_STAFF_REQUIRE_MFA = True
    user = UserFactory(is_staff=True, is_superuser=True)
    secret, _codes = with_totp(user)
    return user, secret


def test_every_page_behind_the_rule_holds_a_post_until_the_second_factor(staff_with_totp):
    """Signed in with the code more than the window ago: every money and signing page (the admin's too)
    sends the POST to the second factor, before it reads the object."""
    user, secret = staff_with_totp
    client = Client()
    with mock.patch("time.time", return_value=time.time() - 3600):
        sign_in_with_totp(client, user, secret)
    urls = _stepped_up_urls()
    assert len(urls) >= 13
    wrong = {}
    for url in urls:
        response = client.post(url, {"amount": "1"})
        if response.status_code != 302 or not response.url.startswith(reverse("mfa_reauthenticate")):
            wrong[url] = response.status_code
    assert wrong == {}
    # Given now: the same doors are open (they answer for the object, which is not there).
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    still = [u for u in urls if (r := client.post(u, {})).status_code == 302 and "reauthenticate" in r.url]
    assert still == []


def test_htmx_and_fetch_doors_are_told_where_to_go(staff_with_totp):
    user, secret = staff_with_totp
    client = Client()
    with mock.patch("time.time", return_value=time.time() - 3600):
        sign_in_with_totp(client, user, secret)
    url = reverse("payments:settlement_enter", args=[uuid.UUID(int=1)])
    htmx = client.post(url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/bookings/")
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith(reverse("mfa_reauthenticate"))
    card = client.post(reverse("payments:pay", args=[uuid.UUID(int=1)]), HTTP_ACCEPT="application/json")
    assert card.status_code == 403 and card.json()["state"] == "second_factor"


def test_the_second_factor_step_offers_only_what_satisfies_it(staff_with_totp):
    user, secret = staff_with_totp
    client = Client()
    with mock.patch("time.time", return_value=time.time() - 3600):
        sign_in_with_totp(client, user, secret)
    response = client.post(reverse("admin:payments_payout_add"), {"amount": "1"})
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Use your password" not in html and reverse("account_reauthenticate") not in html
    # An account without two-factor keeps its password as the way to confirm.
    plain = UserFactory()
    other = Client()
    other.force_login(plain)
    assert "password" in other.get(reverse("account_reauthenticate")).content.decode().lower()


# --- The API ---------------------------------------------------------------------------------------------


def _body_for(schema: dict, components: dict) -> dict:
    """Values of the right type for a request body's required fields, so the call reaches its view."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    body = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if "$ref" in prop or "allOf" in prop:
            ref = prop.get("$ref") or prop["allOf"][0]["$ref"]
            target = components[ref.rsplit("/", 1)[-1]]
            body[name] = target["enum"][0] if "enum" in target else _body_for(target, components)
            continue
        kind, fmt = prop.get("type"), prop.get("format", "")
        if "anyOf" in prop:
            kind = next(a.get("type") for a in prop["anyOf"] if a.get("type") != "null")
        if "enum" in prop:
            body[name] = prop["enum"][0]
        elif fmt == "date-time":
            body[name] = (timezone.now() + dt.timedelta(days=30)).isoformat()
        elif fmt == "date":
            body[name] = (timezone.now() + dt.timedelta(days=30)).date().isoformat()
        elif fmt == "uuid":
            body[name] = str(uuid.UUID(int=1))
        else:
            body[name] = {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(kind, "x")
    return body


def _api_writes() -> list[tuple[str, str, dict]]:
    """(method, url, body) of every write of the API, from its OpenAPI schema."""
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    writes = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) in ("pk", "id") else str(uuid.UUID(int=1)), path)
            content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body = _body_for(content["schema"], components) if content else {}
            writes.append((method, url, body))
    return writes


REFUSAL = "made without your second factor"


@pytest.mark.slow  # every write of the API, twice for the money ones
def test_a_token_made_without_the_second_factor_moves_no_money_through_any_call():
    """Every API call is tried with a token of every scope, made for an account with two-factor on without
    it: exactly the calls that ask for a money scope refuse, with the reason."""
    user = UserFactory()
    with_totp(user)
    _token, raw = api_token_create(
        user=user, name="script", scopes=ApiToken.Scope.values, expires_at=timezone.now() + dt.timedelta(days=30)
    )
    client = ApiClient(raw)
    writes = _api_writes()
    refused = []
    for method, url, body in writes:
        response = getattr(client, method)(url, body) if method != "delete" else client.delete(url)
        assert response.status_code < 500, (method, url)
        if response.status_code == 403 and REFUSAL in response.json().get("detail", ""):
            refused.append(url)
    assert sorted(refused) == sorted(
        [
            "/api/v1/bookings/00000000-0000-0000-0000-000000000001/payments",
            "/api/v1/payments/00000000-0000-0000-0000-000000000001/pay",
            "/api/v1/bookings/00000000-0000-0000-0000-000000000001/payments/outside",
            "/api/v1/checkouts",
            "/api/v1/checkouts/00000000-0000-0000-0000-000000000001/pay",
            "/api/v1/bookings/00000000-0000-0000-0000-000000000001/cancel-with-refund",
        ]
    )
    # A token made right after the factor goes past the rule to the call's own checks (no such booking).
    _token, stepped = api_token_create(
        user=user,
        name="stepped",
        scopes=ApiToken.Scope.values,
        expires_at=timezone.now() + dt.timedelta(days=30),
        second_factor_at=timezone.now(),
    )
    for url in refused:
        method, _url, body = next(w for w in writes if w[1] == url)
        response = getattr(ApiClient(stepped), method)(url, body)
        assert REFUSAL not in response.content.decode(), url


def test_an_account_without_two_factor_is_not_asked_through_the_api_either():
    user = UserFactory()
    _token, raw = api_token_create(
        user=user, name="script", scopes=["payments"], expires_at=timezone.now() + dt.timedelta(days=30)
    )
    response = ApiClient(raw).post(f"/api/v1/bookings/{uuid.UUID(int=1)}/payments")
    assert response.status_code == 404


# --- Making a token that can move money ------------------------------------------------------------------


def test_a_money_token_is_made_only_after_the_second_factor_and_keeps_when(client):
    user = UserFactory()
    secret, _codes = with_totp(user)
    with mock.patch("time.time", return_value=time.time() - 3600):
        sign_in_with_totp(client, user, secret)
    form = {"name": "Till", "scopes": ["read", "payments"], "expires": "30"}
    held = client.post(reverse("tokens:list"), form)
    assert held.status_code == 302 and held.url.startswith(reverse("mfa_reauthenticate"))
    assert not ApiToken.objects.filter(user=user).exists()
    done = client.post(held.url, {"code": totp_code(secret)})
    assert done.status_code == 201 and "Your new token." in done.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.second_factor_at is not None and token.scopes == ["read", "payments"]
    raw = re.search(r'id="new-token"[^>]*>([^<]+)<', done.content.decode()).group(1)
    response = ApiClient(raw).post(f"/api/v1/bookings/{uuid.UUID(int=1)}/payments")
    assert response.status_code == 404  # past the rule, to the booking it names


def test_a_token_without_money_scopes_needs_no_second_factor(client):
    user = UserFactory()
    secret, _codes = with_totp(user)
    with mock.patch("time.time", return_value=time.time() - 3600):
        sign_in_with_totp(client, user, secret)
    made = client.post(reverse("tokens:list"), {"name": "Feed", "scopes": ["read"], "expires": "never"})
    assert made.status_code == 201
    assert ApiToken.objects.get(user=user).second_factor_at is None


@pytest.mark.parametrize("expires", ["365", "never"])
def test_a_money_token_must_expire_within_90_days(client, expires):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("tokens:list"), {"name": "Till", "scopes": ["payments"], "expires": expires})
    assert response.status_code == 400
    assert "must expire within 90 days" in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()
