"""Demo venues between Hamburg and Munich (and a few across the borders) with open slots, so that
The Night Owls can plan a ten-day tour from Hamburg to Munich with one day off.

The tour's days are found, not fixed: the first ten days, from two weeks ahead, on which the band's
green zone (everyone it needs free for a show at 20:00, or a late one at 22:15 after a rehearsal, and
no other gig that day) leaves at least nine evenings free. Its stops go on nine of them, one city
further south each, with a day off between; the other venues post a few more slots in the same days,
so that the planner has other routes to offer. Run again, nothing is added once the first tour venue
has slots."""

import datetime as dt
import zoneinfo
from collections.abc import Callable

from accounts.models import User
from bands.models import ApprovalStatus, Band, Genre
from bookings.selectors.bookings import band_free_for_gig, gig_days_taken
from gigs.models import Tour, TourInvite
from places.selectors import city_match
from stageslot.demo.festivals import festival_days
from venues.models import Stage, Venue, VenuePhoto, VenueStaff
from venues.services import slot_create

BAND = "the-night-owls"
TOUR_DAYS = 10
FIRST_OFFSET = 14
LAST_OFFSET = 150
# A show at 20:00, else a late one (the band rehearses some evenings until 22:00).
SHOWS = [(dt.time(20), dt.time(23)), (dt.time(22, 15), dt.time(1))]

# slug, name, address, city (as the gazetteer knows it), country, capacity, owner's name, point (the venue's
# own, so that the tour works even where the gazetteer is not loaded)
ZONES = {"DE": "Europe/Berlin", "AT": "Europe/Vienna", "CZ": "Europe/Prague", "NL": "Europe/Amsterdam"}
TOUR_VENUES = [
    ("elbkeller", "Elbkeller", "Hafenstraße 12", "Hamburg", "DE", 250, "Jan Petersen", (53.5507, 9.993)),
    ("weserbuehne", "Weserbühne", "Schlachte 7", "Bremen", "DE", 200, "Insa Meyer", (53.0758, 8.8072)),
    ("leinesaal", "Leinesaal", "Am Hohen Ufer 3", "Hannover", "DE", 300, "Birte Lange", (52.3705, 9.7332)),
    ("kulturkantine-kassel", "Kulturkantine", "Fuldaufer 21", "Kassel", "DE", 180, "Timo Hess", (51.3167, 9.5)),
    ("kraemerkeller", "Krämerkeller", "Krämerbrücke 9", "Erfurt", "DE", 150, "Anja Schulz", (50.9773, 11.0354)),
    ("mainkai-club", "Mainkai Club", "Alter Kranen 2", "Würzburg", "DE", 220, "Felix Roth", (49.7939, 9.9512)),
    ("pegnitzbuehne", "Pegnitzbühne", "Hallplatz 5", "Nürnberg", "DE", 400, "Lea Braun", (49.4542, 11.0775)),
    ("donaukeller", "Donaukeller", "Keplerstraße 4", "Regensburg", "DE", 160, "Max Huber", (49.0151, 12.1016)),
    ("isarhalle", "Isarhalle", "Zenettistraße 10", "München", "DE", 500, "Vroni Bauer", (48.1374, 11.5755)),
    # Other routes go through these.
    ("gaensekeller", "Gänsekeller", "Markt 4", "Göttingen", "DE", 140, "Paul Wendt", (51.5344, 9.9323)),
    ("lechhalle", "Lechhalle", "Kurze Wertachstraße 8", "Augsburg", "DE", 260, "Sina Vogt", (48.3715, 10.8985)),
    ("salzach-stage", "Salzach Stage", "Giselakai 11", "Salzburg", "AT", 300, "Lukas Gruber", (47.7994, 13.044)),
    ("vltava-club", "Vltava Club", "Náplavka 1", "Prague", "CZ", 350, "Tereza Nováková", (50.088, 14.4208)),
    ("grachtzaal", "Grachtzaal", "Prinsengracht 101", "Amsterdam", "NL", 280, "Daan de Vries", (52.374, 4.8897)),
]
# The stops of the tour, north to south, one a free evening: (venue, fee in EUR).
ROUTE = [
    ("elbkeller", 450),
    ("weserbuehne", 350),
    ("leinesaal", 500),
    ("kulturkantine-kassel", 300),
    ("kraemerkeller", 300),
    ("mainkai-club", 400),
    ("pegnitzbuehne", 600),
    ("donaukeller", 350),
    ("isarhalle", 700),
]
# More slots in the tour's days: (venue, day of the tour, fee (None: negotiable), support places).
OTHERS = [
    ("gaensekeller", 3, 250, 1),
    ("leinesaal", 4, None, 1),
    ("lechhalle", 8, 450, 1),
    ("salzach-stage", 9, 550, 0),
    ("vltava-club", 5, 400, 1),
    ("grachtzaal", 1, 500, 1),
    ("pegnitzbuehne", 6, None, 2),
]


