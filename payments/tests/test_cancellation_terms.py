"""What a cancellation gives back and the words that promise it come from one reading of the terms: for
quote windows, custom terms with no window, a band's own terms before and after the free date, the band
or the payer cancelling, the sentence a person reads names the percentage the refund pays. A cancel
form or API call made on a plan that has changed since it was shown is refused and changes nothing.
No Stripe call is made (payments applied as Stripe's answer would be; nothing is refunded)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from bands.packages import package_price
from bookings.errors import BookingConflict
from bookings.models import Booking, Quote
from bookings.selectors.cancellation import cancellation_terms
from bookings.services.instant import booking_instant
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.journey import band_party, local
from payments.models import Refund
from payments.selectors import split_percent
from payments.services.refunds import booking_cancel_refund, refund_plan
from payments.tests.money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db

# The words, read back by someone who only has the sentences: each payer line is a window (days, %).
PAYER_LINES = [
    (r"Cancelled by the payer (\d+) days? or more before the gig: (\d+) % back", lambda m: (int(m[1]), int(m[2]))),
    (r"Cancelled by the payer (?:at any time|later): (\d+) % back", lambda m: (0, int(m[1]))),
    (r"Cancelled by the payer (?:at any time|later): nothing back", lambda m: (0, 0)),
]
BAND_LINE = r"Cancelled by the band: (\d+) % back"
NOW_LINE = r"Cancelled now(?:, (\d+) days? before the gig|, on the day of the gig| by the band): (\d+) % back"


def words_say(words, *, by_band: bool, days: int) -> int:
    """The percentage the words promise for a cancellation `days` calendar days before the gig."""
    if by_band:
        return int(next(m for w in words if (m := re.fullmatch(BAND_LINE, w)))[1])
    for line in words:
        for pattern, window in PAYER_LINES:
            if m := re.fullmatch(pattern, line):
                window_days, percent = window(m)
                if days >= window_days:
                    return percent
    raise AssertionError(f"the words say nothing for {days} days before the gig: {words}")


def now_says(sentence: str) -> tuple[int | None, int]:
    """(days before the gig or None for the band's line, percentage) of the sentence for now."""
    m = re.fullmatch(NOW_LINE, sentence)
    assert m, sentence
    if "by the band" in sentence:
        return None, int(m[2])
    return (int(m[1]) if m[1] else 0), int(m[2])


def moment(booking: Booking, days: int, hour: int = 12) -> dt.datetime:
    """`days` calendar days before the gig's day, at `hour` in the gig's zone."""
    day = booking.starts_at.astimezone(booking.zone).date() - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=booking.zone)


def check(booking: Booking, *, by, by_band: bool, expected: dict[int, int]) -> None:
    """At each day before the gig: the plan pays what the terms' words and the sentence for now say,
    and what `expected` says it should."""
    for days, percent in expected.items():
        for hour in (0, 12, 23):
            now = moment(booking, days, hour)
            if now >= booking.ends_at:
                continue
            plan = refund_plan(booking=booking, by=by, now=now)
            assert plan.percent == percent, (days, hour, plan.now)
            assert words_say(plan.words, by_band=by_band, days=days) == plan.percent, (days, plan.words)
            said_days, said_percent = now_says(plan.now)
            assert said_percent == plan.percent and said_days == (None if by_band else days)
            assert plan.refund_minor == split_percent(plan.paid_minor, plan.percent)
            assert plan.words == cancellation_terms(booking, by=by, now=now).words


@pytest.fixture
def world():
    w = money_world()
    w.gig = agreed(w.request, band_side=w.leader, other_side=w.client)  # windows: 30 days 100 %, 14 days 50 %
    pay_next(w.gig, by=w.client)
    w.gig.starts_at, w.gig.ends_at = local(60, 20), local(60, 23)
    Booking.objects.filter(pk=w.gig.pk).update(starts_at=w.gig.starts_at, ends_at=w.gig.ends_at)
    return w


