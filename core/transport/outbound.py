"""The one way StageSlot calls an address over HTTP: Web Push, webhooks, calendar import (ICS), CalDAV and
Google all use `outbound_session`, and every form that takes such an address checks it with `address_check`.

An address a person gives us (a push subscription, a webhook, a calendar) could point into our own
network, so the rule is, for every connection: the host is resolved once (in a helper thread, so a stuck
resolver cannot outlast the timeout), every address it resolves to must be public – not private,
loopback, link-local, shared (100.64/10), multicast, unspecified or reserved, also inside IPv4-mapped,
6to4 and NAT64 addresses, whatever spelling the URL used (2130706433, 0177.0.0.1, 0x7f.1, localhost.) –
and the connection goes to an address just checked, never to a second lookup a DNS rebinding could
turn; TLS still checks the certificate against the hostname (SNI). Because the check belongs to the
connection, every redirect hop is checked again; an https address never redirects to http; no proxy or
.netrc from the environment is used; every wait is limited, and so are the whole call (its redirects
included) and the size of the answer.

An exact "host:port" in `allow_hosts` (the settings ICS_IMPORT_ALLOW_HOSTS, CALDAV_ALLOW_HOSTS,
WEBHOOK_ALLOW_HOSTS, WEBPUSH_ALLOW_HOSTS) skips the address check, and the https-only rule, for that
host: the tests' and `make run`'s local servers. Production sets none of them.

A refusal is an OutboundRefused whose `str()` is a sentence for the person who gave the address, the same
words whichever door it came through. Failing to talk to a server that was allowed raises requests'
own exceptions, named here (OutboundError, OutboundTimeout) so that no other module imports an HTTP
library; `failure_kind` says in one word what went wrong.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import re
import socket
import threading
import time
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ProtocolError, ReadTimeoutError

# What callers catch and read without importing the HTTP library themselves.
OutboundError = requests.RequestException
OutboundTimeout = requests.Timeout
Response = requests.Response

MAX_URL_LENGTH = 2000
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Seconds a save-time check waits for the name to resolve.
CHECK_TIMEOUT = 3.0
READ_CHUNK = 64 * 1024

# The words a person reads when an address is refused: the same for push, webhooks and calendars.
MSG_INVALID = _("This is not a web address we can call.")
MSG_INSECURE = _("Only a secure address (starting with https://) can be used here.")
MSG_PRIVATE = _("This address points to a private network address, which we do not connect to.")
MSG_REDIRECT_PRIVATE = _("This address redirects to a private network address, which we do not follow.")
MSG_REDIRECT_DOWNGRADE = _(
    "This address redirects from a secure (https) address to an insecure one, which we do not follow."
)
MSG_REDIRECT_BAD = _("This address redirects to an address we cannot call.")
MSG_DNS = _("We could not find the server “%(host)s” – check the address.")
MSG_TIMEOUT = _("The server took longer than %(seconds)s seconds to answer.")
MSG_TOO_BIG = _("The server's answer is larger than %(size)s, which is more than we read.")
MSG_ENCODING = _("The server sent its answer in a compression we do not read (%(encoding)s).")

_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$")
_HOSTNAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# Addresses that carry an IPv4 address inside an IPv6 one: the embedded IPv4 address decides.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class OutboundRefused(Exception):
    """The guard would not call an address, or stopped a call past its limits. `str()` is the person's
    sentence; `code` says which rule: invalid, insecure, private, redirect_private, redirect_downgrade,
    redirect_bad, dns, timeout, too_big, encoding. `host` is the host concerned, where there is one;
    `detail` what a caller may name in its own words (the compression refused)."""

    def __init__(self, message: object, *, code: str, host: str = "", detail: str = "") -> None:
        super().__init__(str(message))
        self.code = code
        self.host = host
        self.detail = detail


def _seconds(value: float) -> str:
    whole = float(value).is_integer()
    return number_format(int(value) if whole else value, decimal_pos=None if whole else 1)


def _timed_out(seconds: float, host: str = "") -> OutboundRefused:
    return OutboundRefused(MSG_TIMEOUT % {"seconds": _seconds(seconds)}, code="timeout", host=host)


# ---- addresses -----------------------------------------------------------------------------------------


def url_normalise(url: str) -> str:
    """The address as we store and call it: http(s), host lower-cased (an IP literal as the resolver reads
    it: 2130706433 and 0x7f.1 become 127.0.0.1; IPv6 compressed, in brackets; a name in ASCII), no
    userinfo, no fragment, no default port. OutboundRefused(code="invalid") for anything else."""
    url = (url or "").strip()
    invalid = OutboundRefused(MSG_INVALID, code="invalid")
    if not url or len(url) > MAX_URL_LENGTH or _CONTROL.search(url):
        raise invalid
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise invalid from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or "@" in parts.netloc or not parts.hostname or port == 0:
        raise invalid
    host = _canonical_host(parts.hostname)
    default_port = 443 if scheme == "https" else 80
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _canonical_host(hostname: str) -> str:
    """The host as it goes on the wire: an IP literal (IPv6 in brackets) or an ASCII DNS name."""
    host = hostname.lower()
    invalid = OutboundRefused(MSG_INVALID, code="invalid")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    if _LEGACY_IPV4.match(host):
        try:
            return str(ipaddress.IPv4Address(socket.inet_aton(host.rstrip("."))))
        except OSError:
            raise invalid from None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise invalid from None
    if not _HOSTNAME.match(ascii_host) or len(ascii_host) > 253:
        raise invalid
    # "localhost." is "localhost": the name is absolute either way, and the resolver reads it so.
    return ascii_host.rstrip(".") or ascii_host


def is_public_address(address: str) -> bool:
    """Whether an IP address is one we may connect to for a person: globally routable unicast only."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(str(ip.ipv4_mapped))
        if ip.sixtofour is not None:
            return is_public_address(str(ip.sixtofour))
        if any(ip in network for network in _NAT64):
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip in _IPV4_COMPATIBLE:
            return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
    )


