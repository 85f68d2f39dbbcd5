"""The venue's booking pages: slots (one or a weekly series), one slot's inbox and offers, the
applications across slots, offering a slot from a band's page, and the emailed offer link."""

import datetime as dt
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, Membership
from bands.tests.factories import BandPhotoFactory, GenreFactory, MembershipFactory
from bookings.models import Booking, BookingEvent, OfferInvite
from bookings.services import answering, asking, venue_slots
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from core.fields.scheduling import day_text, scheduling_last_day, scheduling_today
from venues.models import Slot, VenueStaff
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
HTMX = {"HTTP_HX_REQUEST": "true"}


# ---- Who is who -------------------------------------------------------------------------------


@pytest.fixture
def venue():
    venue, _ = venue_with_owner(name="Kellerbar", slug="kellerbar", time_zone="Europe/Berlin")
    VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER)
    return venue


def owner_of(venue):
    return venue.staff_roles.get(role=VenueStaff.Role.OWNER).user


def booker_of(venue):
    return venue.staff_roles.get(role=VenueStaff.Role.BOOKER).user


@pytest.fixture
def slot(venue):
    return SlotFactory(venue=venue, support_places=1, title="Friday Night Indie")


@pytest.fixture
def band():
    band, _ = band_with_leader(name="The Night Owls", slug="night-owls")
    return band


def leader_of(band):
    return band.memberships.get(role=Membership.Role.LEADER).user


def person(venue, band, who):
    return {
        "owner": lambda: owner_of(venue),
        "booker": lambda: booker_of(venue),
        "other_venue_owner": lambda: venue_with_owner()[1],
        "band_leader": lambda: leader_of(band),
        "band_member": lambda: MembershipFactory(band=band).user,
        "stranger": UserFactory,
        "anonymous": lambda: None,
    }[who]()


def login(client, user):
    if user is not None:
        client.force_login(user)


def apply(slot, band=None, role="headliner", **kwargs):
    """A pending application from a fresh band (or `band`) through the service."""
    if band is None:
        band, leader = band_with_leader()
    else:
        leader = leader_of(band)
    return asking.booking_apply(slot=slot, band=band, by=leader, role=role, **kwargs)


def snapshot(slot):
    """Everything a slot page could change, to prove a refused request changed nothing."""
    return (
        tuple(
            Slot.objects.filter(pk=slot.pk).values_list(
                "starts_at", "ends_at", "title", "fee", "support_places", "cancelled_at", "headliner_booked"
            )
        ),
        tuple(Booking.objects.filter(slot=slot).order_by("pk").values_list("pk", "status", "shortlisted", "sequence")),
        BookingEvent.objects.filter(booking__slot=slot).count(),
        OfferInvite.objects.filter(slot=slot).count(),
    )


# ---- Permissions ---------------------------------------------------------------------------------

PEOPLE = ["owner", "booker", "other_venue_owner", "band_leader", "band_member", "stranger", "anonymous"]
EXPECTED = {
    "owner": 200,
    "booker": 200,
    "other_venue_owner": 403,
    "band_leader": 403,
    "band_member": 403,
    "stranger": 403,
    "anonymous": 302,
}


def venue_pages(venue, slot):
    return [
        reverse("bookings:venue_slots", args=[venue.slug]),
        reverse("bookings:venue_slot_new", args=[venue.slug]),
        reverse("bookings:venue_slot_series", args=[venue.slug]),
        reverse("bookings:slot_manage", args=[venue.slug, slot.pk]),
        reverse("bookings:venue_applications", args=[venue.slug]),
    ]


@pytest.mark.parametrize("who", PEOPLE)
def test_venue_pages_answer_each_person(client, venue, slot, band, who):
    login(client, person(venue, band, who))
    for url in venue_pages(venue, slot):
        response = client.get(url)
        assert response.status_code == EXPECTED[who], url
        if who == "anonymous":
            assert response.url.startswith(reverse("account_login") + "?next=")


def test_unknown_venue_and_another_venues_slot_are_404(client, venue, slot):
    other_slot = SlotFactory()
    client.force_login(owner_of(venue))
    assert client.get(reverse("bookings:venue_slots", args=["no-such-venue"])).status_code == 404
    assert client.get(reverse("bookings:slot_manage", args=[venue.slug, other_slot.pk])).status_code == 404
    assert client.get(reverse("bookings:slot_manage", args=[venue.slug, 999999])).status_code == 404


