import datetime as dt
import functools
import io
import itertools
import logging
import zoneinfo

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import Notification, User
from availability.models import BusyInterval
from bands.models import ApprovalStatus, Band, BandInvite, CityDemand, Genre, Membership
from bookings.models import Booking, BookingEvent, OfferInvite
from bookings.services.shows import Ticket
from documents.pdf import html_to_pdf
from fans.models import Ask, FanProfile, Follow
from festivals.models import Application, Festival, OpenCall, Placement, Release, Score
from gigs.models import DaySheet, Tour, TourCost, TourGig, TourStay, TourStayGuest, TourTraveller
from gigs.selectors.tours import tour_itinerary, tour_money, tours_today
from places.models import City
from reviews.models import ModerationLog, Review, ReviewReport
from stageslot import test_clock
from stageslot.demo import tours as demo_tours
from stageslot.demo.images import demo_picture
from stageslot.tests import demo_once
from stageslot.tests.demo_once import tiny_picture
from venues.models import Slot, Venue, VenueInvite

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow(reason="the dates' tests each seed the whole demo world (about 5 s) under another date"),
]

Status = Booking.Status


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Band.objects.count(),
        Membership.objects.count(),
        Venue.objects.count(),
        Genre.objects.count(),
        EmailAddress.objects.count(),
        Slot.objects.count(),
        Booking.objects.count(),
        BookingEvent.objects.count(),
        OfferInvite.objects.count(),
        Notification.objects.count(),
        BusyInterval.objects.count(),
        Review.objects.count(),
        ReviewReport.objects.count(),
        ModerationLog.objects.count(),
        Ticket.objects.count(),
        Follow.objects.count(),
        Ask.objects.count(),
        FanProfile.objects.count(),
        CityDemand.objects.count(),
        *(model.objects.count() for model in (Festival, OpenCall, Application, Score, Placement, Release)),
        *(
            model.objects.count()
            for model in (Tour, TourGig, TourStay, TourStayGuest, TourTraveller, TourCost, DaySheet)
        ),
    )


def the_festival_tells_its_story(client) -> None:
    """Riverside Rooms' festival: two stages, a call with scored applications, one act's set accepted and in
    the published release 1, one invited act's offer waiting, and another (sharing a player) refused beside
    the first at the same hour; the promoter lands on it, and anyone reads the release."""
    from festivals.services import timetable

    festival = Festival.objects.get(slug="riverside-summer-nights")
    assert festival.stages.count() == 2
    call = festival.calls.get()
    assert call.applications.count() >= 3 and Score.objects.filter(application__call=call).count() >= 6
    assert call.applications.filter(status="submitted").exists(), "one still waits for the jury"
    placed = Placement.objects.get(festival=festival, booking__status="booked")
    offered = Placement.objects.get(festival=festival, booking__status="pending")
    assert offered.application is None and offered.booking.kind == "offer", "an invited act, asked first"
    second = call.applications.filter(status="shortlisted").exclude(band=placed.band).select_related("band").get()
    other = festival.stages.exclude(pk=placed.festival_stage_id).select_related("stage", "festival__venue").get()
    verdict = timetable.placement_try(
        fstage=other, band=second.band, starts_at=placed.starts_at, set_minutes=60, now=timezone.now()
    )
    assert verdict.refusals and second.band.name in " ".join(verdict.refusals)
    release = Release.objects.get(festival=festival)
    assert release.number == 1 and [s["placement"] for s in release.sets] == [placed.pk]
    public = client.get(reverse("festivals:festival", args=[festival.slug])).content.decode()
    assert placed.band.name in public and offered.band.name not in public
    schedule = client.get(reverse("festivals:schedule_xml", args=[festival.slug]))
    assert schedule.status_code == 200 and placed.band.name in schedule.content.decode()
    client.force_login(User.objects.get(email="promoter@demo.stageslot.test"))
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("festivals:builder", args=[festival.slug]) in page


