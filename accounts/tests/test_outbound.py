"""The one outbound guard (core.transport.outbound) against real sockets on 127.0.0.1: every spelling of a private
address is refused before a connection is made, a redirect hop is checked again, https never becomes http,
the answer's size and the call's time are capped, the environment's proxies are ignored, and the address
that was checked is the one connected to (a second DNS answer is never asked for)."""

import datetime as dt
import gzip
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.transport import outbound
from core.transport.outbound import MSG_PRIVATE, OutboundRefused, address_check, outbound_session


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append((self.path, self.headers.get("Host")))
        if self.path.startswith("/to/"):  # /to/<absolute address>: a redirect there
            self.send_response(302)
            self.send_header("Location", self.path[len("/to/") :])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/big":
            body = b"x" * 200_000
        elif self.path == "/bomb":
            body = gzip.compress(b"\0" * 5_000_000)
        else:
            body = b"hello"
        self.send_response(200)
        if self.path == "/bomb":
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(context: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.hits = []
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = _serve()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def other() -> Iterator[ThreadingHTTPServer]:
    httpd = _serve()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def host_of(httpd: ThreadingHTTPServer) -> str:
    return f"127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every address a socket connects to during the test (the connection itself still happens)."""
    seen: list[tuple] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: tuple) -> None:
        seen.append(address[:2])
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


# ---- every spelling of a private address ---------------------------------------------------------------

SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "localhost.",
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.0.0.1",  # hex
    "0x7f000001",
    "127.1",
    "[::1]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[2002:7f00:1::]",  # 6to4 around 127.0.0.1
    "[64:ff9b::7f00:1]",  # NAT64 around 127.0.0.1
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "[::]",
]
PRIVATE = [
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",  # shared address space
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "[fc00::1]",
    "[fe80::1]",
    "[ff02::1]",
    "[2001:db8::1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
]


@pytest.mark.parametrize("host", SPELLINGS)
def test_every_spelling_of_the_server_itself_is_refused_before_connecting(host, server, connections):
    port = server.server_address[1]
    with outbound_session() as session, pytest.raises(OutboundRefused) as caught:
        session.get(f"http://{host}:{port}/", timeout=2)
    assert caught.value.code == "private"
    assert str(caught.value) == str(MSG_PRIVATE)
    assert connections == []
    assert server.hits == []
    with pytest.raises(OutboundRefused) as checked:
        address_check(f"https://{host}:{port}/x")
    assert (checked.value.code, str(checked.value)) == ("private", str(MSG_PRIVATE))


@pytest.mark.parametrize("host", PRIVATE)
def test_private_link_local_shared_multicast_and_reserved_addresses_are_refused(host, connections):
    with pytest.raises(OutboundRefused) as checked:
        address_check(f"https://{host}/push")
    assert str(checked.value) == str(MSG_PRIVATE)
    with outbound_session() as session, pytest.raises(OutboundRefused):
        session.post(f"https://{host}/push", data=b"{}", timeout=2)
    assert connections == []


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_internet_addresses_are_public(address):
    assert outbound.is_public_address(address)


def test_the_allowance_is_the_exact_host_and_port(server):
    port = server.server_address[1]
    for near_miss in ({"127.0.0.1"}, {f"127.0.0.1:{port + 1}"}, {f"localhost:{port}"}):
        with outbound_session(allow_hosts=near_miss) as session, pytest.raises(OutboundRefused):
            session.get(f"http://127.0.0.1:{port}/", timeout=2)
    with outbound_session(allow_hosts={host_of(server)}) as session:
        assert session.get(f"http://127.0.0.1:{port}/", timeout=2).content == b"hello"


def test_https_only_refuses_plain_http_except_for_an_allowed_host(server):
    with pytest.raises(OutboundRefused) as caught:
        address_check("http://example.com/hook", https_only=True)
    assert caught.value.code == "insecure"
    with outbound_session(https_only=True) as session, pytest.raises(OutboundRefused) as sent:
        session.get("http://93.184.216.34/", timeout=2)
    assert sent.value.code == "insecure"
    assert address_check(f"http://{host_of(server)}/", https_only=True, allow_hosts={host_of(server)})


# ---- redirects -----------------------------------------------------------------------------------------