@pytest.mark.parametrize("who", ["other_venue_owner", "band_leader", "stranger"])
def test_outsiders_cannot_change_a_slot_or_answer_its_applications(client, venue, slot, band, who):
    application = apply(slot)
    before = snapshot(slot)
    login(client, person(venue, band, who))
    slot_url = reverse("bookings:slot_manage", args=[venue.slug, slot.pk])
    posts = [
        (reverse("bookings:venue_slot_new", args=[venue.slug]), {}),
        (slot_url, {"title": "Taken over"}),
        (reverse("bookings:slot_cancel", args=[venue.slug, slot.pk]), {"cancel-reason": "Because"}),
        (
            reverse("bookings:slot_offer", args=[venue.slug, slot.pk]),
            {"offer-band": band.slug, "offer-role": "support"},
        ),
        (
            reverse("bookings:slot_offer_invite", args=[venue.slug, slot.pk]),
            {"invite-email": "x@example.com", "invite-role": "support"},
        ),
    ]
    posts += [
        (reverse("bookings:venue_booking_action", args=[venue.slug, slot.pk, application.uid, action]), {})
        for action in ("accept", "decline", "shortlist")
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert snapshot(slot) == before


def test_an_action_on_a_booking_of_another_slot_is_404(client, venue, slot):
    elsewhere = apply(SlotFactory(venue=venue))
    client.force_login(owner_of(venue))
    url = reverse("bookings:venue_booking_action", args=[venue.slug, slot.pk, elsewhere.uid, "accept"])
    assert client.post(url).status_code == 404
    url = reverse("bookings:venue_booking_action", args=[venue.slug, elsewhere.slot_id, elsewhere.uid, "explode"])
    assert client.post(url).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Booking.Status.PENDING


# ---- The slot list ---------------------------------------------------------------------------------


def test_the_slot_list_tabs_filter_by_status_and_past(client, venue):
    open_slot = SlotFactory(venue=venue, title="Open night")
    need_support = SlotFactory(venue=venue, title="Support wanted", support_places=2)
    answering.booking_accept(booking=apply(need_support), by=owner_of(venue))
    booked = SlotFactory(venue=venue, title="Sold out", support_places=0)
    answering.booking_accept(booking=apply(booked), by=owner_of(venue))
    cancelled = SlotFactory(venue=venue, title="Called off")
    venue_slots.slot_cancel(slot=cancelled, by=owner_of(venue), reason="Storm")
    SlotFactory(venue=venue, title="Last week", starts_at=in_days(-7), ends_at=in_days(-7) + timedelta(hours=3))
    SlotFactory(title="Not ours")
    client.force_login(booker_of(venue))
    url = reverse("bookings:venue_slots", args=[venue.slug])
    expected = {
        "upcoming": {"Open night", "Support wanted", "Sold out"},
        "open": {"Open night"},
        "need_support": {"Support wanted"},
        "booked": {"Sold out"},
        "cancelled": {"Called off"},
        "past": {"Last week"},
    }
    titles = {"Open night", "Support wanted", "Sold out", "Called off", "Last week", "Not ours"}
    for show, shown in expected.items():
        page = client.get(url, {"show": show}).content.decode()
        assert {t for t in titles if t in page} == shown, show
    page = client.get(url).content.decode()
    assert "Headliner booked · 0 of 2 supports" in page and "(Europe/Berlin)" not in page
    assert "Europe/Berlin</strong>, the venue" in page
    partial = client.get(url, {"show": "booked"}, **HTMX).content.decode()
    assert 'id="vslot-list"' in partial and "<html" not in partial and "Sold out" in partial
    assert open_slot.title not in partial


# ---- Posting one slot ----------------------------------------------------------------------------


def future_day(days: int = 30) -> dt.date:
    return timezone.localdate(timezone.now(), BERLIN) + timedelta(days=days)


def slot_data(venue, **overrides):
    data = {
        "stage": venue.stages.first().pk,
        "date": future_day().isoformat(),
        "start": "21:00",
        "end": "23:30",
        "end_date": "",
        "title": "Indie night",
        "fee": "400",
        "currency": "EUR",
        "support_places": "1",
        "visibility": "public",
        "ticket_url": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_posting_a_slot_reads_the_times_in_the_venues_zone(client, venue):
    rock = GenreFactory(name="Rock")
    client.force_login(booker_of(venue))
    day = future_day()
    response = client.post(
        reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, date=day.isoformat(), genres=[rock.pk])
    )
    slot = Slot.objects.get(venue=venue)
    assert response.status_code == 302
    assert response.url == reverse("bookings:slot_manage", args=[venue.slug, slot.pk])
    assert slot.starts_at == dt.datetime.combine(day, dt.time(21), BERLIN)
    assert slot.ends_at - slot.starts_at == timedelta(hours=2, minutes=30)
    assert list(slot.genres.all()) == [rock]
    assert slot.created_by == booker_of(venue)


def test_a_ticket_link_as_people_paste_it_is_saved_as_a_full_address(client, venue):
    client.force_login(owner_of(venue))
    client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, ticket_url="tix.example/k1"))
    assert Slot.objects.get(venue=venue).ticket_url == "https://tix.example/k1"


def test_an_end_before_the_start_runs_past_midnight(client, venue):
    client.force_login(owner_of(venue))
    day = future_day()
    client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, start="23:00", end="02:00"))
    slot = Slot.objects.get(venue=venue)
    assert slot.ends_at.astimezone(BERLIN) == dt.datetime.combine(day + timedelta(days=1), dt.time(2), BERLIN)
    assert slot.ends_at - slot.starts_at == timedelta(hours=3)


def other_venues_stage():
    other, _ = venue_with_owner()
    return other.stages.first().pk


