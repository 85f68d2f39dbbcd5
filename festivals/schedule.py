"""A release's timetable as the frab/pretalx schedule that conference apps import (Giggity, ConfClerk,
c3voc's tools): schedule.xml and schedule.json, conference → days → rooms (stages) → events (sets). The
bytes depend only on the festival and the release's sets – stable order, no generation time, a version
named by the sets' digest – so the same timetable gives the same file (decision 0103)."""

import datetime as dt
import hashlib
import json
import uuid
import xml.etree.ElementTree as ET
import zoneinfo

from django.urls import reverse

from core.fields.form_fields import one_line
from core.web.site import site_url

from .ical import NAMESPACE
from .models import Festival
from .selectors import ReleasedSet, released_sets

GENERATOR = "StageSlot"


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# The schedule format's acronym is at least this long (its JSON schema and its XSD agree).
ACRONYM_MIN = 4


def schedule_acronym(festival: Festival) -> str:
    """The festival's acronym as the schedule format takes it: its address with underscores for hyphens (letters,
    digits and underscores), at least four long – a short one takes the first day's year ("jam" → "jam_2027")."""
    acronym = festival.slug.replace("-", "_")
    return acronym if len(acronym) >= ACRONYM_MIN else f"{acronym}_{festival.first_day.year}"


def sets_version(sets: list[dict]) -> str:
    """The schedule's version: a digest of the sets, so two releases with the same sets read the same."""
    canonical = json.dumps(sets, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def schedule_data(festival: Festival, release) -> dict:
    """The schedule as the frab JSON's dict (keys in the format's order; the XML is drawn from it)."""
    tz = zoneinfo.ZoneInfo(festival.time_zone)
    base = site_url()
    sets: list[ReleasedSet] = released_sets(release)
    stages = list(festival.stages.select_related("stage").order_by("position", "pk"))
    names = {f.pk: one_line(f.stage.name) for f in stages}
    for s in sets:  # a stage dropped since the release still has its set's name
        names.setdefault(s.festival_stage.pk, one_line(s.festival_stage.stage.name))
    order = [f.pk for f in stages] + sorted(pk for pk in names if pk not in {f.pk for f in stages})
    day_count = (festival.last_day - festival.first_day).days + 1
    days = []
    for index in range(day_count):
        day = festival.first_day + dt.timedelta(days=index)
        todays = [s for s in sets if s.day == day]
        start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        if todays:
            start = min(start, *(s.starts_at.astimezone(tz) for s in todays))
            end = max(end, *(s.ends_at.astimezone(tz) for s in todays))
        rooms = {}
        for pk in order:
            events = [
                _event(festival, s, names[pk], tz, base)
                for s in sorted(todays, key=lambda s: (s.starts_at, s.pk))
                if s.festival_stage.pk == pk
            ]
            rooms[names[pk]] = events
        days.append(
            {
                "index": index + 1,
                "date": day.isoformat(),
                "day_start": start.isoformat(),
                "day_end": end.isoformat(),
                "rooms": rooms,
            }
        )
    page = base + reverse("festivals:festival", args=[festival.slug])
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR},
        "schedule": {
            "url": base + reverse("festivals:schedule_json", args=[festival.slug]),
            "version": sets_version(release.sets),
            "base_url": base + "/",
            "conference": {
                "acronym": schedule_acronym(festival),
                "title": one_line(festival.name),
                "start": festival.first_day.isoformat(),
                "end": festival.last_day.isoformat(),
                "daysCount": day_count,
                "timeslot_duration": "00:05",
                "time_zone_name": festival.time_zone,
                "url": page,
                "rooms": [{"name": names[pk], "guid": _guid(festival.pk, "stage", pk)} for pk in order],
                "tracks": [],
                "days": days,
            },
        },
    }


def _event(festival: Festival, s: ReleasedSet, room: str, tz, base: str) -> dict:
    start = s.starts_at.astimezone(tz)
    minutes = int((s.ends_at - s.starts_at).total_seconds() // 60)
    act = one_line(s.band.name)
    return {
        "guid": _guid(festival.pk, s.pk),
        "id": s.pk,
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": _hhmm(minutes),
        "room": room,
        # The format's event slug is the acronym, a hyphen and at least four more ("the_jam-07-owl"): a festival
        # address whose first word is short ("the-jam") would not do, nor a set "1-a".
        "slug": f"{schedule_acronym(festival)}-{s.pk:02d}-{s.band.slug}",
        "url": base + reverse("bands:detail", args=[s.band.slug]),
        "title": act,
        "subtitle": "",
        "track": None,
        "type": "concert",
        "language": "",
        "abstract": "",
        "description": "",
        "logo": "",
        "recording_license": "",
        "do_not_record": True,
        "persons": [{"guid": _guid("band", s.band.pk), "id": s.band.pk, "public_name": act}],
        "links": [],
        "attachments": [],
    }


def schedule_json(festival: Festival, release) -> bytes:
    return json.dumps(schedule_data(festival, release), ensure_ascii=False, indent=2).encode() + b"\n"


def _text(parent: ET.Element, tag: str, value: object = "", **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if value is not None and value != "":
        element.text = str(value)
    return element


def schedule_xml(festival: Festival, release) -> bytes:
    """frab's schedule.xml from the same dict as the JSON."""
    data = schedule_data(festival, release)["schedule"]
    conference = data["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", {"name": GENERATOR})
    _text(root, "version", data["version"])
    head = ET.SubElement(root, "conference")
    for key in ("acronym", "title", "start", "end"):
        _text(head, key, conference[key])
    _text(head, "days", conference["daysCount"])
    for key in ("timeslot_duration", "base_url", "time_zone_name"):
        _text(head, key, data["base_url"] if key == "base_url" else conference[key])
    for day in conference["days"]:
        day_el = ET.SubElement(
            root,
            "day",
            {"index": str(day["index"]), "date": day["date"], "start": day["day_start"], "end": day["day_end"]},
        )
        for room in conference["rooms"]:
            room_el = ET.SubElement(day_el, "room", {"name": room["name"], "guid": room["guid"]})
            for event in day["rooms"][room["name"]]:
                ev = ET.SubElement(room_el, "event", {"guid": event["guid"], "id": str(event["id"])})
                for key in ("date", "start", "duration", "room", "slug", "url"):
                    _text(ev, key, event[key])
                recording = ET.SubElement(ev, "recording")
                _text(recording, "license", "")
                _text(recording, "optout", "true")
                for key in ("title", "subtitle", "track", "type", "language", "abstract", "description", "logo"):
                    _text(ev, key, event[key])
                persons = ET.SubElement(ev, "persons")
                for person in event["persons"]:
                    _text(persons, "person", person["public_name"], id=str(person["id"]), guid=person["guid"])
                ET.SubElement(ev, "links")
                ET.SubElement(ev, "attachments")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def schedule_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
