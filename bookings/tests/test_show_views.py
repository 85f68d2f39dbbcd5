"""The show pages: the public page (JSON-LD, Open Graph, tickets, calendar file), hosting, My shows,
managing (applicants, tickets, support places), a band's shows and a venue's "What's on" – every
URL for the host, an act, the venue's staff, another band, a stranger and an anonymous visitor."""

import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from icalendar import Calendar

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.tests.factories import BandEmbedFactory
from bookings.models import BillMessage, Booking
from bookings.services import answering, asking, shows
from bookings.services.venue_slots import slot_cancel
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from venues.models import Slot, Ticket

# The casts are made once for the module and its tests run one after another in one process.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("show_views")]


class HeadReader(HTMLParser):
    """The page's JSON-LD blocks and Open Graph properties."""

    def __init__(self) -> None:
        super().__init__()
        self.ld: list[dict] = []
        self.og: dict[str, str] = {}
        self._in_ld = False
        self._buf = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("type") == "application/ld+json":
            self._in_ld, self._buf = True, ""
        if tag == "meta" and (a.get("property") or "").startswith("og:"):
            self.og[a["property"]] = a.get("content", "")

    def handle_data(self, data):
        if self._in_ld:
            self._buf += data

    def handle_endtag(self, tag):
        if tag == "script" and self._in_ld:
            self.ld.append(json.loads(self._buf))
            self._in_ld = False


def head_of(html: str) -> HeadReader:
    reader = HeadReader()
    reader.feed(html)
    return reader


def host_show(band, leader, *, places=2, title="Release show", days=12) -> Slot:
    start = in_days(days, 20)
    return shows.show_host(
        band=band,
        by=leader,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        doors_at=start - dt.timedelta(hours=1),
        time_zone="Europe/Berlin",
        title=title,
        place_name="Zukunft",
        place_address="Laskerstraße 5",
        place_city="Berlin",
        support_places=places,
        fee=150,
    )


