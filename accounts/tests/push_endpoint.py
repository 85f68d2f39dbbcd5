"""A local push service for the tests and the benchmark: a real HTTP server that receives a Web Push request,
checks its VAPID header (an ES256 JWT for our origin, signed by the key it names) and decrypts its body
(aes128gcm, RFC 8291) with the browser's private key, as a browser's push service and the browser would.

    with PushEndpoint() as endpoint:
        settings.WEBPUSH_ALLOW_HOSTS = (endpoint.host_port,)   # let the outbound guard through to it
        device = endpoint.device()          # a browser's keys and its address at this service
        PushSubscription.objects.create(user=u, **device.subscription)
        ...
        endpoint.received[0].payload       # the JSON a service worker would get
"""

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser: its private key and auth secret, and the subscription it would hand to the server."""

    path: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str

    @property
    def subscription(self) -> dict:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "p256dh": b64url(point), "auth": b64url(self.auth)}


@dataclass
class Received:
    path: str
    payload: dict
    claims: dict
    headers: dict


@dataclass
class PushEndpoint:
    """Answers each push with `status` (201), or the status set for a device's path in `statuses`."""

    status: int = 201
    statuses: dict = field(default_factory=dict)
    received: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    devices: dict = field(default_factory=dict)

    def __enter__(self) -> "PushEndpoint":
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                # Header names are case-insensitive: kept lower-case here.
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = endpoint.handle(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # What settings.WEBPUSH_ALLOW_HOSTS lists to let the outbound guard through to this service.
        self.host_port = f"127.0.0.1:{self.server.server_address[1]}"
        self.origin = f"http://{self.host_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def device(self) -> Device:
        path = f"/push/{uuid.uuid4().hex}"
        device = Device(
            path=path, key=ec.generate_private_key(ec.SECP256R1()), auth=uuid.uuid4().bytes, endpoint=self.origin + path
        )
        self.devices[path] = device
        return device

    def handle(self, path: str, headers: dict, body: bytes) -> int:
        device = self.devices.get(path)
        if device is None:
            return 404
        try:
            claims = self.check_vapid(headers.get("authorization", ""))
            if headers.get("content-encoding") != "aes128gcm":
                raise ValueError("not aes128gcm")
            if not headers.get("ttl"):
                raise ValueError("no TTL")
            plain = http_ece.decrypt(body, private_key=device.key, auth_secret=device.auth, version="aes128gcm")
            payload = json.loads(plain)
        except (ValueError, InvalidSignature, KeyError) as exc:
            self.refused.append((path, str(exc)))
            return 400
        status = self.statuses.get(path, self.status)
        if 200 <= status < 300:
            self.received.append(Received(path=path, payload=payload, claims=claims, headers=headers))
        return status

    def check_vapid(self, authorization: str) -> dict:
        """RFC 8292: "vapid t=<JWT>, k=<public key>": the JWT is ES256-signed by k, for our origin, not expired."""
        if not authorization.startswith("vapid "):
            raise ValueError("no vapid authorization")
        parts = dict(p.strip().split("=", 1) for p in authorization[6:].split(","))
        token, key = parts["t"], parts["k"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError("not ES256")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        raw = unb64url(signature_b64)
        signature = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"audience {claims.get('aud')} is not {self.origin}")
        if int(claims.get("exp", 0)) <= time.time() or int(claims["exp"]) > time.time() + 24 * 3600:
            raise ValueError("expiry outside 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("no subject")
        return claims

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received
