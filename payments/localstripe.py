"""localstripe, the embedded Stripe: a fake Stripe server with its own Stripe.js (PyPI: localstripe),
started on this machine by `make run` (stageslot/local_run.py) and by the tests (docs/decisions/0034-localstripe.md).

The child process is this module (`python -m payments.localstripe --port N`): it serves localstripe's
app on 127.0.0.1 only, where localstripe's own start() listens on every address, and keeps its objects
in memory or in a file of ours, where localstripe's own keeps them in /tmp/localstripe.pickle, one file
for every run on the machine. It ends when the process that started it ends.
"""

import argparse
import atexit
import logging
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings

from core.local_servers import SideServerError, child_start, child_stop, end_with_parent

HOST = "127.0.0.1"
STARTUP_SECONDS = 15.0
# Where Stripe (or localstripe) sends its events: payments' webhook view.
WEBHOOK_PATH = "/payments/stripe/webhook/"
# localstripe keeps one webhook per id; registering again under ours replaces it.
WEBHOOK_ID = "stageslot"
PROJECT = Path(__file__).resolve().parents[1]


class LocalstripeError(SideServerError):
    """localstripe could not be started or did not answer."""


def base_url(port: int) -> str:
    """localstripe's address: its API under /v1/, its Stripe.js at /js.stripe.com/v3/."""
    return f"http://{HOST}:{port}"


def answers(port: int, *, timeout: float = 1.0) -> bool:
    """Whether localstripe serves its Stripe.js on the port (anything else there does not count)."""
    try:
        with urllib.request.urlopen(f"{base_url(port)}/js.stripe.com/v3/", timeout=timeout) as response:  # noqa: S310
            return response.status == 200 and b"localstripe" in response.read()
    except OSError:
        return False


def start(port: int, *, state: Path | None = None, log: Path | None = None) -> subprocess.Popen:
    """Start localstripe on the port and wait until it serves its Stripe.js.

    Its objects live in memory, or in `state` when given (kept across restarts). Its output goes to
    `log` (default: a file in the temp folder). It is stopped when this process exits, and stops by
    itself when this process dies. Raises LocalstripeError, naming the log, when it does not answer
    within STARTUP_SECONDS or exits (the port taken by something else, say).
    """
    log = log or Path(tempfile.gettempdir()) / f"stageslot-localstripe-{port}.log"
    command = [sys.executable, "-m", "payments.localstripe", "--port", str(port), "--parent", str(os.getpid())]
    if state is not None:
        command += ["--state", str(state)]
    try:
        process = child_start(
            command,
            name=f"localstripe on port {port}",
            answers=lambda: answers(port),
            port=port,
            log=log,
            cwd=PROJECT,
            timeout=STARTUP_SECONDS,
        )
    except SideServerError as exc:
        raise LocalstripeError(str(exc)) from exc
    atexit.register(stop, process)
    return process


def stop(process: subprocess.Popen) -> None:
    """End a localstripe started here (no-op when it has ended)."""
    child_stop(process)


def register_webhook(port: int, *, url: str, secret: str | None = None, events: list[str] | None = None) -> None:
    """Have localstripe send its events (all, or `events`) to `url`, signed with `secret` (default:
    settings.STRIPE_WEBHOOK_SECRET) as Stripe signs them. Replaces the one registered before."""
    fields = [("url", url), ("secret", secret or settings.STRIPE_WEBHOOK_SECRET)]
    fields += [("events[]", event) for event in events or []]
    _call(port, "POST", f"/_config/webhooks/{WEBHOOK_ID}", urllib.parse.urlencode(fields).encode())


def flush(port: int) -> None:
    """Forget every object localstripe holds (customers, payment intents, events) and send events nowhere.

    localstripe cannot forget a webhook: ours is replaced by one that no event matches. An event it
    queued before may still go out to the new webhook in the next second (it waits one before sending).
    """
    _call(port, "DELETE", "/_config/data")
    register_webhook(port, url=f"{base_url(port)}/_config/nowhere", secret="whsec_nowhere", events=["nothing"])  # noqa: S106


def _call(port: int, method: str, path: str, body: bytes | None = None) -> None:
    request = urllib.request.Request(f"{base_url(port)}{path}", data=body, method=method)  # noqa: S310
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            response.read()
    except OSError as exc:
        raise LocalstripeError(f"localstripe at {base_url(port)} refused {method} {path}: {exc}") from exc


# --- The child process ---------------------------------------------------------------------------