def _show_times(band: Band, day: dt.date, taken: set[dt.date]) -> tuple[dt.time, dt.time] | None:
    """The first show time on `day` inside the band's green zone, or None."""
    if day in taken:
        return None
    zone = zoneinfo.ZoneInfo(band.time_zone)
    for start, end in SHOWS:
        starts_at = dt.datetime.combine(day, start, tzinfo=zone)
        ends_at = dt.datetime.combine(day + dt.timedelta(days=end < start), end, tzinfo=zone)
        if band_free_for_gig(band=band, start=starts_at, end=ends_at):
            return start, end
    return None


def tour_nights(
    band: Band, *, today: dt.date, kept_out: frozenset[dt.date] = frozenset()
) -> dict[dt.date, tuple[dt.time, dt.time]]:
    """Nine free evenings (with their show times) of the first ten-day stretch from two weeks ahead that
    has them, a day off among them; else the stretch with the most free evenings. `kept_out`: days a story
    seeded later takes (the festival's)."""
    zone = zoneinfo.ZoneInfo(band.time_zone)
    since = dt.datetime.combine(today, dt.time(0), tzinfo=zone)
    from bookings.models import Booking

    gig_days = gig_days_taken(band_ids=[band.pk], start=since).get(band.pk, [])
    taken = {start.astimezone(zone).date() for start, _end in gig_days}
    # An evening with a request or offer still waiting is not free either: a later story may accept it.
    waiting = Booking.objects.filter(band=band, status=Booking.Status.PENDING, starts_at__gte=since)
    taken |= {start.astimezone(zone).date() for start in waiting.values_list("starts_at", flat=True)}
    taken |= kept_out
    times: dict[dt.date, tuple | None] = {}
    best: dict[dt.date, tuple[dt.time, dt.time]] = {}
    for offset in range(FIRST_OFFSET, LAST_OFFSET):
        days = [today + dt.timedelta(days=offset + i) for i in range(TOUR_DAYS)]
        for day in days:
            if day not in times:
                times[day] = _show_times(band, day, taken)
        free = {day: times[day] for day in days if times[day] is not None}
        if len(free) == TOUR_DAYS:
            free.pop(days[TOUR_DAYS // 2])  # A day off in the middle.
        if len(free) >= TOUR_DAYS - 1:
            return free
        if len(free) > len(best):
            best = free
    return best


def _venue(row: tuple, genres: list[Genre], picture: Callable) -> tuple[Venue, User]:
    slug, name, address, city, country, capacity, owner_name, (latitude, longitude) = row
    zone = ZONES[country]
    venue, created = Venue.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name, "address": address, "city": city, "country": country, "time_zone": zone,
            "capacity": capacity, "status": ApprovalStatus.APPROVED, "place": city_match(city, country),
            "exact_point": True, "latitude": latitude, "longitude": longitude,
            "description": f"A music room in {city} that books touring bands most nights of the week.",
        },
    )  # fmt: skip
    if created:
        venue.genres.add(*genres)
    Stage.objects.get_or_create(venue=venue, name="Main room", defaults={"capacity": capacity})
    if not venue.photos.exists():
        photo = VenuePhoto(venue=venue, caption=f"The room at {name}")
        photo.image.save("photo.webp", picture(f"venue-{slug}"), save=False)
        photo.save()
    owner, made = User.objects.get_or_create(
        email=f"{slug}@demo.stageslot.test", defaults={"display_name": owner_name, "time_zone": zone}
    )
    if made:
        owner.set_unusable_password()
        owner.save(update_fields=["password"])
    VenueStaff.objects.get_or_create(venue=venue, user=owner, defaults={"role": VenueStaff.Role.OWNER})
    return venue, owner


