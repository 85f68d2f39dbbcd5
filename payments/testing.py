"""pytest fixtures for tests that pay: a real localstripe process (docs/decisions/0034-localstripe.md),
loaded by the root conftest.py as a plugin, so any app's tests, the browser tests too, can ask for it.

    def test_a_deposit_is_paid(localstripe): ...              # payments.stripe_api.client() talks to it
    def test_the_pay_page(localstripe_webhooks, page): ...    # and it sends its events to the live server

A test that asks for either is marked `localstripe`: it needs no server of its own, so CI runs it in
the SQLite stage (in the PostgreSQL stage when it is a browser test too).
"""

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from payments import localstripe as local

# The ports tests may run localstripe on; 8420, `make run`'s, last, so a developer's server keeps it.
PORTS = (*range(8421, 8430), 8420)


def ports_of_this_process() -> tuple[int, ...]:
    """The ports of PORTS this test process tries: under pytest-xdist each process has its own share, so two
    processes starting at once never take each other's localstripe (and flush it) for their own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return PORTS
    index, count = int(worker.removeprefix("gw")), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return tuple(port for i, port in enumerate(PORTS[:-1]) if i % count == index % count)


@dataclass(frozen=True)
class Localstripe:
    port: int
    url: str

    def send_events_to(self, url: str) -> None:
        """Have localstripe send its events to `url`, signed with settings.STRIPE_WEBHOOK_SECRET."""
        local.register_webhook(self.port, url=url)


def _taken(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((local.HOST, port))
        except OSError:
            return True
    return False


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localstripe]:
    """One localstripe for the test session, on the first free port of PORTS, stopped at its end."""
    log = tmp_path_factory.getbasetemp() / "localstripe.log"
    problems = []
    ports = ports_of_this_process()
    for port in ports:
        if _taken(port):
            continue
        try:
            process = local.start(port, log=log)
        except local.LocalstripeError as exc:  # another run took the port meanwhile
            problems.append(str(exc))
            continue
        try:
            yield Localstripe(port=port, url=local.base_url(port))
        finally:
            local.stop(process)
        return
    raise local.LocalstripeError(f"no port of {', '.join(map(str, ports))} for localstripe: {problems}")


@pytest.fixture
def localstripe(localstripe_server: Localstripe, settings) -> Localstripe:
    """localstripe for one test: empty, sending its events nowhere (see send_events_to), and the
    settings pointing at it: payments.stripe_api.client() calls it, pages load its Stripe.js, and their
    Content-Security-Policy lets it through. An event of the test before may still arrive in the first
    second (localstripe waits one before sending): match events on the objects the test made."""
    server = localstripe_server
    local.flush(server.port)
    settings.STAGESLOT_CSP = settings.STAGESLOT_CSP.replace(settings.STRIPE_API_BASE, server.url)
    # The test settings hold localstripe's keys whatever the environment says; only the port differs.
    settings.STRIPE_LOCAL_PORT = server.port
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_JS_URL = f"{server.url}/js.stripe.com/v3/"
    return server


@pytest.fixture
def localstripe_webhooks(localstripe: Localstripe, live_server) -> Localstripe:
    """localstripe as above, sending its events to the live server's Stripe webhook, as under `make run`."""
    localstripe.send_events_to(f"{live_server.url}{local.WEBHOOK_PATH}")
    return localstripe


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"localstripe_server", "localstripe", "localstripe_webhooks"} & set(getattr(item, "fixturenames", ())):
            item.add_marker("localstripe")
