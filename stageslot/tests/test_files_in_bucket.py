"""Files in an S3-compatible bucket (docs/decisions/0063-files-in-a-bucket.md), against a real moto server
the tests start (stageslot/s3_testing.py): a photo or an avatar uploaded through its page lands in the
bucket and the page shows it from the bucket's own address, which answers with its bytes; a booking file
in its private bucket downloads only through the access-checking view, and one gone from the bucket is
the clear 404 of core/files/stored_files.py."""

import io
import logging
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.tests.factories import UserFactory
from accounts.tests.images import png_upload
from bands.models import ApprovalStatus, BandPhoto, Membership
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.services.files import booking_file_add
from bookings.tests.test_detail_views import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def fetch(url: str) -> bytes:
    """What a browser gets at `url`: the moto server answers as the bucket's public address would."""
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (the test's own server)
        return answer.read()


def bucket_object(s3_server, bucket: str, key: str) -> bytes:
    return s3_server.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def test_a_band_photo_lands_in_the_bucket_and_shows_from_its_address(client, s3_server, media_in_bucket):
    band = BandFactory(slug="night-shift", status=ApprovalStatus.APPROVED)
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER).user
    client.force_login(leader)
    response = client.post(
        reverse("bands:photos", args=["night-shift"]), {"image": png_upload((800, 600)), "caption": "On stage"}
    )
    assert response.status_code == 302
    photo = BandPhoto.objects.get(band=band)
    stored = bucket_object(s3_server, media_in_bucket, photo.image.name)
    assert Image.open(io.BytesIO(stored)).format == "WEBP"
    html = client.get(reverse("bands:photos", args=["night-shift"])).content.decode()
    address = f"{s3_server.url}/{media_in_bucket}/{photo.image.name}"
    assert f'src="{address}"' in html
    assert "X-Amz-Signature" not in html  # its own plain address, the same on every node
    assert fetch(address) == stored


def test_an_avatar_lands_in_the_bucket_and_the_same_name_twice_keeps_both(client, s3_server, media_in_bucket):
    user = UserFactory()
    client.force_login(user)
    form = {"display_name": "Ada", "time_zone": "Europe/Berlin", "language": "en"}
    assert client.post(reverse("accounts:profile"), {**form, "avatar": png_upload((200, 200))}).status_code == 302
    user.refresh_from_db()
    first = user.avatar.name
    html = client.get(reverse("accounts:profile")).content.decode()
    address = re.search(r'class="avatar avatar--lg"\s+src="([^"]+)"', html).group(1)
    assert address == f"{s3_server.url}/{media_in_bucket}/{first}"
    assert fetch(address) == bucket_object(s3_server, media_in_bucket, first)
    assert client.post(reverse("accounts:profile"), {**form, "avatar": png_upload((200, 200))}).status_code == 302
    user.refresh_from_db()
    assert user.avatar.name != first  # never written over another file


def test_the_pages_let_images_come_from_the_bucket_only_when_media_is_there():
    from stageslot.settings.base import content_security_policy, media_origin

    page, _admin = content_security_policy(
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        stripe_js_url="https://js.stripe.com/v3/",
        stripe_api_base="https://api.stripe.com",
        media_origin=media_origin(bucket="m", endpoint_url="http://127.0.0.1:9000", custom_domain=None),
    )
    assert "img-src 'self' data: https://tiles.example.org http://127.0.0.1:9000;" in page
    assert media_origin(bucket="m", endpoint_url=None, custom_domain="media.example.org/x") == (
        "https://media.example.org"
    )
    assert media_origin(bucket="", endpoint_url="http://127.0.0.1:9000", custom_domain=None) == ""


@pytest.fixture
def booking_world(booking_files_in_bucket):
    w = make_world()
    w.stranger = UserFactory()
    w.row = booking_file_add(
        booking=w.application, by=w.leader, upload=SimpleUploadedFile("rider.pdf", PDF), title="Rider", kind="rider"
    )
    w.url = reverse("bookings:file_download", args=[w.application.uid, w.row.pk])
    return w


