"""Every calendar door answers names that are not one line (issue 81): each .ics address of the URLconf – found by
walking it, not listed by hand – is asked with every name and title a calendar carries holding line breaks, a
vertical tab, NUL, a line past any fold and letters past ASCII, and must answer 200 with a calendar icalendar
reads, no property on more than one line. Every module that writes a calendar writes it through the one writer
(bookings.ical: feed_render, ical_text); a new door or a new writer outside it fails here until it is added."""

import ast
import datetime as dt
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from icalendar import Calendar

from bookings.ical import feed_bodies_forget
from bookings.models import CalendarFeed
from bookings.services.feeds import feed_create
from bookings.services.share import share_link_create
from fans import services as fans_services
from fans.models import FanProfile
from fans.tests.world import booked_show, city
from festivals.services import releases
from festivals.tests.factories import festival_world, local, placement_book
from gigs.services import tours
from gigs.services.stand_ins import stand_in_ask_reply, stand_in_request_create
from gigs.tests.factories import hosted_show, tour_world
from gigs.tests.test_stand_ins import stand_in_world
from stageslot.tests.once import rows_for_the_module

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("calendar_doors")]

ROOT = Path(settings.BASE_DIR)
MIGRATION = importlib.import_module("festivals.migrations.0004_calendar_names_on_one_line")

# What a view's source says when it answers a calendar, whatever its address.
ANSWERS_A_CALENDAR = re.compile(r"text/calendar|feed_render|feed_response|placements_ics|to_ical")


def our_patterns() -> list[tuple[str, URLPattern]]:
    found = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif pattern.name:
                found.append((f"{namespace}{pattern.name}", pattern))

    walk(get_resolver().url_patterns, "")
    return found


def is_a_calendar_door(pattern: URLPattern) -> bool:
    """An address ending in .ics, or a view whose own source answers a calendar."""
    route = str(pattern.pattern)
    if route.endswith(".ics") or route.endswith(r"\.ics$"):
        return True
    view = inspect.unwrap(pattern.callback)
    if view.__module__.split(".")[0] not in {p.parent.name for p in ROOT.glob("*/apps.py")} | {"stageslot"}:
        return False
    try:
        return bool(ANSWERS_A_CALENDAR.search(inspect.getsource(view)))
    except (OSError, TypeError):
        return False


def calendar_doors() -> dict[str, URLPattern]:
    return {name: pattern for name, pattern in our_patterns() if is_a_calendar_door(pattern)}


# ---- A world where every name a calendar carries is not one line --------------------------------------------

NAMES = {
    "line breaks": "Night\nShift\r\nat the\rLake",
    "controls": "Vertical\x0bTab\x0cFeed\x00Nul\x1fUnit\x7fDel",
    "unicode breaks": "Ünï\u2028cödé\u2029Kraków\x85Łódź 🎸",
    "long": "Ein sehr langer Name, mit Kommas; Semikola \\ und Umlauten – äöü " * 6 + "\n" + "😀" * 30,
    "backslash n": "Back\\Nowhere\\n\\, end",
}


def evil(name: str, column: str, pk: int) -> str:
    """`name` made to fit `column` (its length, a NUL where the database takes one, unique where it must be)."""
    if connection.vendor == "postgresql":
        name = name.replace("\x00", "\x01")  # PostgreSQL stores no NUL in text; the other controls it does
    return f"{name} {pk}"[-column.max_length :] if column.max_length else f"{name} {pk}"


def spoil_every_name(name: str) -> None:
    """Every column the migration cleans (the names and titles calendars carry) set to `name`, row by row."""
    for app, model_name, column in MIGRATION.COLUMNS:
        model = apps.get_model(app, model_name)
        field = model._meta.get_field(column)
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(**{column: evil(name, field, pk)})


