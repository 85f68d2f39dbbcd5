"""Every place in our code that calls out over HTTP goes through the one outbound guard (core.transport.outbound,
docs/decisions/0053): read from the source with `ast`, so a new client that opens its own connection fails
here until it uses `outbound_session` (or is listed below with its reason). Then each door, run: the
push library, CalDAV and Google are handed the guarded session, and the subscription a browser posts is
refused with the guard's words."""

import ast
import json
import os
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import PushSubscription
from accounts.tests.factories import UserFactory
from accounts.tests.push_endpoint import PushEndpoint
from core.transport import outbound, webpush
from stageslot.tests import source as shared

ROOT = Path(__file__).resolve().parents[2]
GUARD = "core/transport/outbound.py"
# Modules that open connections themselves, and why that is not a way in.
EXCLUDED = {
    "payments/stripe_api.py": "Stripe's endpoint comes from settings only (the stripe library talks to it)",
    "payments/localstripe.py": "starts and asks the local Stripe stand-in on this machine, at a port it chose",
    "payments/testing.py": "test helper: drives the local Stripe stand-in",
    "calendars/testing.py": "starts the local Radicale for tests and `make run`, and probes its port",
    "stageslot/s3_testing.py": "test helper: starts the tests' own S3-compatible server and probes its port",
    "core/local_servers.py": "starts this machine's own PostgreSQL clusters and PgBouncer (the topology, the "
    "pooler's and the replica's tests) and probes their ports on 127.0.0.1",
}
# Whole trees that are not the product: tests, the benchmarks' scripts, the operator's scripts.
EXCLUDED_PARTS = {"tests", "benchmarks", "bin", ".venv", "node_modules", "locale", "static"}
# Importing any of these is opening connections of one's own.
HTTP_MODULES = {"requests", "urllib3", "http.client", "urllib.request", "httpx", "aiohttp", "pycurl"}
# Every module that calls an address, and the guarded session it uses (a new client is added here).
CLIENTS = {
    "core/transport/webpush.py",
    "availability/ics_import.py",
    "bookings/services/webhooks.py",
    "calendars/caldav_client.py",
    "calendars/google.py",
}


def _project_files() -> list[Path]:
    files = []
    # Not into the excluded folders at all: a clean clone's .venv alone holds some 16,000 modules.
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = sorted(name for name in subfolders if name not in EXCLUDED_PARTS)
        for name in sorted(names):
            path = Path(folder) / name
            if name.endswith(".py") and path.relative_to(ROOT).as_posix() not in EXCLUDED:
                files.append(path)
    return files


def _bypasses(source: str) -> list[str]:
    """Every way this source reaches the network other than through the guard, as "line: what"."""
    found = []
    for node in shared.walk(source):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in HTTP_MODULES or alias.name.split(".")[0] in HTTP_MODULES - {"http", "urllib"}:
                    found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
            if names & HTTP_MODULES or node.module.split(".")[0] in HTTP_MODULES - {"http", "urllib"}:
                found.append(f"{node.lineno}: from {node.module} import …")
        elif isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called in ("socket.create_connection", "create_connection", "requests.Session", "Session"):
                found.append(f"{node.lineno}: {called}(…)")
    return found


def test_the_scan_finds_a_client_of_its_own():
    assert _bypasses("import socket\nfrom http import HTTPStatus\nfrom urllib.parse import urlsplit\n") == []
    code = "import requests\nfrom urllib3 import PoolManager\nimport http.client\nfrom http import client\n"
    code += "import socket\nsocket.create_connection(('x', 1))\nrequests.Session()\nimport httpx\n"
    assert len(_bypasses(code)) == 7


def test_nothing_but_the_guard_opens_an_http_connection():
    offenders = {
        path.relative_to(ROOT).as_posix(): found
        for path in _project_files()
        if path.relative_to(ROOT).as_posix() != GUARD and (found := _bypasses(path.read_text()))
    }
    assert offenders == {}, "use core.transport.outbound.outbound_session (docs/decisions/0053)"
    assert _bypasses((ROOT / GUARD).read_text()), "the guard itself is found by the scan"


def test_every_client_uses_the_guarded_session():
    users = set()
    for path in _project_files():
        relative = path.relative_to(ROOT).as_posix()
        for node in shared.walk_file(path):
            if isinstance(node, ast.ImportFrom) and node.module in ("core.transport.outbound", "outbound"):
                names = {alias.name for alias in node.names}
                if names & {"outbound_session", "OutboundSession"} and relative != GUARD:
                    users.add(relative)
    assert users == CLIENTS


def test_the_push_library_is_given_our_session():
    tree = ast.parse((ROOT / "core" / "transport" / "webpush.py").read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("webpush", "WebPusher")
    ]
    assert calls
    for call in calls:
        given = {keyword.arg: ast.unparse(keyword.value) for keyword in call.keywords}
        assert given.get("requests_session") == "_requests_session()"
    session = webpush._requests_session()
    assert isinstance(session, outbound.OutboundSession)
    assert session.trust_env is False and session.guard.https_only and not session.follow_redirects


def test_caldav_and_google_are_given_our_session():
    from calendars import caldav_client, google

    client = caldav_client._client("https://dav.example.com/", "ana", "secret")
    assert isinstance(client.session, outbound.OutboundSession)
    assert client.session.trust_env is False
    assert isinstance(google._session(), outbound.OutboundSession)


# ---- the push subscription's door ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://10.0.0.1/x",
        "https://[::1]/x",
        "https://169.254.169.254/",
        "https://localhost./",
        "https://2130706433/",
        "https://0177.0.0.1/push",
        "https://[::ffff:127.0.0.1]/push",
        "https://100.64.0.1/push",
    ],
)
def test_a_push_subscription_to_a_private_address_is_a_400_in_the_guards_words(client, settings, endpoint):
    settings.WEBPUSH_ALLOW_HOSTS = ()
    with PushEndpoint() as service:
        keys = service.device().subscription
    client.force_login(UserFactory())
    body = {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}
    response = client.post(reverse("notifications:push_subscribe"), json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"]["endpoint"] == [str(outbound.MSG_PRIVATE)]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_every_door_refuses_a_private_address_in_the_same_words(settings):
    from django.core.exceptions import ValidationError

    from accounts.push import push_endpoint_check
    from availability import services as availability
    from bookings.services.webhooks import webhook_url_check
    from calendars import caldav_client
    from calendars.clients import CalendarSyncError

    settings.WEBPUSH_ALLOW_HOSTS = settings.WEBHOOK_ALLOW_HOSTS = settings.CALDAV_ALLOW_HOSTS = ()
    settings.ICS_IMPORT_ALLOW_HOSTS = ()
    words = str(outbound.MSG_PRIVATE)
    url = "https://169.254.169.254/latest"
    read = []
    for check, field in ((push_endpoint_check, "endpoint"), (webhook_url_check, "url")):
        with pytest.raises(ValidationError) as caught:
            check(url)
        read.append(caught.value.message_dict[field][0])
    with pytest.raises(ValidationError) as caught:
        availability.calendar_add(user=UserFactory(), url=url)
    read.append(caught.value.message_dict["url"][0])
    with pytest.raises(CalendarSyncError) as refused:
        caldav_client.server_address(url)
    read.append(str(refused.value))
    assert read == [words] * 4