def test_quote_windows_words_and_amount_agree(world):
    assert list(refund_plan(booking=world.gig, by=world.client).words) == [
        "Cancelled by the payer 30 days or more before the gig: 100 % back",
        "Cancelled by the payer 14 days or more before the gig: 50 % back",
        "Cancelled by the payer later: nothing back",
        "Cancelled by the band: 100 % back",
    ]
    payer = {45: 100, 30: 100, 29: 50, 14: 50, 13: 0, 1: 0, 0: 0}
    check(world.gig, by=world.client, by_band=False, expected=payer)
    check(world.gig, by=world.leader, by_band=True, expected=dict.fromkeys(payer, 100))


def test_custom_terms_without_a_window_mean_no_refund_in_words_and_amount(world):
    Quote.objects.filter(pk=world.gig.agreed_quote_id).update(cancel_preset="custom", cancel_windows=[])
    gig = Booking.objects.select_related("agreed_quote", "band").get(pk=world.gig.pk)
    assert list(refund_plan(booking=gig, by=world.client).words) == [
        "Cancelled by the payer at any time: nothing back",
        "Cancelled by the band: 100 % back",
    ]
    check(gig, by=world.client, by_band=False, expected={59: 0, 30: 0, 0: 0})
    check(gig, by=world.leader, by_band=True, expected={59: 100, 0: 100})


def test_days_are_calendar_days_where_the_gig_is_played(world):
    """A gig at half past midnight: at 01:00 thirty calendar days before, it is 29 days and 23½ hours
    away, and still "30 days or more before" as the words count, so everything goes back."""
    start = local(60, 0, 30)
    Booking.objects.filter(pk=world.gig.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    gig = Booking.objects.select_related("agreed_quote", "band").get(pk=world.gig.pk)
    plan = refund_plan(booking=gig, by=world.client, now=start - dt.timedelta(days=29, hours=23, minutes=30))
    assert (plan.percent, plan.now) == (100, "Cancelled now, 30 days before the gig: 100 % back")
    plan = refund_plan(booking=gig, by=world.client, now=start - dt.timedelta(hours=1))
    assert (plan.percent, plan.now) == (0, "Cancelled now, 1 day before the gig: 0 % back")


@pytest.fixture
def instant():
    """An instant booking (no quote) under the band's terms: free until 30 days before, then 50 %."""
    p = band_party()
    p.booking = booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(60), price=package_price(p.instant)
    )
    pay_next(p.booking, by=p.client)
    p.booking = Booking.objects.select_related("band").get(pk=p.booking.pk)
    return p


def test_a_bookings_own_terms_before_and_after_the_free_date(instant):
    booking = instant.booking
    assert booking.cancel_late_percent == 50 and booking.agreed_quote_id is None
    assert list(refund_plan(booking=booking, by=instant.client).words) == [
        "Cancelled by the payer 30 days or more before the gig: 100 % back",
        "Cancelled by the payer later: 50 % back",
        "Cancelled by the band: 100 % back",
    ]
    payer = {59: 100, 31: 100, 30: 100, 29: 50, 10: 50, 0: 50}
    check(booking, by=instant.client, by_band=False, expected=payer)
    check(booking, by=instant.leader, by_band=True, expected=dict.fromkeys(payer, 100))


def test_the_band_changing_its_terms_later_changes_no_booking(instant):
    instant.band.cancel_free_days, instant.band.cancel_late_percent = 7, 100
    instant.band.save(update_fields=["cancel_free_days", "cancel_late_percent"])
    booking = Booking.objects.select_related("band").get(pk=instant.booking.pk)
    check(booking, by=instant.client, by_band=False, expected={30: 100, 29: 50, 7: 50})
    # A booking made before the late fee was kept on it reads the band's fee as it is now.
    Booking.objects.filter(pk=booking.pk).update(cancel_late_percent=None)
    booking = Booking.objects.select_related("band").get(pk=booking.pk)
    check(booking, by=instant.client, by_band=False, expected={30: 100, 29: 0, 7: 0})


