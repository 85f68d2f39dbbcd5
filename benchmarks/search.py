"""Server time and query count of the band and venue search on a realistic amount of data.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/search.py
        [--searches 200] [--without-search-indexes] [--keep] [--database-name stageslot_bench_search]

PostgreSQL only: the point is to see the real query plans. The script creates its own
database (DATABASE_URL supplies the server and credentials; the database name is
replaced by --database-name), migrates it, generates 10,000 bands with 60,000
memberships and 2,000 venues with bulk inserts, then sends mixed searches to
/bands/ and /venues/ through Django's test client and prints p50/p95/max server
time and the number of SQL queries per request. The database is dropped at the end
unless --keep is given. --without-search-indexes drops the trigram indexes of
bands.0002 / venues.0002 after migrating, to measure what they are worth.

Budget: p95 under 100 ms for a search request.

Then band searches near a city (docs/decisions/0022): every band stands at its city's point from the
gazetteer (the migrations load it) and says how far it travels; "within 100 km of <city>" plus a genre,
as /bands/ runs it, prints p50/p95 and the ratio to the same 100 ms goal, then a few wider and
"would travel here" searches, and EXPLAIN ANALYZE of the search's count and page queries.
"""

import argparse
import importlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_P95_MS = 100.0
BANDS, MEMBERS_PER_BAND, USERS, VENUES = 10_000, 6, 40_000, 2_000

GENRES = [
    "Rock", "Indie", "Jazz", "Funk", "Soul", "Folk", "Electronic", "Blues", "Pop", "Metal", "Punk", "Hip hop",
    "Reggae", "Ska", "Country", "Americana", "Techno", "House", "Drum and bass", "Classical", "Latin", "Afrobeat",
    "Cumbia", "Gospel", "Grunge", "Shoegaze", "Post-rock", "Singer-songwriter", "Swing", "Disco",
]  # fmt: skip
PLACES = [
    ("Berlin", "Berlin", "DE"), ("Hamburg", "Hamburg", "DE"), ("Munich", "Bavaria", "DE"), ("Cologne", "NRW", "DE"),
    ("Leipzig", "Saxony", "DE"), ("London", "England", "GB"), ("Manchester", "England", "GB"),
    ("Glasgow", "Scotland", "GB"), ("Bristol", "England", "GB"), ("Paris", "Île-de-France", "FR"),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR"), ("Marseille", "Provence", "FR"), ("Madrid", "Madrid", "ES"),
    ("Barcelona", "Catalonia", "ES"), ("Valencia", "Valencia", "ES"), ("Amsterdam", "North Holland", "NL"),
    ("Rotterdam", "South Holland", "NL"), ("Copenhagen", "Capital Region", "DK"), ("Aarhus", "Central Jutland", "DK"),
    ("Stockholm", "Stockholm", "SE"), ("Gothenburg", "Västra Götaland", "SE"), ("Oslo", "Oslo", "NO"),
    ("Vienna", "Vienna", "AT"), ("Zurich", "Zurich", "CH"), ("Prague", "Prague", "CZ"), ("Warsaw", "Masovia", "PL"),
    ("Krakow", "Lesser Poland", "PL"), ("Brooklyn", "New York", "US"), ("Chicago", "Illinois", "US"),
    ("Austin", "Texas", "US"), ("Nashville", "Tennessee", "US"), ("Seattle", "Washington", "US"),
    ("Toronto", "Ontario", "CA"), ("Montreal", "Quebec", "CA"), ("Melbourne", "Victoria", "AU"),
    ("Sydney", "New South Wales", "AU"), ("Dublin", "Leinster", "IE"), ("Lisbon", "Lisbon", "PT"),
    ("Milan", "Lombardy", "IT"), ("Brussels", "Brussels", "BE"),
]  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


