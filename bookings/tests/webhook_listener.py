"""A webhook endpoint on this machine for the tests: a standard-library HTTP server in a thread on one of
ports 8470–8479 (8480–8489 in pytest-xdist's second process, and so on) that keeps every POST and answers with
the status it is told."""

import contextlib
import os
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Ten ports for each pytest-xdist process, so that one process never posts to another's listener.
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
PORTS = range(8470 + 10 * _XDIST_INDEX, 8480 + 10 * _XDIST_INDEX)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Listener:
    host_port: str
    received: list[Received] = field(default_factory=list)
    status: int = 200

    @property
    def url(self) -> str:
        return f"http://{self.host_port}/hook"


@contextlib.contextmanager
def webhook_listener():
    listener = Listener(host_port="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            listener.received.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(listener.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = None
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            break
        except OSError:
            continue
    if server is None:
        raise RuntimeError(f"No free port in {PORTS[0]}–{PORTS[-1]} for the webhook listener")
    server.daemon_threads = True
    listener.host_port = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        server.shutdown()
        server.server_close()


def free_port_in_range() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {PORTS[0]}–{PORTS[-1]}")