BAD_SLOTS = [
    ({"start": "21:00", "end": "19:00", "end_date": "SAME"}, "is before the start (21:00) on the same day"),
    ({"date": "PAST"}, "This start is in the past"),
    ({"end_date": "IN_2_DAYS"}, "at most 24 hours"),
    ({"fee": "-1"}, "A fee cannot be negative"),
    ({"support_places": "7"}, "at most 6 support acts"),
    ({"stage": "OTHER_VENUE"}, "Choose one of this venue"),
    ({"start": "21:00", "end": "21:00"}, "The end is the same as the start"),
    ({"date": "", "start": ""}, "Pick the date."),
    ({"ticket_url": "https://x[y"}, "This is not a web address."),
    ({"ticket_url": '"><script>'}, "A web address has no spaces, quotes or angle brackets in it."),
    ({"ticket_url": "http://localhost:8000/tickets"}, "This address only works on your own computer or network"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_SLOTS)
def test_bad_slot_input_is_refused_next_to_the_field(client, venue, changes, message):
    day = future_day()
    values = {
        "SAME": day.isoformat(),
        "PAST": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "IN_2_DAYS": (day + timedelta(days=2)).isoformat(),
        "OTHER_VENUE": str(other_venues_stage()),
    }
    changes = {key: values.get(value, value) for key, value in changes.items()}
    client.force_login(owner_of(venue))
    response = client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Slot.objects.exists()


def last_day() -> dt.date:
    """The last date a slot can be on: the scheduling horizon counted from today in Kellerbar's zone."""
    return scheduling_last_day(scheduling_today(BERLIN))


def horizon_message() -> str:
    return f"StageSlot plans at most three years ahead: pick a date up to {day_text(last_day())}."


@pytest.mark.parametrize(
    "changes",
    [
        {"date": "9999-12-31"},
        {"date": "9999-12-31", "start": "23:00", "end": "01:00"},
        {"date": "LAST+1"},
        {"end_date": "9999-12-31"},
    ],
)
def test_a_slot_beyond_the_scheduling_horizon_is_refused_with_the_last_date(client, venue, changes):
    values = {"LAST+1": (last_day() + timedelta(days=1)).isoformat()}
    changes = {key: values.get(value, value) for key, value in changes.items()}
    client.force_login(owner_of(venue))
    response = client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, **changes))
    assert response.status_code == 400
    assert horizon_message() in response.content.decode()
    assert not Slot.objects.exists()


def test_a_slot_on_the_last_day_of_the_horizon_is_posted_even_past_midnight(client, venue):
    client.force_login(owner_of(venue))
    data = slot_data(venue, date=last_day().isoformat(), start="23:00", end="01:00")
    assert client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), data).status_code == 302
    assert Slot.objects.get().starts_at.astimezone(BERLIN).date() == last_day()


def test_a_slot_in_the_year_one_is_refused_as_past(client, venue):
    client.force_login(owner_of(venue))
    data = slot_data(venue, date="0001-01-01", start="00:30", end="01:00")
    response = client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), data)
    assert response.status_code == 400
    assert "This start is in the past. Choose a time from now on." in response.content.decode()
    assert not Slot.objects.exists()


@pytest.mark.parametrize(("first", "last"), [("9999-01-01", "9999-12-31"), ("SOON", "LAST+1")])
def test_a_series_beyond_the_scheduling_horizon_posts_nothing_and_says_the_last_date(client, venue, first, last):
    values = {"SOON": future_day(10), "LAST+1": last_day() + timedelta(days=1)}
    first, last = (values.get(day) or dt.date.fromisoformat(day) for day in (first, last))
    client.force_login(owner_of(venue))
    response = client.post(reverse("bookings:venue_slot_series", args=[venue.slug]), series_data(venue, first, last))
    assert response.status_code == 400
    assert horizon_message() in response.content.decode()
    assert not Slot.objects.exists()


def spring_forward_day() -> dt.date:
    """The next last Sunday of March (Berlin's clocks go from 02:00 to 03:00) at least a week away."""
    year = timezone.localdate().year
    while True:
        day = dt.date(year, 3, 31)
        day -= timedelta(days=(day.weekday() - 6) % 7)
        if day > timezone.localdate() + timedelta(days=7):
            return day
        year += 1


def test_a_start_that_does_not_exist_on_a_dst_night_is_refused_not_a_crash(client, venue):
    client.force_login(owner_of(venue))
    day = spring_forward_day()
    response = client.post(
        reverse("bookings:venue_slot_new", args=[venue.slug]),
        slot_data(venue, date=day.isoformat(), start="02:30", end="04:00"),
    )
    assert response.status_code == 400
    assert "02:30 does not exist on" in response.content.decode()
    assert not Slot.objects.exists()


# ---- Posting a weekly series ------------------------------------------------------------------------


def series_data(venue, first: dt.date, last: dt.date, **overrides):
    data = slot_data(venue, start="21:00", end="01:00")
    for key in ("date", "end_date"):
        data.pop(key)
    data.update({"weekdays": ["4"], "first_date": first.isoformat(), "last_date": last.isoformat()})
    data.update(overrides)
    return data


def fridays_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1) if (first + timedelta(n)).weekday() == 4]


def test_every_friday_from_21_to_01_posts_one_four_hour_slot_per_friday_ending_on_saturday(client, venue):
    client.force_login(owner_of(venue))
    first, last = future_day(10), future_day(10 + 120)
    fridays = fridays_between(first, last)
    url = reverse("bookings:venue_slot_series", args=[venue.slug])

    preview = client.post(url, {**series_data(venue, first, last), "preview": "1"})
    assert preview.status_code == 200
    assert f"This posts {len(fridays)} slots" in preview.content.decode()
    assert not Slot.objects.exists()

    response = client.post(url, series_data(venue, first, last), follow=True)
    assert f"Posted {len(fridays)} slots." in response.content.decode()
    slots = list(Slot.objects.filter(venue=venue).order_by("starts_at"))
    assert [s.starts_at.astimezone(BERLIN).date() for s in slots] == fridays
    for s in slots:
        start, end = s.starts_at.astimezone(BERLIN), s.ends_at.astimezone(BERLIN)
        assert (start.time(), end.time()) == (dt.time(21), dt.time(1))
        assert end.weekday() == 5
        # Four hours even on the nights the clocks change: 21:00 and 01:00 are both on one side of 03:00.
        assert s.ends_at - s.starts_at == timedelta(hours=4)
    assert len({s.series for s in slots}) == 1


