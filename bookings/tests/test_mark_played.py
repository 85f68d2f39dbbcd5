"""After the gig: the band marks it played (or the clock does), and hands over what its package promised
(a recording, photos, the set list as played) as files the other side downloads from the booking."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.packages import package_price, package_update
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent, BookingFile
from bookings.selectors.files import booking_deliverables
from bookings.services import ending, life, periodic
from bookings.services.files import booking_file_add
from bookings.services.instant import booking_instant
from bookings.tests.factories import band_with_leader

from .journey import band_party, local

pytestmark = pytest.mark.django_db
Status = Booking.Status

MP3 = b"ID3\x04\x00\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def party():
    p = band_party()
    package_update(package=p.instant, by=p.leader, deliverables=["photos", "recording"])
    p.instant.refresh_from_db()
    return p


def booked(p) -> Booking:
    return booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(10), price=package_price(p.instant)
    )


def started(booking: Booking, *, hours_ago: float = 1) -> Booking:
    """The gig began `hours_ago` and runs three hours (moved into the past for the pages, which read the clock)."""
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=3))
    booking.refresh_from_db()
    return booking


def upload(name: str, body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body)


# ---- Marking the gig played --------------------------------------------------------------------


def test_the_bands_leader_marks_a_started_gig_played_and_the_clock_leaves_it(party):
    booking = booked(party)
    during = booking.starts_at + dt.timedelta(minutes=30)
    life.booking_mark_played(booking=booking, by=party.leader, note="Recording follows tomorrow.", now=during)
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED and booking.status_changed_at == during
    event = BookingEvent.objects.filter(booking=booking).latest("pk")
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "booked",
        "completed",
        party.leader,
        "Recording follows tomorrow.",
    )
    assert party.client.notifications.filter(kind="booking_played").exists()
    assert party.member.notifications.filter(kind="booking_played").exists()
    assert not party.leader.notifications.filter(kind="booking_played").exists()
    assert periodic.bookings_complete(now=booking.ends_at) == 0  # the clock completes only the others


def test_an_in_progress_gig_can_be_marked_too(party):
    booking = booked(party)
    periodic.bookings_start(now=booking.starts_at + dt.timedelta(minutes=1))
    life.booking_mark_played(booking=booking, by=party.leader, now=booking.starts_at + dt.timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED


def test_not_before_the_gig_starts_and_only_once(party):
    booking = booked(party)
    with pytest.raises(BookingError, match="not started yet"):
        life.booking_mark_played(booking=booking, by=party.leader, now=booking.starts_at - dt.timedelta(minutes=1))
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED
    life.booking_mark_played(booking=booking, by=party.leader, now=booking.starts_at)
    with pytest.raises(BookingConflict, match="completed"):
        life.booking_mark_played(booking=booking, by=party.leader, now=booking.ends_at)


def test_a_cancelled_gig_is_not_played(party):
    booking = booked(party)
    ending.booking_cancel(booking=booking, by=party.client, reason="Rain")
    with pytest.raises(BookingConflict, match="cancelled"):
        life.booking_mark_played(booking=booking, by=party.leader, now=booking.starts_at + dt.timedelta(hours=1))


def test_only_the_bands_leaders_and_admins_mark_it(party):
    booking = booked(party)
    _other_band, other_leader = band_with_leader(name="Other Band")
    during = booking.starts_at + dt.timedelta(minutes=5)
    for who in (party.member, party.client, other_leader, UserFactory()):
        with pytest.raises(BookingPermissionError):
            life.booking_mark_played(booking=booking, by=who, now=during)
    with pytest.raises(ValidationError):
        life.booking_mark_played(booking=booking, by=party.leader, note="x" * 501, now=during)
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED


# ---- Deliverables ------------------------------------------------------------------------------


def test_the_band_hands_over_what_the_package_promised(party):
    booking = booked(party)
    before = booking.starts_at - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as caught:
        booking_file_add(
            booking=booking,
            by=party.leader,
            upload=upload("set.mp3", MP3),
            title="Set",
            kind="audio",
            deliverable="recording",
            now=before,
        )
    assert "deliverable" in caught.value.message_dict
    assert booking_deliverables(booking=booking).missing == ["Recording", "Photos"]

    after = booking.ends_at + dt.timedelta(hours=2)
    # The client's files are ordinary ones: only the band hands over deliverables.
    with pytest.raises(ValidationError, match="Only the band"):
        booking_file_add(
            booking=booking,
            by=party.client,
            upload=upload("x.png", PNG),
            title="X",
            kind="other",
            deliverable="photos",
            now=after,
        )
    with pytest.raises(ValidationError):
        booking_file_add(
            booking=booking,
            by=party.member,
            upload=upload("x.png", PNG),
            title="X",
            kind="other",
            deliverable="video",
            now=after,
        )
    recording = booking_file_add(
        booking=booking,
        by=party.member,
        upload=upload("set.mp3", MP3),
        title="The whole set",
        kind="audio",
        deliverable="recording",
        now=after,
    )
    assert recording.deliverable == "recording"
    assert party.client.notifications.filter(kind="booking_file", text__contains="handed over").exists()
    state = booking_deliverables(booking=booking)
    assert ([f.pk for f in state.files], state.promised, state.missing) == (
        [recording.pk],
        ["Recording", "Photos"],
        ["Photos"],
    )
    # A new version delivers what the old one did, and counts once.
    again = booking_file_add(
        booking=booking,
        by=party.leader,
        upload=upload("set2.mp3", MP3),
        title="Remastered",
        kind="audio",
        replaces=recording,
        now=after,
    )
    assert again.deliverable == "recording"
    photos = booking_file_add(
        booking=booking,
        by=party.leader,
        upload=upload("p.png", PNG),
        title="Photos",
        kind="other",
        deliverable="photos",
        now=after,
    )
    state = booking_deliverables(booking=booking)
    assert [f.pk for f in state.files] == [again.pk, photos.pk] and state.missing == []
    assert BookingFile.objects.filter(booking=booking).count() == 3


# ---- The pages ----------------------------------------------------------------------------------


def url(name: str, booking: Booking) -> str:
    return reverse(f"bookings:{name}", args=[booking.uid])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("leader", 302),
        ("member", 403),
        ("client", 403),
        ("other_leader", 404),
        ("other_client", 404),
        ("stranger", 404),
        ("anonymous", 302),
    ],
)
def test_marking_played_on_the_page_is_for_the_bands_leaders(client, party, who, expected):
    booking = started(booked(party))
    people = {
        "leader": party.leader,
        "member": party.member,
        "client": party.client,
        "other_leader": band_with_leader(name="Others")[1],
        "other_client": UserFactory(),
        "stranger": UserFactory(),
    }
    if who != "anonymous":
        client.force_login(people[who])
    response = client.post(url("played", booking), {"note": "Great night"})
    assert response.status_code == expected
    booking.refresh_from_db()
    if who == "leader":
        assert response["Location"] == url("detail", booking)
        assert booking.status == Status.COMPLETED
    else:
        assert booking.status == Status.BOOKED
        if who == "anonymous":
            assert "/accounts/login/" in response["Location"]


def test_the_page_offers_it_once_the_gig_started_and_then_shows_the_deliverables(client, party):
    booking = booked(party)
    client.force_login(party.leader)
    assert "Mark as played" not in client.get(url("detail", booking)).content.decode()
    booking = started(booking)
    page = client.get(url("detail", booking)).content.decode()
    assert "Mark as played" in page and "Still to come, as the package promises: Recording, Photos." in page
    response = client.post(url("played", booking), {"note": "x" * 501}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    response = client.post(url("played", booking), {"note": "Thanks!"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Marked as played" in response.content.decode()

    # The band's member hands over the recording on the files page; the client sees it on the booking.
    client.force_login(party.member)
    files_page = client.get(url("files", booking)).content.decode()
    assert 'name="deliverable"' in files_page
    response = client.post(
        url("files", booking),
        {"file": upload("set.mp3", MP3), "title": "Live set", "kind": "audio", "deliverable": "recording"},
    )
    assert response.status_code == 302
    client.force_login(party.client)
    assert 'name="deliverable"' not in client.get(url("files", booking)).content.decode()
    page = client.get(url("detail", booking)).content.decode()
    assert "Deliverables" in page and "Live set" in page
    assert "Still to come, as the package promises: Photos." in page
    assert f"Marked as played by {party.leader.name}" in page
    response = client.post(
        url("files", booking), {"file": upload("p.png", PNG), "title": "Mine", "kind": "other", "deliverable": "photos"}
    )
    assert response.status_code == 400 and "Only the band" in response.content.decode()


def test_the_booking_page_reads_the_same_queries_however_many_deliverables(
    client, party, django_assert_max_num_queries
):
    booking = started(booked(party))
    life.booking_mark_played(booking=booking, by=party.leader)
    client.force_login(party.client)
    counts = []
    for n in range(3):
        booking_file_add(
            booking=booking,
            by=party.leader,
            upload=upload(f"{n}.png", PNG),
            title=f"Photo {n}",
            kind="other",
            deliverable="photos",
        )
        with django_assert_max_num_queries(30) as ctx:
            client.get(url("detail", booking))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[-1]


def test_a_package_promises_its_deliverables_and_clients_read_them(client, party):
    client.force_login(party.leader)
    data = {
        "package-name": "Club night",
        "package-sets": "2",
        "package-set_minutes": "45",
        "package-break_minutes": "15",
        "package-price": "700",
        "package-price_unit": "fixed",
        "package-active": "on",
        "package-deliverables": ["set_list", "recording"],
    }
    response = client.post(reverse("bands:packages", args=[party.band.slug]), data)
    assert response.status_code == 302
    made = party.band.packages.get(name="Club night")
    assert made.deliverables == ["recording", "set_list"]  # in the list's own order
    data["package-deliverables"] = ["autographs"]
    response = client.post(reverse("bands:packages", args=[party.band.slug]), data)
    assert response.status_code == 400
    page = client.get(reverse("bookings:band_strip", args=[party.band.slug])).content.decode()
    assert "After the gig: Recording, Set list as played" in page