class World:
    """One of each calendar door's rows, with events in each calendar."""

    def __init__(self) -> None:
        now = timezone.now()
        w = stand_in_world("-cal")
        request = stand_in_request_create(place=w.place, by=w.leader, stand_ins=[w.sam])
        stand_in_ask_reply(ask=request.asks.get(), reply="yes")
        self.w = w
        self.feeds = [
            feed_create(by=w.member, scope=CalendarFeed.Scope.MEMBER),
            feed_create(by=w.leader, scope=CalendarFeed.Scope.BAND, band=w.band),
            feed_create(by=w.owner, scope=CalendarFeed.Scope.VENUE, venue=w.venue),
        ]
        self.share = share_link_create(band=w.band, by=w.leader, label="Press")
        self.show, _ = hosted_show(w.band, w.leader)
        self.berlin = city("Berlin")
        booked_show(w.band, place=self.berlin, days=8)
        FanProfile.objects.create(user=w.stranger, city=self.berlin, radius_km=50)
        fans_services.follow_set(user=w.stranger, band=w.band, on=True)
        self.fan_token = FanProfile.objects.get(user=w.stranger).feed_token
        t = tour_world(suffix="-cal")
        self.t = t
        self.tour = tours.tour_create(band=t.band, by=t.leader, name="Spring run", bookings=t.gigs)
        tours.tour_stay_save(
            tour=self.tour, by=t.leader, night=t.first, nights=1, check_in=dt.time(15), check_out=dt.time(11),
            name="Hotel Hafenblick", address="Hafenstraße 1",
        )  # fmt: skip
        self.tour_feed = tours.tour_feed_make(tour=self.tour, user=t.member)
        f = festival_world(tag="-cal")
        placement_book(fstage=f.tent, band=f.owl, starts_at=local(f.first_day, 18), set_minutes=45, by=f.owner, now=now)
        releases.release_publish(festival=f.festival, by=f.owner, now=now)
        self.f = f

    def doors(self) -> dict[str, tuple[str, object]]:
        """Each calendar door's address in this world, and who asks it (None: anyone)."""
        w, f = self.w, self.f
        feeds = {feed.scope: feed for feed in self.feeds}
        return {
            "bookings:feed": [
                (reverse("bookings:feed", args=[feed.token]), None)
                for feed in (feeds["member"], feeds["band"], feeds["venue"])
            ],
            "bookings:show_ics": [(reverse("bookings:show_ics", args=[self.show.pk]), None)],
            "bookings:share_ics": [(reverse("bookings:share_ics", args=[self.share.token]), None)],
            "gigs:stand_in_feed": [(reverse("gigs:stand_in_feed", args=[w.sam.token]), None)],
            "gigs:tour_ics": [(reverse("gigs:tour_ics", args=[self.tour.pk]), self.t.leader)],
            "gigs:tour_feed": [(reverse("gigs:tour_feed", args=[self.tour_feed.token]), None)],
            "fans:feed": [(reverse("fans:feed", args=[self.fan_token]), None)],
            "shows_city_ics": [(reverse("shows_city_ics", args=[self.berlin.pk]), None)],
            "festivals:stage_ics": [(reverse("festivals:stage_ics", args=[f.festival.slug, f.tent.pk]), None)],
            "festivals:act_ics": [(reverse("festivals:act_ics", args=[f.festival.slug, f.owl.slug]), None)],
        }


# The doors this test knows how to reach; a door found and not here fails test_every_calendar_door_is_known.
KNOWN = {
    "bookings:feed",
    "bookings:show_ics",
    "bookings:share_ics",
    "gigs:stand_in_feed",
    "gigs:tour_ics",
    "gigs:tour_feed",
    "fans:feed",
    "shows_city_ics",
    "festivals:stage_ics",
    "festivals:act_ics",
}


def test_every_calendar_door_is_known():
    found = set(calendar_doors())
    assert found == KNOWN, (
        f"calendar doors not asked with broken names here: {sorted(found - KNOWN)}; "
        f"gone: {sorted(KNOWN - found)} – add each to World.doors and KNOWN"
    )


def test_the_walk_finds_a_door_by_its_address_or_by_what_it_answers():
    from django.urls import path, re_path

    def plain(request):  # pragma: no cover - never called
        return None

    def answers(request):  # pragma: no cover - never called
        return "text/calendar"

    assert is_a_calendar_door(path("x/<int:pk>/calendar.ics", plain))
    assert is_a_calendar_door(re_path(r"^x/(?P<token>\w+)\.ics$", plain))
    assert is_a_calendar_door(path("x/<int:pk>/calendar/", answers))
    assert not is_a_calendar_door(path("x/<int:pk>/", plain))


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with rows_for_the_module(django_db_blocker):
        yield World()


@pytest.fixture
def world(module_world) -> World:
    return module_world  # its rows are read by address only; each test's names are rolled back after it


