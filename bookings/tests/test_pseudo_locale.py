"""Every word of the bookings pages is marked for translation: each main page, drawn in the pseudo-locale
as the person who uses it, shows no letters outside ⟦…⟧ once the page's own data is taken out."""

import re
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import Package
from bookings.models import Booking
from bookings.services.venue_slots import offer_invite_create
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from stageslot.tests.pseudo import PageData, database_words, pseudo_locale, unwrapped_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="renders every page of its area in the pseudo-locale")]


LINK = re.compile(r"https?://\S+")


def _data() -> PageData:
    """The database's words, and every time zone's name as a select shows it (data, not words)."""
    zones = zoneinfo.available_timezones()
    return PageData(database_words() | zones | {zone.replace("_", " ") for zone in zones})


# ---- A small world ------------------------------------------------------------------------------------


@pytest.fixture
def world(django_user_model):
    venue, owner = venue_with_owner(name="Zum Anker", time_zone="Europe/Berlin")
    band, leader = band_with_leader(name="Night Owls", time_zone="Europe/Berlin")
    client_user = UserFactory(display_name="Cleo Client", time_zone="Europe/Berlin")
    slot = SlotFactory(venue=venue, title="Indie Night", support_places=2)
    other_slot = SlotFactory(venue=venue, title="Jazz Brunch", support_places=0)
    application = BookingFactory(band=band, slot=slot, message="We are loud.")
    request = BookingFactory(
        band=band,
        slot=None,
        venue=None,
        kind=Booking.Kind.REQUEST,
        client=client_user,
        requested_by=client_user,
        starts_at=in_days(30),
        event_type="Wedding",
        location="Hall 9",
        guests=80,
        message="Please play.",
    )
    Package.objects.create(band=band, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=900)
    return {
        "venue": venue,
        "owner": owner,
        "band": band,
        "leader": leader,
        "client": client_user,
        "slot": slot,
        "other_slot": other_slot,
        "application": application,
        "request": request,
    }


def _pages(w) -> dict[str, list[str]]:
    """Who reads which page: anonymous, the band's leader, the venue's owner, the client."""
    band, venue, slot = w["band"], w["venue"], w["slot"]
    return {
        "anonymous": [
            reverse("bookings:gig_finder"),
            reverse("bookings:slot_detail", args=[slot.pk]),
            reverse("bookings:request", args=[band.slug]),
            reverse("bookings:book", args=[band.slug]),
            reverse("bookings:band_calendar", args=[band.slug]),
            reverse("bookings:venue_slots_live", args=[venue.slug]),
            reverse("bookings:venue_whats_on", args=[venue.slug]),
            reverse("bookings:band_shows", args=[band.slug]),
        ],
        "leader": [
            reverse("bookings:inbox"),
            reverse("bookings:inbox") + "?tab=waiting",
            reverse("bookings:detail", args=[w["application"].uid]),
            reverse("bookings:detail", args=[w["request"].uid]),
            reverse("bookings:files", args=[w["application"].uid]),
            reverse("bookings:gig_finder") + f"?band={band.slug}",
            reverse("bookings:slot_detail", args=[slot.pk]),
            reverse("bookings:saved_searches"),
            reverse("bookings:tour_planner", args=[band.slug]),
            reverse("bookings:band_share", args=[band.slug]),
            reverse("bookings:my_feeds"),
            reverse("bookings:webhooks"),
            reverse("bookings:shows_mine"),
            reverse("bookings:show_new"),
            reverse("bookings:blocks"),
            reverse("bookings:block_new") + f"?booking={w['request'].uid}",
            reverse("bookings:report_new") + f"?booking={w['request'].uid}",
        ],
        "owner": [
            reverse("bookings:inbox"),
            reverse("bookings:detail", args=[w["application"].uid]),
            reverse("bookings:venue_slots", args=[venue.slug]),
            reverse("bookings:venue_slot_new", args=[venue.slug]),
            reverse("bookings:venue_slot_series", args=[venue.slug]),
            reverse("bookings:slot_manage", args=[venue.slug, slot.pk]),
            reverse("bookings:venue_applications", args=[venue.slug]),
            reverse("bookings:offer_band", args=[band.slug]),
            reverse("bookings:my_feeds"),
        ],
        "client": [
            reverse("bookings:inbox"),
            reverse("bookings:detail", args=[w["request"].uid]),
            reverse("bookings:request", args=[band.slug]),
            reverse("bookings:book", args=[band.slug]),
            reverse("bookings:book", args=[band.slug]) + "?step=2",
            reverse("bookings:block_new") + f"?band={band.slug}",
            reverse("bookings:report_new") + f"?band={band.slug}",
        ],
    }


def _findings(client, url: str, data: PageData) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    return [f"{url} {f}" for f in unwrapped_text(html, data=data)]


def test_every_word_of_the_bookings_pages_is_marked(client, world):
    data = _data()
    users = {"leader": world["leader"], "owner": world["owner"], "client": world["client"]}
    found = []
    with pseudo_locale():
        for role, urls in _pages(world).items():
            client.logout()
            if role != "anonymous":
                client.force_login(users[role])
            for url in urls:
                found += _findings(client, url, data)
    assert found == [], "\n".join(found)


def test_the_offer_email_is_marked_in_both_parts(world, django_capture_on_commit_callbacks):
    with pseudo_locale(), django_capture_on_commit_callbacks(execute=True):
        offer_invite_create(
            slot=world["slot"],
            by=world["owner"],
            email="new-band@example.com",
            role=Booking.Role.HEADLINER,
            fee=None,
            message="",
            band_name="The New Ones",
            site_url="http://testserver",
        )
    message = mail.outbox[-1]
    data = _data()
    text = message.body
    # The plain text part: every line with letters outside the brackets, once data and links are out.
    loose = [
        line
        for line in text.splitlines()
        if line.strip() and unwrapped_text("<p>" + LINK.sub("", line) + "</p>", data=data)
    ]
    assert loose == []
    html = message.alternatives[0][0]
    assert unwrapped_text(html, data=data) == []
