"""A night with a gig is not free, as the booking side sees it: the public calendar and share link of
a member's other band, the gig finder's "your band is free", and a gig's own load-in and pack-down
on the booking page."""

import datetime as dt
import re
import zoneinfo
from types import SimpleNamespace

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands import services as band_services
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import answering, asking, ending
from bookings.services.share import share_link_create
from bookings.tests.factories import SlotFactory, band_with_leader, venue_with_owner

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
H = dt.timedelta(hours=1)
FINDER = reverse("bookings:gig_finder")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def slot(venue, day: dt.date, hour: int, hours: float = 2, title: str = "", minute: int = 0):
    start = at(day, hour, minute)
    return SlotFactory(venue=venue, starts_at=start, ends_at=start + hours * H, title=title, support_places=0)


@pytest.fixture
def w():
    """The Night Owls (leader, drummer) play Kellerbar on a Saturday at 21:00; the drummer also
    plays in Brass Band. Another venue, Lido, posts slots."""
    band, leader = band_with_leader(name="The Night Owls", slug="night-owls", time_zone="Europe/Berlin")
    drummer = MembershipFactory(band=band, user__display_name="Dana Drums").user
    side, side_leader = band_with_leader(name="Brass Band", slug="brass-band", time_zone="Europe/Berlin")
    MembershipFactory(band=side, user=drummer)
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    lido, _ = venue_with_owner(name="Lido", slug="lido")
    today = timezone.now().astimezone(BERLIN).date()
    saturday = today + dt.timedelta(days=14 + (5 - today.weekday()))
    gig_slot = slot(venue, saturday, 21, title="Kellerbar night")
    booking = asking.booking_apply(slot=gig_slot, band=band, by=leader, role="headliner", fee=300)
    answering.booking_accept(booking=booking, by=owner)
    booking.refresh_from_db()
    return SimpleNamespace(
        band=band,
        leader=leader,
        drummer=drummer,
        side=side,
        side_leader=side_leader,
        venue=venue,
        owner=owner,
        lido=lido,
        saturday=saturday,
        booking=booking,
    )


def busy_gig(user) -> list[tuple[dt.datetime, dt.datetime]]:
    return list(BusyInterval.objects.filter(user=user, source="gig").values_list("starts_at", "ends_at"))


def public_state(html: str, day: dt.date) -> str:
    label = f"{day:%A} {day.day} {day:%B}"
    cells = re.findall(r"<td class=\"live-day[^\"]*\"[^>]*>.*?</td>", html, flags=re.S)
    cell = next(c for c in cells if f">{label}" in c or f"{label}:" in c)
    return re.search(r'class="live-day live-day--(\w+)', cell)[1]


# ---- The public calendar and the share link ----------------------------------------------------------


def test_the_public_calendar_reads_booked_for_the_band_and_not_available_for_the_drummers_other_band(client, w):
    month = f"{w.saturday:%Y-%m}"

    own = client.get(reverse("bookings:band_calendar", args=[w.band.slug]), {"month": month})
    other = client.get(reverse("bookings:band_calendar", args=[w.side.slug]), {"month": month})

    assert public_state(own.content.decode(), w.saturday) == "booked"
    # The drummer loads in at 19:00: Brass Band has one free hour that evening, not three.
    assert public_state(other.content.decode(), w.saturday) != "available"
    assert public_state(other.content.decode(), w.saturday + dt.timedelta(days=1)) == "available"


def test_the_share_page_of_the_other_band_does_not_offer_the_evening_before_the_gig(client, w):
    link = share_link_create(band=w.side, by=w.side_leader)

    response = client.get(reverse("bookings:share", args=[link.token]), {"month": f"{w.saturday:%Y-%m}"})

    assert response.status_code == 200
    assert public_state(response.content.decode(), w.saturday) != "available"
    assert public_state(response.content.decode(), w.saturday + dt.timedelta(days=1)) == "available"


def test_the_share_calendar_file_offers_no_evening_on_the_day_of_a_matinee(client, w):
    matinee_day = w.saturday + dt.timedelta(days=7)
    matinee = asking.booking_apply(
        slot=slot(w.lido, matinee_day, 13, title="Matinee"), band=w.band, by=w.leader, role="headliner", fee=1
    )
    answering.booking_accept(booking=matinee, by=matinee.venue.staff_roles.get().user)
    link = share_link_create(band=w.band, by=w.leader)

    body = client.get(reverse("bookings:share_ics", args=[link.token])).content
    available = [
        e.decoded("dtstart").astimezone(BERLIN).date()
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
        if str(e["summary"]).endswith("available")
    ]

    assert matinee_day not in available
    assert matinee_day + dt.timedelta(days=1) in available


# ---- The gig finder --------------------------------------------------------------------------------


def finder_marks(client, user, **params) -> dict[str, str]:
    client.force_login(user)
    html = client.get(FINDER, params).content.decode()
    titles = re.findall(r'class="slot-card__title">\s*<a href="[^"]+">([^<]+)</a>', html)
    marks = re.findall(r'class="slot-mark slot-mark--(free|busy)"', html)
    return dict(zip(titles, marks, strict=True))