def resolve_host(host: str, port: int, *, timeout: float) -> list[tuple[int, tuple]] | None:
    """(family, sockaddr) of every address of `host` ([] when it has none), looked up in a helper thread so
    that a stuck resolver cannot outlast `timeout` (None then)."""
    found: dict[str, list] = {}

    def lookup() -> None:
        try:
            name = host.strip("[]").rstrip(".") or host
            found["infos"] = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            found["infos"] = []

    worker = threading.Thread(target=lookup, name="outbound-dns", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.001))
    if worker.is_alive():
        return None
    return [(family, sockaddr) for family, _type, _proto, _name, sockaddr in found.get("infos") or []]


def host_allowed(host: str, port: int, allow_hosts: Collection[str]) -> bool:
    """Whether "host:port" (IPv6 in brackets) is listed exactly in `allow_hosts`."""
    host = host.strip("[]")
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" in allow_hosts


def refuse_private(host: str, port: int, addresses: list[tuple[int, tuple]], *, allow_hosts: Collection[str]) -> None:
    """OutboundRefused(code="private") unless every address of `host` is public or "host:port" is allowed."""
    if host_allowed(host, port, allow_hosts):
        return
    if not addresses or not all(is_public_address(sockaddr[0]) for _, sockaddr in addresses):
        raise OutboundRefused(MSG_PRIVATE, code="private", host=host)


def address_check(
    url: str,
    *,
    allow_hosts: Collection[str] = (),
    https_only: bool = False,
    unresolved_ok: bool = False,
    timeout: float = CHECK_TIMEOUT,
) -> str:
    """The check a form makes when a person saves an address we will call: the address normalised (see
    url_normalise), or OutboundRefused with the words every door shows – not a web address (invalid),
    http where only https will do (insecure), a name we cannot find (dns; unless `unresolved_ok`, where
    the first call will say so) or one that points to a private network (private). Calling it again later
    goes through the same rule, per connection, in `outbound_session`."""
    normal = url_normalise(url)
    parts = urlsplit(normal)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if host_allowed(host, port, allow_hosts):
        return normal
    if https_only and parts.scheme != "https":
        raise OutboundRefused(MSG_INSECURE, code="insecure", host=host)
    addresses = resolve_host(host, port, timeout=timeout)
    if not addresses:
        if unresolved_ok:
            return normal
        raise OutboundRefused(MSG_DNS % {"host": host}, code="dns", host=host)
    refuse_private(host, port, addresses, allow_hosts=allow_hosts)
    return normal


# ---- one call: its deadline, its hops, the sockets its watchdog may end ---------------------------------


@dataclass
class _Call:
    """A request and its redirect hops: one deadline for all of them, and the connections they use."""

    total: float
    seconds: float  # each wait's limit, named in the message when the deadline passes
    hops: int = 0
    last_url: str = ""
    fired: threading.Event = field(default_factory=threading.Event)
    watched: list[socket.socket] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.total

    def remaining(self, wait: float) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _timed_out(self.seconds)
        return min(left, wait)

    def watch(self, sock: socket.socket) -> None:
        """End this connection if the call runs past its deadline (through a duplicate of its descriptor,
        which also reaches it during the TLS handshake, when the socket object itself is handed over)."""
        with contextlib.suppress(OSError, ValueError):
            duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
            with self.lock:
                self.watched.append(duplicate)
            if self.fired.is_set():
                duplicate.shutdown(socket.SHUT_RDWR)

    def fire(self) -> None:
        self.fired.set()
        with self.lock:
            for sock in self.watched:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self.lock:
            for sock in self.watched:
                sock.close()
            self.watched.clear()


