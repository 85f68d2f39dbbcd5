"""The schedule files meet the format conference apps read (issue 84), whatever the festival and its acts are
called. The rules are those of the c3voc schedule format's JSON schema and XSD (docs/decisions/0135): its
published files are on no package registry this project installs from, so the rules are written down here – the
fields each part may and must have, the shapes of an acronym, a slug, a time and a duration, and one kind of
person. A festival whose address has a short first word ("the-jam"), a festival of two letters ("Öl") and an act
whose address is one letter are the cases a plain slug got wrong."""

import datetime as dt
import json
import re
import uuid
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from bands.models import Band
from festivals.models import Festival
from festivals.services import releases

from . import factories
from .factories import festival_world, local

pytestmark = pytest.mark.django_db

TOP = {"$schema", "generator", "schedule"}
CONFERENCE = {
    "acronym", "colors", "days", "daysCount", "description", "end", "keywords", "logo", "meta", "rooms", "start",
    "time_zone_name", "timeslot_duration", "title", "tracks", "url",
}  # fmt: skip
CONFERENCE_NEEDS = {"title", "acronym", "days", "daysCount", "start", "end", "timeslot_duration"}
DAY = {"date", "day_end", "day_start", "index", "rooms"}
ROOM = {"assembly", "capacity", "description", "features", "guid", "name", "slug", "stream_id", "type", "url"}
EVENT = {
    "abstract", "attachments", "code", "date", "description", "do_not_record", "do_not_stream", "duration", "end",
    "feedback_url", "guid", "id", "language", "links", "logo", "origin_url", "persons", "recording_license", "room",
    "slug", "start", "subtitle", "title", "track", "type", "url",
}  # fmt: skip
EVENT_NEEDS = {
    "abstract", "date", "duration", "guid", "id", "language", "links", "persons", "room", "slug", "start", "subtitle",
    "title", "track", "type", "url",
}  # fmt: skip
# The shapes, as the JSON schema (searched, so anchored here as it anchors them) and the XSD (whole) give them.
JSON_ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
XML_ACRONYM = re.compile(r"[a-z0-9_-]{4,}")
JSON_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
XML_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
START = re.compile(r"^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$")
DURATION = re.compile(r"^[0-9]+:[0-9]{2}$")


def _files(client, festival: Festival) -> tuple[dict, ET.Element]:
    as_json = client.get(reverse("festivals:schedule_json", args=[festival.slug]))
    as_xml = client.get(reverse("festivals:schedule_xml", args=[festival.slug]))
    assert as_json.status_code == as_xml.status_code == 200
    return json.loads(as_json.content), ET.fromstring(as_xml.content)  # noqa: S314 (the file under test)


def _check_json(data: dict) -> list[dict]:
    assert set(data) <= TOP and "schedule" in data
    schedule = data["schedule"]
    assert {"conference", "version"} <= set(schedule) and "rooms" not in schedule
    conference = schedule["conference"]
    assert CONFERENCE_NEEDS <= set(conference) <= CONFERENCE
    assert JSON_ACRONYM.search(conference["acronym"]), conference["acronym"]
    assert isinstance(conference["daysCount"], int) and conference["daysCount"] == len(conference["days"])
    for room in conference["rooms"]:
        assert {"guid", "name"} <= set(room) <= ROOM and uuid.UUID(room["guid"])
    events = []
    for day in conference["days"]:
        assert set(day) == DAY and isinstance(day["index"], int)
        dt.date.fromisoformat(day["date"])
        assert dt.datetime.fromisoformat(day["day_start"]) < dt.datetime.fromisoformat(day["day_end"])
        for name, rows in day["rooms"].items():
            assert name in {room["name"] for room in conference["rooms"]}
            events += rows
    for event in events:
        assert EVENT_NEEDS <= set(event) <= EVENT, set(event) ^ EVENT_NEEDS
        assert isinstance(event["id"], int) and event["id"] >= 1 and uuid.UUID(event["guid"])
        assert JSON_SLUG.search(event["slug"]) and START.search(event["start"]) and DURATION.search(event["duration"])
        assert dt.datetime.fromisoformat(event["date"]).tzinfo is not None
        for person in event["persons"]:
            # One kind of person, frab's: an id and a public name, never pretalx's name beside them.
            assert isinstance(person["id"], int) and person["public_name"] and "name" not in person
    return events


def _check_xml(root: ET.Element) -> list[str]:
    assert XML_ACRONYM.fullmatch(root.findtext("conference/acronym"))
    slugs = [slug.text for slug in root.iter("slug")]
    for slug in slugs:
        assert XML_SLUG.fullmatch(slug), slug
    assert len(slugs) == len(set(slugs))  # the XSD keeps an event's slug unique
    return slugs


@pytest.mark.parametrize(
    ("name", "address", "act"),
    [
        ("The Jam", "the-jam", "kite"),  # a short first word
        ("Öl", "ol", "k"),  # two letters; an act of one
        ("Lake Fest", "lake-fest-2", "kite-2"),  # the second of a name
    ],
)
def test_the_schedule_files_meet_the_format_whatever_the_names(client, name, address, act):
    w = festival_world(tag="f")
    Festival.objects.filter(pk=w.festival.pk).update(name=name, slug=address)
    Band.objects.filter(pk=w.kite.pk).update(slug=act)
    w.festival.refresh_from_db()
    w.kite.refresh_from_db()
    for band, fstage, hour, day in ((w.kite, w.main, 18, 0), (w.owl, w.tent, 17, 1), (w.moth, w.main, 20, 1)):
        factories.placement_book(
            fstage=fstage, band=band, starts_at=local(w.first_day + dt.timedelta(days=day), hour), set_minutes=45,
            by=w.owner, now=timezone.now(),
        )  # fmt: skip
    releases.release_publish(festival=w.festival, by=w.owner, now=timezone.now() - dt.timedelta(hours=1))
    data, root = _files(client, w.festival)
    events = _check_json(data)
    slugs = _check_xml(root)
    assert len(events) == len(slugs) == 3
    # The two files agree, and the acronym keeps what a reader knows of the festival's address.
    acronym = data["schedule"]["conference"]["acronym"]
    assert root.findtext("conference/acronym") == acronym and acronym.startswith(address.replace("-", "_"))
    assert sorted(e["slug"] for e in events) == sorted(slugs)
    assert all(slug.startswith(f"{acronym}-") for slug in slugs)