@pytest.fixture
def lido_slots(w):
    return SimpleNamespace(
        early=slot(w.lido, w.saturday, 18, title="Early show"),  # 18:00–20:00, load-in for Kellerbar at 19:00
        matinee=slot(w.lido, w.saturday, 12, title="Matinee"),  # 12:00–14:00, hours before the load-in
        sunday=slot(w.lido, w.saturday + dt.timedelta(days=1), 20, title="Sunday night"),
    )


def test_the_finder_does_not_call_the_band_free_on_the_day_of_its_gig(client, w, lido_slots):
    marks = finder_marks(client, w.leader)

    assert marks == {"Matinee": "busy", "Early show": "busy", "Sunday night": "free"}
    playable = finder_marks(client, w.leader, playable="on")
    assert playable == {"Sunday night": "free"}


def test_the_drummers_other_band_is_not_free_for_the_early_show_but_may_play_the_matinee(client, w, lido_slots):
    marks = finder_marks(client, w.side_leader)

    assert marks["Early show"] == "busy"
    assert marks["Matinee"] == "free"  # the one-gig-a-day rule is the Night Owls', not Brass Band's


def test_a_band_that_takes_two_gigs_a_day_is_free_for_the_matinee(client, w, lido_slots):
    band_services.band_gig_times_set(
        band=w.band, by=w.leader, load_in_minutes=120, pack_down_minutes=60, two_gigs_a_day=True
    )

    marks = finder_marks(client, w.leader)

    assert marks == {"Matinee": "free", "Early show": "busy", "Sunday night": "free"}


def test_the_slot_page_says_the_band_is_not_free_on_the_day_of_its_gig(client, w, lido_slots):
    client.force_login(w.leader)

    matinee = client.get(reverse("bookings:slot_detail", args=[lido_slots.matinee.pk]))
    sunday = client.get(reverse("bookings:slot_detail", args=[lido_slots.sunday.pk]))

    assert [b.free for b in matinee.context["bands"]] == [False]
    assert "Not everyone is free then" in matinee.content.decode()
    assert [b.free for b in sunday.context["bands"]] == [True]


# ---- A gig's own load-in and pack-down on the booking page ----------------------------------------------


def gig_times_url(w) -> str:
    return reverse("bookings:gig_times", args=[w.booking.uid])


def test_the_booking_page_shows_the_members_busy_time_to_the_band_only(client, w):
    client.force_login(w.drummer)
    html = client.get(reverse("bookings:detail", args=[w.booking.uid])).content.decode()
    assert "Busy time around the gig" in html
    assert "19:00–00:00" in html
    assert "2 h before for load-in and soundcheck, 1 h after for pack-down (the band&#x27;s usual)" in html
    assert "Change the load-in" not in html  # a plain member watches

    client.force_login(w.owner)
    assert (
        "Busy time around the gig" not in client.get(reverse("bookings:detail", args=[w.booking.uid])).content.decode()
    )


def test_a_leader_gives_the_gig_its_own_load_in_and_pack_down(client, w):
    client.force_login(w.leader)

    response = client.post(gig_times_url(w), {"load_in_minutes": "30", "pack_down_minutes": "0"})

    assert response.status_code == 302
    assert busy_gig(w.drummer) == [(at(w.saturday, 20, 30), at(w.saturday, 23))]
    page = client.get(reverse("bookings:detail", args=[w.booking.uid])).content.decode()
    assert "30 min before for load-in and soundcheck, no time after for pack-down (this gig&#x27;s own)" in page

    client.post(gig_times_url(w), {"load_in_minutes": "", "pack_down_minutes": ""})
    assert busy_gig(w.drummer) == [(at(w.saturday, 19), at(w.saturday, 23) + H)]


@pytest.mark.parametrize("value", ["-5", "601", "two hours"])
def test_bad_gig_times_get_a_message_and_change_nothing(client, w, value):
    client.force_login(w.leader)

    response = client.post(gig_times_url(w), {"load_in_minutes": value, "pack_down_minutes": "60"})

    assert response.status_code == 400
    assert "Enter minutes from 0 to 600" in response.content.decode()
    assert busy_gig(w.drummer) == [(at(w.saturday, 19), at(w.saturday, 23) + H)]


def test_only_the_bands_leaders_and_admins_change_the_gig_times(client, w):
    before = busy_gig(w.drummer)
    for person, status in ((w.drummer, 403), (w.owner, 403), (UserFactory(), 404)):
        client.force_login(person)
        assert client.post(gig_times_url(w), {"load_in_minutes": "0", "pack_down_minutes": "0"}).status_code == status
    client.logout()
    response = client.post(gig_times_url(w), {"load_in_minutes": "0", "pack_down_minutes": "0"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert busy_gig(w.drummer) == before


def test_a_cancelled_gig_has_no_times_to_change(client, w):
    ending.booking_cancel(booking=w.booking, by=w.owner, reason="Flooded")
    client.force_login(w.leader)

    response = client.post(gig_times_url(w), {"load_in_minutes": "0", "pack_down_minutes": "0"})

    assert response.status_code == 409
    assert "no gig times to change" in response.content.decode()
    assert Booking.objects.get(pk=w.booking.pk).status == Booking.Status.CANCELLED