def _post(venue: Venue, owner: User, day: dt.date, times: tuple, fee: int | None, places: int, now: dt.datetime):
    zone = zoneinfo.ZoneInfo(venue.time_zone)
    start, end = times
    return slot_create(
        venue=venue,
        by=owner,
        stage=venue.stages.order_by("pk").first(),
        starts_at=dt.datetime.combine(day, start, tzinfo=zone),
        ends_at=dt.datetime.combine(day + dt.timedelta(days=end < start), end, tzinfo=zone),
        now=now,
        title="Touring bands night",
        fee=fee,
        support_places=places,
    )


def seed_tour_venues(*, now: dt.datetime, picture: Callable) -> None:
    """The tour venues (with a photo each, made by `picture(seed)`) and, once, their open slots on the
    Night Owls' free evenings."""
    band = Band.objects.filter(slug=BAND).first()
    genres = list(Genre.objects.filter(slug__in=["indie", "rock", "folk", "pop"]))
    venues = {row[0]: _venue(row, genres, picture) for row in TOUR_VENUES}
    if band is None or venues[ROUTE[0][0]][0].slots.exists():
        return
    # The festival, seeded later, books The Night Owls on its evenings: the route keeps out of them.
    today = now.astimezone(zoneinfo.ZoneInfo(band.time_zone)).date()
    nights = tour_nights(band, today=today, kept_out=festival_days(now=now))
    played = {}
    for (slug, fee), day in zip(ROUTE, sorted(nights), strict=False):
        _post(*venues[slug], day, nights[day], fee, 1, now)
        played[slug] = day
    if not nights:
        return
    for slug, offset, fee, support_places in OTHERS:
        day = min(nights) + dt.timedelta(days=offset)
        if played.get(slug) != day:  # One show a night on a venue's stage.
            _post(*venues[slug], day, nights.get(day, SHOWS[0]), fee, support_places, now)


# ---- The tour once booked (decision 0113) ---------------------------------------------------------

TOUR_NAME = "Hamburg to Munich"
DRIVER = ("driver", "Rolf Brandt", "Europe/Berlin")  # crew, not in the band: invited to this tour only
SOUND_INVITED = "sound@demo.stageslot.test"  # asked along, no answer yet: nobody has this address
# Where the party sleeps, in each stop's own town from its show's night until the next show's: by the venue's
# town, (name, address, phone, the first room's number, a note on the rooms). Who sleeps in which room: ROOMS.
STAYS = {
    "Hamburg": ("Hotel Nordlicht", "Steindamm 40, 20099 Hamburg", "+49 40 5550 2210", 12, "Breakfast from 7:00."),
    "Bremen": ("Hotel Schlachte", "Langenstraße 2, 28195 Bremen", "+49 421 5550 118", 21, ""),
    "Hannover": ("Gästehaus am Ufer", "Leibnizufer 9, 30169 Hannover", "+49 511 5550 440", 3, ""),
    "Kassel": ("Hotel Fulda", "Fuldabrücke 1, 34117 Kassel", "+49 561 5550 901", 7, "Van parks in the yard."),
    "Erfurt": ("Pension Krämerbrücke", "Gotthardtstraße 5, 99084 Erfurt", "+49 361 5550 31", 2, ""),
    "Würzburg": ("Hotel Alter Kranen", "Kärrnergasse 11, 97070 Würzburg", "+49 931 5550 77", 14, ""),
    "Nürnberg": ("Hotel Hallplatz", "Hallplatz 2, 90402 Nürnberg", "+49 911 5550 640", 31, ""),
    "Regensburg": ("Gasthof Donau", "Keplerstraße 1, 93047 Regensburg", "+49 941 5550 25", 5, ""),
    "München": ("Pension Isarblick", "Erhardtstraße 7, 80469 München", "+49 89 5550 7781", 3, ""),
}  # fmt: skip
# Who shares a room, counted from a stay's first room: by the first name of a person of the touring party.
ROOMS = {"Mara": 0, "Ayla": 0, "Jonas": 1, "Theo": 1, "Rolf": 2}
# The budget: (kind, label, planned EUR, actual EUR or None, index of the stop it belongs to or None, whom it is
# for: "driver" or None). A person is named by the line's reference, never in its label (decision 0134).
COSTS = [
    ("fuel", "Diesel for the van, Hamburg–München", 420, 180, None, None),
    ("accommodation", "Hotels on the way, ten nights", 990, 540, None, None),
    ("per_diems", "€25 a day for five people", 1250, None, None, None),
    ("crew_fees", "Driver's fee, ten days", 1200, None, None, "driver"),
    ("commission", "Northside Agency, 10% of the fees", 395, None, None, None),
    ("other", "Parking at the Elbkeller", 30, 24, 0, None),
]  # fmt: skip


