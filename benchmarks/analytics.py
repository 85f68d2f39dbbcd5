"""Analytics: each page at 100,000 bookings and two years of history.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/analytics.py
        [--bookings 100000] [--runs 30] [--database-name stageslot_bench_analytics] [--keep]
    .venv/bin/python benchmarks/analytics.py        # SQLite, a throwaway file

The site gets --bookings bookings over the last two years (400 bands, 120 venues with a stage each,
2,000 clients): applications and offers on past slots, private requests (some instant), in every status,
with fees, the band's first answer in each request's and offer's history, and 20,000 published reviews.
One band (about 900 bookings), one venue (about 1,300 slots), an agency of ten bands and the staff page
are then each fetched --runs times with the default range (the last twelve months) and with two years:
p50/p95/max server time and queries. The queries are counted again after 5,000 more bookings: they must
not grow. Budget: every page's p95 under 300 ms.
Exits with 1 when a budget is missed.
"""

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_P95_MS = 300.0
BANDS = 400
VENUES = 120
CLIENTS = 2000
REVIEWS = 20000
DAYS = 730


def extra(parser) -> None:
    parser.add_argument("--bookings", type=int, default=100_000)


class Site:
    def __init__(self) -> None:
        from accounts.tests.factories import UserFactory
        from bands.models import Band, Genre, Membership
        from bookings.tests.factories import band_with_leader, venue_with_owner
        from teams.tests.factories import agency_for
        from venues.models import Stage, Venue

        genres = [
            Genre.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0]
            for name in ("Indie", "Jazz", "Folk", "Rock", "Soul")
        ]
        self.band, self.leader = band_with_leader(name="Bench Band", slug="bench-band")
        self.venue, self.owner = venue_with_owner(name="Bench Hall", slug="bench-hall", city="Leipzig")
        Band.objects.bulk_create(
            [Band(name=f"Band {n}", slug=f"band-{n}", status=self.band.status) for n in range(BANDS - 1)]
        )
        self.bands = [self.band, *Band.objects.exclude(pk=self.band.pk).order_by("pk")]
        through = Band.genres.through
        through.objects.bulk_create(
            [through(band_id=b.pk, genre_id=genres[i % len(genres)].pk) for i, b in enumerate(self.bands)],
            ignore_conflicts=True,
        )
        cities = ["Berlin", "Hamburg", "Leipzig", "Köln", "Wien", "Zürich", "Prag", "Kopenhagen"]
        Venue.objects.bulk_create(
            [
                Venue(
                    name=f"Venue {n}",
                    slug=f"venue-{n}",
                    status=self.venue.status,
                    city=cities[n % len(cities)],
                    latitude=48 + n % 7,
                    longitude=9 + n % 9,
                    time_zone="Europe/Berlin",
                )
                for n in range(VENUES - 1)
            ]
        )
        venues = Venue.objects.exclude(pk=self.venue.pk).order_by("pk")
        Stage.objects.bulk_create([Stage(venue=v, name="Main") for v in venues])
        self.venues = [self.venue, *venues]
        self.stages = {s.venue_id: s for s in Stage.objects.all()}
        User = type(self.leader)
        User.objects.bulk_create(
            [User(email=f"client{n}@bench.test", display_name=f"Client {n}") for n in range(CLIENTS)]
        )
        self.clients = list(User.objects.filter(email__endswith="@bench.test").order_by("pk"))
        now = dt.datetime.now(dt.UTC)
        for n, client in enumerate(self.clients):
            client.date_joined = now - dt.timedelta(days=n % DAYS)
        User.objects.bulk_update(self.clients, ["date_joined"], batch_size=1000)
        agency, _owner, self.agent, _viewer = agency_for(self.band, name="Bench Agency", slug="bench-agency")
        from teams.models import LinkStatus, Representation

        Representation.objects.bulk_create(
            [
                Representation(organisation=agency, band=b, status=LinkStatus.ACTIVE, asked_by=self.agent)
                for b in self.bands[1:10]
            ]
        )
        self.agency = agency
        self.taken: set[tuple[int, int, int]] = set()
        self.staff = UserFactory(is_staff=True)
        del Membership


