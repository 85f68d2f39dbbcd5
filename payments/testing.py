"""pytest fixtures for tests that pay: a real localstripe process (docs/decisions/0034-localstripe.md),
loaded by the root conftest.py as a plugin, so any app's tests, the browser tests too, can ask for it.

    def test_a_deposit_is_paid(localstripe): ...              # payments.stripe_api.client() talks to it
    def test_the_pay_page(localstripe_webhooks, page): ...    # and it sends its events to the live server

A test that asks for either is marked `localstripe`: it needs no server of its own, so CI runs it in
the SQLite stage (in the PostgreSQL stage when it is a browser test too).
"""

import http.server
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from core.local_servers import port_free
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


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localstripe]:
    """One localstripe for the test session, on the first free port of PORTS, stopped at its end."""
    log = tmp_path_factory.getbasetemp() / "localstripe.log"
    problems = []
    ports = ports_of_this_process()
    for port in ports:
        if not port_free(port):
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


# --- Faults between us and Stripe -------------------------------------------------------------------


class StripeProxy:
    """An HTTP proxy in front of localstripe that loses answers: every request reaches localstripe (so the
    charge, the refund is made there), and then, as planned, its answer is dropped (the connection closed
    with nothing said) or held back past the client's timeout. Our code sees what it would see when an
    answer from Stripe is lost on the way.

        proxy.drop(2)                          # the next two requests: carried out, their answers lost
        proxy.drop(1, only="payment_intents")  # the next request to a path with this in it
        proxy.delay(1)                         # the next request's answer comes after the client gave up
    """

    def __init__(self, target: str, *, delay_seconds: float = 1.0):
        self.target, self.delay_seconds = target, delay_seconds
        self.plan: list[tuple[str, str]] = []  # (fault, what the request's path must hold)
        self.sent: list[str] = []  # "METHOD /path" of every request passed on
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):  # quiet
                pass

            def _pass_on(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                request = urllib.request.Request(  # noqa: S310 - localstripe on this machine
                    proxy.target + self.path, data=body, method=self.command
                )
                for name in ("Authorization", "Content-Type", "Idempotency-Key", "Stripe-Version", "User-Agent"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                line = f"{self.command} {self.path.split('?')[0]}"
                fault = ""
                with proxy.lock:
                    if proxy.plan and proxy.plan[0][1] in line:
                        fault = proxy.plan.pop(0)[0]
                    proxy.sent.append(line)
                try:
                    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                        status, payload, kind = answer.status, answer.read(), answer.headers.get("Content-Type")
                except urllib.error.HTTPError as error:
                    status, payload, kind = error.code, error.read(), error.headers.get("Content-Type")
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "delay":
                    time.sleep(proxy.delay_seconds)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind or "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up waiting
                    pass

            do_GET = do_POST = do_DELETE = _pass_on

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def drop(self, count: int = 1, *, only: str = "") -> None:
        with self.lock:
            self.plan = [("drop", only)] * count

    def delay(self, count: int = 1, *, only: str = "") -> None:
        with self.lock:
            self.plan = [("delay", only)] * count

    def heal(self) -> None:
        with self.lock:
            self.plan = []

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stripe_proxy(localstripe: Localstripe, settings) -> Iterator[StripeProxy]:
    """localstripe behind a StripeProxy: payments.stripe_api.client() talks to the proxy, with a short
    timeout and no retries of its own, so each planned fault is seen by our code."""
    proxy = StripeProxy(localstripe.url, delay_seconds=1.0)
    settings.STRIPE_API_BASE = proxy.url
    settings.STRIPE_TIMEOUT = 0.5
    from payments import stripe_api

    stripe_api._client.cache_clear()
    original = stripe_api._client

    def no_retries(key: str, base: str, timeout: float):
        import stripe

        return stripe.StripeClient(
            key, base_addresses={"api": base}, max_network_retries=0, http_client=stripe.RequestsClient(timeout=timeout)
        )

    stripe_api._client = no_retries
    try:
        yield proxy
    finally:
        stripe_api._client = original
        proxy.close()


class WorkerKilled(BaseException):
    """The process died right after a request left for Stripe: no `except` of ours runs."""


def kill_after_next_stripe_call(monkeypatch) -> None:
    """The next request to Stripe is carried out and the process 'dies' before it reads the answer."""
    import stripe

    original = stripe.RequestsClient.request

    def request(self, method, url, headers, post_data=None):
        original(self, method, url, headers, post_data)
        monkeypatch.setattr(stripe.RequestsClient, "request", original)
        raise WorkerKilled(f"{method} {url}")

    monkeypatch.setattr(stripe.RequestsClient, "request", request)