def test_an_instant_booking_with_a_zero_day_free_period_charges_its_fee_at_once(instant):
    instant.band.cancel_free_days = 0
    instant.band.save(update_fields=["cancel_free_days"])
    booking = booking_instant(
        band=instant.band,
        package=instant.instant,
        client=instant.client,
        starts_at=local(40),
        price=package_price(instant.instant),
    )
    pay_next(booking, by=instant.client)
    booking = Booking.objects.select_related("band").get(pk=booking.pk)
    assert cancellation_terms(booking).words[0] == "Cancelled by the payer at any time: 50 % back"
    check(booking, by=instant.client, by_band=False, expected={39: 50, 0: 50})


# ---- A plan that changed since it was shown ----------------------------------------------------


def fingerprint_on(page) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]+)"', page.content.decode())[1]


def test_the_cancel_form_refuses_a_plan_that_changed_since_the_page(client, world):
    client.force_login(world.client)
    url = reverse("payments:booking", args=[world.gig.uid])
    page = client.get(url)
    shown = fingerprint_on(page)
    assert "Cancelled now, 60 days before the gig: 100 % back – 240 EUR of the 240 EUR paid." in page.content.decode()
    # Meanwhile the agreed terms become stricter: nothing back this far before the gig.
    Quote.objects.filter(pk=world.gig.agreed_quote_id).update(cancel_windows=[{"days": 90, "refund_percent": 100}])
    cancel = reverse("payments:cancel", args=[world.gig.uid])
    refused = client.post(cancel, {"reason": "Rain", "fingerprint": shown})
    text = refused.content.decode()
    assert refused.status_code == 409
    assert "What cancelling gives back has changed since it was shown to you." in text
    assert "Cancelled now, 60 days before the gig: 0 % back (0 EUR of the 240 EUR paid)" in text
    world.gig.refresh_from_db()
    assert world.gig.status == Booking.Status.BOOKED and not Refund.objects.exists()
    fresh = fingerprint_on(refused)
    assert fresh != shown
    assert client.post(cancel, {"reason": "Rain", "fingerprint": fresh}).status_code == 302
    world.gig.refresh_from_db()
    assert world.gig.status == Booking.Status.CANCELLED and not Refund.objects.exists()


def test_the_api_refuses_a_plan_that_changed_since_the_preview(world):
    api = ApiClient(token_for(world.client))
    preview = api.get(f"/api/v1/bookings/{world.gig.uid}/refund-preview").json()
    assert (preview["percent"], preview["now"]) == (100, "Cancelled now, 60 days before the gig: 100 % back")
    assert preview["terms"][-1] == "Cancelled by the band: 100 % back" and preview["fingerprint"]
    Quote.objects.filter(pk=world.gig.agreed_quote_id).update(cancel_windows=[{"days": 90, "refund_percent": 100}])
    cancel = f"/api/v1/bookings/{world.gig.uid}/cancel-with-refund"
    refused = api.post(cancel, {"reason": "Rain", "fingerprint": preview["fingerprint"]})
    assert refused.status_code == 409 and "has changed since it was shown" in refused.json()["detail"]
    world.gig.refresh_from_db()
    assert world.gig.status == Booking.Status.BOOKED and not Refund.objects.exists()
    fresh = api.get(f"/api/v1/bookings/{world.gig.uid}/refund-preview").json()
    assert fresh["percent"] == 0 and fresh["fingerprint"] != preview["fingerprint"]
    assert api.post(cancel, {"reason": "Rain", "fingerprint": fresh["fingerprint"]}).status_code == 200


def test_the_service_refuses_a_stale_fingerprint_and_takes_none(world):
    shown = refund_plan(booking=world.gig, by=world.client, now=moment(world.gig, 20))
    assert shown.percent == 50
    later = moment(world.gig, 13)  # a window closed meanwhile: half back became nothing
    with pytest.raises(BookingConflict, match="has changed since it was shown"):
        booking_cancel_refund(
            booking=world.gig, by=world.client, reason="Rain", now=later, fingerprint=shown.fingerprint
        )
    world.gig.refresh_from_db()
    assert world.gig.status == Booking.Status.BOOKED and not Refund.objects.exists()
    # Shown again on the same day, the same plan has the same fingerprint.
    assert refund_plan(booking=world.gig, by=world.client, now=moment(world.gig, 20, 18)).fingerprint == (
        shown.fingerprint
    )
