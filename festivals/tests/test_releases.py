"""Releases of a festival's timetable: a release freezes the booked sets, the public page, calendars and
running orders read the last one, only acts whose set changed are told, earlier releases stay readable,
only the organisation's people publish, and the frab/pretalx schedule (XML and JSON) carries what
conference apps import, the same bytes for the same sets."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from festivals.models import Release
from festivals.services import releases, timetable
from festivals.services.errors import FestivalPermissionError
from teams.models import Role
from teams.tests.factories import OrganisationFactory, OrgMemberFactory

from . import factories
from .factories import festival_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return festival_world(tag="r")


def _place(w, band, fstage, hour, day=0, minutes=45):
    return factories.placement_book(
        fstage=fstage,
        band=band,
        starts_at=local(w.first_day + dt.timedelta(days=day), hour),
        set_minutes=minutes,
        by=w.owner,
        now=timezone.now(),
    )


def _told(w, band):
    return list(
        Notification.objects.filter(recipient=w.leaders[band.pk], dedupe_key__startswith="festival-release:")
        .order_by("pk")
        .values_list("text", flat=True)
    )


# ---- Services ----------------------------------------------------------------------------------------------


def test_a_release_freezes_the_booked_sets_and_tells_only_the_acts_whose_set_changed(w):
    kite = _place(w, w.kite, w.main, 18)
    _place(w, w.owl, w.tent, 18)
    first = releases.release_publish(festival=w.festival, by=w.owner, note="First  line-up", now=timezone.now())
    assert first.number == 1 and first.note == "First line-up"
    assert [(s["act"], s["stage_name"], s["day"]) for s in first.sets] == [
        (w.kite.name, "Main", w.first_day.isoformat()),
        (w.owl.name, "Tent", w.first_day.isoformat()),
    ]
    assert first.sets[0]["starts_at"] == local(w.first_day, 18).astimezone(dt.UTC).isoformat()
    w.festival.refresh_from_db()
    assert w.festival.published
    # The first release tells every act on it its set.
    assert len(_told(w, w.kite)) == 1 and "18:00–18:45" in _told(w, w.kite)[0]
    assert len(_told(w, w.owl)) == 1

    # Kite moves, Moth is added; Owl stays where it was.
    timetable.placement_move(
        placement=kite, fstage=w.tent, starts_at=local(w.first_day, 20), by=w.owner, now=timezone.now()
    )
    _place(w, w.moth, w.main, 15, day=1)
    release_1 = Release.objects.get(pk=first.pk)
    assert release_1.sets == first.sets  # what release 1 froze does not follow the builder
    second = releases.release_publish(festival=w.festival, by=w.booker, now=timezone.now())
    assert second.number == 2
    kite_told = _told(w, w.kite)
    assert len(kite_told) == 2
    assert "Tent" in kite_told[1] and "20:00–20:45" in kite_told[1] and "was Main" in kite_told[1]
    assert "18:00–18:45" in kite_told[1]  # the old time
    assert len(_told(w, w.moth)) == 1
    assert len(_told(w, w.owl)) == 1  # unchanged: not told again

    # A release with nothing changed tells nobody.
    releases.release_publish(festival=w.festival, by=w.owner, now=timezone.now())
    assert len(_told(w, w.kite)) == 2 and len(_told(w, w.owl)) == 1 and len(_told(w, w.moth)) == 1


def test_a_removed_act_is_told_it_no_longer_plays(w):
    kite = _place(w, w.kite, w.main, 18)
    releases.release_publish(festival=w.festival, by=w.owner, now=timezone.now())
    kite.cancelled_at = timezone.now()
    kite.save(update_fields=["cancelled_at"])
    third = releases.release_publish(festival=w.festival, by=w.owner, now=timezone.now())
    assert third.sets == []
    told = _told(w, w.kite)
    assert len(told) == 2 and "no longer plays" in told[1] and "18:00–18:45" in told[1]
    # The calendars keep the dropped set's UID, cancelled, so calendar apps remove it.
    from festivals.selectors import released_with_removed

    [gone] = released_with_removed(festival=w.festival, release=third)
    assert gone.pk == kite.pk and gone.cancelled_at == third.published_at and gone.sequence == kite.sequence + 1


def test_only_the_organisations_owners_and_bookers_publish(w):
    other_owner = OrgMemberFactory(organisation=OrganisationFactory(), role=Role.OWNER).user
    for who in (w.juror, w.stranger, other_owner, w.leaders[w.kite.pk]):
        with pytest.raises(FestivalPermissionError):
            releases.release_publish(festival=w.festival, by=who, now=timezone.now())
    assert not Release.objects.exists()


# ---- Views -------------------------------------------------------------------------------------------------


def test_the_public_page_and_calendars_show_the_last_release_not_the_builder(client, w):
    public = reverse("festivals:festival", args=[w.festival.slug])
    kite = _place(w, w.kite, w.main, 18)
    assert client.get(public).status_code == 404  # neither released nor published: nothing public
    assert client.get(reverse("festivals:schedule_json", args=[w.festival.slug])).status_code == 404
    client.force_login(w.owner)
    builder = client.get(reverse("festivals:builder", args=[w.festival.slug])).content.decode()
    assert "Publish release 1" in builder
    client.post(reverse("festivals:release_publish", args=[w.festival.slug]), {"note": "Day one"})
    assert "Publish release 2" in client.get(reverse("festivals:builder", args=[w.festival.slug])).content.decode()
    client.logout()
    # The builder changes; the public reads release 1 until release 2.
    timetable.placement_move(
        placement=kite, fstage=w.tent, starts_at=local(w.first_day, 20), by=w.owner, now=timezone.now()
    )
    _place(w, w.owl, w.main, 15)
    page = client.get(public).content.decode()
    assert w.kite.name in page and w.owl.name not in page and "Release 1" in page and "Day one" in page
    main_order = client.get(reverse("festivals:running_order", args=[w.festival.slug, w.main.pk])).content.decode()
    assert w.kite.name in main_order and "18:00" in main_order
    stage = client.get(reverse("festivals:stage_ics", args=[w.festival.slug, w.main.pk])).content
    assert w.kite.name.encode() in stage and w.owl.name.encode() not in stage
    releases.release_publish(festival=w.festival, by=w.owner, now=timezone.now())
    page = client.get(public).content.decode()
    assert w.owl.name in page and "Release 2" in page
    # Kite moved to the Tent: Main's calendar has Owl only; the act's calendar has the new set.
    stage = client.get(reverse("festivals:stage_ics", args=[w.festival.slug, w.main.pk])).content
    assert w.kite.name.encode() not in stage and w.owl.name.encode() in stage
    act = client.get(reverse("festivals:act_ics", args=[w.festival.slug, w.kite.slug])).content
    assert act.count(b"BEGIN:VEVENT") == 1 and b"STATUS:CONFIRMED" in act
    # Earlier releases stay readable, listed like a changelog.
    listing = client.get(reverse("festivals:releases", args=[w.festival.slug])).content.decode()
    assert reverse("festivals:release", args=[w.festival.slug, 1]) in listing
    assert reverse("festivals:release", args=[w.festival.slug, 2]) in listing
    old = client.get(reverse("festivals:release", args=[w.festival.slug, 1])).content.decode()
    assert "earlier release" in old and w.owl.name not in old and w.kite.name in old
    assert client.get(reverse("festivals:release", args=[w.festival.slug, 9])).status_code == 404


@pytest.mark.parametrize("who", ["juror", "stranger", "another organisation", "band", "anonymous"])
def test_only_the_organisations_people_publish_a_release_from_the_site(client, w, who):
    people = {
        "juror": w.juror,
        "stranger": w.stranger,
        "another organisation": OrgMemberFactory(organisation=OrganisationFactory(), role=Role.OWNER).user,
        "band": w.leaders[w.kite.pk],
        "anonymous": None,
    }
    if people[who] is not None:
        client.force_login(people[who])
    answer = client.post(reverse("festivals:release_publish", args=[w.festival.slug]), {"note": "x"})
    assert answer.status_code in (302, 403, 404)
    if who == "anonymous":
        assert "login" in answer["Location"]
    assert not Release.objects.exists()


def test_a_note_too_long_is_refused_with_a_message_and_nothing_released(client, w):
    client.force_login(w.owner)
    page = client.post(reverse("festivals:release_publish", args=[w.festival.slug]), {"note": "n" * 501}, follow=True)
    assert page.status_code == 200 and "500" in page.content.decode()
    assert not Release.objects.exists()


# ---- The schedule other programs read ------------------------------------------------------------------------


def test_the_schedule_xml_and_json_carry_what_conference_apps_import_the_same_bytes_for_the_same_sets(client, w):
    _place(w, w.kite, w.main, 18)
    _place(w, w.owl, w.tent, 17, day=1, minutes=90)
    releases.release_publish(festival=w.festival, by=w.owner, now=timezone.now() - dt.timedelta(hours=1))
    slug = w.festival.slug
    as_json = client.get(reverse("festivals:schedule_json", args=[slug]))
    as_xml = client.get(reverse("festivals:schedule_xml", args=[slug]))
    assert as_json.status_code == as_xml.status_code == 200
    assert as_json["Content-Type"].startswith("application/json")
    assert as_xml["Content-Type"].startswith("application/xml")

    data = json.loads(as_json.content)["schedule"]
    conference = data["conference"]
    assert conference["title"] == w.festival.name and conference["acronym"] == slug.replace("-", "_")
    assert re.fullmatch(r"[a-z0-9_]+", conference["acronym"])  # the schema's acronym: no hyphens
    assert conference["start"] == w.first_day.isoformat() and conference["daysCount"] == 2
    assert conference["time_zone_name"] == "Europe/Berlin"
    assert [r["name"] for r in conference["rooms"]] == ["Main", "Tent"]
    day1, day2 = conference["days"]
    assert (day1["index"], day1["date"]) == (1, w.first_day.isoformat())
    [event] = day1["rooms"]["Main"]
    for key in ("guid", "id", "date", "start", "duration", "room", "slug", "title", "type", "persons", "links"):
        assert key in event
    assert (event["start"], event["duration"], event["room"], event["title"]) == ("18:00", "00:45", "Main", w.kite.name)
    assert event["date"] == local(w.first_day, 18).isoformat()
    # One name per person: the schema takes a person with "public_name" or with "name", not both.
    assert event["persons"] == [{"guid": event["persons"][0]["guid"], "id": w.kite.pk, "public_name": w.kite.name}]
    assert day2["rooms"]["Tent"][0]["duration"] == "01:30" and day2["rooms"]["Main"] == []

    root = ET.fromstring(as_xml.content)  # noqa: S314 (the file under test, made here)
    assert root.tag == "schedule" and root.findtext("version") == data["version"]
    assert root.findtext("conference/title") == w.festival.name and root.findtext("conference/days") == "2"
    days = root.findall("day")
    assert [d.get("index") for d in days] == ["1", "2"] and days[0].get("date") == w.first_day.isoformat()
    rooms = days[0].findall("room")
    assert [r.get("name") for r in rooms] == ["Main", "Tent"]
    [xml_event] = rooms[0].findall("event")
    assert xml_event.get("guid") == event["guid"] and xml_event.get("id") == str(event["id"])
    for key, value in (("start", "18:00"), ("duration", "00:45"), ("room", "Main"), ("title", w.kite.name)):
        assert xml_event.findtext(key) == value
    assert xml_event.findtext("date") == event["date"] and xml_event.findtext("slug") == event["slug"]
    assert [p.text for p in xml_event.findall("persons/person")] == [w.kite.name]

    # The same bytes on a second fetch, and after a second release with the same sets.
    assert client.get(reverse("festivals:schedule_json", args=[slug])).content == as_json.content
    assert client.get(reverse("festivals:schedule_xml", args=[slug])).content == as_xml.content
    releases.release_publish(festival=w.festival, by=w.owner, note="Nothing moved", now=timezone.now())
    again_json = client.get(reverse("festivals:schedule_json", args=[slug]))
    again_xml = client.get(reverse("festivals:schedule_xml", args=[slug]))
    assert again_json.content == as_json.content and again_xml.content == as_xml.content
    assert client.get(reverse("festivals:release_schedule_json", args=[slug, 1])).content == as_json.content
    # ETag and Last-Modified come from the release: a reader that has the file is answered 304.
    assert again_json["ETag"] == as_json["ETag"] and again_json["Last-Modified"]
    cached = client.get(reverse("festivals:schedule_json", args=[slug]), headers={"If-None-Match": as_json["ETag"]})
    assert cached.status_code == 304
    # A change gives other bytes and another version.
    _place(w, w.moth, w.main, 15, day=1)
    releases.release_publish(festival=w.festival, by=w.owner, now=timezone.now())
    changed = client.get(reverse("festivals:schedule_json", args=[slug]))
    assert changed.content != as_json.content
    assert json.loads(changed.content)["schedule"]["version"] != data["version"]
    assert client.get(reverse("festivals:release_schedule_xml", args=[slug, 1])).content == as_xml.content
