"""Files on a booking: what is let in (by content, not name), versions, and who may add them."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory
from bands.packages import package_price
from bookings.errors import BookingPermissionError
from bookings.models import BookingFile
from bookings.services.files import booking_file_add, sniff_content_type
from bookings.services.instant import booking_instant

from .journey import band_party, local

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _booking():
    p = band_party()
    booking = booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(10), price=package_price(p.instant)
    )
    return p, booking


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"ID3\x04\x00\x00\x00", "audio/mpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"fLaC\x00\x00", "audio/flac"),
        (b"\x00\x00\x00\x20ftypM4A \x00", "audio/mp4"),
        ("Set list:\n1. Intro\n2. Ça plane pour moi\n".encode(), "text/plain"),
        (EXE, None),
        (b"\x7fELF\x02\x01\x01", None),
        (b"<!DOCTYPE html><script>alert(1)</script>", None),
        (b"", None),
    ],
)
def test_sniffing_reads_the_bytes(head, expected):
    assert sniff_content_type(head) == expected


def test_both_sides_share_files_and_a_new_version_keeps_the_old():
    p, booking = _booking()
    rider = booking_file_add(
        booking=booking, by=p.leader, upload=SimpleUploadedFile("rider.pdf", PDF), title="Rider", kind="rider"
    )
    assert rider.content_type == "application/pdf" and rider.side == "band" and rider.version == 1
    assert not rider.file.name.endswith(".pdf")  # stored under a random name
    assert p.client.notifications.filter(kind="booking_file").exists()
    newer = booking_file_add(
        booking=booking,
        by=p.member,
        upload=SimpleUploadedFile("rider2.pdf", PDF),
        title="Rider",
        kind="rider",
        replaces=rider,
    )
    assert newer.version == 2 and newer.document == rider.document
    plot = booking_file_add(
        booking=booking, by=p.client, upload=SimpleUploadedFile("plot.png", PNG), title="", kind="stage_plot"
    )
    assert plot.side == "client" and plot.title == "plot.png"
    assert BookingFile.objects.filter(booking=booking).count() == 3
    with rider.file.open("rb") as fh:
        assert fh.read() == PDF


def test_disguised_and_oversized_files_are_refused(settings):
    p, booking = _booking()
    with pytest.raises(ValidationError, match="whatever its name says"):
        booking_file_add(booking=booking, by=p.client, upload=SimpleUploadedFile("c.pdf", EXE), title="", kind="other")
    settings.BOOKING_FILE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="at most"):
        booking_file_add(
            booking=booking,
            by=p.client,
            upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048),
            title="",
            kind="other",
        )
    assert not BookingFile.objects.exists()


def test_strangers_and_other_bands_cannot_add_files():
    p, booking = _booking()
    other = band_party()
    for person in (UserFactory(), other.leader, other.client):
        with pytest.raises(BookingPermissionError):
            booking_file_add(
                booking=booking, by=person, upload=SimpleUploadedFile("a.pdf", PDF), title="", kind="rider"
            )
    other_booking = booking_instant(
        band=other.band, package=other.instant, client=other.client, starts_at=local(10), price=900
    )
    mine = booking_file_add(
        booking=booking, by=p.client, upload=SimpleUploadedFile("a.pdf", PDF), title="", kind="rider"
    )
    with pytest.raises(ValidationError):
        booking_file_add(
            booking=other_booking,
            by=other.client,
            upload=SimpleUploadedFile("a.pdf", PDF),
            title="",
            kind="rider",
            replaces=mine,
        )