def fill(site: Site, count: int, rng: random.Random, *, first_day: int = 1) -> None:
    """`count` bookings over the last two years, a quarter of the measured band's and venue's share heavier."""
    from bookings.models import Booking, BookingEvent
    from reviews.models import Review, Side
    from venues.models import Slot

    Status, Kind = Booking.Status, Booking.Kind
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    statuses = [Status.COMPLETED] * 6 + [Status.DECLINED] * 2 + [Status.CANCELLED, Status.WITHDRAWN]
    slots, bookings, plan = [], [], []
    taken = site.taken  # (venue, day, slot of the day): one show per stage at a time
    for n in range(count):
        band = site.band if n % 110 == 0 else site.bands[rng.randrange(len(site.bands))]
        day = first_day + rng.randrange(DAYS - first_day)
        starts = now - dt.timedelta(days=day, hours=rng.randrange(6))
        kind = rng.choice([Kind.APPLICATION, Kind.OFFER, Kind.REQUEST, Kind.REQUEST])
        status = rng.choice(statuses)
        row = {
            "kind": kind,
            "band": band,
            "status": status,
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=3),
            "fee": rng.choice([None, 300, 450, 600, 800, 1200]),
            "created": starts - dt.timedelta(days=rng.randrange(10, 80)),
        }
        if kind == Kind.REQUEST:
            row["client"] = site.clients[rng.randrange(len(site.clients))]
            row["instant"] = rng.random() < 0.3
        else:
            venue = site.venue if n % 80 == 0 else site.venues[rng.randrange(len(site.venues))]
            for _try in range(50):
                key = (venue.pk, day, rng.randrange(3))
                if key not in taken:
                    break
                day = first_day + rng.randrange(DAYS - first_day)
            taken.add(key)
            starts = now.replace(hour=11) - dt.timedelta(days=key[1]) + dt.timedelta(hours=4 * key[2])
            row.update(starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
            row["venue"] = venue
            slots.append(
                Slot(
                    venue=venue,
                    stage=site.stages[venue.pk],
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=3),
                    headliner_booked=int(status == Status.COMPLETED),
                    title="Bench night",
                )
            )
            row["slot"] = len(slots) - 1
        plan.append(row)
    Slot.objects.bulk_create(slots, batch_size=2000)
    for row in plan:
        booking = Booking(
            kind=row["kind"],
            band=row["band"],
            status=row["status"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            fee=row["fee"],
            time_zone="Europe/Berlin",
            client=row.get("client"),
            instant=row.get("instant", False),
            venue=row.get("venue"),
            slot=slots[row["slot"]] if "slot" in row else None,
        )
        bookings.append(booking)
    Booking.objects.bulk_create(bookings, batch_size=2000)
    # created_at is set on insert: the history's own moments go in afterwards.
    for booking, row in zip(bookings, plan, strict=True):
        booking.created_at = row["created"]
        booking.status_changed_at = row["created"] + dt.timedelta(hours=rng.randrange(1, 200))
    Booking.objects.bulk_update(bookings, ["created_at", "status_changed_at"], batch_size=2000)
    events = []
    for booking, row in zip(bookings, plan, strict=True):
        if row["kind"] in (Kind.REQUEST, Kind.OFFER) and row["status"] in (Status.COMPLETED, Status.DECLINED):
            to = Status.BOOKED if row["status"] == Status.COMPLETED else Status.DECLINED
            events.append(BookingEvent(booking=booking, from_status=Status.PENDING, to_status=to))
    BookingEvent.objects.bulk_create(events, batch_size=2000)
    for event in events:
        event.created_at = event.booking.created_at + dt.timedelta(hours=rng.randrange(1, 120))
    BookingEvent.objects.bulk_update(events, ["created_at"], batch_size=2000)
    done = [b for b in bookings if b.status == Status.COMPLETED and b.venue_id]
    reviews = [
        Review(
            booking=b,
            author_side=Side.VENUE,
            subject_side=Side.BAND,
            band_id=b.band_id,
            venue_id=b.venue_id,
            overall=rng.randint(3, 5),
            no_show=False,
            text="Good night.",
            published_at=b.ends_at + dt.timedelta(days=3),
        )
        for b in rng.sample(done, min(len(done), REVIEWS * count // 100_000))
    ]
    Review.objects.bulk_create(reviews, batch_size=2000)


def measure(site: Site, args, problems: list[str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    today = dt.date.today()
    two_years = f"?start={(today - dt.timedelta(days=729)).isoformat()}&end={today.isoformat()}"
    pages = [
        ("band", site.leader, reverse("analytics:band", args=[site.band.slug])),
        ("venue", site.owner, reverse("analytics:venue", args=[site.venue.slug])),
        ("agency", site.agent, reverse("analytics:organisation", args=[site.agency.slug])),
        ("staff", site.staff, reverse("analytics:platform")),
    ]
    counts = {}
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        for label, query in (("12 months", ""), ("2 years", two_years)):
            client.get(url + query)
            times, queries = [], []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url + query)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                queries.append(len(captured))
            counts[f"{name} {label}"] = max(queries)
            print(f"{name:7} {label:9}: {spread(times)}  queries {max(queries)}")
            if percentile(times, 95) > BUDGET_P95_MS:
                problems.append(f"{name} ({label}) p95 over {BUDGET_P95_MS:.0f} ms")
        started = time.perf_counter()
        response = client.get(url + "?csv=" + {"venue": "fill-rate", "staff": "bookings"}.get(name, "gigs"))
        assert response.status_code == 200, (url, response.status_code)
        print(f"{name:7} one chart's CSV: {(time.perf_counter() - started) * 1000:6.1f} ms")
    return counts


def main() -> None:
    args = scratch(__doc__, runs=30, database="stageslot_bench_analytics", extra=extra)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings.models import Booking

    problems: list[str] = []
    rng = random.Random(2026)
    started = time.perf_counter()
    site = Site()
    fill(site, args.bookings, rng)
    band_rows = Booking.objects.filter(band=site.band).count()
    venue_rows = Booking.objects.filter(venue=site.venue).count()
    print(
        f"site: {Booking.objects.count()} bookings over {DAYS} days, the measured band {band_rows}, "
        f"the venue {venue_rows} (made in {time.perf_counter() - started:.0f} s)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    before = measure(site, args, problems)
    fill(site, 5000, rng)
    from django.test import Client
    from django.urls import reverse

    for name, user, url in (
        ("band", site.leader, reverse("analytics:band", args=[site.band.slug])),
        ("venue", site.owner, reverse("analytics:venue", args=[site.venue.slug])),
        ("agency", site.agent, reverse("analytics:organisation", args=[site.agency.slug])),
        ("staff", site.staff, reverse("analytics:platform")),
    ):
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        grown = len(captured)
        print(f"{name:7} after 5,000 bookings more: queries {grown}")
        if grown != before[f"{name} 12 months"]:
            problems.append(f"{name}: queries grew with the bookings: {before[f'{name} 12 months']} -> {grown}")
    verdict(problems)


if __name__ == "__main__":
    main()
