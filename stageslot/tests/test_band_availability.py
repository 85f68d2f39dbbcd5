"""Every view of a band's availability reads it the same way: bands.calendar.band_availability, with the
band's gig hours, its shortest gig and its own time zone.

One band whose members are busy in its gig hours on one day (no one free then), only outside them on
the next (everyone free that evening) and for an hour of them on a third (free long enough): the band
calendar, its agency, the widget, the share page, the public calendar, the API, the finder's "free on"
filter and the availability feed all say the same.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from availability.models import BusyInterval
from bands.calendar import band_availability, band_available_members, bands_available_on
from bands.forms.search import PARTS_OF_DAY
from bands.gig_hours import GigHours, band_gig_hours
from bands.selectors import band_search
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.selectors.share import band_availability_events
from bookings.services.share import share_link_create
from bookings.tests.api_helpers import ApiClient
from bookings.tests.factories import band_with_leader
from teams.tests.factories import agency_for

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def busy(user, day: dt.date, opens: int, closes: int) -> None:
    """Busy from `opens` to `closes` o'clock on `day` in Berlin (24 is midnight)."""
    start = dt.datetime.combine(day, dt.time(opens), tzinfo=BERLIN)
    BusyInterval.objects.create(
        user=user,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=closes - opens),
        source=BusyInterval.Source.RULE,
        source_id=1,
    )


@pytest.fixture
def band_days():
    """(band, leader, days): next month, the members are busy 19:00–23:00 on the first day (inside the
    band's gig hours: no one free), 10:00–17:00 on the second (outside them: free) and 18:00–19:00 on
    the third (free from 19:00 to midnight, longer than the band's shortest gig: free)."""
    band, leader = band_with_leader(name="The Night Owls", slug="night-owls", time_zone="Europe/Berlin")
    drummer = MembershipFactory(band=band).user
    today = timezone.now().astimezone(BERLIN).date()
    next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    days = (next_month.replace(day=10), next_month.replace(day=11), next_month.replace(day=12))
    for user in (leader, drummer):
        user.time_zone = "Europe/Berlin"
        user.save(update_fields=["time_zone"])
        for day, (opens, closes) in zip(days, [(19, 23), (10, 17), (18, 19)], strict=True):
            busy(user, day, opens, closes)
    return band, leader, days


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def statuses(shown, days: tuple[dt.date, ...], *, attr: str, free: str) -> tuple[bool, ...]:
    by_day = {d.day: getattr(d, attr) for d in shown}
    return tuple(by_day[day] == free for day in days)