def test_a_series_skips_the_night_its_start_does_not_exist_and_says_so(client, venue):
    client.force_login(owner_of(venue))
    sunday = spring_forward_day()
    data = series_data(
        venue, sunday - timedelta(days=7), sunday + timedelta(days=7), weekdays=["6"], start="02:30", end="05:00"
    )
    response = client.post(reverse("bookings:venue_slot_series", args=[venue.slug]), data, follow=True)
    page = response.content.decode()
    assert "Posted 2 slots." in page
    assert "02:30 does not exist that night" in page
    days = sorted(s.starts_at.astimezone(BERLIN).date() for s in Slot.objects.filter(venue=venue))
    assert days == [sunday - timedelta(days=7), sunday + timedelta(days=7)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekdays": []}, "Pick at least one day of the week."),
        ({"last_date": "BEFORE"}, "The last date is before the first."),
        ({"fee": "-5"}, "A fee cannot be negative"),
        ({"support_places": "9"}, "at most 6 support acts"),
        ({"first_date": "PAST"}, "This start is in the past"),
    ],
)
def test_bad_series_input_posts_nothing(client, venue, changes, message):
    first, last = future_day(10), future_day(40)
    values = {
        "BEFORE": (first - timedelta(days=3)).isoformat(),
        "PAST": (timezone.localdate() - timedelta(days=14)).isoformat(),
    }
    changes = {key: values.get(value, value) if isinstance(value, str) else value for key, value in changes.items()}
    client.force_login(owner_of(venue))
    response = client.post(
        reverse("bookings:venue_slot_series", args=[venue.slug]), series_data(venue, first, last, **changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Slot.objects.exists()


# ---- Editing and cancelling a slot --------------------------------------------------------------------


def edit_data(slot, **overrides):
    start, end = slot.starts_at.astimezone(BERLIN), slot.ends_at.astimezone(BERLIN)
    data = slot_data(
        slot.venue,
        stage=slot.stage_id,
        date=start.date().isoformat(),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        title=slot.title,
        fee=str(slot.fee),
        support_places=str(slot.support_places),
    )
    data.update(overrides)
    return data


def test_editing_moves_a_slot_nobody_has_asked_for(client, venue, slot):
    client.force_login(owner_of(venue))
    new_day = future_day(60)
    url = reverse("bookings:slot_manage", args=[venue.slug, slot.pk])
    response = client.post(url, edit_data(slot, date=new_day.isoformat(), start="20:00", end="23:00", title="Moved"))
    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.title == "Moved"
    assert slot.starts_at == dt.datetime.combine(new_day, dt.time(20), BERLIN)


def test_moving_a_slot_beyond_the_scheduling_horizon_is_refused(client, venue, slot):
    client.force_login(owner_of(venue))
    before = snapshot(slot)
    url = reverse("bookings:slot_manage", args=[venue.slug, slot.pk])
    response = client.post(url, edit_data(slot, date="9999-12-31", title="Far"))
    assert response.status_code == 400
    assert horizon_message() in response.content.decode()
    assert snapshot(slot) == before


def test_the_time_of_a_slot_with_bands_waiting_cannot_change_but_the_rest_can(client, venue, slot):
    apply(slot)
    starts_at = slot.starts_at
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_manage", args=[venue.slug, slot.pk])
    page = client.get(url).content.decode()
    assert "the stage, date and times cannot change here" in page
    response = client.post(url, edit_data(slot, date=future_day(80).isoformat(), title="Renamed", fee="500"))
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.title, slot.fee, slot.starts_at) == ("Renamed", 500, starts_at)


def test_support_places_cannot_drop_below_those_booked(client, venue, slot):
    support = apply(slot, role="support")
    answering.booking_accept(booking=support, by=owner_of(venue))
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_manage", args=[venue.slug, slot.pk])
    response = client.post(url, edit_data(slot, support_places="0"))
    assert response.status_code == 400
    assert "1 support act is booked" in response.content.decode()


def test_cancelling_needs_a_reason_and_tells_every_band(client, venue, slot):
    waiting = apply(slot)
    booked = apply(slot, role="support")
    answering.booking_accept(booking=booked, by=owner_of(venue))
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_cancel", args=[venue.slug, slot.pk])

    response = client.post(url, {"cancel-reason": "  "})
    assert response.status_code == 400
    assert "Say why the slot is cancelled" in response.content.decode()
    assert not Slot.objects.get(pk=slot.pk).is_cancelled

    response = client.post(url, {"cancel-reason": "Flooded basement"}, follow=True)
    assert "2 bands booked or waiting were told why" in response.content.decode()
    waiting.refresh_from_db()
    booked.refresh_from_db()
    assert (waiting.status, booked.status) == (Booking.Status.DECLINED, Booking.Status.CANCELLED)
    assert "Flooded basement" in booked.status_note

    assert client.post(url, {"cancel-reason": "Again"}).status_code == 409


def test_a_cancelled_slot_cannot_be_edited_offered_or_answered(client, venue, slot, band):
    application = apply(slot)
    venue_slots.slot_cancel(slot=slot, by=owner_of(venue), reason="Closed for repairs")
    before = snapshot(slot)
    client.force_login(owner_of(venue))
    page = client.get(reverse("bookings:slot_manage", args=[venue.slug, slot.pk]))
    assert "Closed for repairs" in page.content.decode()

    edit = client.post(reverse("bookings:slot_manage", args=[venue.slug, slot.pk]), edit_data(slot, title="Back"))
    assert edit.status_code == 409
    offer = client.post(
        reverse("bookings:slot_offer", args=[venue.slug, slot.pk]), {"offer-band": band.slug, "offer-role": "headliner"}
    )
    assert offer.status_code == 409
    assert "The venue cancelled this slot." in offer.content.decode()
    accept = client.post(
        reverse("bookings:venue_booking_action", args=[venue.slug, slot.pk, application.uid, "accept"])
    )
    assert accept.status_code == 409
    assert snapshot(slot) == before


# ---- The inbox -------------------------------------------------------------------------------------


def action_url(venue, booking, action):
    return reverse("bookings:venue_booking_action", args=[venue.slug, booking.slot_id, booking.uid, action])


def test_the_slot_page_shows_each_applicant_with_press_kit_and_green_zone(client, venue, slot):
    rock = GenreFactory(name="Garage Rock")
    free_band, _ = band_with_leader(name="Free Birds", city="Leipzig", fee_min=200, fee_max=600)
    free_band.genres.add(rock)
    BandPhotoFactory(band=free_band, caption="Free Birds live")
    busy_band, _ = band_with_leader(name="Busy Bees")
    busy_drummer = MembershipFactory(band=busy_band).user
    from availability.models import BusyInterval

    BusyInterval.objects.create(
        user=busy_drummer, starts_at=slot.starts_at, ends_at=slot.ends_at, source="rule", source_id=1
    )
    apply(slot, band=free_band, fee=450, message="We bring our own backline.")
    apply(slot, band=busy_band)
    client.force_login(owner_of(venue))
    page = client.get(reverse("bookings:slot_manage", args=[venue.slug, slot.pk])).content.decode()
    assert "Free Birds" in page and reverse("bands:detail", args=[free_band.slug]) in page
    assert "Garage Rock" in page and "Leipzig" in page and "200–600 EUR" in page and "450 EUR" in page
    assert "We bring our own backline." in page and "Free Birds live" in page
    free_row = page[page.index("Free Birds") :][:4000]
    busy_row = page[page.index("Busy Bees") :][:4000]
    assert "✓ Free then" in free_row
    assert "✗ Not everyone free" in busy_row


def test_accepting_books_the_band_and_declines_the_rival_in_the_redrawn_inbox(client, venue, slot):
    mine = apply(slot)
    rival = apply(slot)
    client.force_login(booker_of(venue))
    response = client.post(action_url(venue, mine, "accept"), {"panel": "slot"}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="vslot-bookings"' in page and "<html" not in page
    assert "Booked:" in page and "Headliner booked" in page
    mine.refresh_from_db()
    rival.refresh_from_db()
    assert (mine.status, rival.status) == (Booking.Status.BOOKED, Booking.Status.DECLINED)


def test_accepting_without_javascript_redirects_back_with_a_message(client, venue, slot):
    mine = apply(slot)
    client.force_login(owner_of(venue))
    response = client.post(action_url(venue, mine, "accept"), {"panel": "applications"})
    assert response.status_code == 302
    assert response.url == reverse("bookings:venue_applications", args=[venue.slug])


def test_a_stale_accept_of_a_declined_application_is_409_and_changes_nothing(client, venue, slot):
    application = apply(slot)
    answering.booking_decline(booking=application, by=booker_of(venue), reason="Full")
    before = snapshot(slot)
    client.force_login(owner_of(venue))
    for headers in ({}, HTMX):
        response = client.post(action_url(venue, application, "accept"), {"panel": "slot"}, **headers)
        assert response.status_code == 409
        assert "already declined" in response.content.decode()
    assert snapshot(slot) == before


def test_accepting_a_band_booked_elsewhere_at_that_time_is_409(client, venue, slot, band):
    # Booked elsewhere after applying here (the rows as a race leaves them: the service would decline this one).
    elsewhere = SlotFactory(starts_at=slot.starts_at - timedelta(hours=1), ends_at=slot.ends_at)
    BookingFactory(slot=elsewhere, band=band, status=Booking.Status.BOOKED)
    application = BookingFactory(slot=slot, band=band)
    before = snapshot(slot)
    client.force_login(owner_of(venue))
    response = client.post(action_url(venue, application, "accept"), {"panel": "applications"}, **HTMX)
    assert response.status_code == 409
    assert "already booked" in response.content.decode()
    assert 'id="applications-list"' in response.content.decode()
    assert snapshot(slot) == before


def test_decline_with_a_reason_and_shortlist_toggle(client, venue, slot):
    first, second = apply(slot), apply(slot)
    client.force_login(owner_of(venue))
    assert client.post(action_url(venue, first, "shortlist"), {"shortlisted": "1"}, **HTMX).status_code == 200
    first.refresh_from_db()
    assert first.shortlisted
    client.post(action_url(venue, first, "shortlist"), {"shortlisted": "0"}, **HTMX)
    first.refresh_from_db()
    assert not first.shortlisted
    response = client.post(action_url(venue, second, "decline"), {"reason": "Too loud for us"}, **HTMX)
    assert response.status_code == 200
    second.refresh_from_db()
    assert (second.status, second.status_note) == (Booking.Status.DECLINED, "Too loud for us")


def test_the_applications_page_lists_pending_applications_of_upcoming_slots_newest_first(client, venue):
    soon, later = SlotFactory(venue=venue), SlotFactory(venue=venue)
    older = apply(later, band=band_with_leader(name="Older Band")[0])
    newer = apply(soon, band=band_with_leader(name="Newer Band")[0])
    decided = apply(soon, role="support")
    answering.booking_decline(booking=decided, by=owner_of(venue))
    BookingFactory(slot=SlotFactory(venue=venue, starts_at=in_days(-3), ends_at=in_days(-3) + timedelta(hours=3)))
    BookingFactory(slot=SlotFactory())  # another venue's
    client.force_login(booker_of(venue))
    page = client.get(reverse("bookings:venue_applications", args=[venue.slug])).content.decode()
    assert page.count('class="vslot-app"') + page.count('class="vslot-app ') == 2
    assert page.index(newer.band.name) < page.index(older.band.name)
    assert decided.band.name not in page


# ---- Offers -------------------------------------------------------------------------------------


def test_offering_the_slot_to_a_band_by_name(client, venue, slot, band):
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_offer", args=[venue.slug, slot.pk])
    response = client.post(
        url, {"offer-band": "the night owls", "offer-role": "support", "offer-fee": "250", "offer-message": "Join us?"}
    )
    assert response.status_code == 302
    offer = Booking.objects.get(kind=Booking.Kind.OFFER)
    assert (offer.band, offer.role, offer.fee, offer.requested_by) == (band, "support", 250, owner_of(venue))
    page = client.get(reverse("bookings:slot_manage", args=[venue.slug, slot.pk])).content.decode()
    assert "Offers sent" in page and "waiting for the band" in page

    again = client.post(url, {"offer-band": band.slug, "offer-role": "headliner"})
    assert again.status_code == 409
    assert "already has a pending offer" in again.content.decode()


def test_the_venue_withdraws_its_offer_but_cannot_accept_it_for_the_band(client, venue, slot, band):
    offer = asking.booking_offer(slot=slot, band=band, by=owner_of(venue), role="headliner")
    client.force_login(booker_of(venue))
    assert client.post(action_url(venue, offer, "accept"), {"panel": "slot"}, **HTMX).status_code == 403
    response = client.post(action_url(venue, offer, "withdraw"), {"panel": "slot"}, **HTMX)
    assert response.status_code == 200
    assert "Withdrew the offer to The Night Owls." in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == Booking.Status.WITHDRAWN


def test_offering_to_an_unknown_or_unapproved_band_is_refused(client, venue, slot):
    band_with_leader(name="Hidden", slug="hidden", status=ApprovalStatus.PENDING)
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_offer", args=[venue.slug, slot.pk])
    for name in ("Nobody Here", "hidden"):
        response = client.post(url, {"offer-band": name, "offer-role": "headliner"})
        assert response.status_code == 400
        assert "No band on StageSlot is called" in response.content.decode()
    response = client.post(url, {"offer-band": "x", "offer-role": "headliner", "offer-fee": "-3"})
    assert "A fee cannot be negative" in response.content.decode()
    assert not Booking.objects.exists()


def test_band_suggestions_for_the_offer_form(client, venue, slot, band):
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_band_options", args=[venue.slug, slot.pk])
    response = client.get(url, {"offer-band": "night"}, **HTMX)
    assert f'value="{band.slug}"' in response.content.decode()
    assert "<option" not in client.get(url, {"offer-band": "n"}, **HTMX).content.decode()


def test_offering_by_email_sends_a_link_and_lists_it(client, venue, slot, django_capture_on_commit_callbacks):
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_offer_invite", args=[venue.slug, slot.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"invite-email": "band@example.com", "invite-band_name": "The Newcomers", "invite-role": "headliner"}
        )
    assert response.status_code == 302
    invite = OfferInvite.objects.get()
    assert any(f"/offers/{invite.token}/" in m.body for m in mail.outbox)
    assert any(m.body.count("http://testserver/offers/") for m in mail.outbox)
    page = client.get(reverse("bookings:slot_manage", args=[venue.slug, slot.pk])).content.decode()
    assert "band@example.com" in page and "Waiting" in page

    bad = client.post(url, {"invite-email": "not an email", "invite-role": "headliner"})
    assert bad.status_code == 400
    assert OfferInvite.objects.count() == 1


# ---- Offer from a band's page ------------------------------------------------------------------


def test_venue_staff_offer_one_of_their_open_slots_from_the_band_page(client, venue, slot, band):
    full = SlotFactory(venue=venue, support_places=0)
    answering.booking_accept(booking=apply(full), by=owner_of(venue))
    SlotFactory(venue=venue, starts_at=in_days(-2), ends_at=in_days(-2) + timedelta(hours=2))
    not_mine = SlotFactory()
    client.force_login(booker_of(venue))
    url = reverse("bookings:offer_band", args=[band.slug])
    page = client.get(url).content.decode()
    assert f'value="{slot.pk}"' in page
    assert f'value="{full.pk}"' not in page
    assert "(Europe/Berlin)" in page

    tampered = client.post(url, {"slot": not_mine.pk, "role": "headliner"})
    assert tampered.status_code == 400
    assert not Booking.objects.filter(band=band).exists()

    response = client.post(url, {"slot": slot.pk, "role": "headliner", "fee": "300", "message": "Play for us"})
    offer = Booking.objects.get(band=band)
    assert response.status_code == 302
    assert response.url == reverse("bookings:detail", args=[offer.uid])
    assert (offer.kind, offer.slot, offer.fee) == (Booking.Kind.OFFER, slot, 300)


@pytest.mark.parametrize("who", ["band_leader", "stranger"])
def test_offering_needs_a_venue(client, venue, band, who):
    login(client, person(venue, band, who))
    response = client.get(reverse("bookings:offer_band", args=[band.slug]))
    assert response.status_code == 403
    assert "Only a venue&#x27;s staff can offer slots" in response.content.decode()


def test_offering_to_an_unknown_band_is_404_and_anonymous_must_log_in(client, venue, band):
    assert client.get(reverse("bookings:offer_band", args=[band.slug])).status_code == 302
    client.force_login(owner_of(venue))
    assert client.get(reverse("bookings:offer_band", args=["no-such-band"])).status_code == 404


# ---- The emailed offer link ------------------------------------------------------------------------


@pytest.fixture
def invite(venue, slot):
    return venue_slots.offer_invite_create(
        slot=slot, by=owner_of(venue), email="newband@example.com", role="headliner", fee=350, site_url="http://x"
    )


def test_an_emailed_offer_asks_an_anonymous_visitor_to_sign_up_and_come_back(client, invite):
    url = reverse("bookings:offer_claim", args=[invite.token])
    page = client.get(url).content.decode()
    assert "Kellerbar offers you a gig" in page and "350 EUR" in page and "(Europe/Berlin)" in page
    assert f"{reverse('account_signup')}?next={url}" in page.replace("%2F", "/")
    assert client.post(url, {}).status_code == 302
    assert client.get(reverse("bookings:offer_claim", args=["not-a-token"])).status_code == 404


def test_claiming_an_emailed_offer_for_your_band(client, invite, band):
    client.force_login(leader_of(band))
    url = reverse("bookings:offer_claim", args=[invite.token])
    page = client.get(url).content.decode()
    assert band.name in page
    response = client.post(url, {"band": band.pk})
    booking = Booking.objects.get(band=band)
    assert response.status_code == 302
    assert response.url == reverse("bookings:detail", args=[booking.uid])
    assert (booking.kind, booking.fee) == (Booking.Kind.OFFER, 350)

    again = client.get(url)
    assert again.status_code == 409
    assert "already been taken" in again.content.decode()


def test_an_offer_emailed_to_another_address_says_so_before_it_is_taken(client, invite, band):
    """Decision 0055: the offer goes to the band of whoever takes it, so the page asks rather than refuses."""
    leader = leader_of(band)
    client.force_login(leader)
    url = reverse("bookings:offer_claim", args=[invite.token])
    html = client.get(url).content.decode()
    assert "This link was sent to newband@example.com." in html
    assert f"You are logged in as {escape(leader.name)} ({escape(leader.email)})." in html
    assert html.index("This link was sent to") < html.index("Take the offer</button>")
    assert not Booking.objects.exists()
    assert client.post(url, {"band": band.pk}).status_code == 302
    assert Booking.objects.get().band == band


def test_the_address_an_offer_was_emailed_to_is_not_warned(client, invite, band):
    client.force_login(UserFactory(email="NewBand@example.com"))
    html = client.get(reverse("bookings:offer_claim", args=[invite.token])).content.decode()
    assert "This link was sent to" not in html
    assert "Take the offer for your band" in html


def test_a_user_without_a_band_is_sent_to_create_one_and_cannot_claim_for_anothers(client, invite):
    other_band, _ = band_with_leader()
    client.force_login(UserFactory())
    url = reverse("bookings:offer_claim", args=[invite.token])
    page = client.get(url).content.decode()
    assert reverse("bands:create") in page
    assert client.post(url, {"band": other_band.pk}).status_code == 400
    assert not Booking.objects.exists()


def test_expired_and_withdrawn_offers_are_gone(client, invite, venue, slot, band):
    client.force_login(leader_of(band))
    url = reverse("bookings:offer_claim", args=[invite.token])
    OfferInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(url, {"band": band.pk})
    assert response.status_code == 410
    assert "has expired" in response.content.decode()
    OfferInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() + timedelta(days=1))
    venue_slots.slot_cancel(slot=slot, by=owner_of(venue), reason="Closed")
    response = client.get(url)
    assert response.status_code == 410
    assert "withdrew this offer" in response.content.decode()
    assert not Booking.objects.exists()


