"""The client journey through the browser's eyes (test client): the guided booking, instant booking,
the band page's strip, files, new times, disputes and the packages page – and who may see each."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import Package
from bands.packages import package_price
from bookings.models import Booking, BookingFile, RescheduleProposal
from bookings.selectors.reschedule import reschedule_free_times
from bookings.services import life, reschedule
from bookings.services.files import booking_file_add
from bookings.services.instant import booking_instant

from .journey import band_party, local

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 60


def _booked(p, days=10):
    return booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(days), price=package_price(p.instant)
    )


def _walk(client, p, package: Package, day: dt.datetime):
    url = reverse("bookings:book", args=[p.band.slug])
    r = client.post(url, {"step": 1, "go": "next", "package": str(package.pk)})
    assert r.status_code == 200, r.content.decode()[:2000]
    assert b"Step 2 of 4" in r.content
    r = client.post(
        url,
        {
            "step": 2,
            "go": "next",
            "date": day.date().isoformat(),
            "start": day.strftime("%H:%M"),
            "minutes": package.length_minutes,
        },
    )
    assert r.status_code == 200, r.content.decode()
    r = client.post(
        url,
        {
            "step": 3,
            "go": "next",
            "location": "Garden, Dorfstr. 1",
            "setting": "outdoor",
            "guests": "80",
            "power_notes": "Two sockets",
            "load_in_notes": "Gravel path",
        },
    )
    assert r.status_code == 200 and b"Step 4 of 4" in r.content
    return url, r


@pytest.mark.usefixtures("localstripe")
def test_guided_instant_booking_is_paid_then_booked(client):
    from payments.models import Checkout
    from payments.tests.test_pay_views import stripe_js_confirms

    p = band_party()
    client.force_login(p.client)
    url, r = _walk(client, p, p.instant, local(10, 20))
    assert (
        b"Book now" in r.content
        and b"900 EUR" in r.content
        and b"Cancelled by the payer 30 days or more before the gig: 100 % back" in r.content
    )
    r = client.post(url, {"step": 4, "go": "confirm", "price": "900", "message": "Can't wait"})
    assert r.status_code == 302 and r.url == reverse("payments:checkout_new", args=[p.band.slug])
    assert not Booking.objects.exists()  # nothing is held or booked before the card is accepted
    r = client.get(r.url)
    checkout = Checkout.objects.get()
    assert r.url == reverse("payments:checkout", args=[checkout.uid])
    setup = client.post(reverse("payments:checkout_setup", args=[checkout.uid])).json()
    intent = stripe_js_confirms(setup["client_secret"])
    paid = client.post(reverse("payments:checkout_pay", args=[checkout.uid]), {"payment_method": intent.payment_method})
    booking = Booking.objects.get()
    assert paid.json() == {"state": "paid", "message": "Paid.", "next": reverse("bookings:detail", args=[booking.uid])}
    assert booking.status == "booked" and booking.instant and booking.location == "Garden, Dorfstr. 1"
    assert booking.setting == "outdoor" and booking.message == "Can't wait"
    page = client.get(paid.json()["next"])
    assert b"Booked instantly" in page.content


def test_tampered_price_is_a_409_and_nothing_booked(client):
    p = band_party()
    client.force_login(p.client)
    url, _ = _walk(client, p, p.instant, local(10, 20))
    r = client.post(url, {"step": 4, "go": "confirm", "price": "1"})
    assert r.status_code == 409 and b"Nothing was booked" in r.content
    assert not Booking.objects.exists()


def test_time_taken_meanwhile_is_a_409(client):
    p = band_party()
    client.force_login(p.client)
    url, _ = _walk(client, p, p.instant, local(10, 20))
    _booked(p, days=10)
    r = client.post(url, {"step": 4, "go": "confirm", "price": "900"})
    assert r.status_code == 409
    page = r.content.decode()
    assert "just taken" in page and "Nothing was booked" in page and "earlier step" not in page
    # The next free times are offered, each a button that picks it and all after the taken time.
    assert "Next free times" in page
    picks = re.findall(r'name="go"\s+value="pick:([^"]+)"', page)
    assert picks
    assert Booking.objects.count() == 1
    r = client.post(url, {"step": 2, "go": "pick:" + picks[0], "minutes": p.instant.length_minutes})
    assert r.status_code == 200


def test_losing_the_race_after_the_checks_is_a_409_with_the_next_free_times(client, monkeypatch):
    """Both clients passed the wizard's checks; the other one's booking was committed first."""
    from bookings.errors import BookingConflict
    from bookings.views import book as book_view

    p = band_party()
    client.force_login(p.client)
    url, _ = _walk(client, p, p.instant, local(10, 20))

    def beaten(**kwargs):
        _booked(p, days=10)
        raise BookingConflict("Booked at an overlapping time meanwhile. Nothing was booked.")

    monkeypatch.setattr(book_view, "booking_instant_check", beaten)
    r = client.post(url, {"step": 4, "go": "confirm", "price": "900"})
    assert r.status_code == 409
    page = r.content.decode()
    assert "just taken" in page and "Next free times" in page and "Step 2 of 4" in page
    assert Booking.objects.count() == 1


def test_instant_step_two_refuses_a_time_outside_the_green_zone(client):
    p = band_party()
    _booked(p, days=10)
    client.force_login(p.client)
    url = reverse("bookings:book", args=[p.band.slug])
    client.post(url, {"step": 1, "go": "next", "package": str(p.instant.pk)})
    r = client.post(
        url, {"step": 2, "go": "next", "date": local(10).date().isoformat(), "start": "20:00", "minutes": 105}
    )
    assert r.status_code == 409 and b"is not free then" in r.content


def test_guided_request_of_something_else_and_back_keeps_input(client):
    p = band_party()
    client.force_login(p.client)
    url = reverse("bookings:book", args=[p.band.slug])
    r = client.post(url, {"step": 1, "go": "next", "package": "other", "description": ""})
    assert r.status_code == 400 and b"Describe what you would like" in r.content
    client.post(url, {"step": 1, "go": "next", "package": "other", "description": "Acoustic duo", "budget": "500"})
    r = client.post(
        url, {"step": 2, "go": "back", "date": local(20).date().isoformat(), "start": "19:00", "minutes": "120"}
    )
    assert b"Step 1 of 4" in r.content and b"Acoustic duo" in r.content
    r = client.get(url + "?step=2")
    assert b'value="19:00"' in r.content and b'value="120"' in r.content
    client.post(
        url, {"step": 2, "go": "next", "date": local(20).date().isoformat(), "start": "19:00", "minutes": "120"}
    )
    r = client.post(url, {"step": 3, "go": "next", "location": "Town hall"})
    assert b"Send request" in r.content and b"Your budget: 500" in r.content
    r = client.post(url, {"step": 4, "go": "confirm", "message": ""})
    booking = Booking.objects.get()
    assert booking.status == "pending" and booking.fee == 500 and booking.message.startswith("Acoustic duo")
    assert booking.cancel_terms


def test_steps_cannot_be_skipped(client):
    p = band_party()
    r = client.get(reverse("bookings:book", args=[p.band.slug]) + "?step=4")
    assert b"Step 1 of 4" in r.content


def test_draft_survives_login_in_the_middle(client):
    p = band_party()
    url, _ = _walk(client, p, p.instant, local(10, 20))
    r = client.post(url, {"step": 4, "go": "confirm", "price": "900"})
    assert r.status_code == 302 and "/accounts/login/" in r.url
    client.force_login(p.client)
    r = client.get(url + "?step=4")
    assert b"Step 4 of 4" in r.content and b"Garden, Dorfstr. 1" in r.content
    r = client.post(url, {"step": 4, "go": "confirm", "price": "900"})
    assert r.status_code == 302 and r.url == reverse("payments:checkout_new", args=[p.band.slug])


def test_htmx_steps_answer_with_the_wizard_alone(client):
    p = band_party()
    r = client.post(
        reverse("bookings:book", args=[p.band.slug]),
        {"step": 1, "go": "next", "package": str(p.instant.pk)},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and b'id="wizard"' in r.content and b"<html" not in r.content
    r = client.get(
        reverse("bookings:book", args=[p.band.slug]) + "?part=price&minutes=200", headers={"HX-Request": "true"}
    )
    assert b"900 EUR" in r.content


def test_pick_from_the_strip_fills_date_and_start(client):
    p = band_party()
    url = reverse("bookings:book", args=[p.band.slug])
    r = client.get(url + f"?package={p.instant.pk}")
    assert b"Free start times on" in r.content
    day = local(9).date().isoformat()
    r = client.post(url, {"step": 2, "go": f"pick:{day}T21:00", "date": "", "start": "", "minutes": "105"})
    assert f'value="{day}"'.encode() in r.content and b'value="21:00"' in r.content


def test_band_page_strip_section(client, django_assert_max_num_queries):
    p = band_party()
    Package.objects.create(band=p.band, name="Hidden", price=1, active=False)
    url = reverse("bookings:band_strip", args=[p.band.slug])
    with django_assert_max_num_queries(8):
        r = client.get(url, headers={"HX-Request": "true"})
    assert r.status_code == 200 and b"Party set" in r.content and b"Hidden" not in r.content
    assert b"Instant booking" in r.content and b"Europe/Berlin" in r.content
    assert client.get(url).status_code == 200
    detail = client.get(reverse("bands:detail", args=[p.band.slug]))
    assert url.encode() in detail.content


def test_unapproved_band_has_no_booking_pages(client):
    p = band_party(status="pending")
    assert client.get(reverse("bookings:book", args=[p.band.slug])).status_code == 404
    assert client.get(reverse("bookings:band_strip", args=[p.band.slug])).status_code == 404


# ---- Access: every new booking URL, for both sides, another band, another client, a stranger, anonymous


def _people(p):
    other = band_party()
    other_booking = _booked(other)
    return other, other_booking


@pytest.mark.parametrize("who", ["client", "leader", "member", "other_band", "other_client", "stranger", "anonymous"])
def test_booking_pages_only_for_its_people(client, who):
    p = band_party()
    booking = _booked(p)
    other, _ = _people(p)
    row = booking_file_add(
        booking=booking, by=p.leader, upload=SimpleUploadedFile("r.pdf", PDF), title="Rider", kind="rider"
    )
    person = {
        "client": p.client,
        "leader": p.leader,
        "member": p.member,
        "other_band": other.leader,
        "other_client": other.client,
        "stranger": UserFactory(),
        "anonymous": None,
    }[who]
    if person is not None:
        client.force_login(person)
    urls = [
        reverse("bookings:files", args=[booking.uid]),
        reverse("bookings:file_download", args=[booking.uid, row.pk]),
        reverse("bookings:reschedule", args=[booking.uid]),
        reverse("bookings:dispute", args=[booking.uid]),
    ]
    for url in urls:
        r = client.get(url)
        if getattr(r, "streaming", False):
            b"".join(r.streaming_content)  # read to the end: the test client then closes the file
        if who in ("client", "leader", "member"):
            assert r.status_code == 200, url
        elif who == "anonymous":
            assert r.status_code == 302 and "/accounts/login/" in r.url
        else:
            assert r.status_code == 404, url
    proposal = reschedule.reschedule_propose(
        booking=booking, by=p.client, starts_at=local(12), ends_at=local(12, 22), reason="r"
    )
    answer = reverse("bookings:reschedule_answer", args=[booking.uid, proposal.pk, "accept"])
    if who == "anonymous":
        assert client.post(answer).status_code == 302
    elif who in ("other_band", "other_client", "stranger"):
        assert client.post(answer).status_code == 404
    elif who in ("client", "member"):
        assert client.post(answer).status_code == 403  # the proposer's side, or a plain member, cannot accept
    if who in ("other_band", "other_client", "stranger", "anonymous"):
        proposal.refresh_from_db()
        assert proposal.status == "open"
    if who in ("other_band", "other_client", "stranger"):
        for url in (urls[0], urls[2], urls[3]):
            assert client.post(url, {"reason": "x"}).status_code == 404
        assert BookingFile.objects.count() == 1 and RescheduleProposal.objects.count() == 1


def test_download_streams_the_file_as_an_attachment(client):
    p = band_party()
    booking = _booked(p)
    row = booking_file_add(
        booking=booking, by=p.leader, upload=SimpleUploadedFile("rider.pdf", PDF), title="Rider", kind="rider"
    )
    client.force_login(p.client)
    r = client.get(reverse("bookings:file_download", args=[booking.uid, row.pk]))
    assert r.streaming and b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"] == 'attachment; filename="rider.pdf"'
    assert r["X-Content-Type-Options"] == "nosniff"
    # a file of another booking, asked for under this one, is not there
    other = band_party()
    other_row = booking_file_add(
        booking=_booked(other), by=other.client, upload=SimpleUploadedFile("x.pdf", PDF), title="", kind="rider"
    )
    assert client.get(reverse("bookings:file_download", args=[booking.uid, other_row.pk])).status_code == 404


def test_upload_through_the_page_and_refusals(client):
    p = band_party()
    booking = _booked(p)
    client.force_login(p.client)
    url = reverse("bookings:files", args=[booking.uid])
    r = client.post(url, {"file": SimpleUploadedFile("plot.pdf", PDF), "kind": "stage_plot", "title": "Plot"})
    assert r.status_code == 302
    r = client.post(url, {"file": SimpleUploadedFile("virus.pdf", EXE), "kind": "contract"})
    assert r.status_code == 400 and b"whatever its name says" in r.content
    first = BookingFile.objects.get()
    r = client.post(
        url,
        {"file": SimpleUploadedFile("plot2.pdf", PDF), "kind": "stage_plot", "replaces": first.pk},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and b"version 2" in r.content and b"version 1" in r.content


def test_thirty_megabytes_is_refused_with_a_message(client, settings):
    p = band_party()
    booking = _booked(p)
    client.force_login(p.leader)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (30 * 1024 * 1024))
    r = client.post(reverse("bookings:files", args=[booking.uid]), {"file": big, "kind": "rider"})
    assert r.status_code == 400 and b"files can be at most 25 MB" in r.content
    assert not BookingFile.objects.exists()


def test_reschedule_through_the_pages(client):
    p = band_party()
    booking = _booked(p)
    client.force_login(p.client)
    url = reverse("bookings:reschedule", args=[booking.uid])
    new = local(12, 19)
    r = client.post(
        url,
        {
            "starts_at": new.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (new + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Rain",
        },
    )
    assert r.status_code == 302
    r = client.post(
        url,
        {
            "starts_at": new.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (new + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Again",
        },
    )
    assert r.status_code == 409 and b"already proposed" in r.content and b"Waiting for the other side" in r.content
    proposal = RescheduleProposal.objects.get()
    r = client.post(reverse("bookings:reschedule_answer", args=[booking.uid, proposal.pk, "accept"]))
    assert r.status_code == 403
    client.force_login(p.leader)
    r = client.post(
        reverse("bookings:reschedule_answer", args=[booking.uid, proposal.pk, "accept"]), headers={"HX-Request": "true"}
    )
    assert r.status_code == 200
    booking.refresh_from_db()
    assert booking.starts_at == new
    r = client.post(reverse("bookings:reschedule_answer", args=[booking.uid, proposal.pk, "accept"]))
    assert r.status_code == 409


def _field(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html
    )
    return found[1] if found else ""


def test_reschedule_offers_the_next_free_times_around_other_gigs_and_busy_members(client):
    p = band_party()
    booking = _booked(p, days=10)
    other = _booked(p, days=11)
    length = booking.ends_at - booking.starts_at
    # A member is busy until the gig's day and all of day 12.
    BusyInterval.objects.create(
        user=p.member, starts_at=timezone.now(), ends_at=local(10, 0), source="rule", source_id=9
    )
    BusyInterval.objects.create(user=p.member, starts_at=local(12, 0), ends_at=local(13, 0), source="rule", source_id=9)
    free = reschedule_free_times(booking=booking)
    assert free and all(t.ends_at - t.starts_at == length for t in free)
    pad_in, pad_out = dt.timedelta(minutes=p.band.load_in_minutes), dt.timedelta(minutes=p.band.pack_down_minutes)
    for t in free:
        assert not (t.starts_at - pad_in < other.ends_at and t.ends_at + pad_out > other.starts_at), t
        assert not (t.starts_at - pad_in < local(13, 0) and t.ends_at + pad_out > local(12, 0)), t
        assert t.starts_at >= local(10, 0) + pad_in, t
    # The gig's own time is no obstacle (it moves), but its current times are not offered again.
    assert free[0].starts_at == local(10, 19, 30)
    assert local(13, 20) in [t.starts_at for t in free]

    client.force_login(p.client)
    url = reverse("bookings:reschedule", args=[booking.uid])
    html = client.get(url).content.decode()
    assert "Next free times" in html and free[0].label in html
    # Prefilled with the first free time, of the gig's length, in the event's zone.
    assert _field(html, "starts_at") == f"{free[0].start_local:%Y-%m-%dT%H:%M}"
    assert _field(html, "ends_at") == f"{free[0].end_local:%Y-%m-%dT%H:%M}"

    chosen = next(t for t in free if t.starts_at == local(13, 20))
    r = client.post(url, {"pick": chosen.value, "reason": "Rain"}, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert r.status_code == 200 and f"Filled in: {chosen.label}" in html
    assert _field(html, "starts_at") == f"{chosen.start_local:%Y-%m-%dT%H:%M}"
    assert re.search(r'<textarea[^>]*data-focus[^>]*name="reason"|<textarea[^>]*name="reason"[^>]*data-focus', html)
    assert not RescheduleProposal.objects.exists()
    r = client.post(url, {"starts_at": _field(html, "starts_at"), "ends_at": _field(html, "ends_at"), "reason": "Rain"})
    assert r.status_code == 302
    proposal = RescheduleProposal.objects.get()
    assert (proposal.starts_at, proposal.ends_at) == (chosen.starts_at, chosen.ends_at)


def test_a_pick_that_is_no_time_is_a_400_and_nothing_is_proposed(client):
    p = band_party()
    booking = _booked(p)
    client.force_login(p.client)
    url = reverse("bookings:reschedule", args=[booking.uid])
    for pick in ("nonsense", "2026-13-01T20:00/x", ""):
        r = client.post(url, {"pick": pick, "reason": "Rain"})
        assert r.status_code == 400 and b"could not be read" in r.content
    assert not RescheduleProposal.objects.exists()
    client.force_login(UserFactory())
    assert client.post(url, {"pick": "nonsense"}).status_code == 404


def test_a_second_open_proposal_through_the_service_is_a_409_on_the_page(client):
    p = band_party()
    booking = _booked(p)
    reschedule.reschedule_propose(booking=booking, by=p.leader, starts_at=local(12), ends_at=local(12, 22), reason="r")
    client.force_login(p.client)
    new = local(13, 19)
    r = client.post(
        reverse("bookings:reschedule", args=[booking.uid]),
        {
            "starts_at": new.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (new + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "x",
        },
    )
    assert r.status_code == 409 and b"already proposed" in r.content
    assert RescheduleProposal.objects.count() == 1


def test_dispute_page(client, monkeypatch):
    p = band_party()
    booking = _booked(p, days=2)
    Booking.objects.filter(pk=booking.pk).update(starts_at=local(-2, 20), ends_at=local(-2, 22), status="completed")
    client.force_login(p.leader)
    url = reverse("bookings:dispute", args=[booking.uid])
    assert b"Open a dispute" in client.get(url).content
    r = client.post(url, {"reason": ""})
    assert r.status_code == 400
    r = client.post(url, {"reason": "No one paid"})
    assert r.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "disputed"
    page = client.get(reverse("bookings:detail", args=[booking.uid]))
    assert b"Disputed" in page.content


def test_late_dispute_is_refused_on_the_page(client):
    p = band_party()
    booking = _booked(p, days=2)
    Booking.objects.filter(pk=booking.pk).update(starts_at=local(-9, 20), ends_at=local(-9, 22), status="completed")
    client.force_login(p.client)
    r = client.post(reverse("bookings:dispute", args=[booking.uid]), {"reason": "late"})
    assert r.status_code == 400 and b"7 days" in r.content


def test_staff_resolve_a_dispute_in_the_admin(client):
    p = band_party()
    booking = _booked(p, days=2)
    Booking.objects.filter(pk=booking.pk).update(starts_at=local(-2, 20), ends_at=local(-2, 22), status="completed")
    life.booking_dispute(booking=booking, by=p.client, reason="Short set")
    url = reverse("admin:bookings_booking_resolve", args=[booking.pk])
    client.force_login(p.leader)
    assert client.get(url).status_code == 302  # not staff: the admin's login
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert b"Resolve this dispute" in client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content
    r = client.post(url, {"outcome": "completed", "note": ""})
    assert r.status_code == 200
    r = client.post(url, {"outcome": "completed", "note": "They played both sets."})
    assert r.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "completed"


# ---- The band's packages page


@pytest.mark.parametrize("who", ["leader", "member", "stranger", "anonymous"])
def test_packages_page_access(client, who):
    p = band_party()
    person = {"leader": p.leader, "member": p.member, "stranger": UserFactory(), "anonymous": None}[who]
    if person:
        client.force_login(person)
    url = reverse("bands:packages", args=[p.band.slug])
    edit = reverse("bands:package_edit", args=[p.band.slug, p.instant.pk])
    expected = {"leader": 200, "member": 403, "stranger": 403, "anonymous": 302}[who]
    assert client.get(url).status_code == expected
    assert client.get(edit).status_code == expected


def test_leader_adds_and_changes_packages_and_terms(client):
    p = band_party()
    other = band_party()
    client.force_login(p.leader)
    url = reverse("bands:packages", args=[p.band.slug])
    data = {
        "package-name": "Duo",
        "package-sets": 1,
        "package-set_minutes": 60,
        "package-break_minutes": 0,
        "package-price": 400,
        "package-price_unit": "fixed",
        "package-instant": "on",
        "package-active": "on",
    }
    assert client.post(url, data).status_code == 302
    assert Package.objects.get(name="Duo").band == p.band
    assert client.post(url, {**data, "package-sets": 0}).status_code == 400
    assert client.post(url, {"terms-cancel_free_days": 14, "terms-cancel_late_percent": 100}).status_code == 302
    p.band.refresh_from_db()
    assert p.band.cancellation_words == [
        "Cancelled by the payer 14 days or more before the gig: 100 % back",
        "Cancelled by the payer later: nothing back",
        "Cancelled by the band: 100 % back",
    ]
    # another band's package is not reachable under this band
    assert client.get(reverse("bands:package_edit", args=[p.band.slug, other.instant.pk])).status_code == 404


def test_steps_do_not_count_against_the_request_limit_but_confirming_does(client, settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "booking_request": "1/h"}
    p = band_party()
    client.force_login(p.client)
    url, _ = _walk(client, p, p.on_request, local(20, 18))
    assert client.post(url, {"step": 4, "go": "confirm"}).status_code == 302
    url, _ = _walk(client, p, p.on_request, local(30, 18))
    assert client.post(url, {"step": 4, "go": "confirm"}).status_code == 429
    assert Booking.objects.count() == 1


def test_a_past_start_is_refused_at_its_step(client):
    p = band_party()
    url = reverse("bookings:book", args=[p.band.slug])
    client.post(url, {"step": 1, "go": "next", "package": "other", "description": "Duo"})
    r = client.post(
        url, {"step": 2, "go": "next", "date": local(-1).date().isoformat(), "start": "20:00", "minutes": 60}
    )
    assert r.status_code == 400 and b"in the past" in r.content


def test_another_bands_package_in_the_link_is_ignored_and_a_posted_one_refused(client):
    p = band_party()
    other = band_party()
    url = reverse("bookings:book", args=[p.band.slug])
    r = client.get(url + f"?package={other.instant.pk}")
    assert b"Step 1 of 4" in r.content
    r = client.post(url, {"step": 1, "go": "next", "package": str(other.instant.pk)})
    assert r.status_code == 400 and b"Select a valid choice" in r.content


def test_a_step_shown_again_has_no_errors_before_it_is_sent(client):
    p = band_party()
    url = reverse("bookings:book", args=[p.band.slug])
    r = client.post(url, {"step": 1, "go": "next", "package": str(p.on_request.pk)})
    assert b"Step 2 of 4" in r.content and b"This field is required" not in r.content
    assert b'value="165"' in r.content  # the package's length, to start from