@pytest.fixture(scope="module")
def module_cast(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """cast_rows(), made once for the module: each test reads and changes them in a savepoint of its own."""
    with rows_for_the_module(django_db_blocker):
        yield cast_rows()


@pytest.fixture
def cast(module_cast) -> dict:
    return as_it_is_now(module_cast)


def cast_rows() -> dict:
    """A hosted show with one act booked and one applicant waiting, and everyone around it."""
    host_band, host = band_with_leader(name="The Hosts")
    show = host_show(host_band, host)
    act_band, act = band_with_leader(name="The Act")
    booking = asking.booking_apply(slot=show, band=act_band, by=act, role="support")
    answering.booking_accept(booking=booking, by=host)
    applicant_band, applicant = band_with_leader(name="Hopefuls")
    BandEmbedFactory(band=applicant_band)
    waiting = asking.booking_apply(slot=show, band=applicant_band, by=applicant, role="support")
    _, other = band_with_leader(name="Other band")
    venue, staff = venue_with_owner(name="Kellerbar")
    show.refresh_from_db()
    return {
        "show": show,
        "host": host,
        "host_band": host_band,
        "act": act,
        "act_band": act_band,
        "applicant": applicant,
        "waiting": waiting,
        "other": other,
        "staff": staff,
        "venue": venue,
        "stranger": UserFactory(),
    }


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


# ---- The public page ---------------------------------------------------------------------------


def test_the_show_page_lists_the_line_up_times_and_carries_json_ld_and_open_graph(client, cast):
    show = cast["show"]
    shows.show_tickets_set(
        slot=show,
        by=cast["host"],
        entry="tickets",
        sold_out=False,
        tickets=[shows.TicketLine("Presale", "https://tickets.example/x", Decimal("10"), Decimal("14"))],
    )
    response = client.get(reverse("bookings:show_detail", args=[show.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # Line-up in running order: the support before the headliner.
    lineup = html.split('<ol class="lineup">', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r'<a href="/bands/[^"]+/">([^<]+)</a>', lineup) == ["The Act", "The Hosts"]
    assert "Europe/Berlin" in html and "On sale" in html
    assert 'href="https://tickets.example/x"' in html and "10–14 EUR" in html
    assert reverse("bookings:show_ics", args=[show.pk]) in html
    head = head_of(html)
    (ld,) = head.ld
    assert ld["@type"] == "MusicEvent" and ld["name"] == "Release show"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", ld["startDate"])
    assert ld["eventStatus"] == "https://schema.org/EventScheduled"
    assert [p["name"] for p in ld["performer"]] == ["The Act", "The Hosts"]
    assert ld["location"]["name"] == "Zukunft" and ld["location"]["address"]["addressLocality"] == "Berlin"
    assert ld["offers"][0]["url"] == "https://tickets.example/x" and ld["offers"][0]["price"] == "10.00"
    assert head.og["og:title"] == "Release show" and head.og["og:url"].endswith(f"/shows/{show.pk}/")


def test_json_ld_cannot_be_broken_out_of(client):
    band, leader = band_with_leader(name="</script><script>alert(1)</script>")
    show = host_show(band, leader, title="</script>&<!--")
    html = client.get(reverse("bookings:show_detail", args=[show.pk])).content.decode()
    assert "</script><script>alert(1)" not in html
    (ld,) = head_of(html).ld
    assert ld["name"] == "</script>&<!--"


def test_sold_out_cancelled_free_entry_and_door(client, cast):
    show, host = cast["show"], cast["host"]
    url = reverse("bookings:show_detail", args=[show.pk])
    shows.show_tickets_set(slot=show, by=host, entry="free", sold_out=False, tickets=[])
    html = client.get(url).content.decode()
    assert "Free entry" in html and head_of(html).ld[0]["offers"][0]["price"] == "0"
    shows.show_tickets_set(slot=show, by=host, entry="door", sold_out=True, tickets=[])
    html = client.get(url).content.decode()
    assert "Sold out" in html and head_of(html).ld[0]["offers"][0]["availability"] == "https://schema.org/SoldOut"
    slot_cancel(slot=show, by=host, reason="Flooded")
    html = client.get(url).content.decode()
    assert "Cancelled" in html and head_of(html).ld[0]["eventStatus"] == "https://schema.org/EventCancelled"


def test_the_calendar_file_is_one_event(client, cast):
    response = client.get(reverse("bookings:show_ics", args=[cast["show"].pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(events) == 1 and str(events[0]["SUMMARY"]) == "Release show"
    assert "Laskerstraße 5" in str(events[0]["LOCATION"])


def test_the_show_page_query_count_does_not_grow_with_the_line_up(client, cast, django_assert_max_num_queries):
    url = reverse("bookings:show_detail", args=[cast["show"].pk])
    with django_assert_max_num_queries(4):
        client.get(url)


def test_a_hidden_or_missing_show_is_404(client, cast):
    cast["host_band"].status = "suspended"
    cast["host_band"].save()
    assert client.get(reverse("bookings:show_detail", args=[cast["show"].pk])).status_code == 404
    assert client.get(reverse("bookings:show_detail", args=[99999])).status_code == 404


def test_a_free_band_sees_it_is_free_and_can_apply_from_the_page(client, cast):
    band, leader = band_with_leader(name="Newcomers")
    client.force_login(leader)
    html = client.get(reverse("bookings:show_detail", args=[cast["show"].pk])).content.decode()
    assert "Newcomers is free" in html and "Apply as support" in html
    response = client.post(reverse("bookings:show_apply", args=[cast["show"].pk]), {"band": band.pk, "message": "Hi"})
    booking = Booking.objects.get(band=band)
    assert response.status_code == 302 and response["Location"] == reverse("bookings:detail", args=[booking.uid])


# ---- Access to every URL -------------------------------------------------------------------------

WHO = ["host", "act", "staff", "other", "stranger", None]


def _status(client, cast, who, method, url, data=None):
    as_user(client, cast[who] if who else None)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    client.logout()
    return response.status_code


@pytest.mark.parametrize("who", WHO)
def test_public_urls_answer_everyone(client, cast, who):
    show = cast["show"]
    for name, args in (
        ("bookings:show_detail", [show.pk]),
        ("bookings:show_ics", [show.pk]),
        ("bookings:band_shows", [cast["host_band"].slug]),
        ("bookings:venue_whats_on", [cast["venue"].slug]),
    ):
        assert _status(client, cast, who, "get", reverse(name, args=args)) == 200, name


@pytest.mark.parametrize(
    ("who", "expected"),
    [("host", 200), ("act", 404), ("staff", 404), ("other", 404), ("stranger", 404), (None, 302)],
)
def test_the_manage_page_is_for_the_host(client, cast, who, expected):
    assert _status(client, cast, who, "get", reverse("bookings:show_manage", args=[cast["show"].pk])) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("host", 302), ("act", 404), ("staff", 404), ("other", 404), ("stranger", 404), (None, 302)],
)
def test_only_the_host_changes_tickets(client, cast, who, expected):
    url = reverse("bookings:show_tickets", args=[cast["show"].pk])
    status = _status(client, cast, who, "post", url, {"entry": "free"})
    assert status == expected
    cast["show"].refresh_from_db()
    assert (cast["show"].entry == "free") == (who == "host")


@pytest.mark.parametrize(
    ("who", "expected"),
    [("host", 302), ("act", 404), ("staff", 404), ("other", 404), ("stranger", 404), (None, 302)],
)
def test_only_the_host_accepts_an_applicant(client, cast, who, expected):
    waiting = cast["waiting"]
    url = reverse("bookings:show_answer", args=[cast["show"].pk, waiting.uid, "accept"])
    assert _status(client, cast, who, "post", url) == expected
    waiting.refresh_from_db()
    assert (waiting.status == "booked") == (who == "host")


@pytest.mark.parametrize(
    ("who", "expected"), [("host", 200), ("act", 200), ("other", 200), ("stranger", 403), (None, 302)]
)
def test_hosting_is_for_band_leaders(client, cast, who, expected):
    assert _status(client, cast, who, "get", reverse("bookings:show_new")) == expected


@pytest.mark.parametrize(("who", "expected"), [("host", 200), ("act", 200), ("stranger", 200), (None, 302)])
def test_my_shows_needs_a_login(client, cast, who, expected):
    assert _status(client, cast, who, "get", reverse("bookings:shows_mine")) == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("host", 400), ("act", 409), ("other", 302), ("stranger", 403), (None, 302)]
)
def test_applying_from_the_show_page(client, cast, who, expected):
    bands = {"host": cast["host_band"], "act": cast["act_band"]}
    band = bands.get(who) or (cast["other"].memberships.first().band if who == "other" else None)
    before = Booking.objects.count()
    status = _status(client, cast, who, "post", reverse("bookings:show_apply", args=[cast["show"].pk]),
                     {"band": band.pk if band else ""})  # fmt: skip
    assert status == expected
    assert Booking.objects.count() == before + (1 if who == "other" else 0)


def test_the_manage_page_lists_applicants_with_their_players(client, cast, django_assert_max_num_queries):
    client.force_login(cast["host"])
    url = reverse("bookings:show_manage", args=[cast["show"].pk])
    html = client.get(url).content.decode()
    assert "Hopefuls" in html and "<iframe" in html and "Accept Hopefuls" in html
    for i in range(4):
        band, leader = band_with_leader(name=f"More {i}")
        BandEmbedFactory(band=band)
        asking.booking_apply(slot=cast["show"], band=band, by=leader, role="support")
    with django_assert_max_num_queries(16):
        client.get(url)


def test_bad_ticket_links_are_refused_on_the_page(client, cast):
    client.force_login(cast["host"])
    url = reverse("bookings:show_tickets", args=[cast["show"].pk])
    for bad in ("javascript:alert(1)", "ftp://example.com/t"):
        response = client.post(url, {"entry": "tickets", "label_0": "X", "url_0": bad})
        assert response.status_code == 400
        assert "https://" in response.content.decode()
    assert not Ticket.objects.exists()


# ---- A venue's slot: the headliner asks, the venue decides ---------------------------------------


@pytest.fixture(scope="module")
def module_venue_cast(django_db_setup, django_db_blocker) -> Iterator[dict]:
    with rows_for_the_module(django_db_blocker):
        yield venue_cast_rows()


@pytest.fixture
def venue_cast(module_venue_cast) -> dict:
    return as_it_is_now(module_venue_cast)


def venue_cast_rows() -> dict:
    venue, staff = venue_with_owner()
    slot = SlotFactory(venue=venue, support_places=2)
    band, leader = band_with_leader(name="Top")
    answering.booking_accept(booking=asking.booking_apply(slot=slot, band=band, by=leader, role="headliner"), by=staff)
    _, other = band_with_leader(name="Other")
    return {"slot": slot, "staff": staff, "host": leader, "other": other, "stranger": UserFactory(), "act": other}


@pytest.mark.parametrize(("who", "expected"), [("host", 302), ("staff", 403), ("other", 404), (None, 302)])
def test_only_the_headliner_asks(client, venue_cast, who, expected):
    url = reverse("bookings:show_support_ask", args=[venue_cast["slot"].pk])
    assert _status(client, venue_cast, who, "post", url, {"places": 1}) == expected


def test_asking_for_more_places_than_the_venue_allows_is_refused(client, venue_cast):
    client.force_login(venue_cast["host"])
    response = client.post(reverse("bookings:show_support_ask", args=[venue_cast["slot"].pk]), {"places": 5})
    assert response.status_code == 400 and "allows 2 more" in response.content.decode()
    venue_cast["slot"].refresh_from_db()
    assert venue_cast["slot"].support_pick_asked_at is None


@pytest.mark.parametrize(("who", "expected"), [("staff", 302), ("host", 403), ("other", 404), (None, 302)])
def test_only_the_venue_hands_over(client, venue_cast, who, expected):
    url = reverse("bookings:show_support_picker", args=[venue_cast["slot"].pk])
    assert _status(client, venue_cast, who, "post", url, {"picker": "headliner"}) == expected
    venue_cast["slot"].refresh_from_db()
    assert venue_cast["slot"].headliner_picks_support == (who == "staff")


# ---- Lists: a band's shows, a venue's What's on ---------------------------------------------------


def test_band_shows_upcoming_and_past_paged_with_a_fixed_query_count(client, django_assert_max_num_queries):
    band, leader = band_with_leader(name="Busy Bees")
    for i in range(12):
        host_show(band, leader, title=f"Show {i}", days=5 + i)
    url = reverse("bookings:band_shows", args=[band.slug])
    with django_assert_max_num_queries(3):
        html = client.get(url).content.decode()
    assert "Show 0" in html and "Show 10" not in html and "Page 1 of 2" in html
    html = client.get(url, {"page": 2}).content.decode()
    assert "Show 10" in html
    Slot.objects.filter(title="Show 0").update(starts_at=in_days(-10), ends_at=in_days(-10) + dt.timedelta(hours=2))
    html = client.get(url, {"past": "1"}).content.decode()
    assert "Show 0" in html and "Show 1<" not in html


def test_whats_on_lists_the_venues_booked_shows_with_a_fixed_query_count(client, django_assert_max_num_queries):
    venue, staff = venue_with_owner(name="Kellerbar")
    for i in range(12):
        slot = SlotFactory(venue=venue, title=f"Night {i}", starts_at=in_days(5 + i))
        band, leader = band_with_leader(name=f"Headliner {i}")
        answering.booking_accept(
            booking=asking.booking_apply(slot=slot, band=band, by=leader, role="headliner"), by=staff
        )
    SlotFactory(venue=venue, title="Nobody yet")
    url = reverse("bookings:venue_whats_on", args=[venue.slug])
    with django_assert_max_num_queries(3):
        html = client.get(url).content.decode()
    assert "Night 0" in html and "Headliner 0" in html and "Nobody yet" not in html and "Page 1 of 2" in html


def test_the_band_and_venue_pages_load_their_show_lists(client, cast):
    html = client.get(reverse("bands:detail", args=[cast["host_band"].slug])).content.decode()
    assert reverse("bookings:band_shows", args=[cast["host_band"].slug]) in html
    html = client.get(reverse("venues:detail", args=[cast["venue"].slug])).content.decode()
    assert reverse("bookings:venue_whats_on", args=[cast["venue"].slug]) in html


def test_the_finder_card_of_a_support_call_links_to_the_show(client, cast):
    html = client.get(reverse("bookings:gig_finder"), {"role": "support_call"}).content.decode()
    assert reverse("bookings:show_detail", args=[cast["show"].pk]) in html
    assert "Support call" in html and "hosted by The Hosts" in html


# ---- The running order on the manage page --------------------------------------------------------


def local(show, minutes: int) -> str:
    """The show's local wall time `minutes` after its start, as a time input sends it."""
    return f"{(show.starts_at + dt.timedelta(minutes=minutes)).astimezone(show.zone):%H:%M}"


def order_post(cast, **override):
    show = cast["show"]
    acts = {b.band.name: b for b in Booking.objects.filter(slot=show, status="booked").select_related("band")}
    data = {
        "doors": local(show, -60),
        "curfew": local(show, 230),
        f"load_in_{acts['The Act'].pk}": local(show, -120),
        f"set_start_{acts['The Act'].pk}": local(show, 0),
        f"set_end_{acts['The Act'].pk}": local(show, 40),
        f"load_in_{acts['The Hosts'].pk}": local(show, -180),
        f"set_start_{acts['The Hosts'].pk}": local(show, 60),
        f"set_end_{acts['The Hosts'].pk}": local(show, 150),
    }
    data.update(override)
    return data, acts


@pytest.mark.parametrize(
    ("who", "expected"),
    [("host", 302), ("act", 404), ("staff", 404), ("other", 404), ("stranger", 404), (None, 302)],
)
def test_only_the_host_sets_the_running_order(client, cast, who, expected):
    data, acts = order_post(cast)
    url = reverse("bookings:show_running_order", args=[cast["show"].pk])
    assert _status(client, cast, who, "post", url, data) == expected
    acts["The Act"].refresh_from_db()
    assert (acts["The Act"].set_starts_at is not None) == (who == "host")


def test_the_running_order_shows_on_the_public_page_in_the_venue_zone(client, cast):
    client.force_login(cast["host"])
    data, _ = order_post(cast)
    client.post(reverse("bookings:show_running_order", args=[cast["show"].pk]), data)
    client.logout()
    show = cast["show"]
    html = client.get(reverse("bookings:show_detail", args=[show.pk])).content.decode()
    assert f"{local(show, 0)}–{local(show, 40)}" in html and f"{local(show, 60)}–{local(show, 150)}" in html
    assert "Europe/Berlin" in html


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ({"set_end_ACT": 70}, "overlap"),
        ({"set_start_ACT": -300, "set_end_ACT": -270}, "outside the show"),
        ({"doors": 30}, "before the first set"),
    ],
)
def test_a_bad_running_order_is_a_clear_400(client, cast, override, words):
    client.force_login(cast["host"])
    data, acts = order_post(cast)
    pk = acts["The Act"].pk
    data.update({k.replace("ACT", str(pk)): local(cast["show"], v) for k, v in override.items()})
    response = client.post(reverse("bookings:show_running_order", args=[cast["show"].pk]), data)
    assert response.status_code == 400 and words in response.content.decode()
    acts["The Act"].refresh_from_db()
    assert acts["The Act"].set_starts_at is None


# ---- The bill thread -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("host", 200), ("act", 200), ("applicant", 404), ("other", 404), ("stranger", 404), (None, 302)],
)
def test_the_bill_thread_is_for_the_acts_and_the_host(client, cast, who, expected):
    assert _status(client, cast, who, "get", reverse("bookings:show_bill", args=[cast["show"].pk])) == expected