# ---- Query counts: pinned, whatever the number of rows ---------------------------------------------


def _slots(venue, n):
    slots = [SlotFactory(venue=venue) for _ in range(n)]
    for s in slots:
        apply(s)
    return slots


@pytest.mark.parametrize("rows", [1, 15])
def test_slot_list_query_count(client, venue, rows, django_assert_max_num_queries):
    _slots(venue, rows)
    client.force_login(owner_of(venue))
    url = reverse("bookings:venue_slots", args=[venue.slug])
    # session, user, venue, tab counts, page count, page rows (pending counts are subqueries)
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count("1 application<") == rows


@pytest.mark.parametrize("rows", [1, 15])
def test_slot_page_inbox_query_count(client, venue, slot, rows, django_assert_max_num_queries):
    for _ in range(rows):
        band, _ = band_with_leader()
        band.genres.add(GenreFactory())
        BandPhotoFactory(band=band)
        apply(slot, band=band)
    OfferInvite.objects.create(slot=slot, email="a@example.com", expires_at=in_days(5))
    client.force_login(owner_of(venue))
    url = reverse("bookings:slot_manage", args=[venue.slug, slot.pk])
    # session, user, venue, slot, its genres, bookings (green zone annotated), band genres, covers,
    # emailed offers, stages, genres to pick
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert response.content.decode().count("Decline application") == rows


