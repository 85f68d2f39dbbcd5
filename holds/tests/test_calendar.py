"""Holds in the band calendar: a held day carries a muted "Held 2nd" beside its green-zone status, in the
month and the week; only the held band's members see it; the page's query count does not grow with holds."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bookings.tests.factories import in_days, venue_with_owner
from holds import services

from .factories import hold_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return hold_world()


def place(w, band, **kwargs):
    values = {"starts_at": w.start, "ends_at": w.end, "expires_at": w.expires}
    values.update(kwargs)
    return services.hold_place(by=w.owner, stage=w.stage, band=band, **values)


def page(client, user, band, day: dt.date, view: str = "month") -> str:
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("bands:calendar", args=[band.slug]), {"view": view, "date": day.isoformat()})
    assert response.status_code == 200
    return response.content.decode()


def day_cell(html: str, day: dt.date) -> str:
    match = re.search(rf'class="gz-day__link"\s+href="[^"]*date={day.isoformat()}[^>]*>(.*?)</a>', html, re.S)
    assert match, f"no cell for {day}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def local_day(w, user) -> dt.date:
    return w.start.astimezone(ZoneInfo(user.time_zone)).date()


def test_the_held_day_says_held_2nd_and_keeps_its_green_zone_status(client, w):
    place(w, w.bands[0])
    place(w, w.bands[1])
    leader = w.leaders[1]
    day = local_day(w, leader)
    cell = day_cell(page(client, leader, w.bands[1], day), day)
    assert "✎ Held 2nd" in cell and "Held 2nd at Kellerbar: a hold, not booked" in cell
    assert "Free" in cell  # the green zone is as it was
    next_day = day_cell(page(client, leader, w.bands[1], day), day + dt.timedelta(days=1))
    assert "Held" not in next_day

    week = page(client, leader, w.bands[1], day, view="week")
    assert 'class="gz-held"' in week
    held = r"Held 2nd at Kellerbar \([^)]*\), \d{2}:\d{2}–\d{2}:\d{2}: a hold, not booked"  # the 24-hour clock
    assert re.search(held, " ".join(week.split()))


def test_a_released_hold_and_other_bands_holds_do_not_show(client, w):
    released = place(w, w.bands[0])
    place(w, w.bands[1])
    services.hold_release(hold=released, by=w.owner)
    day = local_day(w, w.leaders[0])
    assert "Held" not in day_cell(page(client, w.leaders[0], w.bands[0], day), day)
    # Band 3 is not held anywhere; Band 2's leader sees its own hold, now the 1st.
    assert "Held" not in day_cell(page(client, w.leaders[2], w.bands[2], day), day)
    assert "Held 1st" in day_cell(page(client, w.leaders[1], w.bands[1], day), day)


def test_a_stranger_and_the_venue_do_not_get_the_bands_calendar(client, w):
    place(w, w.bands[1])
    for user in (w.stranger, w.owner):
        client.force_login(user)
        assert client.get(reverse("bands:calendar", args=[w.bands[1].slug])).status_code == 404


# Session, user, band, members, busy time, the band's booked gigs, its holds (one query each); the full
# page adds the band's blocks. Before holds showed, the month was 7.
MONTH_QUERIES = 8


@pytest.mark.parametrize("view", ["month", "week"])
def test_the_calendars_query_count_does_not_grow_with_holds(client, w, django_assert_max_num_queries, view):
    band, leader = w.bands[1], w.leaders[1]
    day = local_day(w, leader)
    page(client, leader, band, day, view)  # the first request after login loads more
    # The second hold falls on a neighbouring day of the same week (the week starts on Monday), whatever
    # weekday the test runs on: the day before a Sunday, else the day after.
    neighbour = -1 if day.weekday() == 6 else 1
    counts = []
    for n in range(3):
        if n:
            venue, owner = venue_with_owner(slug=f"venue-{n}")
            start = w.start + dt.timedelta(days=neighbour * (n % 2), hours=n)
            services.hold_place(
                by=owner,
                stage=venue.stages.first(),
                band=band,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                expires_at=in_days(3),
            )
        with django_assert_max_num_queries(MONTH_QUERIES) as ctx:
            html = page(client, None, band, day, view)
        counts.append(len(ctx.captured_queries))
        assert html.count('class="gz-held"') == n
    assert counts[0] == counts[1] == counts[2]