_current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar("outbound_call", default=None)


@dataclass(frozen=True)
class _Guard:
    allow_hosts: frozenset[str]
    https_only: bool
    max_bytes: int
    timeout: float


# ---- the guarded connection ------------------------------------------------------------------------------


class _GuardedConnection:
    """Resolve, refuse private addresses, connect to an address just checked. urllib3 opens a connection
    per host and port, so every redirect hop to another host comes through here again."""

    guard: _Guard

    def _new_conn(self) -> socket.socket:
        host, port = self._dns_host, self.port  # urllib3 strips brackets and a trailing dot
        call = _current.get()
        wait = self.timeout if isinstance(self.timeout, int | float) else self.guard.timeout
        if call is not None:
            wait = call.remaining(wait)
        addresses = resolve_host(host, port, timeout=wait)
        if addresses is None:
            raise _timed_out(wait, host)
        if not addresses:
            raise OutboundRefused(MSG_DNS % {"host": host}, code="dns", host=host)
        refuse_private(host, port, addresses, allow_hosts=self.guard.allow_hosts)
        last: OSError | None = None
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(call.remaining(wait) if call is not None else wait)
                sock.connect(sockaddr)
            except BaseException as error:
                sock.close()
                if not isinstance(error, OSError):
                    raise
                last = error
                continue
            sock.settimeout(wait)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if call is not None:
                call.watch(sock)
            return sock
        if isinstance(last, TimeoutError):
            raise ConnectTimeoutError(self, f"Connecting to {host} timed out.")
        refused = isinstance(last, ConnectionRefusedError)
        raise _Unreachable(self, f"Could not connect to {host}: {last}", refused=refused)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        call = _current.get()
        if call is not None and self.sock is not None:  # a kept-alive connection serving this call
            call.watch(self.sock)
        return super().request(*args, **kwargs)


class _Unreachable(NewConnectionError):
    def __init__(self, conn: object, message: str, *, refused: bool) -> None:
        super().__init__(conn, message)
        self.refused = refused