@pytest.mark.parametrize("rows", [1, 15])
def test_venue_applications_query_count(client, venue, rows, django_assert_max_num_queries):
    for s in _slots(venue, rows):
        BandPhotoFactory(band=s.bookings.get().band)
    client.force_login(owner_of(venue))
    url = reverse("bookings:venue_applications", args=[venue.slug])
    # session, user, venue, count, rows (green zone annotated), band genres, covers
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count("Decline application") == rows


def test_accepting_in_the_inbox_first_says_what_is_agreed(client, venue, slot):
    application = apply(slot, band=band_with_leader(name="The Agreeables")[0], fee=450)
    client.force_login(owner_of(venue))
    for page in (
        reverse("bookings:venue_applications", args=[venue.slug]),
        reverse("bookings:slot_manage", args=[venue.slug, slot.pk]),
    ):
        html = client.get(page).content.decode()
        accept_url = reverse("bookings:venue_booking_action", args=[venue.slug, slot.pk, application.uid, "accept"])
        step = re.search(
            rf'<details[^>]*data-confirm[^>]*>(?:(?!</details>).)*action="{accept_url}".*?</details>', html, re.S
        )[0]
        assert step.index("<summary") < step.index("You agree:") < step.index("Yes, accept The Agreeables")
        assert "450 EUR" in step and venue.name in step and slot.stage.name in step
        start = timezone.localtime(slot.starts_at, ZoneInfo(venue.time_zone))
        assert f"{start:%H:%M}" in step


