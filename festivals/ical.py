"""ICS of a published timetable, per stage or per act: each set an event with a stable UID (a UUID5 of the
festival and the placement), SEQUENCE growing with each move, DTSTAMP its last change (so the same
timetable gives the same bytes), removed acts STATUS:CANCELLED."""

import uuid

from django.http import HttpResponse
from icalendar import Calendar, Event

from accounts.form_fields import one_line

from .models import Festival, Placement

NAMESPACE = uuid.UUID("6f1c2a52-3b1e-4f0e-9b7a-0c5d6e1a9f90")


def placement_uid(festival: Festival, placement: Placement) -> str:
    return f"{uuid.uuid5(NAMESPACE, f'{festival.pk}:{placement.pk}')}@stageslot"


def placements_ics(festival: Festival, placements) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", "-//StageSlot//Festivals//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", one_line(festival.name))
    for placement in placements:
        event = Event()
        event.add("uid", placement_uid(festival, placement))
        event.add("summary", one_line(f"{placement.band.name} – {placement.festival_stage.stage.name}"))
        event.add("dtstart", placement.starts_at)
        event.add("dtend", placement.ends_at)
        event.add("dtstamp", placement.updated_at)
        event.add("sequence", placement.sequence)
        event.add("location", one_line(f"{placement.festival_stage.stage.name}, {festival.venue.name}"))
        event.add("status", "CANCELLED" if placement.cancelled_at else "CONFIRMED")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{festival.slug}.ics"'
    return response
