"""Instant booking's own limits (band settings): a minimum notice, and the most gigs a day and a week
in the band's zone. The service refuses past them under the band's lock, and the strip never offers a
start they would refuse."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from bands import services as band_services
from bands.packages import package_price
from bookings.errors import BookingConflict
from bookings.models import Booking
from bookings.selectors.strip import band_strip, start_fits
from bookings.services.instant import booking_instant
from stageslot.tests import pseudo

from .journey import BERLIN, band_party, local

pytestmark = pytest.mark.django_db


def _instant(p, starts_at, **kw):
    return booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=starts_at, price=package_price(p.instant), **kw
    )


def _starts(strip, day):
    return [s.at for s in strip.day(day).starts]


def test_a_gig_sooner_than_the_notice_is_refused_and_not_offered():
    p = band_party()
    assert p.band.instant_notice_hours == 24
    now, start = local(3, 14), local(3, 20)  # six hours ahead: enough for a request, not for instant booking
    with pytest.raises(ValidationError) as caught:
        _instant(p, start, now=now)
    assert "at least 24 hours ahead" in str(caught.value.message_dict["starts_at"])
    assert not Booking.objects.exists()
    day = start.astimezone(BERLIN).date()
    length = dt.timedelta(minutes=p.instant.length_minutes)
    assert _starts(band_strip(band=p.band, length=length, viewer_zone="Europe/Berlin", now=now), day)
    assert not _starts(band_strip(band=p.band, length=length, viewer_zone="Europe/Berlin", now=now, instant=True), day)
    assert not start_fits(band=p.band, starts_at=start, length=length, now=now, instant=True)
    # a band that takes gigs at four hours' notice is booked
    p.band.instant_notice_hours = 4
    p.band.save()
    assert _instant(p, start, now=now).status == Booking.Status.BOOKED


def test_most_gigs_a_day_counts_booked_gigs_in_the_band_zone():
    p = band_party(two_gigs_a_day=True, instant_max_per_day=1)
    _instant(p, local(10, 14))
    with pytest.raises(BookingConflict, match="at most 1 gig a day"):
        _instant(p, local(10, 20))
    assert Booking.objects.count() == 1
    length = dt.timedelta(minutes=p.instant.length_minutes)
    strip = band_strip(band=p.band, length=length, viewer_zone="Europe/London", instant=True)
    assert not _starts(strip, local(10).date()) and _starts(strip, local(11).date())
    # a request (not instant) still sees the rest of the day
    assert _starts(band_strip(band=p.band, length=length, viewer_zone="Europe/London"), local(10).date())
    assert _instant(p, local(11, 20)).status == Booking.Status.BOOKED


def test_most_gigs_a_week_runs_monday_to_sunday():
    p = band_party(instant_max_per_week=2)
    today = local(0).date()
    monday = 7 + 7 - today.weekday()  # days from today to a Monday at least a week ahead
    _instant(p, local(monday, 20))
    _instant(p, local(monday + 2, 20))
    with pytest.raises(BookingConflict, match="at most 2 gigs a week"):
        _instant(p, local(monday + 6, 20))  # the Sunday
    length = dt.timedelta(minutes=p.instant.length_minutes)
    strip = band_strip(band=p.band, length=length, viewer_zone="Europe/Berlin", instant=True)
    assert not _starts(strip, local(monday + 4).date())
    assert _starts(strip, local(monday + 7).date())
    assert _instant(p, local(monday + 7, 20)).status == Booking.Status.BOOKED  # the next Monday


def test_the_limits_are_band_settings_checked_before_saving():
    p = band_party()
    keep = {"load_in_minutes": 60, "pack_down_minutes": 30, "two_gigs_a_day": False}
    band_services.band_gig_times_set(
        band=p.band, by=p.leader, instant_notice_hours=48, instant_max_per_day=1, instant_max_per_week=3, **keep
    )
    p.band.refresh_from_db()
    assert (p.band.instant_notice_hours, p.band.instant_max_per_day, p.band.instant_max_per_week) == (48, 1, 3)
    with pytest.raises(ValidationError) as caught:
        band_services.band_gig_times_set(band=p.band, by=p.leader, instant_max_per_day=0, **keep)
    assert "instant_max_per_day" in caught.value.message_dict
    p.band.refresh_from_db()
    assert p.band.instant_max_per_day == 1
    with pytest.raises(band_services.BandPermissionError):
        band_services.band_gig_times_set(band=p.band, by=p.member, instant_max_per_day=None, **keep)
    band_services.band_gig_times_set(band=p.band, by=p.leader, instant_max_per_day=None, **keep)
    p.band.refresh_from_db()
    assert p.band.instant_max_per_day is None


# ---- In the reader's language ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", pseudo.CODE])
def test_a_refusal_by_the_limits_is_in_the_readers_language(language):
    """The refusal is a translated sentence with the band's figures in it (the pseudo-locale wraps
    every translated word, so an English f-string would show through)."""
    p = band_party(two_gigs_a_day=True, instant_max_per_day=1)
    _instant(p, local(10, 14))
    with pseudo.pseudo_locale() if language == pseudo.CODE else translation.override(language):
        with pytest.raises(BookingConflict) as caught:
            _instant(p, local(10, 20))
        sentence = translation.ngettext(
            "%(band)s takes at most %(count)s gig a day by instant booking, and that day is full. "
            "Choose another day, or send a request instead.",
            "%(band)s takes at most %(count)s gigs a day by instant booking, and that day is full. "
            "Choose another day, or send a request instead.",
            1,
        ) % {"band": p.band.name, "count": 1}
        nothing = translation.gettext("%(problem)s Nothing was booked.") % {"problem": sentence}
    assert str(caught.value) == nothing
    if language == pseudo.CODE:
        assert nothing.startswith(pseudo.OPEN + pseudo.OPEN + p.band.name)
    assert Booking.objects.count() == 1


def test_a_notice_too_short_is_refused_in_the_readers_language():
    p = band_party()
    with pseudo.pseudo_locale(), pytest.raises(ValidationError) as caught:
        _instant(p, local(3, 20), now=local(3, 14))
    (problem,) = caught.value.message_dict["starts_at"]
    assert problem == (
        f"{pseudo.OPEN}{p.band.name} takes instant bookings at least 24 hours ahead. "
        f"Choose a later time, or send a request instead.{pseudo.CLOSE}"
    )