def fans_tell_their_story(client) -> None:
    """A demo fan follows and asks; a demo band sees a count in one city and "fewer than 5" in another."""
    felix = User.objects.get(email="fan@demo.stageslot.test")
    assert Follow.objects.filter(user=felix).count() == 3
    assert Ask.objects.filter(user=felix).exists()
    if not City.objects.filter(name="Hamburg", country="DE").exists():
        return  # a transactional test before emptied the gazetteer: the seed skips cities it cannot find
    owls = Band.objects.get(slug="the-night-owls")
    demand = {row.city.name: row for row in CityDemand.objects.filter(band=owls).select_related("city")}
    assert demand["Hamburg"].asks == 6 and demand["Leipzig"].asks == 2
    client.force_login(User.objects.get(email="mara@demo.stageslot.test"))
    page = client.get(reverse("fans:band_audience", args=[owls.slug])).content.decode()
    assert "<td>6</td>" in page and "<td>fewer than 5</td>" in page and "Hanna" not in page


def kiezbrass_tells_its_story(client) -> None:
    """24 players in four sections with two doublers; one gig ahead short of low brass (told once), one covered
    with the doubler given the sax part."""
    from gigs.models import GigAnswer, SectionShort

    band = Band.objects.get(slug="kiezbrass")
    assert band.memberships.count() == 24 and len(band.lineup["sections"]) == 4
    assert sum(1 for sections in band.lineup["plays"].values() if len(sections) > 1) == 2
    gigs = list(Booking.objects.filter(band=band, status=Status.BOOKED).order_by("starts_at"))
    assert len(gigs) == 2
    assert [s.section.name for s in SectionShort.objects.filter(booking__band=band)] == ["Low brass"]
    assert SectionShort.objects.get(booking__band=band).booking == gigs[0]
    assert Notification.objects.filter(kind="section_short", recipient__memberships__band=band).count() == 9
    assert GigAnswer.objects.get(booking=gigs[1], part__isnull=False).part.name == "Saxes"
    # A Saturday between the gigs is short of low brass on the band's calendar, naming who is away.
    from stageslot.demo.big_band import SHORT_DAY_AHEAD, SHORT_DAY_BUSY, _at

    day = _at(timezone.now(), SHORT_DAY_AHEAD, 12).date()
    leader = band.memberships.get(role="leader").user
    client.force_login(leader)
    page = client.get(reverse("bands:calendar", args=[band.slug]), {"view": "month", "date": day.isoformat()})
    said = page.content.decode().split("Short: Low brass ", 1)[1].split(" busy", 1)[0]
    emails = [f"{part}@demo.stageslot.test" for part in SHORT_DAY_BUSY]
    away = {str(u.name).split()[0] for u in User.objects.filter(email__in=emails)}  # first names, as the day reads
    assert said.startswith("2 of 4 – ") or said.startswith("3 of 4 – "), said
    assert set(said.split(" – ", 1)[1].split(", ")) == away