def test_the_venue_reads_and_writes_its_slots_bill_thread(client, venue_cast):
    url = reverse("bookings:show_bill", args=[venue_cast["slot"].pk])
    assert _status(client, venue_cast, "staff", "get", url) == 200
    assert _status(client, venue_cast, "staff", "post", url, {"body": "Doors at 19:00, please"}) == 302
    assert _status(client, venue_cast, "other", "post", url, {"body": "Let me in"}) == 404
    assert Notification.objects.filter(recipient=venue_cast["host"], kind="bill_message").exists()
    assert not Notification.objects.filter(recipient=venue_cast["staff"], kind="bill_message").exists()


def test_a_bill_message_reaches_everyone_on_the_bill_and_an_empty_one_is_refused(client, cast):
    client.force_login(cast["act"])
    url = reverse("bookings:show_bill", args=[cast["show"].pk])
    assert client.post(url, {"body": "  "}).status_code == 400
    assert client.post(url, {"body": "We bring the drum kit."}).status_code == 302
    assert BillMessage.objects.count() == 1
    assert Notification.objects.filter(recipient=cast["host"], kind="bill_message").exists()
    assert not Notification.objects.filter(recipient=cast["applicant"], kind="bill_message").exists()
    client.force_login(cast["host"])
    assert "We bring the drum kit." in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("host", 302), ("act", 404), ("staff", 404), ("other", 404), ("stranger", 404), (None, 302)],
)
def test_only_the_host_cancels_its_show(client, cast, who, expected):
    url = reverse("bookings:show_cancel", args=[cast["show"].pk])
    assert _status(client, cast, who, "post", url, {"reason": "The venue flooded"}) == expected
    cast["show"].refresh_from_db()
    assert cast["show"].is_cancelled == (who == "host")


