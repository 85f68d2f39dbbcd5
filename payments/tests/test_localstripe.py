"""localstripe, the embedded Stripe (payments/localstripe.py, docs/decisions/0034-localstripe.md): the
tests' fixture starts a real one, payments' client talks to it, it signs its events as Stripe does,
`make run` points its events at its web server, and it ends with the process that started it."""

import io
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import stripe

from core.local_servers import free_port, port_free
from payments import localstripe as local
from payments import stripe_api
from payments.testing import ports_of_this_process
from stageslot.local_run import LocalRun

ROOT = Path(__file__).resolve().parents[2]
# Ports for the test's own listener.
RECEIVER_PORTS = range(8830, 8840)


class Receiver:
    """A tiny HTTP server on this machine that keeps what is POSTed to it: (path, body, Stripe-Signature)."""

    def __init__(self) -> None:
        self.posts: queue.Queue[tuple[str, bytes, str]] = queue.Queue()
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                posts.put((self.path, body, self.headers.get("Stripe-Signature", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        for port in RECEIVER_PORTS:  # the first one free; another test process may take one meanwhile
            try:
                self.server = ThreadingHTTPServer((local.HOST, port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError(f"no free port in {RECEIVER_PORTS} for the event receiver")
        self.url = f"http://{local.HOST}:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event_about(self, object_id: str, kind: str, *, timeout: float = 10) -> tuple[str, bytes, str]:
        """The first POST of an event of this kind about this object (others are dropped)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                path, body, signature = self.posts.get(timeout=left)
            except queue.Empty:
                break
            event = json.loads(body)
            if event["type"] == kind and event["data"]["object"]["id"] == object_id:
                return path, body, signature
        raise AssertionError(f"no {kind} event about {object_id} in {timeout} s")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    listener = Receiver()
    yield listener
    listener.close()


def _pay(client: stripe.StripeClient, number: str, amount: int = 12000) -> stripe.PaymentIntent:
    """A payment by card, confirmed on the server (localstripe takes the card's number from us)."""
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = client.v1.payment_methods.create(params={"type": "card", "card": card})
    return client.v1.payment_intents.create(
        params={"amount": amount, "currency": "eur", "payment_method": method.id, "confirm": True}
    )


def test_payments_client_talks_to_a_fresh_localstripe_that_charges_4242_and_declines_0341(localstripe):
    client = stripe_api.client()
    assert client.v1.payment_intents.list().data == []

    paid = _pay(client, "4242424242424242")
    assert (paid.status, paid.amount, paid.currency) == ("succeeded", 12000, "eur")
    with pytest.raises(stripe.CardError) as declined:
        _pay(client, "4000000000000341")
    assert declined.value.code == "card_declined"
    assert client.v1.payment_intents.retrieve(paid.id).status == "succeeded"


def test_the_next_test_finds_localstripe_empty(localstripe):
    assert stripe_api.client().v1.payment_intents.list().data == []


@pytest.mark.real_clock(reason="localstripe signs its events with the machine's time")
def test_localstripe_signs_its_events_as_stripe_does(localstripe, receiver, settings):
    localstripe.send_events_to(f"{receiver.url}/hook/")
    paid = _pay(stripe_api.client(), "4242424242424242")

    path, body, signature = receiver.event_about(paid.id, "payment_intent.succeeded")
    event = stripe.Webhook.construct_event(body, signature, settings.STRIPE_WEBHOOK_SECRET)
    assert (path, event.type, event.data.object.amount) == ("/hook/", "payment_intent.succeeded", 12000)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_someone_else")


def test_make_run_has_its_localstripe_send_events_to_its_web_servers_own_webhook(localstripe, receiver, tmp_path):
    run = LocalRun(cache=tmp_path, out=io.StringIO())
    run.ports["localstripe"] = localstripe.port
    run.webhook_register(f"0.0.0.0:{receiver.url.rsplit(':', 1)[1]}")  # every address: reached on loopback

    paid = _pay(stripe_api.client(), "4242424242424242")
    path, _body, _signature = receiver.event_about(paid.id, "payment_intent.succeeded")
    assert path == "/payments/stripe/webhook/"


def _free_port(but: int) -> int:
    return next(port for port in ports_of_this_process() if port != but and port_free(port))


def test_localstripe_keeps_its_objects_in_its_state_file_across_restarts(localstripe_server, tmp_path):
    port = _free_port(but=localstripe_server.port)
    client = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": local.base_url(port)})
    process = local.start(port, state=tmp_path / "state.pickle", log=tmp_path / "log")
    try:
        customer = client.v1.customers.create(params={"email": "mara@example.com"})
    finally:
        local.stop(process)
    process = local.start(port, state=tmp_path / "state.pickle", log=tmp_path / "log")
    try:
        assert client.v1.customers.retrieve(customer.id).email == "mara@example.com"
    finally:
        local.stop(process)


STARTER = """
import os, sys
from payments import localstripe
localstripe.start(int(sys.argv[1]), log=localstripe.Path(sys.argv[2]))
os.kill(os.getpid(), 9)
"""


def test_localstripe_ends_when_the_process_that_started_it_is_killed(localstripe_server, tmp_path):
    port = _free_port(but=localstripe_server.port)
    starter = subprocess.run(  # noqa: S603
        [sys.executable, "-c", STARTER, str(port), str(tmp_path / "log")], cwd=ROOT, timeout=60, check=False
    )
    assert starter.returncode == -9
    deadline = time.monotonic() + 10
    while local.answers(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not local.answers(port)


def test_a_port_taken_by_something_else_is_a_clear_error_and_never_taken_for_localstripe(receiver, tmp_path):
    port = int(receiver.url.rsplit(":", 1)[1])
    with pytest.raises(local.LocalstripeError, match=f"localstripe on port {port} cannot start: port {port} is taken"):
        local.start(port, log=tmp_path / "log")


def test_a_localstripe_that_stops_on_start_is_a_clear_error_naming_its_log(tmp_path):
    (tmp_path / "state.pickle").write_bytes(b"not what localstripe kept")
    port = free_port()
    with pytest.raises(local.LocalstripeError, match=f"localstripe on port {port} stopped on start .*: see .*log"):
        local.start(port, state=tmp_path / "state.pickle", log=tmp_path / "log")
