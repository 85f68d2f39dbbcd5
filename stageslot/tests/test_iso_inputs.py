"""Date and time inputs carry ISO values whatever language the browser asks for.

A browser's <input type=date> only accepts YYYY-MM-DD (type=time HH:MM, datetime-local
YYYY-MM-DDTHH:MM); a value in the page's language ("22.11.2026", "22/11/2026") leaves the
field blank, so an en-GB, German or French visitor would lose every prefilled date.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from availability.services import rule_create
from bookings.tests.factories import SlotFactory, band_with_leader, venue_with_owner

pytestmark = pytest.mark.django_db

LANGUAGES = ["en-GB", "de", "fr", "en-US"]
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"),
}
INPUT = re.compile(r'<input[^>]*\btype="(date|time|datetime-local)"[^>]*>')


def iso_inputs(html: str) -> dict[str, tuple[str, str]]:
    """name -> (type, value or "") of every date/time input on the page."""
    found = {}
    for match in INPUT.finditer(html):
        tag = match.group(0)
        name = re.search(r'\bname="([^"]+)"', tag).group(1)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        found[name] = (match.group(1), value.group(1) if value else "")
    return found


@pytest.fixture
def world():
    band, leader = band_with_leader(slug="night-shift", time_zone="Europe/Berlin")
    leader.time_zone = "Europe/Berlin"
    leader.save()
    venue, owner = venue_with_owner(slug="kellerbar")
    slot = SlotFactory(venue=venue)
    day = timezone.localdate() + dt.timedelta(days=30)
    rule = rule_create(
        user=leader,
        title="Day job",
        start_date=day,
        start_time=dt.time(9, 30),
        end_date=day,
        end_time=dt.time(17, 15),
        rrule=f"FREQ=WEEKLY;UNTIL={(day + dt.timedelta(days=60)):%Y%m%d}",
    )
    return {"band": band, "leader": leader, "owner": owner, "venue": venue, "slot": slot, "rule": rule}


def pages(world):
    """(who, url, inputs that must come prefilled) for every page with a date or time input."""
    leader, owner = world["leader"], world["owner"]
    return [
        (leader, reverse("availability:rule_add"), ["start_date", "end_date"]),
        (leader, reverse("availability:rule_edit", args=[world["rule"].pk]), ["start_date", "start_time", "until"]),
        (leader, reverse("bands:calendar", args=["night-shift"]), ["date"]),
        (leader, reverse("bands:calendar_find", args=["night-shift"]), []),
        (leader, reverse("bands:search"), []),
        (leader, reverse("bookings:request", args=["night-shift"]), []),
        (leader, reverse("bookings:gig_finder"), []),
        (owner, reverse("bookings:venue_slot_new", args=["kellerbar"]), []),
        (owner, reverse("bookings:venue_slot_series", args=["kellerbar"]), []),
        (owner, reverse("bookings:slot_manage", args=["kellerbar", world["slot"].pk]), ["date", "start", "end"]),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_and_time_input_is_iso_in_every_language(client, world, language):
    checked = 0
    for user, url, prefilled in pages(world):
        client.force_login(user)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        inputs = iso_inputs(response.content.decode())
        for name, (kind, value) in inputs.items():
            if value:
                assert ISO[kind].match(value), f"{url} {name}={value!r} under {language}"
                checked += 1
        for name in prefilled:
            assert inputs.get(name, ("", ""))[1], f"{url} {name} comes blank under {language}"
    assert checked >= 8