def test_a_redirect_to_a_private_address_is_refused_before_connecting(server, other, connections):
    target = f"http://{host_of(other)}/secret"
    with outbound_session(allow_hosts={host_of(server)}) as session, pytest.raises(OutboundRefused) as caught:
        session.get(f"http://{host_of(server)}/to/{target}", timeout=2)
    assert caught.value.code == "redirect_private"
    assert str(caught.value) == "This address redirects to a private network address, which we do not follow."
    assert other.hits == []
    assert connections == [("127.0.0.1", server.server_address[1])]
    # Each hop is checked on its own: allowed too, the second server is reached.
    with outbound_session(allow_hosts={host_of(server), host_of(other)}) as session:
        response = session.get(f"http://{host_of(server)}/to/{target}", timeout=2)
    assert (response.status_code, response.url) == (200, target)


def test_redirects_are_counted_and_not_followed_at_all_with_max_redirects_0(server):
    allowed = {host_of(server)}
    hop = f"http://{host_of(server)}/to/http://{host_of(server)}/end"
    with outbound_session(allow_hosts=allowed, max_redirects=0) as session:
        assert session.get(hop, timeout=2).status_code == 302
    with outbound_session(allow_hosts=allowed, max_redirects=1) as session:
        assert session.get(hop, timeout=2).content == b"hello"
        with pytest.raises(outbound.OutboundError) as caught:
            session.get(f"http://{host_of(server)}/to/{hop}", timeout=2)
    assert outbound.failure_kind(caught.value) == "redirects"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ThreadingHTTPServer, str]]:
    """An https server on 127.0.0.1 whose certificate (for "localhost" and 127.0.0.1) the returned file trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd = _serve(context)
    yield httpd, str(cert_file)
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.real_clock(reason="OpenSSL checks the test certificate's dates by the machine's time")
def test_https_is_never_downgraded_to_http_on_a_redirect(tls_server, other):
    httpd, trusted = tls_server
    allowed = {host_of(httpd), host_of(other), f"localhost:{httpd.server_address[1]}"}
    secure = f"https://localhost:{httpd.server_address[1]}"
    with outbound_session(allow_hosts=allowed) as session:
        # The certificate is checked against the name (SNI), though the connection goes to a checked address.
        assert session.get(f"{secure}/", timeout=2, verify=trusted).content == b"hello"
        with pytest.raises(OutboundRefused) as caught:
            session.get(f"{secure}/to/http://{host_of(other)}/", timeout=2, verify=trusted)
        assert caught.value.code == "redirect_downgrade"
        assert other.hits == []
        with pytest.raises(outbound.OutboundError) as untrusted:
            session.get(f"{secure}/", timeout=2)
    assert outbound.failure_kind(untrusted.value) == "certificate"


# ---- limits and the environment ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big", "/bomb"])
def test_an_answer_larger_than_the_limit_is_refused(server, path):
    limited = outbound_session(allow_hosts={host_of(server)}, max_bytes=64 * 1024)
    with limited as session, pytest.raises(OutboundRefused) as caught:
        session.get(f"http://{host_of(server)}{path}", timeout=2)
    assert caught.value.code == "too_big"


def test_proxies_from_the_environment_are_ignored(server, monkeypatch, connections):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://10.255.255.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with outbound_session(allow_hosts={host_of(server)}) as session:
        assert session.get(f"http://{host_of(server)}/", timeout=2).content == b"hello"
    assert connections == [("127.0.0.1", server.server_address[1])]


# ---- DNS rebinding -------------------------------------------------------------------------------------


def test_the_address_checked_is_the_one_connected_to(server, monkeypatch):
    """The name resolves to a public address when it is checked and to 127.0.0.1 on any later lookup: the
    guard asks once and connects to what it checked (stood in here by the local server)."""
    port = server.server_address[1]
    public = "93.184.216.34"
    lookups: list[str] = []

    def getaddrinfo(host, port_, *args, **kwargs):
        lookups.append(host)
        address = public if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port_))]

    dialled: list[tuple] = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        dialled.append(address[:2])
        # The public address is this test's stand-in for the real server.
        return real_connect(sock, ("127.0.0.1", port) if address[0] == public else address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    with outbound_session() as session:
        response = session.get(f"http://rebind.example:{port}/", timeout=2)
    assert response.content == b"hello"
    assert lookups == ["rebind.example"]
    assert dialled == [(public, port)]
    assert server.hits == [("/", f"rebind.example:{port}")]


def test_a_resolver_that_does_not_answer_is_given_up(monkeypatch):
    stuck = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: stuck.wait(5) and [])
    with outbound_session(timeout=0.3) as session, pytest.raises(OutboundRefused) as caught:
        session.get("https://slow-dns.example/", timeout=0.3)
    stuck.set()
    assert caught.value.code == "timeout"
