"""ICS of a published timetable, per stage or per act: each set an event with a stable UID (a UUID5 of the
festival and the placement), SEQUENCE growing with each move, DTSTAMP its last change (so the same
timetable gives the same bytes), removed acts STATUS:CANCELLED. Written by the one calendar writer
(bookings.ical.feed_render), as every calendar is: names on one line whatever a row holds."""

import uuid

from django.http import HttpRequest, HttpResponse

from bookings.ical import FeedEvent, feed_render, feed_response

from .models import Festival, Placement

NAMESPACE = uuid.UUID("6f1c2a52-3b1e-4f0e-9b7a-0c5d6e1a9f90")


def placement_uid(festival: Festival, placement: Placement) -> str:
    return f"{uuid.uuid5(NAMESPACE, f'{festival.pk}:{placement.pk}')}@stageslot"


def placements_ics(request: HttpRequest, festival: Festival, placements) -> HttpResponse:
    """The sets as a calendar file, with the feeds' ETag and 304."""
    events = [
        FeedEvent(
            uid=placement_uid(festival, placement),
            summary=f"{placement.band.name} – {placement.festival_stage.stage.name}",
            starts_at=placement.starts_at,
            ends_at=placement.ends_at,
            status="CANCELLED" if placement.cancelled_at else "CONFIRMED",
            sequence=placement.sequence,
            modified_at=placement.updated_at,
            location=f"{placement.festival_stage.stage.name}, {festival.venue.name}",
        )
        for placement in placements
    ]
    body = feed_render(name=festival.name, events=events)
    return feed_response(request, body=body, filename=f"{festival.slug}.ics")