def _tour_slots(band: Band, now: dt.datetime) -> list:
    """The route's venues post a night each for the booked tour, in the route's order: on the band's free
    evenings after the last day anyone still waits for the band's answer (a gig booked on such an evening
    would decline the request waiting for it), so that the open route the planner finds stays open too."""
    from bookings.models import Booking

    zone = zoneinfo.ZoneInfo(band.time_zone)
    waiting = (
        Booking.objects.filter(band=band, status=Booking.Status.PENDING)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
    ).first()
    today = now.astimezone(zone).date()
    after = max(today + dt.timedelta(days=LAST_OFFSET), waiting.astimezone(zone).date() if waiting else today)
    nights = tour_nights(band, today=after)
    slots = []
    for (slug, fee), day in zip(ROUTE, sorted(nights), strict=False):
        venue = Venue.objects.get(slug=slug)
        owner = VenueStaff.objects.filter(venue=venue, role=VenueStaff.Role.OWNER).select_related("user").first()
        if owner is not None:
            slots.append(_post(venue, owner.user, day, nights[day], fee, 1, now))
    return slots


def _beds(*, tour: Tour, leader: User, booked: list, code: str) -> None:
    """A hotel in each show's town (STAYS) from its show's night until the next show's (the last show's night
    too), the party in its rooms (ROOMS); `code` starts each booking's confirmation number."""
    from gigs.selectors.tours import tour_party_people
    from gigs.services import tours

    people = {str(p.user.name).split()[0]: p.user.pk for p in tour_party_people(tour=tour)}
    shows = [gig.starts_at.astimezone(gig.zone).date() for gig in booked]
    for n, gig in enumerate(booked):
        city = gig.venue.city
        hotel, address, phone, first_room, note = STAYS.get(city, (f"Hotel am Markt, {city}", "", "", 1, ""))
        nights = (shows[n + 1] - shows[n]).days if n + 1 < len(shows) else 1
        if nights < 1:
            continue
        stay = tours.tour_stay_save(
            tour=tour, by=leader, night=shows[n], nights=nights, check_in=dt.time(15), check_out=dt.time(11),
            name=hotel, address=address, city=city, phone=phone, rooms=note, confirmation=f"{code}-{gig.pk:05}",
        )  # fmt: skip
        rooms = {people[name]: str(first_room + k) for name, k in ROOMS.items() if name in people}
        tours.tour_stay_rooms_set(stay=stay, by=leader, rooms=rooms)


