"""The platform's seal: the one module that talks to pyHanko.

A signed contract's final PDF is sealed with a PAdES signature (ETSI.CAdES.detached) made with the
platform's key, so any later change of a byte shows in every PDF reader and fails `seal_check`. The
key and certificate come from settings (DOCUMENTS_SEAL_KEY_FILE, DOCUMENTS_SEAL_CERT_FILE,
DOCUMENTS_SEAL_KEY_PASSWORD); when they are not set, a development key and self-signed certificate are
made on first use under BASE_DIR/.cache/seal/ (what `manage.py make_seal_certificate` writes), so a
developer's machine and the tests need no step. A production site without them gets the deploy
warning documents.W001 (documents/checks.py). See docs/decisions/0036-paper.md.
"""

import asyncio
import datetime as dt
import io
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FIELD_NAME = "StageSlot"
DEV_COMMON_NAME = "StageSlot development seal"
DEV_KEY_NAME = "seal-key.pem"
DEV_CERT_NAME = "seal-cert.pem"

_lock = threading.Lock()
_signers: dict[tuple, object] = {}


class SealError(Exception):
    """The seal could not be made (no readable key or certificate)."""


@dataclass(frozen=True)
class SealFiles:
    key: Path
    cert: Path
    password: bytes | None


@dataclass(frozen=True)
class SealCheck:
    """What a PDF's seal says. `valid` only when the PDF carries our seal, the signed bytes are intact,
    the signature checks against our certificate as the trust root, and it covers the entire file."""

    sealed: bool = False
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signed_at: dt.datetime | None = None
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.sealed and self.intact and self.trusted and self.whole_file


def dev_directory() -> Path:
    return Path(settings.BASE_DIR) / ".cache" / "seal"


def certificate_make(
    *, directory: Path, common_name: str = DEV_COMMON_NAME, password: bytes | None = None, days: int = 3650
) -> SealFiles:
    """Write a new EC P-256 key and a self-signed certificate for it (digital signature and
    non-repudiation) to `directory`; the files are replaced whole (written beside, then renamed)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "StageSlot"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    files = SealFiles(key=directory / DEV_KEY_NAME, cert=directory / DEV_CERT_NAME, password=password)
    for path, data, mode in (
        (files.key, key_pem, 0o600),
        (files.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644),
    ):
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        partial.chmod(mode)
        partial.replace(path)
    return files


def seal_files() -> SealFiles:
    """The key and certificate to seal with: the configured ones, else the development pair (made now
    if missing)."""
    key_file = getattr(settings, "DOCUMENTS_SEAL_KEY_FILE", "")
    cert_file = getattr(settings, "DOCUMENTS_SEAL_CERT_FILE", "")
    password = getattr(settings, "DOCUMENTS_SEAL_KEY_PASSWORD", "") or None
    if key_file and cert_file:
        return SealFiles(Path(key_file), Path(cert_file), password.encode() if password else None)
    directory = dev_directory()
    key, cert = directory / DEV_KEY_NAME, directory / DEV_CERT_NAME
    with _lock:
        if not (key.is_file() and cert.is_file()):
            logger.info("No seal certificate configured: making a development one in %s", directory)
            try:
                certificate_make(directory=directory)
            except OSError as exc:
                raise SealError(
                    f"No seal certificate is configured and none can be made in {directory}: {exc}"
                ) from exc
    return SealFiles(key, cert, None)


def _signer():
    """pyHanko's signer for the current files (kept per process, read again when a file changes)."""
    from pyhanko.sign import signers

    files = seal_files()
    try:
        marks = (files.key, files.cert, files.key.stat().st_mtime_ns, files.cert.stat().st_mtime_ns)
    except OSError as exc:
        raise SealError(f"The seal's key or certificate cannot be read: {exc}") from exc
    signer = _signers.get(marks)
    if signer is None:
        try:
            signer = signers.SimpleSigner.load(str(files.key), str(files.cert), key_passphrase=files.password)
        except (OSError, ValueError) as exc:
            raise SealError(f"The seal's key or certificate cannot be loaded: {exc}") from exc
        if signer is None:
            raise SealError("The seal's key or certificate cannot be loaded (a wrong password?).")
        _signers.clear()
        _signers[marks] = signer
    return signer


def _outside_event_loop(function, *args, **kwargs):
    """pyHanko's synchronous calls run their own event loop (asyncio.run), which fails in a thread that
    runs one already (an async caller, a Playwright test): there they run in a thread of their own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def seal_certificate():
    """Our certificate (asn1crypto), the trust root a seal is checked against."""
    return _signer().signing_cert


def seal_fingerprint() -> str:
    """The SHA-256 fingerprint of our certificate, as the verification page names it."""
    return seal_certificate().sha256.hex()


def seal_pdf(data: bytes, *, reason: str, location: str = "StageSlot") -> bytes:
    """`data` (a PDF) with our PAdES seal over the whole file, as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name="StageSlot",
    )
    out = _outside_event_loop(signers.PdfSigner(meta, signer=signer).sign_pdf, writer, output=io.BytesIO())
    return out.getvalue()


def seal_check(data: bytes) -> SealCheck:
    """Check `data` for our seal. Never raises: anything that is not a PDF sealed by us, intact and
    whole, answers with `valid` False and the reason in `problem`."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not data.startswith(b"%PDF-"):
        return SealCheck(problem="not a PDF")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sealed = [sig for sig in reader.embedded_signatures if sig.field_name == FIELD_NAME]
    except Exception as exc:
        return SealCheck(problem=f"unreadable PDF: {exc.__class__.__name__}")
    if not sealed:
        return SealCheck(problem="no StageSlot seal")
    try:
        context = ValidationContext(trust_roots=[seal_certificate()], allow_fetching=False)
        status = _outside_event_loop(validate_pdf_signature, sealed[-1], context)
    except Exception as exc:
        return SealCheck(sealed=True, problem=f"seal cannot be checked: {exc.__class__.__name__}")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return SealCheck(
        sealed=True,
        intact=bool(status.intact),
        trusted=bool(status.valid and status.trusted),
        whole_file=whole,
        signed_at=status.signer_reported_dt,
        problem="" if status.intact and status.valid and status.trusted and whole else status.summary(),
    )