def test_seed_builds_a_small_world_and_running_twice_duplicates_nothing(settings, capsys, client, request):
    # Only where DEBUG is on, unless forced.
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not Band.objects.exists()
    # Seeded from empty (forced), or copied from the run's first seed of it: the same world. Its photos are tiny; the
    # pictures the seed draws are checked below.
    demo_once.seed(request.config, pictures=False)
    first = counts()
    # A world seeded before the bands asked their fee in their own country's currency, every band in the model's
    # default one: the second seed mends it too (one seed fewer than a test of its own).
    Band.objects.update(currency="EUR")
    settings.DEBUG = True
    call_command("seed_demo")
    assert counts() == first
    bands_ask_their_fee_in_their_own_countrys_currency(client)
    shows_tell_every_story(timezone.now())
    fans_tell_their_story(client)
    the_festival_tells_its_story(client)
    kiezbrass_tells_its_story(client)
    the_tour_tells_its_story(client)
    assert Band.objects.filter(status=ApprovalStatus.APPROVED).count() >= 8
    assert Band.objects.filter(status=ApprovalStatus.PENDING).exists()
    assert Venue.objects.count() >= 4
    assert User.objects.filter(memberships__isnull=False).distinct().count() >= 20
    assert len(set(Band.objects.values_list("city", flat=True))) >= 4
    assert User.objects.filter(is_staff=True).exists()
    assert "stageslot-demo" in capsys.readouterr().out
    # Most bands show a full press kit; invites wait for both a band and a venue.
    full = Band.objects.exclude(tagline="").exclude(fee_min=None).filter(photos__isnull=False).distinct()
    assert full.count() >= 8
    assert BandInvite.objects.exists()
    assert VenueInvite.objects.exists()
    assert all(v.stages.exists() and v.photos.exists() for v in Venue.objects.all())
    # The pictures the seed draws for them: a WEBP the size of a photo, one of its own for each band's photo.
    drawn = demo_picture("the-night-owls-0").read()
    with Image.open(io.BytesIO(drawn)) as image:
        assert (image.format, image.size) == ("WEBP", (1200, 800))
    assert drawn != demo_picture("the-night-owls-1").read()


