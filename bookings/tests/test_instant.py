"""Packages and instant booking: the price, the green zone, the strip, and every refusal."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import Package
from bands.packages import package_create, package_length_label, package_price, package_update
from bands.services import BandPermissionError
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent
from bookings.selectors.strip import band_strip, start_fits
from bookings.services import asking
from bookings.services.instant import booking_instant

from .journey import BERLIN, band_party, local

pytestmark = pytest.mark.django_db


def _instant(p, starts_at, **kw):
    kw.setdefault("price", package_price(p.instant))
    return booking_instant(
        band=p.band, package=kw.pop("package", p.instant), client=p.client, starts_at=starts_at, **kw
    )


def test_package_length_and_price():
    p = band_party()
    assert p.instant.length_minutes == 105
    assert package_length_label(p.on_request) == "3 × 45 min (2 h 45 with breaks)"
    assert package_price(p.instant) == 900
    # 165 minutes at 250 per started hour, plus the travel fee
    assert package_price(p.on_request) == 3 * 250 + 80


def test_only_leaders_create_packages_and_values_are_checked():
    p = band_party()
    with pytest.raises(BandPermissionError):
        package_create(band=p.band, by=p.member, name="X", price=1)
    with pytest.raises(ValidationError):
        package_create(band=p.band, by=p.leader, name="X", price=1, sets=0)
    made = package_create(band=p.band, by=p.leader, name=" Duo ", price=400, instant=True)
    assert made.name == "Duo" and made.currency == p.band.currency
    package_update(package=made, by=p.leader, price=450)
    made.refresh_from_db()
    assert made.price == 450


def test_instant_booking_is_booked_at_once_with_terms_and_busy_time():
    p = band_party()
    booking = _instant(p, local(10), location="Garden", guests=80, setting="outdoor")
    assert booking.status == Booking.Status.BOOKED and booking.instant
    assert booking.ends_at - booking.starts_at == dt.timedelta(minutes=105)
    assert booking.fee == 900 and booking.package == p.instant
    assert "30 days" in booking.cancel_terms
    assert booking.cancel_free_until == booking.starts_at - dt.timedelta(days=30)
    assert BookingEvent.objects.filter(booking=booking, to_status="booked").count() == 1
    # every member is busy for the gig with its load-in and pack-down
    busy = BusyInterval.objects.filter(user=p.member, source="gig").get()
    assert busy.starts_at == booking.starts_at - dt.timedelta(minutes=60)
    assert busy.ends_at == booking.ends_at + dt.timedelta(minutes=30)
    # the band's leaders are told
    assert p.leader.notifications.filter(kind="booking_booked").exists()


def test_instant_booking_declines_pending_requests_it_makes_impossible():
    p = band_party()
    asked = asking.booking_request(
        band=p.band, client=UserFactory(), starts_at=local(10, 20), ends_at=local(10, 23), time_zone="Europe/Berlin"
    )
    _instant(p, local(10, 21))
    asked.refresh_from_db()
    assert asked.status == Booking.Status.DECLINED


@pytest.mark.parametrize(
    "case",
    ["not_instant", "other_band", "withdrawn", "past", "tampered_price", "member", "outside_zone", "taken"],
)
def test_instant_booking_refusals_change_nothing(case):
    p = band_party()
    other = band_party()
    kw = {}
    starts = local(12)
    error = ValidationError
    client = p.client
    if case == "not_instant":
        kw["package"], kw["price"] = p.on_request, package_price(p.on_request)
    elif case == "other_band":
        kw["package"] = other.instant
    elif case == "withdrawn":
        Package.objects.filter(pk=p.instant.pk).update(active=False)
        p.instant.refresh_from_db()
    elif case == "past":
        starts = local(-1)
    elif case == "tampered_price":
        kw["price"], error = 1, BookingConflict
    elif case == "member":
        client, error = p.member, BookingPermissionError
    elif case == "outside_zone":
        BusyInterval.objects.create(
            user=p.member,
            starts_at=starts - dt.timedelta(hours=3),
            ends_at=starts - dt.timedelta(minutes=30),
            source="rule",
            source_id=1,
        )
        error = BookingConflict
    elif case == "taken":
        _instant(p, starts + dt.timedelta(minutes=30))
        error = BookingConflict
    before = Booking.objects.count()
    with pytest.raises(error):
        kw.setdefault("price", package_price(kw.get("package", p.instant)))
        booking_instant(band=p.band, package=kw.pop("package", p.instant), client=client, starts_at=starts, **kw)
    assert Booking.objects.count() == before


def test_suspended_band_takes_no_instant_booking():
    p = band_party(status="suspended")
    with pytest.raises(BookingError):
        _instant(p, local(10))


def test_strip_days_and_starts_follow_the_green_zone():
    p = band_party()
    # The member is busy on day 5 from 18:00 to 21:00 Berlin: evening starts that day do not fit.
    BusyInterval.objects.create(user=p.member, starts_at=local(5, 18), ends_at=local(5, 21), source="rule", source_id=1)
    _instant(p, local(7, 20))
    strip = band_strip(band=p.band, length=dt.timedelta(minutes=105), viewer_zone="Europe/London", weeks=2)
    assert strip.band_zone == "Europe/Berlin" and strip.viewer_zone == "Europe/London"
    assert len(strip.days) == 14
    day5 = strip.day(local(5).date())
    assert day5.status == "partly"
    labels = [s.band_label for s in day5.starts]
    assert "20:00" not in labels and "23:00" in labels and "10:00" in labels
    assert "16:00" not in labels  # 16:00 + 1 h 45 + 30 min pack-down runs into 18:00
    assert day5.starts[0].viewer_label == "09:00"  # 10:00 Berlin is 09:00 London
    assert strip.day(local(7).date()).status == "booked"
    assert strip.day(local(8).date()).status == "free"
    # What the strip offers, booking takes; what it leaves out, booking refuses.
    assert start_fits(band=p.band, starts_at=local(5, 22, 30), length=dt.timedelta(minutes=105), now=local(0, 0))
    assert not start_fits(band=p.band, starts_at=local(5, 20), length=dt.timedelta(minutes=105), now=local(0, 0))


def test_strip_of_a_band_with_two_gigs_a_day_keeps_the_rest_of_the_day():
    p = band_party(two_gigs_a_day=True)
    _instant(p, local(7, 20))
    day = band_strip(band=p.band, length=dt.timedelta(minutes=105), viewer_zone="Europe/Berlin", weeks=2).day(
        local(7).date()
    )
    assert day.status == "partly" and "12:00" in [s.band_label for s in day.starts]


def test_strip_runs_three_queries(django_assert_num_queries):
    p = band_party()
    with django_assert_num_queries(3):
        band_strip(band=p.band, length=dt.timedelta(minutes=105), viewer_zone="Europe/Berlin", weeks=8)


def test_every_start_the_strip_offers_books_and_every_other_is_refused():
    """The strip and the booking read the green zone the same way, start by start, over two weeks of
    scattered busy time."""
    import random

    from bookings.selectors.strip import _candidates

    p = band_party()
    rng = random.Random(7)
    for i in range(25):
        start = local(rng.randint(1, 13), rng.randint(8, 23), rng.choice((0, 30)))
        ends = start + dt.timedelta(minutes=rng.randint(30, 240))
        person = rng.choice((p.leader, p.member))
        BusyInterval.objects.create(user=person, starts_at=start, ends_at=ends, source="rule", source_id=i)
    length = dt.timedelta(minutes=p.instant.length_minutes)
    now = local(0, 9)
    strip = band_strip(band=p.band, length=length, viewer_zone="Europe/Berlin", weeks=2, now=now)
    for day in strip.days:
        offered = {s.at for s in day.starts}
        for at in _candidates(day.day, BERLIN):
            assert start_fits(band=p.band, starts_at=at, length=length, now=now) == (at in offered), (day.day, at)
