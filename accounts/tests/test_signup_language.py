"""Every kind of sign-up takes the browser's language as it takes the browser's zone (issue 82): a fan who joins
by an emailed code from a German browser reads their mail in German, as someone who signs up by the form or
through Google does. The doors are found in the code: every function that gives a new account the browser's
zone (core.fields.timezones.signup_zone_name), every sign-up form's `signup`, and every call that makes a user
asks accounts.services.signup_language too."""

import ast

import pytest
from django.urls import reverse

from accounts.models import User
from stageslot.tests import source as shared
from stageslot.tests.test_layers import MODULES


def _code_functions():
    for module, path in MODULES.items():
        if ".tests" in module or ".migrations" in module or module.endswith(".tests"):
            continue
        for node in shared.walk_file(path):
            if isinstance(node, ast.FunctionDef):
                yield module, node


def _calls(fn: ast.FunctionDef) -> dict[str, list[ast.Call]]:
    found: dict[str, list[ast.Call]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            found.setdefault(name, []).append(node)
    return found


def signup_doors() -> dict[str, str]:
    """{door: "" when it asks signup_language, else why not}."""
    doors = {}
    for module, fn in _code_functions():
        calls = _calls(fn)
        name = f"{module}.{fn.name}"
        if module == "core.fields.timezones" or fn.name in {"signup_language", "_create_user", "create_user"}:
            continue
        made = list(calls.get("create_user", []))
        if "signup_zone_name" in calls or fn.name == "signup" or made:
            asks = "signup_language" in calls or (
                all(any(kw.arg == "language" for kw in call.keywords) for call in made) and bool(made)
            )
            doors[name] = "" if asks else "gives a new account the browser's zone but not its language"
    return doors


def test_every_sign_up_door_takes_the_browsers_language():
    doors = signup_doors()
    assert {
        "accounts.adapters.populate_user",
        "accounts.forms.profile.signup",
        "fans.views.join",
        "fans.services.fan_account_for_email",
    } <= set(doors), sorted(doors)
    assert {door: why for door, why in doors.items() if why} == {}
    print(f"{len(doors)} sign-up doors: {', '.join(sorted(doors))}")


def test_a_door_without_the_language_is_found(monkeypatch):
    fn = ast.parse("def join(request):\n    user.time_zone = signup_zone_name(request)\n").body[0]
    monkeypatch.setattr("accounts.tests.test_signup_language._code_functions", lambda: [("fans.views", fn)])
    assert signup_doors() == {"fans.views.join": "gives a new account the browser's zone but not its language"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("browser", "language"), [("de", "de"), ("de-DE,de;q=0.9", "de"), ("en-GB", "en-gb"), ("en-US", "en")]
)
def test_a_fan_joining_by_code_keeps_the_browsers_language(client, browser, language):
    page = client.post(
        reverse("fans:join"), {"email": "neu@example.com", "display_name": "Neu"}, HTTP_ACCEPT_LANGUAGE=browser
    )

    assert page.status_code == 302
    assert User.objects.get(email="neu@example.com").language == language


@pytest.mark.django_db
def test_a_fan_who_had_an_account_keeps_their_own_language(client):
    User.objects.create_user(email="alt@example.com", language="en")

    client.post(reverse("fans:join"), {"email": "alt@example.com"}, HTTP_ACCEPT_LANGUAGE="de")

    assert User.objects.get(email="alt@example.com").language == "en"
