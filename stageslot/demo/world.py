"""A plausible world of any size for load testing: `manage.py seed_world --scale N` (docs/decisions/0088).

The world is made of units, each a tenth of --scale 1: 40 people (30 musicians, 4 venue staff, 6
clients), 10 bands of four, 2 venues with 2 stages each, the musicians' weekly and one-off busy rules
and imported calendars, 300 bookings over five years (four back, one ahead) in every state with their
slots, gig blocks, events, threads, payments and reviews, and a few holds. --scale 100 is 1,000 units:
10,000 bands, 2,000 venues, 4,000 stages, 40,000 people, 300,000 bookings and a few million busy rows.

Rows are written in bulk (bulk_create in large batches, COPY for busy intervals) but are the rows the
services write: busy time is expanded by the availability engine exactly as rule_materialise and
band_block_materialise expand it, over the rolling horizon (62 days back, 400 ahead), gig blocks have
gig_busy_window's times, slots count the places their bookings take, and the ratings are refreshed by
reviews.services.ratings_refresh.
stageslot/tests/test_world.py checks a sample against the services.

Deterministic: unit k draws from random.Random(f"{seed}:{k}") and dates count from --today (default: today,
UTC). Resumable: each chunk of units is one transaction, and a unit whose first band exists is done, so a
rerun continues where an interrupted one stopped.
"""

import datetime as dt
import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from accounts.models import User
from accounts.policy import policy_version
from availability import engine
from availability.models import BusyInterval, ExternalCalendar, Rule
from availability.services import MATERIALISE_CAP, horizon
from bands.models import ApprovalStatus, Band, BandBlock, Genre, Membership
from bands.services import gig_window
from bookings.models import Booking, BookingEvent, Message
from holds.models import Hold
from payments.models import Payment
from places.models import City
from reviews.models import Review, Side
from reviews.services import ratings_refresh
from venues.models import Slot, Stage, Venue, VenueStaff

UNITS_PER_SCALE = 10
MUSICIANS, STAFF, CLIENTS = 30, 4, 6
BANDS, VENUES, STAGES_PER_VENUE = 10, 2, 2
MEMBERS = 4
BOOKINGS_PER_BAND = 30
BOOKING_EVERY_DAYS = 61  # a band's bookings follow one another this far apart: 30 of them span five years
FIRST_BOOKING_DAYS = -4 * 365
OPEN_SLOTS_PER_STAGE = 20
RULES_BACK_DAYS = 5 * 365
EMAIL_DOMAIN = "world.stageslot.test"

GENRES = ["Rock", "Indie", "Jazz", "Funk", "Soul", "Folk", "Electronic", "Blues", "Pop", "Metal", "Punk", "Hip hop"]
ADJECTIVES = ["Quiet", "Electric", "Velvet", "Northern", "Golden", "Midnight", "Paper", "Wild", "Hollow", "Neon"]
NOUNS = ["Hours", "Foxes", "Tides", "Owls", "Lanterns", "Rivers", "Engines", "Birds", "Saints", "Echoes"]
INSTRUMENTS = ["Vocals", "Guitar", "Bass", "Drums", "Keys", "Sax"]
PAST_STATUSES = [("completed", 70), ("cancelled", 10), ("declined", 10), ("withdrawn", 5), ("disputed", 5)]
FUTURE_STATUSES = [("booked", 50), ("pending", 25), ("declined", 10), ("withdrawn", 5), ("cancelled", 10)]
PLAYED = {"booked", "in_progress", "completed", "disputed"}


def units_for(scale: float) -> int:
    """How many units --scale makes (at least one)."""
    return max(1, round(scale * UNITS_PER_SCALE))


def band_slug(seed: int, unit: int, k: int) -> str:
    return f"w{seed}-{unit}-band-{k}"


def person_email(seed: int, unit: int, k: int) -> str:
    return f"w{seed}.{unit}.{k}@{EMAIL_DOMAIN}"


@dataclass
class Context:
    seed: int
    today: dt.datetime  # midnight UTC
    genres: list[Genre]
    cities: list[City]
    password: str
    horizon: tuple[dt.datetime, dt.datetime]