def test_cancelling_needs_a_reason_and_a_venue_slot_is_cancelled_by_its_venue(client, cast, venue_cast):
    client.force_login(cast["host"])
    response = client.post(reverse("bookings:show_cancel", args=[cast["show"].pk]), {"reason": ""})
    assert response.status_code == 400
    cast["show"].refresh_from_db()
    assert not cast["show"].is_cancelled
    client.force_login(venue_cast["host"])
    url = reverse("bookings:show_cancel", args=[venue_cast["slot"].pk])
    assert client.post(url, {"reason": "No"}).status_code == 403
    venue_cast["slot"].refresh_from_db()
    assert not venue_cast["slot"].is_cancelled


def test_my_shows_lists_hosted_and_headlined_shows_with_a_fixed_query_count(
    client, cast, venue_cast, django_assert_max_num_queries
):
    client.force_login(cast["host"])
    with django_assert_max_num_queries(6):
        html = client.get(reverse("bookings:shows_mine")).content.decode()
    assert "Release show" in html and "1 applicant waiting" in html
    client.force_login(venue_cast["host"])
    html = client.get(reverse("bookings:shows_mine")).content.decode()
    assert reverse("bookings:show_manage", args=[venue_cast["slot"].pk]) in html


def test_a_handed_over_application_shows_no_answer_buttons_to_the_venue(client, venue_cast):
    slot, staff = venue_cast["slot"], venue_cast["staff"]
    shows.show_support_picker_set(slot=slot, by=staff, picker="headliner")
    band, leader = band_with_leader(name="Hopeful")
    asking.booking_apply(slot=slot, band=band, by=leader, role="support")
    client.force_login(staff)
    html = client.get(reverse("bookings:venue_applications", args=[slot.venue.slug])).content.decode()
    assert "Hopeful" in html and "so it answers this application" in html