def the_tour_tells_its_story(client) -> None:
    """The Night Owls' ten-day tour is a tour (decision 0113): its booked gigs with day sheets, a day off, a
    hotel in each stop's town with who sleeps where, a driver who is crew and not in the band, a budget with some
    actuals; its pages open for the party, and on its first day the dashboard says so."""
    tour = Tour.objects.get(band__slug="the-night-owls", name=demo_tours.TOUR_NAME)
    itinerary = tour_itinerary(tour=tour)
    assert len(itinerary.gigs) >= 8 and not itinerary.cancelled
    assert {day.kind for day in itinerary.days} >= {"show", "off"}
    assert sum(len(day.drives) for day in itinerary.days) == len(itinerary.gigs) - 1
    # A bed for every night, each in the town the party plays or stops in; drives in the morning leave from it.
    assert TourStay.objects.filter(tour=tour).count() == len(itinerary.gigs)
    assert itinerary.nights_without_bed == [] and itinerary.beds_elsewhere == []
    assert TourCost.objects.get(tour=tour, kind="crew_fees").person.email == "driver@demo.stageslot.test"
    driver = TourTraveller.objects.get(tour=tour)
    # Who sleeps where names people of the party: every member and the driver in each hotel.
    party = {*tour.band.memberships.values_list("user_id", flat=True), driver.user_id}
    for stay in tour.stays.all():
        assert set(TourStayGuest.objects.filter(stay=stay).values_list("user_id", flat=True)) == party
    assert driver.role == "driver" and not driver.user.memberships.exists()
    money = tour_money(tour=tour)
    assert money.income_planned_minor > 0 and money.actual_minor != money.planned_minor
    for email in ("mara", "ayla", "driver"):
        client.force_login(User.objects.get(email=f"{email}@demo.stageslot.test"))
        assert client.get(reverse("gigs:tour", args=[tour.pk])).status_code == 200
    # The driver, who plays in no band, was told in the app (the demo sends no mail) and finds the tour on
    # their dashboard by its link, not only on its days (issue 81).
    told = Notification.objects.get(recipient=driver.user, kind="tour_party", link=reverse("gigs:tour", args=[tour.pk]))
    assert told.in_app
    assert told.email_state == Notification.Email.SKIPPED
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'aria-labelledby="my-tours"' in dashboard and f'href="{reverse("gigs:tour", args=[tour.pk])}"' in dashboard
    first = itinerary.days[0].date
    on_tour = dt.datetime.combine(first, dt.time(12), tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert tours_today(user=driver.user, now=on_tour, zone=zoneinfo.ZoneInfo("Europe/Berlin")) == [tour]
    the_warm_up_is_on_today(client)


def the_warm_up_is_on_today(client) -> None:
    """A three-night warm-up around today (issue 84): whoever travels on it – the leader, a player, the driver –
    finds "Today on tour" first on their dashboard, and its link opens today's page of the itinerary, with a
    show behind the party or ahead of it, a bed each night in the show's own town and their own room in it."""
    warm_up = Tour.objects.get(band__slug="the-night-owls", name=demo_tours.WARM_UP_NAME)
    itinerary = tour_itinerary(tour=warm_up)
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    today = timezone.now().astimezone(berlin).date()
    assert itinerary.days[0].date <= today <= itinerary.days[-1].date
    assert len(itinerary.gigs) >= 2 and itinerary.nights_without_bed == [] and itinerary.beds_elsewhere == []
    for email in ("mara", "ayla", "driver"):
        person = User.objects.get(email=f"{email}@demo.stageslot.test")
        assert tours_today(user=person, now=timezone.now(), zone=berlin) == [warm_up]
        client.force_login(person)
        dashboard = client.get(reverse("dashboard")).content.decode()
        link = f"{reverse('gigs:tour', args=[warm_up.pk])}#day-{today.isoformat()}"
        assert f"Today on tour: {demo_tours.WARM_UP_NAME}" in dashboard and f'href="{link}"' in dashboard
        page = client.get(reverse("gigs:tour", args=[warm_up.pk])).content.decode()
        assert f'id="day-{today.isoformat()}"' in page
    outsider = User.objects.get(email="client@demo.stageslot.test")
    assert tours_today(user=outsider, now=timezone.now(), zone=berlin) == []


def seed_without_photos(settings, monkeypatch) -> None:
    # Photos are beside the point here and take most of the time. Forced rather than under DEBUG, which would
    # keep the text of every query the seed makes.
    monkeypatch.setattr("stageslot.management.commands.seed_demo.demo_picture", tiny_picture)
    call_command("seed_demo", "--force")


@functools.cache
def _one_pdf() -> bytes:
    return html_to_pdf("<p>A contract</p>")


def one_pdf_for_any_html(*pages: str) -> bytes:
    """A real PDF (it is sealed and signed like any other) drawn once: what a contract's pages say is not what
    the dates test."""
    return _one_pdf()


def overlapping_pairs(bookings) -> list[tuple[Booking, Booking]]:
    pairs = []
    for _, rows in itertools.groupby(sorted(bookings, key=lambda b: (b.band_id, b.starts_at)), lambda b: b.band_id):
        rows = list(rows)
        pairs += [
            (a, b) for a, b in itertools.combinations(rows, 2) if a.starts_at < b.ends_at and b.starts_at < a.ends_at
        ]
    return pairs


# The dates the demo is seeded at, each with the clock of stageslot/test_clock.py whose kind of edge it stands on.
# Under `--clock=<name>` (CI's SQLite stage, one clock a day) only that clock's dates are seeded: each seed costs
# about 20 s of CPU, and `make test-clocks` (all four clocks) seeds every date. Without a named clock, all five.
DEMO_MOMENTS = {
    "2027-01-04T00:10:00+00:00": "utc-midnight",  # a Monday, just after midnight
    "2027-03-13T23:30:00+00:00": "dst",  # a Saturday night before both daylight-saving changes
    "2027-06-27T23:50:00+00:00": "berlin-midnight",  # a Sunday, ten minutes before the new week
    "2027-10-30T22:00:00+00:00": "dst",  # the night Europe turns the clocks back
    "2028-02-29T12:00:00+00:00": "month-end",  # a leap day
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.function.__name__ == "test_every_demo_story_is_told_whatever_the_date":
        metafunc.parametrize("moment", test_clock.of_the_clock(metafunc.config, DEMO_MOMENTS))


def test_every_demo_story_is_told_whatever_the_date(moment, settings, monkeypatch, caplog):
    when = dt.datetime.fromisoformat(moment)
    monkeypatch.setattr(timezone, "now", lambda: when)
    monkeypatch.setattr("documents.services.contracts.html_to_pdf", one_pdf_for_any_html)
    monkeypatch.setattr("documents.pdf.html_to_pdf", one_pdf_for_any_html)
    with caplog.at_level(logging.WARNING):
        seed_without_photos(settings, monkeypatch)
    assert [
        r.getMessage() for r in caplog.records if r.name in ("stageslot.demo.bookings", "stageslot.demo.shows")
    ] == []
    for status in Slot.Status:
        assert Slot.objects.filter(Slot.status_q(status), starts_at__gt=when).exists(), status
    assert Booking.objects.filter(status=Status.COMPLETED, ends_at__lt=when).count() >= 7
    assert overlapping_pairs(list(Booking.objects.filter(status__in=(Status.BOOKED, Status.COMPLETED)))) == []
    shows_tell_every_story(when)


def bands_ask_their_fee_in_their_own_countrys_currency(client) -> None:
    expected = {"DE": "EUR", "ES": "EUR", "FR": "EUR", "GB": "GBP", "US": "USD", "DK": "DKK"}
    bands = list(Band.objects.exclude(fee_min=None))
    assert {b.country.code for b in bands} >= {"GB", "US", "DK"}
    for band in bands:
        assert band.currency == expected[band.country.code], band.slug
    grey = Band.objects.get(slug="grey-harbour")
    assert "300–700 GBP" in client.get(f"/bands/{grey.slug}/").content.decode()


def shows_tell_every_story(now) -> None:
    """The demo's shows: a band-hosted show looking for openers, a headliner picking support, a full bill with
    tickets on sale, a sold-out show."""
    hosted = Slot.objects.filter(host_band__isnull=False)
    # A band-hosted show looking for openers, with bands applying to it.
    wanted = hosted.get(title="Velours – release night")
    assert wanted.is_support_call and Booking.objects.filter(slot=wanted, status=Status.PENDING).count() == 2
    # A venue's slot whose headliner fills the support places.
    handed = Slot.objects.get(venue__isnull=False, support_picker="headliner")
    assert Booking.objects.filter(slot=handed, picker_band__isnull=False).exists()
    # A full bill with set times, and tickets on sale.
    bill = hosted.get(title="Nordlys & friends")
    acts = Booking.objects.filter(slot=bill, status=Status.BOOKED)
    assert acts.count() == 2 and not acts.filter(set_starts_at=None).exists()
    assert bill.tickets.count() == 2 and not bill.sold_out and bill.starts_at > now
    # A sold-out show.
    assert Slot.objects.filter(sold_out=True, headliner_booked=1).exists()
    assert overlapping_pairs(list(Booking.objects.filter(status__in=(Status.BOOKED, Status.COMPLETED)))) == []


@pytest.mark.django_db(transaction=True)
def test_the_gazetteer_comes_back_with_the_keys_the_migrations_gave_it():
    """A transactional test empties every table, the gazetteer the migrations loaded too; the demo's seed puts it
    back with each city under the key a database made by the migrations has (a snapshot of the demo taken in one
    test process is copied into the others' databases, its places by key)."""
    from places.models import City
    from places.services import gazetteer_rows
    from stageslot.tests.demo_once import _gazetteer_back

    # What the migrations give a new database: the loader's cities in its order, keyed from 1. (This test's own
    # database may hold them already, or be emptied by a transactional test before it.)
    keys = {row.geoname_id: n for n, row in enumerate(gazetteer_rows(), 1)}
    assert len(keys) > 1000
    City.objects.all().delete()
    _gazetteer_back()
    assert dict(City.objects.values_list("geoname_id", "pk")) == keys
    _gazetteer_back()  # whole already: nothing done
    assert City.objects.count() == len(keys)