def seed_tour(*, now: dt.datetime, password: str) -> Tour | None:
    """The Night Owls' ten-day tour booked and made a tour: the venues offer the route's slots, Mara accepts
    each (bookings' one path to BOOKED), the venues write the day sheets, then the tour with its gigs, a
    driver invited (crew, not in the band), two hotels with who sleeps where, and its budget planned with
    some actual costs. Idempotent: nothing is done once the tour exists (or when there are no route slots)."""
    import logging

    from allauth.account.models import EmailAddress
    from django.core.exceptions import ValidationError

    from accounts.models import Notification
    from bands.models import Membership
    from bookings.errors import BookingError
    from bookings.models import Booking
    from bookings.services import answering, asking
    from gigs.services import day_sheets as sheets
    from gigs.services import tours
    from stageslot.demo.people import password_hash_once

    logger = logging.getLogger(__name__)
    band = Band.objects.filter(slug=BAND).first()
    if band is None or Tour.objects.filter(band=band, name=TOUR_NAME).exists():
        return None
    leader = Membership.objects.filter(band=band, role=Membership.Role.LEADER).select_related("user").first()
    slots = _tour_slots(band, now)
    if leader is None or not slots:
        return None
    leader = leader.user
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    booked = []
    for slot in slots:
        owner = VenueStaff.objects.filter(venue=slot.venue, role=VenueStaff.Role.OWNER).select_related("user").first()
        try:
            offer = asking.booking_offer(
                slot=slot, band=band, by=owner.user, role=Booking.Role.HEADLINER, fee=slot.fee, now=now,
                message="We'd love to have you on your way south – headline our touring night?",
            )  # fmt: skip
            booking = answering.booking_accept(booking=offer, by=leader, now=now)
        except (BookingError, ValidationError) as exc:
            logger.warning("Demo tour: %s at %s", exc, slot.venue.slug)
            continue
        start = booking.set_starts_at or booking.starts_at
        try:
            sheets.day_sheet_update(
                booking=booking, by=owner.user, now=now,
                venue_contact_name=owner.user.name, venue_contact_phone="+49 170 5550 " + f"{booking.pk % 10000:04}",
                venue_contact_email=owner.user.email, band_contact_name=leader.name,
                band_contact_phone="+49 151 5550 1001",
                load_in_at=start - dt.timedelta(hours=3), soundcheck_at=start - dt.timedelta(hours=2),
                doors_at=start - dt.timedelta(minutes=30),
            )  # fmt: skip
        except (BookingError, ValidationError) as exc:
            logger.warning("Demo tour day sheet: %s at %s", exc, slot.venue.slug)
        booked.append(booking)
    if not booked:
        return None
    tour = tours.tour_create(band=band, by=leader, name=TOUR_NAME, bookings=booked)
    part, name, zone = DRIVER
    driver, made = User.objects.get_or_create(
        email=f"{part}@demo.stageslot.test", defaults={"display_name": name, "time_zone": zone}
    )
    if made:
        driver.password = password_hash_once(password)
        driver.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=driver, email=driver.email, defaults={"verified": True, "primary": True})
    tours.tour_traveller_add(tour=tour, by=leader, user=driver, role="driver")
    # A sound engineer asked along who has not answered yet: the leader sees the invitation, open or withdrawn.
    TourInvite.objects.create(
        tour=tour, email=SOUND_INVITED, role="sound", max_uses=1, created_by=leader,
        expires_at=now + dt.timedelta(days=tours.TOUR_INVITE_DAYS),
    )  # fmt: skip
    _beds(tour=tour, leader=leader, booked=booked, code="NO")
    for kind, label, planned, actual, stop, whom in COSTS:
        tours.tour_cost_add(
            tour=tour, by=leader, kind=kind, label=label, planned_minor=planned * 100,
            actual_minor=None if actual is None else actual * 100, person_id=driver.pk if whom == "driver" else None,
            booking_id=booked[stop].pk if stop is not None and stop < len(booked) else None,
        )  # fmt: skip
    # The demo people have no real mailboxes.
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
    return tour


# ---- A warm-up on the road today: the dashboard's "Today on tour" has something to show ----------------

WARM_UP_NAME = "Warm-up up north"
# Three nights around today, one town each, north to south: the venues of the big tour's first stops.
WARM_UP_ROUTE = [("elbkeller", 400), ("weserbuehne", 300), ("leinesaal", 450)]
# The warm-up's nights are looked for from this many days before today to as many after.
WARM_UP_REACH = 4
# How long before each show the venue offered it and the band said yes.
WARM_UP_BOOKED_AHEAD = dt.timedelta(days=40)