def test_a_booking_file_in_the_bucket_downloads_only_through_the_access_check(
    booking_world, s3_server, booking_files_in_bucket, settings
):
    w = booking_world
    assert bucket_object(s3_server, booking_files_in_bucket, w.row.file.name) == PDF
    stranger = Client(raise_request_exception=False)
    stranger.force_login(w.stranger)
    assert stranger.get(w.url).status_code == 404
    member = Client()
    member.force_login(w.leader)
    response = member.get(w.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    page = member.get(reverse("bookings:files", args=[w.application.uid])).content.decode()
    assert s3_server.url not in page and booking_files_in_bucket not in page  # no address into the bucket
    # The bucket itself lets no one in without the keys…
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(f"{s3_server.url}/{booking_files_in_bucket}/{w.row.file.name}")
    assert refused.value.code == 403
    refused.value.close()
    # …and an address the storage signs works for BOOKING_FILES_S3_URL_EXPIRY seconds only.
    signed = w.row.file.url
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == [str(settings.BOOKING_FILES_S3_URL_EXPIRY)] == ["300"]
    assert fetch(signed) == PDF


def test_a_booking_file_gone_from_the_bucket_is_the_clear_404(
    booking_world, s3_server, booking_files_in_bucket, caplog
):
    w = booking_world
    s3_server.client().delete_object(Bucket=booking_files_in_bucket, Key=w.row.file.name)
    member = Client(raise_request_exception=False)
    member.force_login(w.leader)
    with caplog.at_level(logging.WARNING, logger="core.files.stored_files"):
        response = member.get(w.url)
    assert response.status_code == 404
    assert "our storage no longer has it" in response.content.decode()
    assert any(w.row.file.name in r.getMessage() for r in caplog.records if r.name == "core.files.stored_files")


# ---- Moving an existing site's files to the buckets ---------------------------------------------


def test_moving_files_copies_each_once_checks_it_and_says_what_it_did(s3_server, s3_buckets, settings):
    from bands.tests.factories import BandPhotoFactory
    from bookings.models import BookingFile

    # A site on disk: two photos (one of them since lost from the disk), an avatar and a booking file.
    photo = BandPhotoFactory()
    lost = BandPhotoFactory()
    Path(settings.MEDIA_ROOT, lost.image.name).unlink()
    user = UserFactory()
    user.avatar.save("a.png", png_upload((50, 50)))
    w = make_world()
    row = booking_file_add(
        booking=w.application, by=w.leader, upload=SimpleUploadedFile("rider.pdf", PDF), title="Rider", kind="rider"
    )
    on_disk = Path(settings.MEDIA_ROOT, photo.image.name).read_bytes()
    media, private = s3_buckets.media(), s3_buckets.booking_files()

    dry = io.StringIO()
    call_command("move_files_to_bucket", "--dry-run", stdout=dry, stderr=io.StringIO())
    assert "Dry run, nothing copied: 3 copied, 0 already there, 1 missing on disk, 0 failed" in dry.getvalue()
    assert s3_server.client().list_objects_v2(Bucket=media)["KeyCount"] == 0

    out, err = io.StringIO(), io.StringIO()
    call_command("move_files_to_bucket", stdout=out, stderr=err)
    assert "3 copied, 0 already there, 1 missing on disk, 0 failed" in out.getvalue()
    assert lost.image.name in err.getvalue()
    assert bucket_object(s3_server, media, photo.image.name) == on_disk
    assert bucket_object(s3_server, private, BookingFile.objects.get(pk=row.pk).file.name) == PDF
    user.refresh_from_db()
    assert fetch(user.avatar.url) == bucket_object(s3_server, media, user.avatar.name)  # the row, unchanged

    again = io.StringIO()
    call_command("move_files_to_bucket", stdout=again, stderr=io.StringIO())
    assert "0 copied, 3 already there, 1 missing on disk, 0 failed" in again.getvalue()


def test_moving_files_fails_loudly_when_a_copy_cannot_be_made(s3_server, s3_buckets):
    from bands.tests.factories import BandPhotoFactory

    photo = BandPhotoFactory()
    media = s3_buckets.media()
    s3_server.client().delete_bucket(Bucket=media)  # the bucket is not there to take it
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("move_files_to_bucket", stdout=io.StringIO(), stderr=err)
    assert f"failed: {photo.image.name}" in err.getvalue()


def test_moving_files_needs_a_bucket():
    with pytest.raises(CommandError, match="No bucket is set"):
        call_command("move_files_to_bucket", stdout=io.StringIO())