def context(*, seed: int, today: dt.date | None = None) -> Context:
    """What every unit shares: the genres (made once), the gazetteer's biggest cities, one password hash."""
    day = today or dt.datetime.now(dt.UTC).date()
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    genres = [
        Genre.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})[0] for name in GENRES
    ]
    cities = list(City.objects.order_by("-population", "pk")[:40])
    return Context(
        seed=seed,
        today=midnight,
        genres=genres,
        cities=cities,
        password=make_password(f"world-{seed}"),
        horizon=horizon(midnight + dt.timedelta(hours=12)),
    )


def done_units(ctx: Context, units: int) -> set[int]:
    """The units already in the database (their first band exists; each unit is written in one transaction)."""
    slugs = {band_slug(ctx.seed, u, 0): u for u in range(units)}
    return {slugs[s] for s in Band.objects.filter(slug__in=list(slugs)).values_list("slug", flat=True)}


def seed(
    *,
    scale: float,
    seed: int = 1,
    today: dt.date | None = None,
    chunk: int = 10,
    say: Callable[[str], None] = print,
) -> int:
    """Make the world of `scale` (the units not made yet); returns how many units were made now."""
    ctx = context(seed=seed, today=today)
    total = units_for(scale)
    done = done_units(ctx, total)
    todo = [u for u in range(total) if u not in done]
    if done:
        say(f"{len(done)} of {total} units already there; making {len(todo)}")
    started = time.perf_counter()
    for first in range(0, len(todo), chunk):
        units = todo[first : first + chunk]
        with transaction.atomic():
            for unit in units:
                unit_make(ctx, unit)
        made = first + len(units)
        elapsed = time.perf_counter() - started
        say(f"units {made}/{len(todo)} in {elapsed:.0f} s (about {elapsed / made * (len(todo) - made):.0f} s to go)")
    if todo:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return len(todo)


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def unit_make(ctx: Context, unit: int) -> None:
    rng = random.Random(f"{ctx.seed}:{unit}")  # noqa: S311 – load-test data, not secrets
    city = rng.choice(ctx.cities) if ctx.cities else None
    zone = city.time_zone if city else "UTC"

    people = User.objects.bulk_create(
        [
            User(
                email=person_email(ctx.seed, unit, k),
                display_name=f"{rng.choice(ADJECTIVES)} Person {unit}.{k}",
                password=ctx.password,
                time_zone=zone,
                # Signed up under the notice on the site now: a page read as one of them shows no banner.
                policy_version=policy_version(),
            )
            for k in range(MUSICIANS + STAFF + CLIENTS)
        ],
        batch_size=2000,
    )
    musicians, staff, clients = people[:MUSICIANS], people[MUSICIANS : MUSICIANS + STAFF], people[MUSICIANS + STAFF :]

    def place_fields() -> dict:
        place = rng.choice(ctx.cities) if ctx.cities and rng.random() < 0.7 else city
        if place is None:
            return {}
        # bulk_create skips Band.save and Venue.save, which copy the point from the place.
        return {
            "place": place,
            "city": place.name,
            "country": place.country,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }

    bands = Band.objects.bulk_create(
        [
            Band(
                name=f"{rng.choice(['The ', ''])}{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {unit}-{k}",
                slug=band_slug(ctx.seed, unit, k),
                tagline=f"{rng.choice(GENRES)} from {city.name if city else 'somewhere'}",
                bio="We play loud and on time.\n\nBook us.",
                time_zone=zone,
                status=ApprovalStatus.APPROVED if rng.random() < 0.92 else ApprovalStatus.PENDING,
                fee_min=(low := rng.choice([None, 200, 500, 800, 1500])),
                fee_max=None if low is None else low + rng.choice([0, 500, 1500]),
                travel_km=rng.choice([None, 50, 200, 800]),
                **place_fields(),
            )
            for k in range(BANDS)
        ]
    )
    members: dict[int, list[int]] = {}
    memberships = []
    for k, band in enumerate(bands):
        chosen = [musicians[(3 * k + m) % MUSICIANS] for m in range(MEMBERS)]
        members[band.pk] = [u.pk for u in chosen]
        memberships += [
            Membership(band=band, user=u, role="leader" if m == 0 else "member", instrument=INSTRUMENTS[m])
            for m, u in enumerate(chosen)
        ]
    Membership.objects.bulk_create(memberships)
    Band.genres.through.objects.bulk_create(
        [Band.genres.through(band_id=b.pk, genre_id=g.pk) for b in bands for g in rng.sample(ctx.genres, 2)]
    )

    venues = Venue.objects.bulk_create(
        [
            Venue(
                name=f"{rng.choice(['The ', 'Club ', ''])}{rng.choice(ADJECTIVES)} Room {unit}-{k}",
                slug=f"w{ctx.seed}-{unit}-venue-{k}",
                description="A room with a stage.",
                time_zone=zone,
                capacity=rng.choice([120, 250, 400, 800]),
                status=ApprovalStatus.APPROVED,
                **place_fields(),
            )
            for k in range(VENUES)
        ]
    )
    Venue.genres.through.objects.bulk_create(
        [Venue.genres.through(venue_id=v.pk, genre_id=g.pk) for v in venues for g in rng.sample(ctx.genres, 3)]
    )
    stages = Stage.objects.bulk_create(
        [Stage(venue=v, name=f"Stage {s + 1}") for v in venues for s in range(STAGES_PER_VENUE)]
    )
    VenueStaff.objects.bulk_create(
        [
            VenueStaff(venue=venues[k // 2], user=u, role="owner" if k % 2 == 0 else "booker")
            for k, u in enumerate(staff)
        ]
    )

    busy: list[tuple] = []
    _rules(ctx, rng, musicians, zone, busy)
    _calendars(ctx, rng, musicians, busy)
    _bookings(ctx, rng, unit, bands, members, venues, stages, staff, clients, busy)
    _holds(ctx, rng, bands, venues, stages, staff)
    busy_copy(busy)
    ratings_refresh(band_ids=[b.pk for b in bands], venue_ids=[v.pk for v in venues])


def _rules(ctx: Context, rng: random.Random, musicians: list[User], zone: str, busy: list[tuple]) -> None:
    """Each musician: a weekly (or fortnightly) evening they are busy, begun up to five years ago, and two
    holidays in the coming year; busy over the horizon as rule_materialise makes them (the nightly
    horizon_extend drops what ends before the horizon)."""
    rules = []
    for user in musicians:
        first = (ctx.today - dt.timedelta(days=rng.randint(30, RULES_BACK_DAYS))).date()
        day = rng.choice(["MO", "TU", "WE", "TH", "SU"])
        every = "" if rng.random() < 0.5 else ";INTERVAL=2"
        rules.append(
            Rule(
                user=user,
                kind=Rule.Kind.BUSY,
                title="Rehearsal with another project",
                time_zone=zone,
                start_date=first,
                start_time=dt.time(19),
                end_date=first,
                end_time=dt.time(22),
                rrule=f"FREQ=WEEKLY;BYDAY={day}{every}",
                materialised_until=ctx.horizon[1],
            )
        )
        for _ in range(2):
            start = (ctx.today + dt.timedelta(days=rng.randint(10, 360))).date()
            rules.append(
                Rule(
                    user=user,
                    kind=Rule.Kind.BUSY,
                    title="Holiday",
                    time_zone=zone,
                    all_day=True,
                    start_date=start,
                    end_date=start + dt.timedelta(days=rng.randint(2, 12)),
                    materialised_until=ctx.horizon[1],
                )
            )
    for rule in Rule.objects.bulk_create(rules, batch_size=2000):
        for s, e in rule_busy(rule, start=ctx.horizon[0], end=ctx.horizon[1]):
            busy.append((rule.user_id, s, e, BusyInterval.Source.RULE, rule.pk, "", None, None))


def rule_busy(rule: Rule, *, start: dt.datetime, end: dt.datetime) -> list[engine.Interval]:
    """A rule's busy intervals over [start, end): what availability.services.block_intervals gives."""
    return engine.expand(rule.recurrence(), start, end, cap=MATERIALISE_CAP)


def _calendars(ctx: Context, rng: random.Random, musicians: list[User], busy: list[tuple]) -> None:
    """Half of the musicians import their own calendar: about one event a week over the horizon (an
    import keeps only the horizon's events, as calendar_sync does)."""
    owners = [u for u in musicians if rng.random() < 0.5]
    events = {}
    for user in owners:
        day, events[user.pk] = ctx.horizon[0], []
        while True:
            day += dt.timedelta(days=rng.randint(3, 11))
            if day >= ctx.horizon[1] - dt.timedelta(days=1):
                break
            start = day + dt.timedelta(hours=rng.choice([8, 9, 13, 17]))
            end = start + dt.timedelta(hours=rng.choice([1, 2, 3, 8]))
            events[user.pk].append((start, end, rng.choice(["Shift", "Dentist", "Meeting"])))
    calendars = ExternalCalendar.objects.bulk_create(
        [
            ExternalCalendar(
                user=u,
                name="Work",
                url=f"https://calendar.example.com/{ctx.seed}/{u.pk}.ics",
                last_attempt_at=ctx.today,
                last_synced_at=ctx.today,
                event_count=len(events[u.pk]),
            )
            for u in owners
        ]
    )
    for calendar in calendars:
        for start, end, title in events[calendar.user_id]:
            busy.append((calendar.user_id, start, end, BusyInterval.Source.CALENDAR, calendar.pk, title, None, None))


def _bookings(ctx, rng, unit, bands, members, venues, stages, staff, clients, busy) -> None:
    """Each band: 30 bookings 61 days apart (four years back, one ahead), alternately on a venue's slot
    (an application or an offer) and a client's private request; the states by date; the slot's places
    taken, gig blocks and busy time for what was played or is booked, a thread, payments and reviews."""
    rows = []  # (booking, slot or None)
    open_slots = []
    for k, band in enumerate(bands):
        v = k % VENUES
        stage = stages[v * STAGES_PER_VENUE + (k // VENUES) % STAGES_PER_VENUE]
        venue = venues[v]
        first_ahead = True
        for i in range(BOOKINGS_PER_BAND):
            day = FIRST_BOOKING_DAYS + i * BOOKING_EVERY_DAYS + k * 6
            starts = ctx.today + dt.timedelta(days=day, hours=18)
            ends = starts + dt.timedelta(hours=3)
            status = _pick(rng, PAST_STATUSES if starts < ctx.today else FUTURE_STATUSES)
            if starts >= ctx.today and first_ahead:
                # Every band has a gig ahead that is booked: the pages people read most show one.
                status, first_ahead = "booked", False
            fee = rng.choice([300, 600, 900, 1500])
            common = {
                "band": band,
                "starts_at": starts,
                "ends_at": ends,
                "status": status,
                "fee": fee,
                "time_zone": band.time_zone,
                "status_changed_at": starts - dt.timedelta(days=20),
            }
            if i % 2 == 0:
                kind = Booking.Kind.APPLICATION if i % 4 == 0 else Booking.Kind.OFFER
                slot = Slot(
                    venue=venue,
                    stage=stage,
                    starts_at=starts,
                    ends_at=ends,
                    title="Friday night",
                    fee=fee,
                    created_by=staff[2 * v],
                    latitude=venue.latitude,
                    longitude=venue.longitude,
                    visibility=Slot.Visibility.PUBLIC if kind == "application" else Slot.Visibility.INVITE,
                    headliner_booked=1 if status in PLAYED else 0,
                )
                asker = members[band.pk][0] if kind == Booking.Kind.APPLICATION else staff[2 * v].pk
                rows.append((Booking(kind=kind, venue=venue, requested_by_id=asker, **common), slot))
            else:
                client = clients[(k + i) % CLIENTS]
                rows.append(
                    (
                        Booking(
                            kind=Booking.Kind.REQUEST,
                            client=client,
                            requested_by=client,
                            event_type=rng.choice(["Wedding", "Birthday", "Company party"]),
                            location="The garden",
                            guests=rng.choice([40, 80, 150]),
                            **common,
                        ),
                        None,
                    )
                )
    for s, stage in enumerate(stages):
        venue = venues[s // STAGES_PER_VENUE]
        for n in range(OPEN_SLOTS_PER_STAGE):
            starts = ctx.today + dt.timedelta(days=1 + 3 * n + s, hours=12)
            open_slots.append(
                Slot(
                    venue=venue,
                    stage=stage,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=3),
                    title="Afternoon set",
                    fee=rng.choice([None, 200, 400]),
                    created_by=staff[2 * (s // 2)],
                    latitude=venue.latitude,
                    longitude=venue.longitude,
                    support_places=rng.choice([0, 0, 1, 2]),
                )
            )
    slots = Slot.objects.bulk_create([slot for _b, slot in rows if slot is not None] + open_slots, batch_size=2000)
    made = iter(slots)
    for booking, slot in rows:
        if slot is not None:
            booking.slot = next(made)
    Slot.genres.through.objects.bulk_create(
        [Slot.genres.through(slot_id=s.pk, genre_id=rng.choice(ctx.genres).pk) for s in slots], batch_size=5000
    )

    # Gig blocks for what is booked or was played (booking_book writes one per booked gig).
    band_by_id = {b.pk: b for b in bands}
    played = [b for b, _s in rows if b.status in PLAYED]
    blocks = []
    for booking in played:
        band = band_by_id[booking.band_id]
        start, end = gig_window(band, booking.starts_at, booking.ends_at)
        point = (booking.venue.latitude, booking.venue.longitude) if booking.venue_id else (None, None)
        blocks.append(
            BandBlock(
                band=band,
                kind=BandBlock.Kind.GIG,
                title=f"Gig: {band.name}"[:120],
                time_zone="UTC",
                start_date=start.date(),
                start_time=start.time(),
                end_date=end.date(),
                end_time=end.time(),
                gig_starts_at=booking.starts_at,
                gig_ends_at=booking.ends_at,
                latitude=point[0],
                longitude=point[1],
                materialised_until=ctx.horizon[1],
            )
        )
    for booking, block in zip(played, BandBlock.objects.bulk_create(blocks, batch_size=2000), strict=True):
        booking.block = block
        start, end = gig_window(band_by_id[booking.band_id], booking.starts_at, booking.ends_at)
        if end > ctx.horizon[0] and start < ctx.horizon[1]:
            for user_id in members[booking.band_id]:
                busy.append(
                    (user_id, start, end, BusyInterval.Source.GIG, block.pk, "", block.latitude, block.longitude)
                )
    bookings = Booking.objects.bulk_create([b for b, _s in rows], batch_size=2000)

    events, messages, payments, reviews = [], [], [], []
    for n, booking in enumerate(bookings):
        leader = members[booking.band_id][0]
        other = booking.client_id or staff[2 * venues.index(booking.venue)].pk
        asker = other if booking.kind == Booking.Kind.OFFER else (leader if booking.venue_id else booking.client_id)
        events.append(BookingEvent(booking=booking, actor_id=asker, from_status="", to_status="pending"))
        if booking.status != "pending":
            events.append(
                BookingEvent(
                    booking=booking,
                    actor_id=leader if asker != leader else other,
                    from_status="pending",
                    to_status=booking.status,
                )
            )
        if n % 3 == 0:
            for m in range(3):
                messages.append(
                    Message(
                        booking=booking,
                        author_id=(leader, other)[m % 2],
                        body=rng.choice(
                            [
                                "What time is load-in?",
                                "Six, see you then.",
                                "Can we bring our own drum kit?",
                                "Of course.",
                            ]
                        ),
                    )
                )
        if booking.status in PLAYED and booking.fee:
            payer = booking.client_id or None
            deposit = booking.fee * 30
            payments.append(
                Payment(
                    booking=booking,
                    purpose=Payment.Purpose.DEPOSIT,
                    status=Payment.Status.SUCCEEDED,
                    amount_minor=deposit,
                    currency=booking.currency,
                    payer_id=payer,
                    paid_at=booking.starts_at - dt.timedelta(days=30),
                    told_at=booking.starts_at - dt.timedelta(days=30),
                )
            )
            paid = deposit
            if booking.status == "completed":
                payments.append(
                    Payment(
                        booking=booking,
                        purpose=Payment.Purpose.BALANCE,
                        status=Payment.Status.SUCCEEDED,
                        amount_minor=booking.fee * 100 - deposit,
                        currency=booking.currency,
                        payer_id=payer,
                        paid_at=booking.starts_at,
                        told_at=booking.starts_at,
                    )
                )
                paid = booking.fee * 100
            booking.paid_minor = paid
        if booking.status == "completed" and rng.random() < 0.6:
            published = booking.ends_at + dt.timedelta(days=14)
            other_side = Side.CLIENT if booking.client_id else Side.VENUE
            party = {"band": booking.band, "venue": booking.venue, "client_id": booking.client_id}
            stars = rng.choice([3, 4, 4, 5, 5])
            reviews.append(
                Review(
                    booking=booking,
                    author_side=other_side,
                    subject_side=Side.BAND,
                    author_id=other,
                    overall=stars,
                    performance=stars,
                    punctuality=rng.choice([4, 5]),
                    again=stars > 3,
                    text="They played a great set and were on time.",
                    published_at=published,
                    **party,
                )
            )
            reviews.append(
                Review(
                    booking=booking,
                    author_side=Side.BAND,
                    subject_side=other_side,
                    author_id=leader,
                    overall=rng.choice([4, 5]),
                    again=True,
                    text="Lovely people, paid on the night.",
                    published_at=published,
                    **party,
                )
            )
    BookingEvent.objects.bulk_create(events, batch_size=5000)
    Message.objects.bulk_create(messages, batch_size=5000)
    Payment.objects.bulk_create(payments, batch_size=5000)
    Review.objects.bulk_create(reviews, batch_size=5000)
    paid = [b for b in bookings if b.paid_minor]
    Booking.objects.bulk_update(paid, ["paid_minor"], batch_size=2000)


def _holds(ctx, rng, bands, venues, stages, staff) -> None:
    """A ladder of holds (1st, 2nd) on a few dates ahead of each stage, by the unit's bands."""
    holds = []
    for s, stage in enumerate(stages):
        venue = venues[s // STAGES_PER_VENUE]
        for n in range(3):
            day = ctx.today + dt.timedelta(days=40 + 7 * n + s)
            for level, band in enumerate(rng.sample(bands, 2), start=1):
                holds.append(
                    Hold(
                        venue=venue,
                        stage=stage,
                        band=band,
                        date=day.date(),
                        starts_at=day + dt.timedelta(hours=19),
                        ends_at=day + dt.timedelta(hours=23),
                        level=level,
                        expires_at=ctx.today + dt.timedelta(days=14 + n),
                        held_by=staff[2 * (s // 2)],
                        on_behalf=venue.name,
                    )
                )
    Hold.objects.bulk_create(holds)


def busy_copy(rows: list[tuple]) -> None:
    """Write busy intervals with COPY (psycopg 3) on PostgreSQL, else in bulk; the database's triggers copy
    required members' rows into bands_bandbusyinterval either way."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        BusyInterval.objects.bulk_create(
            [
                BusyInterval(
                    user_id=u, starts_at=s, ends_at=e, source=src, source_id=sid, title=t, latitude=la, longitude=lo
                )
                for u, s, e, src, sid, t, la, lo in rows
            ],
            batch_size=5000,
        )
        return
    columns = "user_id, starts_at, ends_at, source, source_id, title, latitude, longitude"
    buffer = io.StringIO()
    for u, s, e, src, sid, t, la, lo in rows:
        lat = "\\N" if la is None else repr(la)
        lon = "\\N" if lo is None else repr(lo)
        buffer.write(f"{u}\t{s.isoformat()}\t{e.isoformat()}\t{src}\t{sid}\t{t}\t{lat}\t{lon}\n")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY availability_busyinterval ({columns}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


@dataclass
class Visit:
    """One page or API read as the person who uses it (None: a visitor not signed in)."""

    name: str
    url: str
    email: str | None
    headers: dict


def visits(*, seed: int = 1, reader: str = "Load test") -> list[Visit]:
    """The pages and API reads people use most, each as one of unit 0's people: the leader of its first band,
    a member, the owner of its first venue and a client. Makes the feeds and the API token they need (by the
    services), so call it once on a seeded world."""
    from accounts.api_tokens import api_token_create
    from accounts.models import ApiToken
    from bookings.models import CalendarFeed
    from bookings.services.feeds import feed_create

    leader, member = (User.objects.get(email=person_email(seed, 0, k)) for k in (0, 1))
    owner, client = (User.objects.get(email=person_email(seed, 0, k)) for k in (MUSICIANS, MUSICIANS + STAFF))
    band = Band.objects.get(slug=band_slug(seed, 0, 0))
    venue = Venue.objects.get(slug=f"w{seed}-0-venue-0")
    booked = Booking.objects.filter(band=band, status="booked").order_by("starts_at").first()
    show = Booking.objects.filter(venue=venue, status__in=["booked", "completed"]).order_by("-starts_at").first()
    day = (booked.starts_at + dt.timedelta(days=7)).date().isoformat()
    feeds = {
        "member": feed_create(by=member, scope=CalendarFeed.Scope.MEMBER),
        "band": feed_create(by=leader, scope=CalendarFeed.Scope.BAND, band=band),
        "venue": feed_create(by=owner, scope=CalendarFeed.Scope.VENUE, venue=venue),
    }
    # Each reader its own API token, named after it: a second benchmark on the same world leaves the first's alone.
    ApiToken.objects.filter(user=leader, name=reader).delete()
    _token, secret = api_token_create(user=leader, name=reader, scopes=["read"], expires_at=None)
    api = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    L, M, V, C = leader.email, member.email, owner.email, client.email
    return [
        Visit("band search: text", "/bands/?q=quiet", C, {}),
        Visit("band search: filters", "/bands/?genre=rock&genre=jazz&fee_max=1000&sort=rating", C, {}),
        Visit("band search: free on", f"/bands/?free_on={day}", C, {}),
        Visit("venue search", "/venues/?genre=indie&capacity_min=100", L, {}),
        Visit("gig finder", "/slots/", L, {}),
        Visit("gig finder: we can play", f"/slots/?band={band.pk}&playable=on", L, {}),
        Visit("band calendar", f"/bands/{band.slug}/calendar/", M, {}),
        Visit("who is in", f"/gigs/bands/{band.slug}/", M, {}),
        Visit("my availability", "/me/availability/", M, {}),
        Visit("dashboard: leader", "/dashboard/", L, {}),
        Visit("dashboard: member", "/dashboard/", M, {}),
        Visit("dashboard: venue owner", "/dashboard/", V, {}),
        Visit("dashboard: client", "/dashboard/", C, {}),
        Visit("venue calendar", f"/holds/venues/{venue.slug}/calendar/", V, {}),
        Visit("venue holds", f"/holds/venues/{venue.slug}/", V, {}),
        Visit("my bookings: leader", "/bookings/", L, {}),
        Visit("my bookings: venue", "/bookings/", V, {}),
        Visit("booking page", f"/bookings/{booked.uid}/", L, {}),
        Visit("statements", f"/payments/bands/{band.slug}/statements/", L, {}),
        Visit("band's year", f"/payments/bands/{band.slug}/year/", L, {}),
        Visit("band analytics", f"/analytics/bands/{band.slug}/", L, {}),
        Visit("venue analytics", f"/analytics/venues/{venue.slug}/", V, {}),
        Visit("notifications", "/notifications/", L, {}),
        Visit("feed: member", f"/feeds/{feeds['member'].token}.ics", None, {}),
        Visit("feed: band", f"/feeds/{feeds['band'].token}.ics", None, {}),
        Visit("feed: venue", f"/feeds/{feeds['venue'].token}.ics", None, {}),
        Visit("public band page", f"/bands/{band.slug}/", None, {}),
        Visit("public venue page", f"/venues/{venue.slug}/", None, {}),
        Visit("public show page", f"/shows/{show.slot_id}/", None, {}),
        Visit("band reviews", f"/bands/{band.slug}/reviews/", None, {}),
        Visit("API: bookings", "/api/v1/bookings", None, api),
        Visit("API: my busy time", "/api/v1/me/busy", None, api),
        Visit("API: notifications", "/api/v1/me/notifications", None, api),
    ]