def warm_up_nights(band: Band, *, today: dt.date) -> dict[dt.date, tuple[dt.time, dt.time]]:
    """Up to three free evenings of the band (its green zone, no other gig that day) within WARM_UP_REACH days of
    today, nearest first: the last one on or before today and the first one on or after it, so that the run is on
    today, then the nearest other. {} when the band's days do not allow a run on today."""
    zone = zoneinfo.ZoneInfo(band.time_zone)
    since = dt.datetime.combine(today - dt.timedelta(days=WARM_UP_REACH + 1), dt.time(0), tzinfo=zone)
    gig_days = gig_days_taken(band_ids=[band.pk], start=since).get(band.pk, [])
    taken = {start.astimezone(zone).date() for start, _end in gig_days}
    days = [today + dt.timedelta(days=n) for n in range(-WARM_UP_REACH, WARM_UP_REACH + 1)]
    free = {day: times for day in days if (times := _show_times(band, day, taken))}
    before = [day for day in free if day <= today]
    after = [day for day in free if day >= today]
    if not before or not after:
        return {}
    picked = {max(before), min(after)}
    for day in sorted(free, key=lambda day: (abs((day - today).days), day)):
        if len(picked) >= len(WARM_UP_ROUTE):
            break
        picked.add(day)
    return {day: free[day] for day in sorted(picked)}


def seed_tour_today(*, now: dt.datetime) -> Tour | None:
    """The Night Owls' short warm-up run in the north, on the road today: booked weeks ago (the venues offered,
    Mara said yes), one night behind the party where its days allow it, today's show and tomorrow's ahead, a
    hotel in each town with who sleeps where, the driver along. The leader, the players and the driver see
    "Today on tour" on their dashboard and today's page of the itinerary. Idempotent: nothing is done once the
    run exists, or when the band has no free evening around today."""
    import logging

    from django.core.exceptions import ValidationError
    from django.db import transaction

    from accounts.models import Notification
    from bands.models import Membership
    from bookings.errors import BookingError
    from bookings.models import Booking
    from bookings.services import answering, asking
    from gigs.services import day_sheets as sheets
    from gigs.services import tours
    from stageslot.demo.bookings import dated

    logger = logging.getLogger(__name__)
    band = Band.objects.filter(slug=BAND).first()
    if band is None or Tour.objects.filter(band=band, name=WARM_UP_NAME).exists():
        return None
    leader = Membership.objects.filter(band=band, role=Membership.Role.LEADER).select_related("user").first()
    today = now.astimezone(zoneinfo.ZoneInfo(band.time_zone)).date()
    nights = warm_up_nights(band, today=today)
    if leader is None or not nights:
        logger.warning("Demo warm-up: no leader, or no free evening of the band around %s", today)
        return None
    leader = leader.user
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    booked = []
    for (slug, fee), day in zip(WARM_UP_ROUTE, sorted(nights), strict=False):
        venue = Venue.objects.filter(slug=slug).first()
        owner = VenueStaff.objects.filter(venue=venue, role=VenueStaff.Role.OWNER).select_related("user").first()
        if venue is None or owner is None:
            continue
        zone = zoneinfo.ZoneInfo(venue.time_zone)
        when = dt.datetime.combine(day, nights[day][0], tzinfo=zone) - WARM_UP_BOOKED_AHEAD
        try:
            # The night whole or not at all: a refused offer leaves no open slot behind.
            with transaction.atomic(), dated(when, now):
                slot = _post(venue, owner.user, day, nights[day], fee, 0, when)
                offer = asking.booking_offer(
                    slot=slot, band=band, by=owner.user, role=Booking.Role.HEADLINER, fee=fee, now=when,
                    message="Warm up for the big tour with us?",
                )  # fmt: skip
                booking = answering.booking_accept(booking=offer, by=leader, now=when)
                start = booking.set_starts_at or booking.starts_at
                sheets.day_sheet_update(
                    booking=booking, by=owner.user, now=when, venue_contact_person=owner.user,
                    load_in_at=start - dt.timedelta(hours=3), soundcheck_at=start - dt.timedelta(hours=2),
                    doors_at=start - dt.timedelta(minutes=30),
                )  # fmt: skip
        except (BookingError, ValidationError) as exc:
            logger.warning("Demo warm-up: %s at %s", exc, slug)
            continue
        booked.append(booking)
    if not booked:
        return None
    tour = tours.tour_create(band=band, by=leader, name=WARM_UP_NAME, bookings=booked)
    driver = User.objects.filter(email=f"{DRIVER[0]}@demo.stageslot.test").first()
    if driver is not None:
        tours.tour_traveller_add(tour=tour, by=leader, user=driver, role="driver")
    _beds(tour=tour, leader=leader, booked=booked, code="WU")
    # The demo people have no real mailboxes.
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
    return tour