def read_calendar(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


@pytest.mark.parametrize("name", list(NAMES.values()), ids=list(NAMES))
def test_every_calendar_door_answers_names_that_are_not_one_line(world, name):
    feed_bodies_forget()  # no body kept from the names before: each door writes these
    for cache in caches.all():
        cache.clear()
    spoil_every_name(name)
    doors = world.doors()
    assert set(doors) == KNOWN
    events = 0
    for door, asks in doors.items():
        for url, who in asks:
            client = Client(raise_request_exception=False)
            if who is not None:
                client.force_login(who)
            response = client.get(url)
            assert response.status_code == 200, (door, url, response.status_code)
            assert response["Content-Type"].startswith("text/calendar"), door
            body = response.content
            lines = body.split(b"\r\n")
            assert lines[-1] == b"" and all(b"\r" not in line and b"\n" not in line for line in lines), door
            assert all(len(line) <= 75 for line in lines), door
            calendar = read_calendar(body)
            for component in calendar.walk():
                for prop, value in component.property_items(recursive=False):
                    text = value.decode() if isinstance(value, bytes) else str(value)
                    if prop != "DESCRIPTION":
                        assert not re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029]", text), (door, prop, text)
            in_door = calendar.walk("VEVENT")
            events += len(in_door)
            assert in_door, f"{door}: no event, so no name was written"
    assert events >= len(KNOWN)


# ---- No calendar written outside the one writer ------------------------------------------------------------

# Modules that touch icalendar only to read what others wrote (a person's own calendar, a CalDAV server's
# free/busy); what StageSlot writes to a CalDAV server is made by feed_render (calendars/services.py).
READERS = {"availability/ics_import.py", "calendars/caldav_client.py", "calendars/testing.py"}
WRITER = "bookings/ical.py"
WRITES_A_CALENDAR = re.compile(r"\bicalendar\b|django_ical|ICal20Feed|to_ical\(|BEGIN:VCALENDAR|BEGIN:VEVENT")


def project_modules() -> list[Path]:
    skip = {".venv", "node_modules", "benchmarks", "bin", "docs"}
    return [
        p
        for p in ROOT.rglob("*.py")
        if not skip & set(p.relative_to(ROOT).parts)
        and "tests" not in p.relative_to(ROOT).parts
        and "migrations" not in p.relative_to(ROOT).parts
    ]


def test_no_calendar_is_written_outside_the_one_writer():
    outside = []
    for module in project_modules():
        name = module.relative_to(ROOT).as_posix()
        if name == WRITER or name in READERS:
            continue
        source = module.read_text()
        # Docstrings and comments that name the format are fine; code that builds it is not.
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "VCALENDAR" not in node.value:
                node.value = ""
        code = ast.unparse(tree)
        if WRITES_A_CALENDAR.search(code):
            outside.append(name)
    assert outside == [], f"these write a calendar without bookings.ical's one writer: {outside}"


# ---- The migration cleans what is stored ------------------------------------------------------------------


def test_the_migration_cleans_stored_names_and_leaves_the_others():
    from bands.tests.factories import BandFactory
    from venues.models import Stage
    from venues.tests.factories import VenueFactory

    nul = "\x01" if connection.vendor == "postgresql" else "\x00"
    broken = BandFactory(name="Night\r\n\tShift \x0b  Band", slug="broken")
    nulled = BandFactory(name=f"Nul{nul}Band", slug="nulled")
    fine = BandFactory(name="Fine  Band", slug="fine")
    venue = VenueFactory(name="Keller\nbar", slug="kb")
    Stage.objects.filter(venue=venue).delete()
    Stage.objects.create(venue=venue, name="Main Stage")
    twin = Stage.objects.create(venue=venue, name="Main\nStage")
    # What RunPython hands it: the registry and an editor on the connection (a real one cannot open in a test's
    # transaction on SQLite).
    MIGRATION.names_on_one_line(apps, SimpleNamespace(connection=connection))
    broken.refresh_from_db()
    fine.refresh_from_db()
    venue.refresh_from_db()
    twin.refresh_from_db()
    nulled.refresh_from_db()
    assert broken.name == "Night Shift Band" and nulled.name == "Nul Band"
    assert fine.name == "Fine  Band"  # no break: not touched
    assert venue.name == "Keller bar"
    assert twin.name == f"Main Stage ({twin.pk})"  # the venue's stages stay unique


def test_the_migration_reads_only_rows_that_hold_a_break(django_assert_max_num_queries):
    from bands.tests.factories import BandFactory

    for n in range(5):
        BandFactory(name=f"Band {n}", slug=f"band-{n}")
    band = apps.get_model("bands", "Band")
    conn = connection
    assert MIGRATION.clean_column(band, "name", conn.alias, conn.vendor) == 0
    BandFactory(name="Two\nLines", slug="two")
    assert MIGRATION.clean_column(band, "name", conn.alias, conn.vendor) == 1
    assert MIGRATION.clean_column(band, "name", conn.alias, conn.vendor) == 0