def test_the_applications_inbox_groups_by_slot(client, venue):
    early = SlotFactory(venue=venue, starts_at=in_days(5), ends_at=in_days(5) + timedelta(hours=3), title="Early Show")
    late = SlotFactory(venue=venue, starts_at=in_days(9), ends_at=in_days(9) + timedelta(hours=3), title="Late Show")
    apply(early, band=band_with_leader(name="Alpha Band")[0])
    apply(late, band=band_with_leader(name="Beta Band")[0])
    apply(early, band=band_with_leader(name="Gamma Band")[0], role="support")
    client.force_login(owner_of(venue))
    html = client.get(reverse("bookings:venue_applications", args=[venue.slug])).content.decode()
    groups = re.findall(r'<section class="vslot-group".*?</section>', html, flags=re.S)
    assert len(groups) == 2
    by_title = {("Early Show" in g): g for g in groups}
    assert "Alpha Band" in by_title[True] and "Gamma Band" in by_title[True] and "Beta Band" not in by_title[True]
    assert "Beta Band" in by_title[False] and "Late Show" in by_title[False]
    assert "3 applications waiting" in html


def test_competitors_declined_automatically_stay_in_the_inbox_with_the_reason(client, venue, slot):
    winner = apply(slot, band=band_with_leader(name="The Winners")[0])
    apply(slot, band=band_with_leader(name="The Runners Up")[0])
    client.force_login(owner_of(venue))
    accept = reverse("bookings:venue_booking_action", args=[venue.slug, slot.pk, winner.uid, "accept"])
    html = client.post(accept, {"panel": "applications"}, **HTMX).content.decode()
    group = re.search(r'<section class="vslot-group".*?</section>', html, flags=re.S)[0]
    assert "Declined automatically" in group
    assert "The Runners Up" in group and "the headliner place went to another band" in group
    # Still there on the next visit, and not counted as waiting.
    html = client.get(reverse("bookings:venue_applications", args=[venue.slug])).content.decode()
    assert "The Runners Up" in html and "0 applications waiting" in html
    # A band the venue declined by hand is not listed as declined automatically.
    manual = apply(slot, band=band_with_leader(name="The Handled")[0], role="support")
    answering.booking_decline(booking=manual, by=owner_of(venue), reason="Not our style")
    assert "The Handled" not in client.get(reverse("bookings:venue_applications", args=[venue.slug])).content.decode()


def test_withdrawing_an_offer_asks_once(client, venue, slot, band):
    offer = asking.booking_offer(slot=slot, band=band, by=owner_of(venue), role="headliner")
    client.force_login(owner_of(venue))
    html = client.get(reverse("bookings:slot_manage", args=[venue.slug, slot.pk])).content.decode()
    withdraw = reverse("bookings:venue_booking_action", args=[venue.slug, slot.pk, offer.uid, "withdraw"])
    step = re.search(
        rf'<details[^>]*data-confirm[^>]*>(?:(?!</details>).)*action="{withdraw}".*?</details>', html, re.S
    )[0]
    assert (
        step.index("<summary")
        < step.index("This cannot be undone")
        < step.index(f"Yes, withdraw the offer to {band.name}")
    )
