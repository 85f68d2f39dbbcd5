"""pytest fixtures for tests of files in a bucket: a real S3-compatible server (moto's server mode, from
PyPI's moto[server]) started by the tests themselves, never a mock of our own
(docs/decisions/0063-files-in-a-bucket.md). Loaded by the root conftest.py as a plugin.

    def test_a_photo_in_the_bucket(media_in_bucket, client): ...        # public media in the bucket
    def test_a_rider_in_the_bucket(booking_files_in_bucket, client): ...  # booking files in the bucket
"""

import json
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from core.local_servers import HOST, child_start, child_stop, free_port
from stageslot.buckets import public_read_policy

# moto accepts any keys; these only have to be the same on both sides.
ACCESS_KEY = "stageslot-test"
SECRET_KEY = "stageslot-test-secret"  # noqa: S105
REGION = "us-east-1"


@dataclass
class S3Server:
    url: str
    _client: object = field(default=None, repr=False)

    def client(self):
        """A boto3 client for the server (one for the session), to look at buckets as an outsider would."""
        if self._client is None:
            self._client = boto3.client(
                "s3",
                endpoint_url=self.url,
                region_name=REGION,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def bucket(self, *, public: bool = False) -> str:
        """A new, empty bucket of its own for one test; `public`: anyone may read its objects, by the
        bucket policy docs/configuration.md asks for (its objects carry no ACL of their own)."""
        name = f"test-{uuid.uuid4().hex[:16]}"
        client = self.client()
        client.create_bucket(Bucket=name)
        if public:
            client.put_bucket_policy(Bucket=name, Policy=json.dumps(public_read_policy(name)))
        return name

    def options(self, bucket: str) -> dict:
        """The connection part of a django-storages S3Storage's OPTIONS for `bucket` on this server."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.url,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
        }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (our own server on this machine)
            return True
    except urllib.error.HTTPError as answer:
        answer.close()
        return True  # it answers, whatever it says
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One moto S3 server for the test session, on a free port of this machine, stopped at its end."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    log: Path = tmp_path_factory.getbasetemp() / "moto-server.log"
    moto_server = Path(sys.executable).with_name("moto_server")
    process = child_start(
        [str(moto_server), "-H", HOST, "-p", str(port)],
        name="moto_server",
        answers=lambda: _answers(url + "/moto-api/"),
        port=port,
        log=log,
        timeout=30.0,
    )
    server = S3Server(url=url)
    try:
        yield server
    finally:
        server.close()
        child_stop(process)


class Buckets:
    """Moves a test's public media or booking files into new buckets of the moto server, as
    MEDIA_S3_BUCKET and BOOKING_FILES_S3_BUCKET would; a test may call it after it made files on disk."""

    def __init__(self, server: S3Server, settings, monkeypatch) -> None:
        self.server, self.settings, self.monkeypatch = server, settings, monkeypatch

    def media(self) -> str:
        """Public media in a new bucket anyone may read; returns its name."""
        bucket = self.server.bucket(public=True)
        self.settings.STORAGES = {
            **self.settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {**self.server.options(bucket), "querystring_auth": False, "file_overwrite": False},
            },
        }
        return bucket

    def booking_files(self) -> str:
        """Booking files in a new private bucket; returns its name. BookingFile.file took its storage when
        the model loaded, so it is given the new one too."""
        from django.core.files.storage import storages

        from bookings.models import BookingFile

        bucket = self.server.bucket()
        self.settings.STORAGES = {
            **self.settings.STORAGES,
            "booking_files": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    **self.server.options(bucket),
                    "default_acl": "private",
                    "querystring_auth": True,
                    "querystring_expire": self.settings.BOOKING_FILES_S3_URL_EXPIRY,
                    "signature_version": "s3v4",
                    "file_overwrite": False,
                },
            },
        }
        self.monkeypatch.setattr(BookingFile._meta.get_field("file"), "storage", storages["booking_files"])
        return bucket

    def close(self) -> None:
        """Close the connections the S3 storages opened (their sockets would outlive the test)."""
        from django.core.files.storage import storages

        for alias in ("default", "booking_files"):
            connection = getattr(getattr(storages[alias], "_connections", None), "connection", None)
            if connection is not None:
                connection.meta.client.close()


@pytest.fixture
def s3_buckets(s3_server: S3Server, settings, monkeypatch) -> Iterator[Buckets]:
    """Buckets on the moto server for this test, made on demand (Buckets.media(), .booking_files())."""
    buckets = Buckets(s3_server, settings, monkeypatch)
    yield buckets
    buckets.close()


@pytest.fixture
def media_in_bucket(s3_buckets: Buckets) -> str:
    """Public media (photos, avatars) in a new bucket of the moto server; returns the bucket's name."""
    return s3_buckets.media()


@pytest.fixture
def booking_files_in_bucket(s3_buckets: Buckets) -> str:
    """Booking files in a new private bucket of the moto server; returns the bucket's name."""
    return s3_buckets.booking_files()
