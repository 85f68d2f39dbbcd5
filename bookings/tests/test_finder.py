"""The gig finder: which slots show, the filters, and "your band is free" for a band member."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import rule_create
from bands.models import ApprovalStatus, Band, Membership
from bands.tests.factories import BandFactory, GenreFactory, MembershipFactory
from bookings.models import Booking
from bookings.selectors.finder import finder_slots, slot_bands_of
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from core.fields.scheduling import day_text
from venues.models import Slot
from venues.tests.factories import VenueFactory

# The filter form's fields and widgets, drawn by Django's form templates once per form digest (the
# filters are a cached fragment): counted apart from the results, which must not grow per card.
FORM_TEMPLATES = ("django/forms/", "accounts/widgets/", "bands/widgets/")

pytestmark = pytest.mark.django_db

URL = reverse("bookings:gig_finder")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="slot-card__title">\s*<a href="[^"]+">([^<]+)</a>', html)


def marks(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="slot-mark slot-mark--(free|busy)"', html)


def busy(user, start: dt.datetime, end: dt.datetime) -> BusyInterval:
    return BusyInterval.objects.create(
        user=user, starts_at=start, ends_at=end, source=BusyInterval.Source.RULE, source_id=1
    )


@pytest.fixture
def venue():
    return venue_with_owner(name="Kellerbar", city="Leipzig", region="Sachsen", country="DE")[0]


# ---- What shows at all --------------------------------------------------------------------------


def test_anonymous_sees_upcoming_public_open_slots_sorted_by_date(client, venue):
    SlotFactory(venue=venue, title="Later", starts_at=in_days(20))
    SlotFactory(venue=venue, title="Sooner", starts_at=in_days(5))
    SlotFactory(venue=venue, title="Needs support", starts_at=in_days(25), headliner_booked=1, support_places=2)
    SlotFactory(venue=venue, title="Past", starts_at=in_days(-2))
    # Times of their own: a slot at the factory's next time could land on one above (one show per stage).
    SlotFactory(venue=venue, title="Invite only", visibility=Slot.Visibility.INVITE, starts_at=in_days(30))
    SlotFactory(venue=venue, title="Cancelled", cancelled_at=timezone.now(), starts_at=in_days(31))
    SlotFactory(venue=VenueFactory(status=ApprovalStatus.PENDING), title="Venue in review")
    SlotFactory(
        venue=venue, title="Full", headliner_booked=1, supports_booked=1, support_places=1, starts_at=in_days(32)
    )
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response) == ["Sooner", "Later", "Needs support"]
    html = response.content.decode()
    assert '<span class="badge badge--success">Booking open</span>' in html
    assert '<span class="badge badge--warning">Need support</span>' in html
    assert not marks(response)
    assert "Your band" not in html


def test_booked_slots_show_when_asked(client, venue):
    SlotFactory(venue=venue, title="Open")
    SlotFactory(venue=venue, title="Full", headliner_booked=1, supports_booked=0, support_places=0)
    assert titles(client.get(URL)) == ["Open"]
    response = client.get(URL, {"include_booked": "on"})
    assert titles(response) == ["Open", "Full"]
    assert "With booked slots" in response.content.decode()


def test_a_card_shows_the_venue_stage_fee_places_and_genres(client, venue):
    rock = GenreFactory(name="Rock")
    SlotFactory(venue=venue, title="Rock Night", fee=450, currency="EUR", support_places=2, genres=[rock])
    SlotFactory(venue=venue, title="Open Mic", fee=None)
    html = client.get(URL).content.decode()
    assert "Kellerbar, Leipzig" in html
    assert "Main stage" in html
    assert "450 EUR" in html
    assert "3 of 3" in html
    assert "Rock" in html
    assert "Negotiable" in html
    assert "Any genre" in html


def test_anonymous_reads_times_in_the_venue_zone_named(client):
    venue = VenueFactory(time_zone="America/New_York")
    start = dt.datetime.combine(timezone.now().date() + dt.timedelta(days=9), dt.time(1, 0), tzinfo=dt.UTC)
    SlotFactory(venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    html = client.get(URL).content.decode()
    local = start.astimezone(NEW_YORK)
    assert f"{local:%H:%M}–" in html
    assert "(America/New_York)" in html


def test_a_signed_in_viewer_reads_times_in_their_own_zone(client):
    venue = VenueFactory(time_zone="Europe/Berlin")
    start = in_days(9, hour=1)
    SlotFactory(venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    client.force_login(UserFactory(time_zone="America/New_York"))
    html = client.get(URL).content.decode()
    assert f"{start.astimezone(NEW_YORK):%H:%M}–" in html
    assert "(America/New_York)" in html
    assert "(Europe/Berlin)" not in html


# ---- Filters ------------------------------------------------------------------------------------


def test_dates_are_the_viewers_days(client):
    # 02:00 UTC is still the evening before in New York.
    start = dt.datetime.combine(timezone.now().date() + dt.timedelta(days=12), dt.time(2), tzinfo=dt.UTC)
    SlotFactory(title="Late show", starts_at=start, ends_at=start + dt.timedelta(hours=2))
    SlotFactory(title="Next week", starts_at=start + dt.timedelta(days=7))
    client.force_login(UserFactory(time_zone="America/New_York"))
    ny_day = start.astimezone(NEW_YORK).date()
    response = client.get(URL, {"date_from": ny_day.isoformat(), "date_until": ny_day.isoformat()})
    assert titles(response) == ["Late show"]
    assert "Days in America/New_York" in response.content.decode()
    utc_day = start.date()
    assert titles(client.get(URL, {"date_from": utc_day.isoformat(), "date_until": utc_day.isoformat()})) == []
    assert titles(client.get(URL, {"date_from": (utc_day + dt.timedelta(days=1)).isoformat()})) == ["Next week"]


def test_city_and_region_match_the_start_any_case_and_country_the_code(client):
    SlotFactory(venue=VenueFactory(city="Leipzig", region="Sachsen", country="DE"), title="Leipzig")
    SlotFactory(venue=VenueFactory(city="Leeds", region="West Yorkshire", country="GB"), title="Leeds")
    SlotFactory(venue=VenueFactory(city="Dresden", region="Sachsen", country="DE"), title="Dresden")
    assert titles(client.get(URL, {"city": "le"})) == ["Leipzig", "Leeds"]
    assert titles(client.get(URL, {"city": "LEI"})) == ["Leipzig"]
    assert titles(client.get(URL, {"region": "sach"})) == ["Leipzig", "Dresden"]
    assert titles(client.get(URL, {"country": "GB"})) == ["Leeds"]
    assert titles(client.get(URL, {"city": "le", "country": "DE"})) == ["Leipzig"]


def test_a_genre_finds_slots_wanting_it_and_slots_open_to_any_genre(client):
    rock, jazz, punk = GenreFactory(name="Rock"), GenreFactory(name="Jazz"), GenreFactory(name="Punk")
    SlotFactory(title="Rock night", genres=[rock])
    SlotFactory(title="Jazz night", genres=[jazz])
    SlotFactory(title="Anything goes")
    SlotFactory(title="Rock or punk", genres=[rock, punk])
    assert titles(client.get(URL, {"genre": "rock"})) == ["Rock night", "Anything goes", "Rock or punk"]
    assert titles(client.get(URL, {"genre": ["jazz", "punk"]})) == ["Jazz night", "Anything goes", "Rock or punk"]


def test_fee_at_least_keeps_negotiable_slots(client):
    SlotFactory(title="Low", fee=200)
    SlotFactory(title="High", fee=800)
    SlotFactory(title="Talk to us", fee=None)
    SlotFactory(title="Exactly", fee=500)
    assert titles(client.get(URL, {"fee_min": "500"})) == ["High", "Talk to us", "Exactly"]


def test_role_open_filters_on_the_place(client):
    SlotFactory(title="Open, no support", support_places=0)
    SlotFactory(title="Open with support", support_places=1)
    SlotFactory(title="Needs support", headliner_booked=1, support_places=2, supports_booked=1)
    assert titles(client.get(URL, {"role": "headliner"})) == ["Open, no support", "Open with support"]
    assert titles(client.get(URL, {"role": "support"})) == ["Open with support", "Needs support"]


def test_filters_that_do_not_parse_are_left_out_with_a_message(client):
    SlotFactory(title="Leipzig", venue=VenueFactory(city="Leipzig"))
    SlotFactory(title="Berlin", venue=VenueFactory(city="Berlin"))
    response = client.get(
        URL,
        {"fee_min": "-5", "date_from": "soon", "role": "drummer", "country": "XX", "genre": "nope", "city": "lei"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "We left out filters we could not read" in html
    assert "Enter a date" in html
    assert titles(response) == ["Leipzig"]


def test_until_before_from_leaves_the_dates_out_with_a_message(client):
    first = SlotFactory(title="First")
    SlotFactory(title="Second", starts_at=first.starts_at + dt.timedelta(days=3))
    day = first.starts_at.date()
    response = client.get(URL, {"date_from": (day + dt.timedelta(days=2)).isoformat(), "date_until": day.isoformat()})
    assert "The last day cannot be before the first." in response.content.decode()
    assert titles(response) == ["First", "Second"]


def test_a_far_away_date_does_not_break_the_page(client):
    SlotFactory(title="Soon")
    response = client.get(URL, {"date_until": "9999-12-31", "date_from": "0001-01-01"})
    assert response.status_code == 200
    assert titles(response) == ["Soon"]


def test_a_date_beyond_the_scheduling_horizon_is_left_out_and_says_the_last_date(client):
    SlotFactory(title="Soon")
    last = timezone.localdate() + dt.timedelta(days=3 * 365 + 1)
    response = client.get(URL, {"date_from": "9999-12-01"})
    assert response.status_code == 200
    assert f"StageSlot plans at most three years ahead: pick a date up to {day_text(last)}." in response.text
    assert titles(response) == ["Soon"]


def test_pages_of_results(client):
    for n in range(26):
        SlotFactory(title=f"Slot {n:02d}")
    first = client.get(URL)
    assert len(titles(first)) == 24
    assert "page 1 of 2" in first.content.decode()
    second = client.get(URL, {"page": "2"})
    assert titles(second) == ["Slot 24", "Slot 25"]


def test_htmx_gets_the_results_alone_and_the_address_to_push(client):
    SlotFactory(title="Open")
    response = client.get(URL, {"city": "ber", "fee_min": ""}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert '<section id="results"' in html
    assert "<aside" not in html
    assert response["HX-Push-Url"] == f"{URL}?city=ber"
    page = client.get(URL).content.decode()
    assert f'hx-get="{URL}"' in page
    assert f'action="{URL}"' in page


# ---- Your band is free --------------------------------------------------------------------------


@pytest.fixture
def band_setup():
    """A band with a leader and a required drummer; the slots "Busy night" and "Free night"."""
    band, leader = band_with_leader(name="The Thaws")
    drummer = MembershipFactory(band=band, required=True).user
    busy_slot = SlotFactory(title="Busy night", starts_at=in_days(8), ends_at=in_days(8) + dt.timedelta(hours=3))
    free_slot = SlotFactory(title="Free night", starts_at=in_days(9), ends_at=in_days(9) + dt.timedelta(hours=3))
    return band, leader, drummer, busy_slot, free_slot


def test_your_band_is_free_unless_a_required_member_is_busy_during_the_slot(client, band_setup):
    _band, leader, drummer, busy_slot, _ = band_setup
    # Busy for one hour in the middle of the slot is enough to be out.
    busy(drummer, busy_slot.starts_at + dt.timedelta(hours=1), busy_slot.starts_at + dt.timedelta(hours=2))
    client.force_login(leader)
    response = client.get(URL)
    assert titles(response) == ["Busy night", "Free night"]
    assert marks(response) == ["busy", "free"]
    html = response.content.decode()
    assert "✕ Not all of The Thaws free" in html
    assert "✓ The Thaws is free" in html


def test_busy_time_touching_the_slot_does_not_count(client, band_setup):
    band, leader, drummer, busy_slot, _ = band_setup
    band.load_in_minutes = band.pack_down_minutes = 0
    band.save()
    busy(drummer, busy_slot.starts_at - dt.timedelta(hours=2), busy_slot.starts_at)
    busy(drummer, busy_slot.ends_at, busy_slot.ends_at + dt.timedelta(hours=1))
    client.force_login(leader)
    assert marks(client.get(URL)) == ["free", "free"]


def test_busy_time_in_the_slots_load_in_or_pack_down_counts(client, band_setup):
    band, leader, drummer, busy_slot, free_slot = band_setup
    band.load_in_minutes, band.pack_down_minutes = 120, 60
    band.save()
    # Another gig ends an hour before the slot starts: inside this slot's two hours of load-in.
    busy(drummer, busy_slot.starts_at - dt.timedelta(hours=3), busy_slot.starts_at - dt.timedelta(hours=1))
    # And one starts half an hour after the other slot ends: inside its hour of pack-down.
    busy(drummer, free_slot.ends_at + dt.timedelta(minutes=30), free_slot.ends_at + dt.timedelta(hours=2))
    client.force_login(leader)
    assert marks(client.get(URL)) == ["busy", "busy"]
    assert finder_slots(now=timezone.now(), band_id=band.pk, playable=True).count() == 0


def test_the_slot_page_holds_each_band_to_its_own_load_in_and_pack_down(band_setup):
    band, leader, drummer, busy_slot, _ = band_setup
    band.load_in_minutes, band.pack_down_minutes = 120, 60
    band.save()
    # A second band of the leader's that loads in for only 30 minutes.
    quick = band_with_leader(name="Quick Set")[0]
    MembershipFactory(band=quick, user=leader, required=True)
    Band.objects.filter(pk=quick.pk).update(load_in_minutes=30, pack_down_minutes=0)
    MembershipFactory(band=quick, user=drummer, required=True)
    # The drummer's other gig ends an hour before the slot: inside The Thaws' load-in, not Quick Set's.
    busy(drummer, busy_slot.starts_at - dt.timedelta(hours=3), busy_slot.starts_at - dt.timedelta(hours=1))
    free = {b.name: b.free for b in slot_bands_of(slot=busy_slot, user=leader)}
    assert free == {"The Thaws": False, "Quick Set": True}


def test_an_optional_member_being_busy_does_not_matter(client, band_setup):
    band, leader, _drummer, busy_slot, _ = band_setup
    sax = MembershipFactory(band=band, required=False).user
    busy(sax, busy_slot.starts_at, busy_slot.ends_at)
    client.force_login(leader)
    assert marks(client.get(URL)) == ["free", "free"]


def test_a_busy_rule_from_my_availability_makes_the_band_busy(client):
    band, leader = band_with_leader(name="Rule Band")
    drummer = MembershipFactory(band=band, required=True, user=UserFactory(time_zone="Europe/Berlin")).user
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    day = timezone.now().astimezone(berlin).date() + dt.timedelta(days=6)
    start = dt.datetime.combine(day, dt.time(20), tzinfo=berlin)
    SlotFactory(title="Night shift clash", starts_at=start, ends_at=start + dt.timedelta(hours=3))
    SlotFactory(
        title="Day after", starts_at=start + dt.timedelta(days=1), ends_at=start + dt.timedelta(days=1, hours=3)
    )
    rule_create(
        user=drummer,
        kind="busy",
        title="Night shift",
        start_date=day,
        start_time=dt.time(18),
        end_date=day,
        end_time=dt.time(23, 30),
    )
    client.force_login(leader)
    response = client.get(URL)
    assert titles(response) == ["Night shift clash", "Day after"]
    assert marks(response) == ["busy", "free"]
    assert titles(client.get(URL, {"playable": "on"})) == ["Day after"]


def test_only_slots_we_can_play(client, band_setup):
    band, leader, drummer, busy_slot, _ = band_setup
    busy(drummer, busy_slot.starts_at, busy_slot.ends_at)
    client.force_login(leader)
    response = client.get(URL, {"playable": "on"})
    assert titles(response) == ["Free night"]
    assert "The Thaws can play" in response.content.decode()
    # The same filter, as a selector: computed in the database.
    qs = finder_slots(now=timezone.now(), band_id=band.pk, playable=True)
    assert [s.title for s in qs] == ["Free night"]


def test_only_slots_we_can_play_means_nothing_to_a_visitor(client, band_setup):
    band = band_setup[0]
    response = client.get(URL, {"playable": "on", "band": band.slug})
    assert titles(response) == ["Busy night", "Free night"]
    assert "We left out filters" not in response.content.decode()
    assert not marks(response)


def test_the_band_picker_defaults_to_a_band_you_lead_and_switches(client, band_setup):
    _band, leader, drummer, busy_slot, _free_slot = band_setup
    side_project = BandFactory(name="Aardvarks")  # first by name, but only a member there
    MembershipFactory(band=side_project, user=leader, role=Membership.Role.MEMBER)
    busy(drummer, busy_slot.starts_at, busy_slot.ends_at)
    client.force_login(leader)
    response = client.get(URL)
    html = response.content.decode()
    assert "Marked for <strong>The Thaws</strong>" in html
    assert marks(response) == ["busy", "free"]
    response = client.get(URL, {"band": side_project.slug})
    assert "Marked for <strong>Aardvarks</strong>" in response.content.decode()
    assert marks(response) == ["free", "free"]


def test_a_band_you_are_not_in_cannot_be_picked(client, band_setup):
    _band, leader, drummer, busy_slot, _ = band_setup
    stranger_band = BandFactory(name="Strangers")
    busy(drummer, busy_slot.starts_at, busy_slot.ends_at)
    client.force_login(leader)
    response = client.get(URL, {"band": stranger_band.slug})
    html = response.content.decode()
    assert "Pick one of your bands." in html
    assert "Marked for <strong>The Thaws</strong>" in html
    assert "Strangers" not in html


def test_applied_shows_on_slots_with_a_live_booking(client, band_setup):
    band, leader, _drummer, busy_slot, free_slot = band_setup
    BookingFactory(band=band, slot=busy_slot, status=Booking.Status.PENDING)
    BookingFactory(band=band, slot=free_slot, status=Booking.Status.WITHDRAWN)
    client.force_login(leader)
    html = client.get(URL).content.decode()
    assert html.count('<span class="badge">Applied</span>') == 1


def test_the_other_bands_invite_only_slot_is_invisible(client, band_setup):
    _band, leader, *_ = band_setup
    other, _ = band_with_leader(name="Others")
    secret = SlotFactory(title="Private offer", visibility=Slot.Visibility.INVITE)
    BookingFactory(band=other, slot=secret, kind=Booking.Kind.OFFER)
    client.force_login(leader)
    assert "Private offer" not in titles(client.get(URL))
    assert client.get(reverse("bookings:slot_detail", args=[secret.pk])).status_code == 404


# ---- Query counts -------------------------------------------------------------------------------


def make_slots(count: int) -> None:
    rock = GenreFactory(name="Rock")
    for n in range(count):
        SlotFactory(title=f"Slot {n}", genres=[rock] if n % 2 else [])


@pytest.mark.parametrize("count", [1, 30])
def test_anonymous_query_count_does_not_grow_with_slots(client, django_assert_max_num_queries, count):
    make_slots(count)
    # genres, countries, count, the page of slots, their genres
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"genre": "rock", "fee_min": "1", "city": "ber"})
    assert len(titles(response)) == min(count, 24)
    with django_assert_max_num_queries(4):
        client.get(URL, {"page": "2"}, headers={"HX-Request": "true"})


@pytest.mark.parametrize("count", [1, 30])
def test_band_member_query_count_does_not_grow_with_slots(client, django_assert_max_num_queries, count):
    make_slots(count)
    band, leader = band_with_leader()
    MembershipFactory(band=band, required=True)
    busy(band.memberships.last().user, in_days(10), in_days(10) + dt.timedelta(hours=1))
    client.force_login(leader)
    # session, user, their bands, required members, the members' gigs elsewhere (bands.travel), the
    # band's gig days, genres, countries, count, page, genres of the page, the band's demand by city
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert len(titles(response)) == min(count, 24)
    assert len(marks(response)) == min(count, 24)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"playable": "on", "genre": "rock"})
    assert response.status_code == 200


def test_a_page_of_24_cards_renders_a_handful_of_templates_not_some_per_card(client):
    make_slots(30)
    _band, leader = band_with_leader()
    for viewer in (None, leader):
        if viewer is not None:
            client.force_login(viewer)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(URL, headers=headers)
            assert len(titles(response)) == 24
            assert len(marks(response)) == (24 if viewer else 0)
            rendered = [t.name for t in response.templates if not t.name.startswith(FORM_TEMPLATES)]
            assert len(rendered) <= 14, rendered