def _serve(*, port: int, state: Path | None, parent: int) -> None:
    from aiohttp import web
    from localstripe import resources, server

    if state is not None and state.exists():
        with state.open("rb") as saved:
            # Our own file under .cache/, written by _dump below.
            resources.store.update(pickle.load(saved))  # noqa: S301
    resources.Store.dump_to_disk = (lambda store: _dump(store, state)) if state else (lambda store: None)
    end_with_parent(parent)
    logger = logging.getLogger("aiohttp.access")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(logging.StreamHandler())
    _refunds_of_an_intent_without_a_charge(resources)
    # Before localstripe's own: an answer kept for a key is given again without reaching it.
    server.app.middlewares.insert(0, _idempotency(web, resources.store))
    server.app.middlewares.insert(1, _search(web, resources))
    sock = socket.create_server((HOST, port))
    web.run_app(server.app, sock=sock, access_log=logger)


def _refunds_of_an_intent_without_a_charge(resources) -> None:
    """GET /v1/refunds?payment_intent=… for an intent that has no charge yet: Stripe answers with an empty
    list, localstripe fails (it reads the charge's id of None)."""
    listing = resources.Refund._api_list_all.__func__

    def list_all(cls, url, charge=None, payment_intent=None, limit=None, starting_after=None):
        if charge is None and isinstance(payment_intent, str) and payment_intent.startswith("pi_"):
            intent = resources.PaymentIntent._api_retrieve(payment_intent)
            if intent.latest_charge is None:
                empty = resources.List(url, limit=limit, starting_after=starting_after)
                empty._list = []
                return empty
        return listing(
            cls, url, charge=charge, payment_intent=payment_intent, limit=limit, starting_after=starting_after
        )

    resources.Refund._api_list_all = classmethod(list_all)


# Kept in localstripe's store (so a flush forgets them too) under a name no Stripe object has.
IDEMPOTENCY = "stageslot_idempotency:"


def _idempotency(web, store):
    """Stripe's idempotent requests, which localstripe ignores: a POST with an Idempotency-Key is answered
    once; the same key again with the same parameters gets the same answer (nothing made twice), with
    other parameters Stripe's idempotency error. Answers of 500 and up are not kept (Stripe keeps none
    of a request that did not run)."""
    import hashlib

    @web.middleware
    async def middleware(request, handler):
        key = request.headers.get("Idempotency-Key", "")
        if request.method == "DELETE" and request.path == "/_config/data":
            for name in [name for name in store if name.startswith(IDEMPOTENCY)]:
                del store[name]
        if request.method != "POST" or not key or not request.path.startswith("/v1/"):
            return await handler(request)
        body = await request.read()
        fingerprint = hashlib.sha256(request.path.encode() + b"\0" + body).hexdigest()
        kept = store.get(IDEMPOTENCY + key)
        if kept is not None:
            if kept["fingerprint"] != fingerprint:
                error = {
                    "type": "idempotency_error",
                    "message": "Keys for idempotent requests can only be used with the same parameters they "
                    f"were first used with. Try using a key other than '{key}' if you meant to execute a "
                    "different request.",
                }
                return web.json_response({"error": error}, status=400)
            return web.Response(
                body=kept["body"],
                status=kept["status"],
                content_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        response = await handler(request)
        if response.status < 500 and isinstance(getattr(response, "body", None), bytes | bytearray):
            store[IDEMPOTENCY + key] = {"fingerprint": fingerprint, "status": response.status, "body": response.body}
        return response

    return middleware


def _search(web, resources):
    """GET /v1/payment_intents/search?query=metadata['name']:'value', which localstripe lacks: Stripe's
    search language for the one query StageSlot asks (the intent our payment's metadata names)."""
    import re

    query_re = re.compile(r"^\s*metadata\[['\"](?P<name>\w+)['\"]\]\s*:\s*['\"](?P<value>[^'\"]*)['\"]\s*$")

    @web.middleware
    async def middleware(request, handler):
        if request.method != "GET" or request.path != "/v1/payment_intents/search":
            return await handler(request)
        match = query_re.match(request.query.get("query", ""))
        if match is None:
            error = {"type": "invalid_request_error", "message": "This query is not supported here."}
            return web.json_response({"error": error}, status=400)
        found = [
            intent._export()
            for name, intent in list(resources.store.items())
            if name.startswith("payment_intent:") and (intent.metadata or {}).get(match["name"]) == match["value"]
        ]
        return web.json_response(
            {"object": "search_result", "url": request.path, "has_more": False, "data": found, "next_page": None}
        )

    return middleware


def _dump(store: dict, state: Path) -> None:
    partial = state.with_name(state.name + ".partial")
    with partial.open("wb") as out:
        pickle.dump(dict(store), out, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(state)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="localstripe on 127.0.0.1, for StageSlot")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, default=None, help="keep the objects in this file across restarts")
    parser.add_argument("--parent", type=int, default=os.getppid(), help="stop when this process is gone")
    arguments = parser.parse_args()
    _serve(port=arguments.port, state=arguments.state, parent=arguments.parent)