def test_the_booking_pages_of_a_hosted_show(client, cast):
    waiting = cast["waiting"]
    client.force_login(cast["host"])
    html = client.get(reverse("bookings:detail", args=[waiting.uid])).content.decode()
    assert "Release show" in html and "picks its support acts" in html
    assert reverse("bookings:accept", args=[waiting.uid]) in html
    assert client.post(reverse("bookings:accept", args=[waiting.uid])).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "booked"
    client.force_login(cast["applicant"])
    html = client.get(reverse("bookings:detail", args=[waiting.uid])).content.decode()
    assert reverse("bookings:show_bill", args=[cast["show"].pk]) in html
    html = client.get(reverse("bookings:inbox")).content.decode()
    assert "Zukunft" in html and "Private event" not in html
    client.force_login(cast["other"])
    assert client.get(reverse("bookings:detail", args=[waiting.uid])).status_code == 404
    client.force_login(cast["host"])
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize("who", WHO)
def test_the_show_page_links_the_bill_thread_for_those_on_the_bill(client, cast, who):
    as_user(client, cast[who] if who else None)
    html = client.get(reverse("bookings:show_detail", args=[cast["show"].pk])).content.decode()
    assert (reverse("bookings:show_bill", args=[cast["show"].pk]) in html) == (who in ("host", "act"))