def test_every_view_of_a_band_agrees_on_the_days_it_is_free(client, band_days):
    band, leader, days = band_days
    in_hours, last = days[0], days[-1]
    hours = band_gig_hours(band)
    assert hours.start <= dt.time(19) and (hours.end is None or hours.end >= dt.time(23))
    expected = (False, True, True)
    month = f"{in_hours:%Y-%m}"
    seen = {}

    # The one selector.
    zone = band_availability(
        band=band, members=band_available_members(band=band), first_day=in_hours, last_day=last, today=in_hours
    )
    seen["selector"] = statuses(zone.days, days, attr="status", free="green")
    assert {d.day: d.status for d in zone.days}[in_hours] == "red"

    # The band calendar, as a member sees it with its defaults.
    login(client, leader)
    page = client.get(reverse("bands:calendar", args=[band.slug]), {"date": in_hours.isoformat()})
    assert page.status_code == 200
    seen["band calendar"] = statuses(page.context["zone"].days, days, attr="status", free="green")
    client.logout()

    # The agency that acts for the band.
    agency, _owner, agent, _viewer = agency_for(band)
    login(client, agent)
    page = client.get(reverse("teams:band", args=[agency.slug, band.slug]), {"month": month})
    assert page.status_code == 200
    seen["agency"] = statuses(page.context["green"].days, days, attr="status", free="green")
    # The agency's roster, the bands' green zones side by side.
    page = client.get(reverse("roster", args=[agency.slug]), {"month": month})
    assert page.status_code == 200
    seen["roster"] = statuses(page.context["month_rows"][0].cells, days, attr="state", free="free")
    client.logout()

    # The public calendar, the share page and the API's month.
    page = client.get(reverse("bookings:band_calendar", args=[band.slug]), {"month": month})
    seen["public calendar"] = statuses(page.context["month"].days, days, attr="state", free="available")
    link = share_link_create(band=band, by=leader, label="Promoters")
    page = client.get(reverse("bookings:share", args=[link.token]), {"month": month})
    seen["share page"] = statuses(page.context["month"].days, days, attr="state", free="available")
    answer = ApiClient().get(f"/api/v1/bands/{band.slug}/availability", {"month": month})
    assert answer.status_code == 200, answer.content
    api_days = {dt.date.fromisoformat(d["date"]): d["state"] for d in answer.json()["days"]}
    seen["API month"] = tuple(api_days[day] == "available" for day in days)

    # The widget: its days run from this Monday in the band's zone, in order.
    page = client.get(reverse("embeds:band", args=[band.slug]), {"weeks": "12"})
    assert page.status_code == 200
    states = re.findall(r'class="embed-day embed-day--(\w+)', page.content.decode())
    today = timezone.now().astimezone(BERLIN).date()
    monday = today - dt.timedelta(days=today.weekday())
    assert len(states) == 12 * 7 and (last - monday).days < len(states)
    seen["widget"] = tuple(states[(day - monday).days] == "available" for day in days)

    # The finder's "free on" filter: the selector, the page and the API.
    seen["finder"] = tuple(band.pk in bands_available_on(bands=[band], day=day, today=today) for day in days)
    seen["band search"] = tuple(
        band_search(free_on_local=(day, dt.time(18), None)).filter(pk=band.pk).exists() for day in days
    )
    pages, answers = [], []
    for day in days:
        page = client.get(reverse("bands:search"), {"free_on": day.isoformat(), "part": "evening"})
        pages.append("The Night Owls" in page.content.decode())
        answer = ApiClient().get("/api/v1/bands", {"free_on": day.isoformat()})
        answers.append([b["name"] for b in answer.json()["items"]] == ["The Night Owls"])
    seen["finder page"], seen["API free_on"] = tuple(pages), tuple(answers)

    # The availability feed: an "available" window on the free day only.
    events = band_availability_events(band=band, now=timezone.now())
    event_days = {e.starts_at.astimezone(BERLIN).date() for e in events if e.transparent}
    seen["feed"] = tuple(day in event_days for day in days)

    assert seen == dict.fromkeys(seen, expected)


PATTERNS = {
    "Nothing": [],
    "Early hour": [(18, 19)],
    "In gig hours": [(19, 23)],
    "Until nine": [(18, 21)],
    "From nine": [(21, 24)],
    "Two bits": [(20, 21), (22, 23)],
    "Day job late": [(12, 20)],
    "Afternoon to night": [(15, 22)],
    "Morning": [(8, 11)],
}


@pytest.mark.parametrize("part", ["evening", "afternoon", "day"])
def test_the_finder_settles_each_band_as_the_selector_reads_it(part):
    """The finder answers most bands in SQL; whatever the busy time, its answer is the selector's."""
    today = timezone.now().astimezone(BERLIN).date()
    day = today + dt.timedelta(days=20)
    bands = []
    for name, pieces in PATTERNS.items():
        band = BandFactory(name=name, time_zone="Europe/Berlin")
        user = MembershipFactory(band=band).user
        for opens, closes in pieces:
            busy(user, day, opens, closes)
        bands.append(band)
    away = BandFactory(name="Away for days", time_zone="Europe/Berlin")
    user = MembershipFactory(band=away).user
    start = dt.datetime.combine(day - dt.timedelta(days=2), dt.time(9), tzinfo=BERLIN)
    BusyInterval.objects.create(
        user=user, starts_at=start, ends_at=start + dt.timedelta(days=4), source=BusyInterval.Source.RULE, source_id=3
    )
    bands.append(away)
    _label, opens, closes = PARTS_OF_DAY[part]
    hours = None if part == "evening" else GigHours(part, "", "", opens, closes)
    expected = {b.name for b in bands if b.pk in bands_available_on(bands=bands, day=day, today=today, hours=hours)}
    found = {b.name for b in band_search(free_on_local=(day, opens, closes))}
    assert found == expected
    if part == "evening":
        assert expected == {"Nothing", "Early hour", "Until nine", "From nine", "Day job late", "Morning"}