ADJECTIVES = _words(
    "Midnight Velvet Electric Golden Broken Silent Neon Wild Lonely Crimson Paper Hollow Northern Static Lucky "
    "Burning Frozen Restless Secret Saturday Tiny Savage Gentle Cosmic Rusty Honey Blue Iron Glass Lunar"
)
NOUNS = _words(
    "Owls Foxes Machines Rivers Ghosts Pilots Satellites Wolves Lanterns Strangers Horses Engines Sparrows Tigers "
    "Mirrors Harbours Comets Orchards Sirens Bandits Echoes Drifters Rockets Gardens Shadows Kings Parade Signals"
)
WORDS = _words(
    "we play loud songs about trains cities love weather rivers friends summer winter night dancing guitars drums "
    "harmonies brass synths groove basement festivals touring record album single vinyl live energetic tender "
    "melancholy upbeat catchy raw polished acoustic electric jangling fuzzy soulful jazzy heavy sweet bitter honest "
    "stories rooftops motorway harbour kitchen radio midnight sunrise bicycles postcards lighthouse accordion banjo "
    "trumpet saxophone cello fiddle choir handclaps falsetto whisper shout stomp sway"
)


# Real bios mix everyday words with rarer ones (places, instruments, names): a
# pool of made-up rare words gives the text search both kinds to look for.
SYLLABLES = _words("ka lo mi ne ru sa ti vo ber gan dor fel hin jor kel mar nor pel quin ros tav ul wen yar zim")
RARE_WORDS = sorted({a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:8]})[:3000]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--database-name", default="stageslot_bench_search")
    parser.add_argument("--without-search-indexes", action="store_true")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark database in place")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--reviews", type=int, default=200_000, help="published reviews of bands (0: none)")
    return parser.parse_args()


