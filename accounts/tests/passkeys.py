"""A passkey in software for tests without a browser: it makes and signs WebAuthn answers the way a
platform authenticator does (ES256, "none" attestation), so allauth's real checks run on them."""

import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.webauthn import Aaguid, AttestationObject, AttestedCredentialData, AuthenticatorData

FLAGS = AuthenticatorData.FLAG


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftPasskey:
    def __init__(self, *, rp_id: str = "testserver", origin: str = "http://testserver") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.rp_id, self.origin = rp_id, origin
        self.counter = 0
        self.user_handle = b""

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def _auth_data(self, flags: int, attested: AttestedCredentialData | None = None) -> AuthenticatorData:
        self.counter += 1
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return AuthenticatorData.create(rp_hash, flags, self.counter, attested or b"")

    def create(self, creation_options: dict) -> dict:
        """The answer to navigator.credentials.create() for allauth's creation options."""
        public_key = creation_options["publicKey"]
        self.user_handle = base64.urlsafe_b64decode(public_key["user"]["id"] + "==")
        client_data = self._client_data("webauthn.create", public_key["challenge"])
        attested = AttestedCredentialData.create(
            Aaguid.NONE, self.credential_id, ES256.from_cryptography_key(self.key.public_key())
        )
        auth_data = self._auth_data(FLAGS.UP | FLAGS.UV | FLAGS.AT, attested)
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "type": "public-key",
            "id": b64u(self.credential_id),
            "rawId": b64u(self.credential_id),
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64u(client_data),
                "attestationObject": b64u(bytes(attestation)),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, request_options: dict) -> dict:
        """The answer to navigator.credentials.get() for allauth's request options."""
        client_data = self._client_data("webauthn.get", request_options["publicKey"]["challenge"])
        auth_data = bytes(self._auth_data(FLAGS.UP | FLAGS.UV))
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "type": "public-key",
            "id": b64u(self.credential_id),
            "rawId": b64u(self.credential_id),
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64u(client_data),
                "authenticatorData": b64u(auth_data),
                "signature": b64u(signature),
                "userHandle": b64u(self.user_handle),
            },
            "clientExtensionResults": {},
        }