class GuardedAdapter(HTTPAdapter):
    """requests' adapter on guarded connections: refuses http where only https will do, and reads the whole
    answer within the size limit (gzip unpacked as it arrives, so a small bomb cannot grow past it)."""

    def __init__(self, guard: _Guard, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        attrs = {"guard": self.guard}
        plain = type("GuardedHTTPConnection", (_GuardedConnection, HTTPConnection), attrs)
        secure = type("GuardedHTTPSConnection", (_GuardedConnection, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": secure}),
        }

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if parts.scheme not in ("http", "https") or not host:
            raise OutboundRefused(MSG_INVALID, code="invalid", host=host)
        if self.guard.https_only and parts.scheme != "https" and not host_allowed(host, port, self.guard.allow_hosts):
            raise OutboundRefused(MSG_INSECURE, code="insecure", host=host)
        timeout = self.guard.timeout if timeout is None else timeout
        response = super().send(request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=None)
        try:
            response._content = self._read(response, host)
            response._content_consumed = True
        except BaseException:
            response.close()
            raise
        response.raw.release_conn()
        return response

    def _read(self, response: requests.Response, host: str) -> bytes:
        limit = self.guard.max_bytes
        too_big = OutboundRefused(MSG_TOO_BIG % {"size": filesizeformat(limit)}, code="too_big", host=host)
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip"):
            raise OutboundRefused(
                MSG_ENCODING % {"encoding": encoding[:40]}, code="encoding", host=host, detail=encoding[:40]
            )
        gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip") else None
        received = 0
        body = bytearray()
        try:
            for chunk in response.raw.stream(READ_CHUNK, decode_content=False):
                received += len(chunk)
                if received > limit:
                    raise too_big
                body += gunzip.decompress(chunk, limit + 1 - len(body)) if gunzip else chunk
                if len(body) > limit:
                    raise too_big
            if gunzip is not None and received:
                if not gunzip.eof:
                    raise requests.exceptions.ContentDecodingError("The gzip stream ended early.")
                body += gunzip.flush()
        except zlib.error as error:
            raise requests.exceptions.ContentDecodingError(error) from None
        except ReadTimeoutError as error:
            raise requests.exceptions.ReadTimeout(error) from None
        except ProtocolError as error:
            raise requests.exceptions.ChunkedEncodingError(error) from None
        except OSError as error:
            raise requests.exceptions.ConnectionError(error) from None
        if len(body) > limit:
            raise too_big
        return bytes(body)


class OutboundSession(requests.Session):
    """A requests session on the guard. Each request, its redirects included, has one deadline (`total`
    seconds: a server that drips a byte at a time is cut off then); each redirect hop is checked again (its
    connection goes through the guard) and may not leave https for http or the web for another scheme.
    With max_redirects=0 a redirect is answered as it is, never followed."""

    def __init__(
        self,
        *,
        allow_hosts: Collection[str] = (),
        https_only: bool = False,
        max_redirects: int = 3,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        total: float | None = None,
        pool_maxsize: int = 10,
    ) -> None:
        super().__init__()
        self.trust_env = False  # no proxy or .netrc from the environment: the address check is the rule
        # requests counts redirects even when it does not follow them (Response.next): 0 means "do not follow".
        self.follow_redirects = max_redirects > 0
        self.max_redirects = max(max_redirects, 1)
        self.total = total if total is not None else 2 * timeout
        self.guard = _Guard(
            allow_hosts=frozenset(allow_hosts), https_only=https_only, max_bytes=max_bytes, timeout=timeout
        )
        self.headers["Accept-Encoding"] = "gzip"
        adapter = GuardedAdapter(self.guard, pool_connections=4, pool_maxsize=pool_maxsize)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def send(self, request, **kwargs):
        if not self.follow_redirects:
            kwargs["allow_redirects"] = False
        call = _current.get()
        if call is not None:  # a redirect hop of the call under way
            return self._hop(call, request, **kwargs)
        call = _Call(total=self.total, seconds=self.guard.timeout)
        token = _current.set(call)
        watchdog = threading.Timer(call.total, call.fire)
        watchdog.daemon = True
        watchdog.start()
        try:
            response = self._hop(call, request, **kwargs)
        except BaseException:
            if call.fired.is_set():
                raise _timed_out(self.guard.timeout, urlsplit(request.url).hostname or "") from None
            raise
        finally:
            watchdog.cancel()
            _current.reset(token)
            call.close()
        if call.fired.is_set():
            # The watchdog's shutdown looks like the normal end of an answer sent without a length.
            raise _timed_out(self.guard.timeout, urlsplit(request.url).hostname or "")
        return response

    def _hop(self, call: _Call, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if call.hops:
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ("http", "https"):
                raise OutboundRefused(MSG_REDIRECT_BAD, code="redirect_bad")
            if call.last_url.lower().startswith("https:") and scheme == "http":
                raise OutboundRefused(MSG_REDIRECT_DOWNGRADE, code="redirect_downgrade")
        call.hops += 1
        call.last_url = url
        try:
            return super().send(request, **kwargs)
        except OutboundRefused as refused:
            if call.hops > 1 and refused.code == "private":
                raise OutboundRefused(MSG_REDIRECT_PRIVATE, code="redirect_private", host=refused.host) from None
            raise


def outbound_session(
    *,
    allow_hosts: Collection[str] = (),
    https_only: bool = False,
    max_redirects: int = 3,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    total: float | None = None,
) -> OutboundSession:
    """The only way StageSlot calls an address (push, webhooks, ICS, CalDAV, Google): see the module's
    docstring. `timeout` is each wait's limit, `total` the whole call's (twice `timeout` by default)."""
    return OutboundSession(
        allow_hosts=allow_hosts,
        https_only=https_only,
        max_redirects=max_redirects,
        max_bytes=max_bytes,
        timeout=timeout,
        total=total,
    )


# ---- what went wrong ------------------------------------------------------------------------------------


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        for linked in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                todo.append(linked)


def failure_kind(error: BaseException) -> str:
    """What a failed call (an OutboundError) was, in one word for the caller's message: timeout, redirects,
    damaged (a cut-off or garbled body), certificate, tls, refused (nothing listens), protocol (an answer
    that is not HTTP) or unreachable."""
    if isinstance(error, requests.Timeout | TimeoutError):
        return "timeout"
    if isinstance(error, requests.TooManyRedirects):
        return "redirects"
    if isinstance(error, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return "damaged"
    causes = list(_causes(error))
    if isinstance(error, requests.exceptions.SSLError):
        certificate = any("CERTIFICATE_VERIFY_FAILED" in str(cause) or "hostname" in str(cause) for cause in causes)
        return "certificate" if certificate else "tls"
    if any(isinstance(cause, _Unreachable) and cause.refused for cause in causes):
        return "refused"
    if any(isinstance(cause, ConnectTimeoutError) and not isinstance(cause, NewConnectionError) for cause in causes):
        return "timeout"
    if any(isinstance(cause, ProtocolError) for cause in causes):
        return "protocol"
    return "unreachable"