def bench_database_url(name: str) -> tuple[str, str]:
    """(URL of the benchmark database, URL of the server's maintenance database)."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        sys.exit(
            "benchmarks/search.py measures PostgreSQL query plans and will not run on SQLite.\n"
            "Set DATABASE_URL=postgres://user@host/any-db (the server is used; the database is its own)."
        )
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def point_at_fresh_database(name: str, sqlite_file: str, *, reuse: bool = False) -> tuple[str | None, str]:
    """Point DATABASE_URL at a benchmark's own database: on the PostgreSQL server DATABASE_URL names,
    the database `name` (made anew unless `reuse`); otherwise a SQLite file `sqlite_file` in the
    temporary folder (removed first unless `reuse`). Returns (the server's maintenance URL or None,
    what it is, in words)."""
    if os.environ.get("DATABASE_URL"):
        bench_url, maintenance_url = bench_database_url(name)
        if not reuse:
            recreate_database(maintenance_url, name)
        os.environ["DATABASE_URL"] = bench_url
        return maintenance_url, f"PostgreSQL database {name}"
    path = Path(tempfile.gettempdir()) / sqlite_file
    if not reuse:
        for leftover in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
            leftover.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return None, f"SQLite file {path}"


def postgres_only_setup(script: str, name: str, *, reuse: bool = False) -> str | None:
    """Start a benchmark that measures PostgreSQL's plans: None, having said why, when DATABASE_URL
    names no PostgreSQL server; else the database `name` on that server (made anew unless `reuse`),
    one backend for the whole run (its CPU time is measured) and Django set up on it. Returns the
    server's maintenance URL (to drop the database at the end)."""
    if urlsplit(os.environ.get("DATABASE_URL", "")).scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        print(
            f"benchmarks/{script} measures PostgreSQL query plans; skipped on SQLite.\n"
            "Set DATABASE_URL=postgres://user@host/any-db (the server is used; the database is its own)."
        )
        return None
    bench_url, maintenance_url = bench_database_url(name)
    if not reuse:
        recreate_database(maintenance_url, name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_CONN_MAX_AGE"] = "3600"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()
    return maintenance_url


def recreate_database(maintenance_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


class QueryCounter:
    """Counts every SQL statement, whatever DEBUG says."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class ServerCPU:
    """CPU time of the PostgreSQL backend serving Django's connection, in ms, read from Linux's
    /proc/<pid>/schedstat (nanoseconds on a core, not counting the wait for one): a figure that a busy
    machine does not inflate. Only when the server runs on this machine; otherwise `ms()` is None.
    Benchmarks set DJANGO_CONN_MAX_AGE high so that one backend serves a whole run."""

    def ms(self) -> float | None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return None
        connection.ensure_connection()
        path = Path(f"/proc/{connection.connection.info.backend_pid}/schedstat")
        try:
            return int(path.read_text().split()[0]) / 1e6
        except OSError:
            return None


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def generate(rng: random.Random, *, bands: int = BANDS, first: int = 0) -> None:
    """`bands` bands (numbered from `first`, so that a later call adds more), four people per band
    with six memberships per band, and a venue per five bands, with genres, photos and stages."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import User
    from bands.models import ApprovalStatus, Band, BandPhoto, Genre, Membership
    from venues.models import Stage, Venue, VenuePhoto

    def status() -> str:
        roll = rng.random()
        if roll < 0.9:
            return ApprovalStatus.APPROVED
        return ApprovalStatus.PENDING if roll < 0.97 else ApprovalStatus.SUSPENDED

    def text(lo: int, hi: int) -> str:
        sentences = []
        for _ in range(rng.randint(lo, hi)):
            words = [
                rng.choice(RARE_WORDS) if rng.random() < 0.25 else rng.choice(WORDS) for _ in range(rng.randint(6, 14))
            ]
            sentences.append(" ".join(words).capitalize() + ".")
        return " ".join(sentences)

    started = time.perf_counter()
    band_count, venue_count = bands, bands * VENUES // BANDS
    people = range(first * USERS // BANDS, (first + bands) * USERS // BANDS)
    with transaction.atomic():
        genres = list(Genre.objects.filter(slug__in=[name.lower().replace(" ", "-") for name in GENRES]))
        if not genres:
            genres = Genre.objects.bulk_create(
                [Genre(name=name, slug=name.lower().replace(" ", "-")) for name in GENRES]
            )
        password = make_password("bench-only")
        users = User.objects.bulk_create(
            [
                User(email=f"musician{i}@bench.stageslot.test", display_name=f"Musician {i}", password=password)
                for i in people
            ],
            batch_size=5000,
        )
        points = place_points()
        bands = []
        for i in range(first, first + band_count):
            city, region, country = rng.choice(PLACES)
            place = points.get(city)
            low = rng.choice([None, 100, 200, 300, 500, 800, 1200, 2000, 3500])
            high = None if low is None or rng.random() < 0.15 else low + rng.choice([0, 200, 500, 1000, 3000])
            name = f"{rng.choice(['The ', ''])}{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {i}"
            bands.append(
                Band(
                    name=name,
                    slug=f"bench-band-{i}",
                    tagline=f"{rng.choice(['Four', 'Five', 'Three', 'Six'])}-piece {rng.choice(GENRES).lower()} "
                    f"from {city}",
                    bio=text(3, 12),
                    city=city,
                    region=region,
                    country=country,
                    fee_min=low,
                    fee_max=high,
                    status=status(),
                    # bulk_create skips Band.save, which copies the point from the place.
                    place=place,
                    latitude=place.latitude if place else None,
                    longitude=place.longitude if place else None,
                    travel_km=rng.choice([None, 50, 100, 250, 500, 1000, 3000]),
                )
            )
        bands = Band.objects.bulk_create(bands, batch_size=2000)
        Membership.objects.bulk_create(
            [
                Membership(
                    band=band,
                    user=users[(n * MEMBERS_PER_BAND + k) % len(users)],
                    role="leader" if k == 0 else "member",
                    instrument=rng.choice(["Vocals", "Guitar", "Bass", "Drums", "Keys", "Sax"]),
                )
                for n, band in enumerate(bands)
                for k in range(MEMBERS_PER_BAND)
            ],
            batch_size=5000,
        )
        Band.genres.through.objects.bulk_create(
            [
                Band.genres.through(band_id=band.pk, genre_id=genre.pk)
                for band in bands
                for genre in rng.sample(genres, rng.randint(1, 3))
            ],
            batch_size=5000,
        )
        BandPhoto.objects.bulk_create(
            [
                BandPhoto(band=band, image=f"bench/band-{band.pk}-{k}.jpg", caption="On stage", position=k)
                for band in bands
                if rng.random() < 0.4
                for k in range(rng.randint(1, 3))
            ],
            batch_size=5000,
        )
        venues = []
        for i in range(first * VENUES // BANDS, first * VENUES // BANDS + venue_count):
            city, region, country = rng.choice(PLACES)
            place = points.get(city)
            venues.append(
                Venue(
                    name=f"{rng.choice(['The ', 'Club ', 'Café ', ''])}{rng.choice(ADJECTIVES)} "
                    f"{rng.choice(['Room', 'Hall', 'Cellar', 'Bar', 'Lounge', 'Theatre'])} {i}",
                    slug=f"bench-venue-{i}",
                    description=text(2, 8),
                    address=f"{rng.randint(1, 200)} High Street",
                    city=city,
                    region=region,
                    country=country,
                    capacity=rng.choice([None, 60, 120, 250, 400, 800, 1500, 3000, 6000]),
                    status=status(),
                    place=place,
                    latitude=place.latitude if place else None,
                    longitude=place.longitude if place else None,
                )
            )
        venues = Venue.objects.bulk_create(venues, batch_size=2000)
        Stage.objects.bulk_create(
            [Stage(venue=venue, name=f"Stage {k + 1}") for venue in venues for k in range(rng.randint(1, 3))],
            batch_size=5000,
        )
        Venue.genres.through.objects.bulk_create(
            [
                Venue.genres.through(venue_id=venue.pk, genre_id=genre.pk)
                for venue in venues
                for genre in rng.sample(genres, rng.randint(1, 4))
            ],
            batch_size=5000,
        )
        VenuePhoto.objects.bulk_create(
            [
                VenuePhoto(venue=venue, image=f"bench/venue-{venue.pk}.jpg", caption="The room", position=0)
                for venue in venues
                if rng.random() < 0.4
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"generated {Band.objects.count():,} bands, {Membership.objects.count():,} memberships, "
        f"{User.objects.count():,} users, {Venue.objects.count():,} venues "
        f"in {time.perf_counter() - started:.1f} s"
    )


def place_points() -> dict:
    """The gazetteer's city of each name in PLACES (those it has one city of), by name."""
    from places.selectors import city_match

    found = {name: city_match(name, country) for name, _region, country in PLACES}
    return {name: city for name, city in found.items() if city is not None}


def near_search(rng: random.Random, *, km: int = 100, travels: bool = False) -> str:
    """A band search around one of the PLACES' cities, with one genre, as /bands/ gets it."""
    city = rng.choice(list(place_points().values()))
    params = [("near", str(city.pk)), ("within", str(km)), ("genre", rng.choice(GENRES).lower().replace(" ", "-"))]
    if travels:
        params.append(("travels_here", "on"))
    if rng.random() < 0.3:
        params.append(("sort", rng.choice(["name", "rating"])))
    return f"/bands/?{urlencode(params)}"


def run_near_searches(count: int, rng: random.Random) -> None:
    """Band searches "within 100 km of <city>" plus a genre (the goal), then wider and "would travel
    here" ones; p50/p95, the ratio to the goal, and the plans of the goal's queries."""
    from django.db import connection
    from django.test import Client

    from bands.models import Band

    client = Client()
    client.get("/bands/?near=1&within=100")
    client.get("/bands/?near=1&within=100", headers={"HX-Request": "true"})
    with_point = Band.objects.filter(latitude__isnull=False).count()
    print(f"\nband searches near a city over {with_point:,} bands with a point")
    print(f"{'search':<34}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>10}{'found p50':>11}")
    goal_p95 = None
    for label, km, travels, n in (
        ("within 100 km + genre (goal)", 100, False, count),
        ("within 500 km + genre", 500, False, count // 2),
        ("would travel here, 1000 km", 1000, True, count // 2),
    ):
        times, queries, found = [], set(), []
        for _ in range(n):
            url = near_search(rng, km=km, travels=travels)
            headers = {"HX-Request": "true"} if rng.random() < 0.5 else {}
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                start = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - start) * 1000)
            queries.add(counter.count)
            if response.status_code != 200:
                print(f"!! {response.status_code} for {url}")
            heading = response.content.decode().split('id="results-heading">', 1)[-1]
            found.append(int(heading.split()[0]) if heading.split()[0].isdigit() else 0)
        p95, q = percentile(times, 95), sorted(queries)
        goal_p95 = goal_p95 if goal_p95 is not None else p95
        print(
            f"{label:<34}{n:>5}{statistics.median(times):>9.1f}{p95:>9.1f}{max(times):>9.1f}"
            f"{q[0] if len(q) == 1 else f'{q[0]}–{q[-1]}':>10}{statistics.median(found):>11.0f}"
        )
    verdict = "within" if goal_p95 < BUDGET_P95_MS else "OVER"
    print(
        f"within 100 km + genre: p95 {goal_p95:.1f} ms, {goal_p95 / BUDGET_P95_MS:.2f} of the "
        f"{BUDGET_P95_MS:.0f} ms goal: {verdict}"
    )
    explain_near_search()


def explain_near_search() -> None:
    """EXPLAIN ANALYZE of "within 100 km of Leipzig" with rock (count and page, as the page runs them) and alone."""
    from django.db import connection

    from bands.selectors import band_search
    from places.near import Near

    city = place_points().get("Leipzig")
    if city is None or connection.vendor != "postgresql":
        return
    qs = band_search(near=Near(city=city, km=100), genres=["rock"], sort="distance")
    alone = band_search(near=Near(city=city, km=100), sort="distance")
    for label, query in (
        ("+ rock, count", qs.order_by().values("pk")),
        ("+ rock, page of 24", qs[:24]),
        ("alone, page of 24", alone[:24]),
    ):
        sql, params = query.query.sql_with_params()
        if label.endswith("count"):
            sql = f"SELECT COUNT(*) FROM ({sql}) found"  # noqa: S608  (SQL from Django's compiler)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\nEXPLAIN ANALYZE, within 100 km of Leipzig {label}:\n{plan}")


def random_search(rng: random.Random) -> tuple[str, str]:
    """(kind, URL) of one search a visitor might make."""
    kind = "bands" if rng.random() < 0.65 else "venues"
    params: list[tuple[str, str]] = []
    if rng.random() < 0.45:
        pool = [*WORDS, *(a.lower() for a in ADJECTIVES), *(n.lower() for n in NOUNS)]
        word = rng.choice(RARE_WORDS) if rng.random() < 0.3 else rng.choice(pool)
        # Half the time a word as someone is still typing it.
        params.append(("q", word if rng.random() < 0.5 else word[: max(3, len(word) // 2)]))
        if rng.random() < 0.2:
            params[-1] = ("q", f"{params[-1][1]} {rng.choice(pool)}")
    if rng.random() < 0.4:
        params += [("genre", g.lower().replace(" ", "-")) for g in rng.sample(GENRES, rng.randint(1, 3))]
    place = rng.choice(PLACES)
    if rng.random() < 0.25:
        params.append(("city", place[0] if rng.random() < 0.5 else place[0][:3]))
    if rng.random() < 0.25:
        params.append(("country", place[2]))
    if rng.random() < 0.1:
        params.append(("region", place[1]))
    if kind == "bands" and rng.random() < 0.35:
        low = rng.choice([0, 200, 500, 1000])
        params += [("fee_min", str(low)), ("fee_max", str(low + rng.choice([300, 1000, 5000])))]
    if kind == "venues" and rng.random() < 0.35:
        low = rng.choice([0, 100, 300, 1000])
        params += [("capacity_min", str(low)), ("capacity_max", str(low + rng.choice([200, 1000, 5000])))]
    if rng.random() < 0.4:
        params.append(("sort", rng.choice(["name", "newest", "rating"])))
    if rng.random() < 0.3:
        params.append(("page", str(rng.randint(2, 6))))
    return kind, f"/{kind}/?{urlencode(params)}" if params else f"/{kind}/"


def run_searches(count: int, rng: random.Random) -> None:
    from django.db import connection
    from django.test import Client

    client = Client()
    # Warm-up: load and compile every template variant once, as a running server would have.
    for url in ("/bands/", "/venues/"):
        client.get(url)
        client.get(url, headers={"HX-Request": "true"})
    rows = []
    for _ in range(count):
        kind, url = random_search(rng)
        htmx = rng.random() < 0.5
        headers = {"HX-Request": "true"} if htmx else {}
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            print(f"!! {response.status_code} for {url}")
        rows.append((kind, "results" if htmx else "page", elapsed, counter.count, url))

    print(f"\n{count} searches on {connection.vendor} {connection.pg_version // 10000}")
    print(f"{'request':<22}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>10}")
    groups: dict[str, list] = {}
    for kind, variant, *_ in rows:
        groups.setdefault(f"{kind} {variant}", [])
    groups["all searches"] = []
    for row in rows:
        groups[f"{row[0]} {row[1]}"].append(row)
        groups["all searches"].append(row)
    for name in sorted(groups, key=lambda g: (g == "all searches", g)):
        group = groups[name]
        times = [r[2] for r in group]
        queries = sorted({r[3] for r in group})
        q = f"{queries[0]}" if len(queries) == 1 else f"{queries[0]}–{queries[-1]}"
        print(
            f"{name:<22}{len(group):>5}{statistics.median(times):>9.1f}{percentile(times, 95):>9.1f}"
            f"{max(times):>9.1f}{q:>10}"
        )
    p95 = percentile([r[2] for r in rows], 95)
    verdict = "within" if p95 < BUDGET_P95_MS else "OVER"
    print(f"\np95 {p95:.1f} ms: {verdict} the {BUDGET_P95_MS:.0f} ms budget")
    print("\nslowest requests:")
    for row in sorted(rows, key=lambda r: -r[2])[:5]:
        print(f"  {row[2]:7.1f} ms  {row[3]} queries  {row[1]:<8} {row[4]}")


PRESS_KIT_REVIEWS = 500


def generate_reviews(rng: random.Random, count: int) -> None:
    """`count` published client reviews of approved bands (one completed private gig each), then the
    rating columns as reviews.services keeps them. One band gets exactly PRESS_KIT_REVIEWS."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from bands.models import ApprovalStatus, Band
    from bookings.models import Booking
    from reviews.models import Review, Side
    from reviews.services import ratings_refresh_all

    started = time.perf_counter()
    bands = list(Band.objects.filter(status=ApprovalStatus.APPROVED).order_by("pk").values_list("pk", flat=True))
    clients = list(User.objects.order_by("pk").values_list("pk", flat=True)[:5000])
    # A quarter of the bands without reviews; the rest weighted so that a few have hundreds.
    reviewed = bands[len(bands) // 4 :]
    weights = [rng.paretovariate(1.2) for _ in reviewed]
    kit_band = reviewed[0]
    picks = [kit_band] * PRESS_KIT_REVIEWS
    others = reviewed[1:]
    picks += rng.choices(others, weights=weights[1:], k=max(0, count - PRESS_KIT_REVIEWS))
    now = timezone.now()
    batch = 10_000
    with transaction.atomic():
        for start in range(0, len(picks), batch):
            chunk = picks[start : start + batch]
            bookings = []
            for n, band_id in enumerate(chunk):
                ends = now - dt.timedelta(days=15 + (start + n) % 700, hours=rng.randint(0, 23))
                bookings.append(
                    Booking(
                        kind=Booking.Kind.REQUEST,
                        band_id=band_id,
                        client_id=rng.choice(clients),
                        starts_at=ends - dt.timedelta(hours=3),
                        ends_at=ends,
                        status=Booking.Status.COMPLETED,
                        event_type="Party",
                    )
                )
            bookings = Booking.objects.bulk_create(bookings, batch_size=5000)
            reviews = []
            for booking in bookings:
                # Mostly good gigs, a few bad ones: each band's own level plus noise.
                level = 3.2 + (booking.band_id * 7919 % 17) / 10
                overall = max(1, min(5, round(rng.gauss(level, 0.8))))
                reviews.append(
                    Review(
                        booking=booking,
                        author_side=Side.CLIENT,
                        subject_side=Side.BAND,
                        band_id=booking.band_id,
                        client_id=booking.client_id,
                        overall=overall,
                        performance=max(1, min(5, overall + rng.choice([-1, 0, 0, 1]))),
                        punctuality=max(1, min(5, overall + rng.choice([-1, 0, 0, 1]))),
                        communication=max(1, min(5, overall + rng.choice([-1, 0, 0, 1]))),
                        again=overall >= 4,
                        text=f"Review of gig {booking.pk}: " + " ".join(rng.choices(WORDS, k=rng.randint(8, 40))),
                        published_at=booking.ends_at + dt.timedelta(days=2),
                    )
                )
            Review.objects.bulk_create(reviews, batch_size=5000)
        ratings_refresh_all(band_ids=sorted(set(picks)))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rated = Band.objects.filter(rating_count__gt=0).count()
    print(
        f"generated {Review.objects.count():,} published reviews of {rated:,} bands "
        f"in {time.perf_counter() - started:.1f} s"
    )


def rating_search(rng: random.Random) -> str:
    """A band search sorted by rating, as a promoter picking bands would make it."""
    params: list[tuple[str, str]] = [("sort", "rating")]
    if rng.random() < 0.5:
        params.append(("min_rating", rng.choice(["3", "3.5", "4", "4.5"])))
    if rng.random() < 0.3:
        params += [("genre", g.lower().replace(" ", "-")) for g in rng.sample(GENRES, rng.randint(1, 2))]
    if rng.random() < 0.25:
        params.append(("country", rng.choice(PLACES)[2]))
    if rng.random() < 0.2:
        params.append(("q", rng.choice(WORDS)))
    if rng.random() < 0.3:
        params.append(("page", str(rng.randint(2, 6))))
    return f"/bands/?{urlencode(params)}"


def run_rating_searches(count: int, rng: random.Random) -> None:
    from django.db import connection
    from django.test import Client

    from bands.models import Band

    client = Client()
    client.get("/bands/?sort=rating")
    client.get("/bands/?sort=rating", headers={"HX-Request": "true"})
    times, queries = [], set()
    for _ in range(count):
        url = rating_search(rng)
        headers = {"HX-Request": "true"} if rng.random() < 0.5 else {}
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
        queries.add(counter.count)
        if response.status_code != 200:
            print(f"!! {response.status_code} for {url}")
    p95 = percentile(times, 95)
    q = sorted(queries)
    rated = Band.objects.filter(rating_count__gt=0).count()
    print(f"\n{count} band searches sorted by rating over {rated:,} rated bands")
    print(f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms, queries {q[0]}-{q[-1]}")
    print(f"p95 {p95:.1f} ms: {'within' if p95 < BUDGET_P95_MS else 'OVER'} the {BUDGET_P95_MS:.0f} ms budget")


def press_kit_queries() -> None:
    """Queries of the press kit and its review pages for a band with no review and one with PRESS_KIT_REVIEWS."""
    from django.db import connection
    from django.test import Client

    from bands.models import ApprovalStatus, Band

    client = Client()
    bands = {
        "0 reviews": Band.objects.filter(status=ApprovalStatus.APPROVED, rating_count=0).order_by("pk").first(),
        f"{PRESS_KIT_REVIEWS} reviews": Band.objects.filter(rating_count=PRESS_KIT_REVIEWS).order_by("pk").first(),
    }
    print(f"\n{'page':<34}" + "".join(f"{label:>24}" for label in bands))
    pages = (
        ("press kit /bands/<slug>/", "/bands/{}/"),
        ("latest reviews (loaded by it)", "/bands/{}/reviews/latest/"),
        ("all reviews, page 1", "/bands/{}/reviews/"),
    )
    for page, path in pages:
        cells = []
        for band in bands.values():
            if band is None:
                cells.append("–")
                continue
            client.get(path.format(band.slug))
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                start = time.perf_counter()
                client.get(path.format(band.slug))
                elapsed = (time.perf_counter() - start) * 1000
            cells.append(f"{counter.count} queries {elapsed:5.1f} ms")
        print(f"{page:<34}" + "".join(f"{cell:>24}" for cell in cells))


def drop_search_indexes() -> None:
    from django.db import connection

    names = []
    for module in ("bands.migrations.0002_search_indexes", "venues.migrations.0002_search_indexes"):
        names += [name for name, _table, _expression in importlib.import_module(module).SEARCH_INDEXES]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    print(f"dropped {len(names)} trigram indexes: measuring without them")


def main() -> None:
    args = parse_args()
    bench_url, maintenance_url = bench_database_url(args.database_name)
    recreate_database(maintenance_url, args.database_name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("migrate", verbosity=0)
        if args.without_search_indexes:
            drop_search_indexes()
        rng = random.Random(args.seed)
        generate(rng)
        if args.reviews:
            generate_reviews(rng, args.reviews)
        run_searches(args.searches, rng)
        run_near_searches(args.searches, rng)
        if args.reviews:
            run_rating_searches(args.searches, rng)
            press_kit_queries()
    finally:
        connections.close_all()
        if args.keep:
            print(f"\nkept database {args.database_name}")
        else:
            recreate_database(maintenance_url, args.database_name, drop_only=True)
            print(f"\ndropped database {args.database_name}")


if __name__ == "__main__":
    main()
