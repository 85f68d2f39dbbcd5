"""The same submission many times creates one thing; creating things others are told about is
rate-limited per person with a 429 page that says when to try again."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.ratelimit import rate_parse
from accounts.tests.factories import PASSWORD
from bookings.models import Booking, Message
from bookings.tests.test_detail_views import make_world
from bookings.tests.test_request_views import anna, band, day_ahead, form_data, request_url  # noqa: F401

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_same_request_sent_100_times_is_one_request_and_one_notice_per_manager(client, band, anna):  # noqa: F811
    client.force_login(anna)
    notes_before = Notification.objects.count()
    responses = [client.post(request_url(), form_data()) for _ in range(100)]
    booking = Booking.objects.get(kind=Booking.Kind.REQUEST)
    # Each resend within the limit lands on the one request; past the limit they are refused.
    assert {r.url for r in responses[:10]} == {reverse("bookings:detail", args=[booking.uid])}
    assert {r.status_code for r in responses[10:]} == {429}
    # One notice for the band's leader, not one per resend.
    assert Notification.objects.count() - notes_before == 1


def test_a_different_request_is_a_new_one(client, band, anna):  # noqa: F811
    client.force_login(anna)
    client.post(request_url(), form_data())
    client.post(request_url(), form_data(date=day_ahead(21).isoformat()))
    client.post(request_url(), form_data(message="Second thoughts: a later dance."))
    assert Booking.objects.filter(kind=Booking.Kind.REQUEST).count() == 3


def test_the_eleventh_request_in_an_hour_gets_a_429_page_saying_when_to_try_again(client, band, anna):  # noqa: F811
    client.force_login(anna)
    for day in range(10):
        assert client.post(request_url(), form_data(date=day_ahead(20 + day).isoformat())).status_code == 302
    response = client.post(request_url(), form_data(date=day_ahead(40).isoformat()))
    assert response.status_code == 429
    html = response.content.decode()
    assert "You can send up to 10 booking requests per hour" in html
    assert "Try again in about" in html
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Booking.objects.filter(kind=Booking.Kind.REQUEST).count() == 10


def test_a_form_sent_back_with_errors_does_not_count(client, band, anna):  # noqa: F811
    client.force_login(anna)
    for _ in range(12):
        assert client.post(request_url(), form_data(budget="-5")).status_code == 400
    assert client.post(request_url(), form_data()).status_code == 302


def test_the_limits_are_per_person(client, settings, band, anna):  # noqa: F811
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "booking_request": "1/h"}
    client.force_login(anna)
    assert client.post(request_url(), form_data()).status_code == 302
    assert client.post(request_url(), form_data(date=day_ahead(22).isoformat())).status_code == 429
    client.force_login(band.drummer)
    other = band_with_other_leader()
    assert client.post(request_url(other.slug), form_data()).status_code == 302


def band_with_other_leader():
    from bookings.tests.factories import band_with_leader

    other, _ = band_with_leader(name="Brass", slug="brass")
    return other


def test_a_repeated_thread_message_is_posted_once(client):
    world = make_world()
    client.login(email=world.leader.email, password=PASSWORD)
    url = reverse("bookings:message_post", args=[world.application.uid])
    client.post(url, {"body": "See you at nine", "after": "0"}, **HTMX)
    notes = Notification.objects.filter(kind="message").count()
    assert notes == 2  # the band's other member and the venue's owner
    for _ in range(4):
        assert client.post(url, {"body": "See you at nine", "after": "0"}, **HTMX).status_code == 200
    assert Message.objects.filter(body="See you at nine").count() == 1
    assert Notification.objects.filter(kind="message").count() == notes


def test_messages_over_the_limit_get_the_429_page_in_place_for_htmx(client, settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "message": "3/10m"}
    world = make_world()
    client.login(email=world.leader.email, password=PASSWORD)
    url = reverse("bookings:message_post", args=[world.application.uid])
    for n in range(3):
        assert client.post(url, {"body": f"Note {n}", "after": "0"}, **HTMX).status_code == 200
    response = client.post(url, {"body": "Note 4", "after": "0"}, **HTMX)
    assert response.status_code == 429
    assert "You can send up to 3 messages per 10 minutes" in response.content.decode()
    assert response["HX-Retarget"] == "#main"
    assert Message.objects.count() == 3


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("apply", "application"),
        ("offer", "offer"),
        ("offer_invite", "offer"),
        ("offer_band", "offer"),
        ("band_invite", "invite"),
        ("venue_invite", "invite"),
    ],
)
def test_applications_offers_and_invites_are_limited_too(client, settings, name, action):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, action: "0/h"}
    world = make_world()
    slot = world.application.slot
    urls = {
        "apply": (reverse("bookings:apply", args=[slot.pk]), world.other_leader),
        "offer": (reverse("bookings:slot_offer", args=[world.venue.slug, slot.pk]), world.owner),
        "offer_invite": (reverse("bookings:slot_offer_invite", args=[world.venue.slug, slot.pk]), world.owner),
        "offer_band": (reverse("bookings:offer_band", args=[world.other_band.slug]), world.owner),
        "band_invite": (reverse("bands:invites", args=[world.band.slug]), world.leader),
        "venue_invite": (reverse("venues:invites", args=[world.venue.slug]), world.owner),
    }
    url, who = urls[name]
    client.force_login(who)
    before = (Booking.objects.count(), Notification.objects.count())
    response = client.post(url, {"email": "new@example.org"})
    assert response.status_code == 429
    assert "Try again in about" in response.content.decode()
    assert (Booking.objects.count(), Notification.objects.count()) == before


def test_rates_are_read_as_written():
    assert rate_parse("10/h") == rate_parse("10/60m")
    assert rate_parse("60/10m").seconds == 600
    with pytest.raises(ValueError, match="10/h or 60/10m"):
        rate_parse("ten an hour")


def test_the_same_offer_by_email_sent_twice_is_one_invite_and_one_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    from bookings.models import OfferInvite

    world = make_world()
    client.force_login(world.owner)
    url = reverse("bookings:slot_offer_invite", args=[world.venue.slug, world.application.slot_id])
    data = {"invite-email": "band@example.com", "invite-band_name": "The Newcomers", "invite-role": "support"}
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, data).status_code == 302
    assert OfferInvite.objects.filter(email="band@example.com").count() == 1
    assert [m.to for m in mailoutbox if "/offers/" in m.body] == [["band@example.com"]]


@pytest.mark.parametrize("where", ["band", "venue"])
def test_the_same_emailed_staff_or_member_invite_sent_twice_is_one_mail(
    client, mailoutbox, django_capture_on_commit_callbacks, where
):
    from bands.models import BandInvite
    from venues.models import VenueInvite

    world = make_world()
    if where == "band":
        client.force_login(world.leader)
        url, model = reverse("bands:invites", args=[world.band.slug]), BandInvite
        data = {"email": "drummer@example.com", "role": "member", "max_uses": "1", "valid_days": "14"}
    else:
        client.force_login(world.owner)
        url, model = reverse("venues:invites", args=[world.venue.slug]), VenueInvite
        data = {"email": "drummer@example.com", "role": "booker", "max_uses": "1", "valid_days": "14"}
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, data).status_code == 302
    assert model.objects.filter(email="drummer@example.com").count() == 1
    assert [m.to for m in mailoutbox] == [["drummer@example.com"]]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_a_message_over_the_limit_shows_the_wait_page_in_place(live_server, browser, settings):
    import re

    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "message": "1/10m"}
    world = make_world()
    world.leader.set_password(PASSWORD)
    world.leader.save()
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill(world.leader.email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}/bookings/{world.application.uid}/")
    page.locator("textarea[name=body]").fill("First")
    page.get_by_role("button", name="Send").click()
    page.locator(".thread").get_by_text("First").first.wait_for()
    page.locator("textarea[name=body]").fill("Second")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Please wait a little").wait_for()
    assert "You can send up to 1 message per 10 minutes" in page.locator("#main").inner_text()
