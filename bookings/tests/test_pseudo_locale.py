"""Every word of the bookings pages is marked for translation: each main page, drawn in the pseudo-locale
as the person who uses it, shows no letters outside ⟦…⟧ once the page's own data is taken out."""

import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import Package
from bookings.models import Booking
from bookings.services.venue_slots import offer_invite_create
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from stageslot.tests.pseudo import VOID, database_words, pseudo_locale, unwrapped_text

pytestmark = pytest.mark.django_db

# ---- What is not this area's to mark (yet) -----------------------------------------------------------
# Another helper is moving the top menu, the search heading, the pager, the result cards and the
# Python-built form widgets into templates right now (issue 27). Until that merges, what they draw is
# dropped by _not_ours; remove it after that merge.
TOP_MENU = {
    "Bands",
    "Venues",
    "Gig finder",
    "Log in",
    "Sign up",
    "Dashboard",
    "Skip to content",
    "Bookings",
    "Calendar",
    "Notifications",
    "Log out",
    "Menu",
}
# Classes of what bookings/cards.py and stageslot/templatetags/pager.py draw (each class starting so).
DRAWN_IN_PYTHON = ("slot-card", "result-card", "pager")
SEARCH_HEADING = "h2#results-heading"  # "12 slots" from the found_text tag
# Python-built widgets: the finder's place and genre filters (bands/forms/search.py, PlaceGenreFields) and
# the map panel's button (places/templatetags/maps.py).
PYTHON_WIDGETS = {
    "Hide map",
    "Genres",
    "Within",
    "Near",
    "City",
    "Region or state",
    "Country",
    "Rating",
    "Any rating",
    "Any distance",
    "Any country",
    "3 stars and up",
    "3.5 stars and up",
    "4 stars and up",
    "4.5 stars and up",
    "Cities",
}


class _InDrawnMarkup(HTMLParser):
    """The text of every element whose class starts with one of DRAWN_IN_PYTHON (and of what it holds)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.texts: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        drawn = any(c.startswith(DRAWN_IN_PYTHON) for c in classes) or (bool(self.stack) and self.stack[-1])
        self.stack.append(drawn)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] and data.strip():
            self.texts.add(" ".join(data.split()))


def _not_ours(found: list, html: str) -> list:
    """The findings minus those from markup another helper is moving into templates: a top-menu label,
    the search heading, a widget built in Python, or text inside a result card or the pager."""
    walker = _InDrawnMarkup()
    walker.feed(html)
    return [
        f
        for f in found
        if f.text not in TOP_MENU
        and f.text not in PYTHON_WIDGETS
        and f.text not in walker.texts
        and not f.where.startswith(SEARCH_HEADING)
    ]


# Words drawn on these pages that belong to other areas of issue 27 (not this helper's files): each
# entry names where it comes from. Remove an entry once its area is marked.
OTHER_AREAS = {
    # templates/bands/manage/layout.html and templates/venues/manage/base.html (the manage menus)
    "Availability",
    "Packages",
    "Music & video",
    "Members",
    "Links",
    "Gig times",
    "Share availability",
    "Plan a tour",
    "Manage your band",
    "Band pages",
    "Profile",
    "Stages",
    "Staff",
    "Invites",
    "Slots",
    "Applications",
    "View public page",
    "You are an owner here. Public address:",
    "Listed publicly",
    # venues.models: Slot.Status and Slot.Visibility labels; bands.models: Currency labels
    "Booking open",
    "Public – bands can apply",
    "Invite only – you offer it to bands",
    "Support call",
    # bookings/selectors/inbox.py (tabs, sides, who a booking waits for)
    "Waiting for your answer",
    "Waiting for others",
    "Upcoming gigs",
    "History",
    "Your request",
    "Pending",
    # bookings/selectors/public.py (the public calendar's day states)
    "Available",
    "Not available",
    "Booked",
    # bookings/views/feeds.py (the feed cards' titles)
    "My gigs",
}
OTHER_AREAS_PATTERNS = (
    # bookings/services/workflow.py when_text(): "… 21:00–00:00 next day (Europe/Berlin)"
    re.compile(r"next day"),
    # bookings/selectors/inbox.py and selectors/detail.py: "Band: …", "Venue: …", "Waiting for …",
    # the viewer's part ("You play in …", "You asked for this gig.", "You are on the staff of …"),
    # the booking's title ("… at …", "… for …: wedding") and the fee's label ("Fee", "Fee asked", "Budget")
    re.compile(r"^(Band|Venue): |^Waiting for |^You (play in|asked for|are on the staff of) "),
    re.compile(r"^(← )?Night Owls (at Zum Anker|for Cleo Client: wedding)( · StageSlot)?$"),
    re.compile(r"^(Fee|Fee asked|Budget)$"),
    # bookings/pages.py: the public calendar's month title and weekday names, the live slots' day labels
    re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*( \d+ [A-Z][a-z]+ \d{4})?$|^[A-Z][a-z]+ \d{4}$"),
    # bands.models.Currency labels ("EUR – Euro")
    re.compile(r"^[A-Z]{3} – "),
)


def _other_areas(found: list) -> list:
    """The findings minus the words that other areas of issue 27 mark (OTHER_AREAS says which)."""
    return [
        f
        for f in found
        if f.text not in OTHER_AREAS and not any(pattern.search(f.text) for pattern in OTHER_AREAS_PATTERNS)
    ]


def _data() -> set[str]:
    """The database's words, and every time zone's name as a select shows it (data, not words)."""
    zones = zoneinfo.available_timezones()
    return database_words() | zones | {zone.replace("_", " ") for zone in zones}


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
        ],
    }


def _findings(client, url: str, data: set[str]) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    return [f"{url} {f}" for f in _other_areas(_not_ours(unwrapped_text(html, data=data), html))]


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
    assert found == []


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
        if line.strip() and not line.startswith("http") and _other_areas(unwrapped_text(f"<p>{line}</p>", data=data))
    ]
    assert loose == []
    html = message.alternatives[0][0]
    assert _other_areas(unwrapped_text(html, data=data)) == []
